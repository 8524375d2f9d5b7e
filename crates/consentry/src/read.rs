//! A small JSON reader for the policy file that needs neither serde_json nor `core::fmt`.
//!
//! The browser module reads the policy with it: serde_json's parser costs about 30 KB gzip in
//! a wasm module, and serde's derived visitors for this model another 20 KB. This one reads
//! the text once, front to back, straight into the model's structs, with a few small
//! helpers (generic over their callbacks: measured smaller than `dyn` callbacks here). It
//! follows the file format of the serde model exactly: unknown and duplicated
//! fields are refused, `null` stands for an absent optional field only, the same defaults
//! apply, and enums take the names their serde derives give them. `tests/read.rs` checks it
//! against `Policy::from_json_unchecked` on every example policy, every enum name and
//! thousands of mutated files.
//!
//! One thing serde_json accepts and this does not: a unit enum written as an object
//! (`{"consent": null}` for `"consent"`).

use alloc::string::String;
use alloc::vec::Vec;

use crate::consent_mode::Signal;
use crate::policy::{
    Categories, Category, CategoryText, CookieDecl, Exemption, LawfulBasis, Policy, SameSite,
    Service, Texts, UndeclaredCookies,
};
use crate::region::RegionProfile;
use crate::validate::{PolicyError, PolicyErrorKind};
use crate::{Pattern, SortedMap};

/// Reading stopped; what went wrong and where is in [`Reader::error`]. A unit error keeps the
/// results small, which keeps the browser module small.
struct Stop;

type R<T> = Result<T, Stop>;

impl Policy {
    /// Reads a policy file with consentry's own small JSON reader, without validating it.
    ///
    /// It accepts the same files as `Policy::from_json_unchecked` (feature `json`, serde_json)
    /// and builds the same policy, and it is always available: the browser module uses it, where
    /// serde_json would cost 30 KB. Errors have kind [`PolicyErrorKind::Syntax`], a path in the
    /// same form as validation errors and a short message. Run [`Policy::validate`] (or
    /// [`Policy::first_problem_kind`]) afterwards.
    ///
    /// ```
    /// use consentry::Policy;
    ///
    /// let policy = Policy::read_json(r#"{ "revision": 3, "categories": {
    ///     "necessary": { "required": true, "lawful_basis": "contract" } } }"#)?;
    /// assert_eq!(policy.revision, 3);
    /// assert_eq!(policy.cookie_name, "consentry");
    ///
    /// let err = Policy::read_json(r#"{ "revision": 3, "categories": {}, "colour": 1 }"#)
    ///     .unwrap_err();
    /// assert_eq!(err.path(), "colour");
    /// assert_eq!(err.message(), "unknown field");
    /// # Ok::<(), consentry::PolicyError>(())
    /// ```
    pub fn read_json(text: &str) -> Result<Policy, PolicyError> {
        let mut r = Reader {
            text,
            s: text.as_bytes(),
            i: 0,
            path: String::new(),
            error: None,
        };
        let read = r.policy().and_then(|policy| {
            r.ws();
            if r.i < r.s.len() {
                return Err(r.fail("trailing characters after the policy"));
            }
            Ok(policy)
        });
        read.map_err(|Stop| {
            r.error
                .unwrap_or_else(|| PolicyError::new(PolicyErrorKind::Syntax, ".", ""))
        })
    }
}

/// The reader: the text, the position and the path of the value being read.
struct Reader<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
    path: String,
    /// The first error, with the path where it happened.
    error: Option<PolicyError>,
}

impl<'a> Reader<'a> {
    /// Records the error at the current path and stops.
    fn fail(&mut self, message: &'static str) -> Stop {
        let path = if self.path.is_empty() {
            "."
        } else {
            self.path.as_str()
        };
        self.error = Some(PolicyError::new(PolicyErrorKind::Syntax, path, message));
        Stop
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    /// Consumes `c` if it comes next.
    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        self.i += usize::from(hit);
        hit
    }

    /// Consumes the literal `word` (`null`, `true`, `false`) if it comes next.
    fn word(&mut self, word: &[u8]) -> bool {
        self.ws();
        let hit = self.s.get(self.i..self.i + word.len()) == Some(word);
        if hit {
            self.i += word.len();
        }
        hit
    }

    /// A JSON string.
    fn string(&mut self) -> R<String> {
        if !self.eat(b'"') {
            return Err(self.fail("expected a string"));
        }
        let mut out = String::new();
        let mut run = self.i;
        loop {
            let Some(&b) = self.s.get(self.i) else {
                return Err(self.fail("unterminated string"));
            };
            if b < 0x20 {
                return Err(self.fail("control character in string"));
            }
            self.i += 1;
            if b != b'"' && b != b'\\' {
                continue;
            }
            // The run ends before an ASCII byte, so it is whole characters of the text.
            out.push_str(self.text.get(run..self.i - 1).unwrap_or_default());
            if b == b'"' {
                return Ok(out);
            }
            let c = match self.s.get(self.i) {
                Some(b'u') => {
                    self.i += 1;
                    self.escaped_char()?
                }
                Some(&e) => {
                    self.i += 1;
                    match e {
                        b'"' | b'\\' | b'/' => char::from(e),
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        _ => return Err(self.fail("invalid escape in string")),
                    }
                }
                None => return Err(self.fail("unterminated string")),
            };
            out.push(c);
            run = self.i;
        }
    }

    /// The character of a `\u` escape (after the `u`), joining a surrogate pair.
    fn escaped_char(&mut self) -> R<char> {
        let hi = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            if self.s.get(self.i..self.i + 2) != Some(b"\\u") {
                return Err(self.fail("lone surrogate in string"));
            }
            self.i += 2;
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return Err(self.fail("lone surrogate in string"));
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else {
            hi
        };
        char::from_u32(code).ok_or_else(|| self.fail("lone surrogate in string"))
    }

    fn hex4(&mut self) -> R<u32> {
        let mut v = 0;
        for _ in 0..4 {
            let d = self
                .s
                .get(self.i)
                .and_then(|&b| char::from(b).to_digit(16))
                .ok_or_else(|| self.fail("invalid escape in string"))?;
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }

    /// A JSON number that is a whole number from 0 to `u32::MAX`; a sign, fractions and
    /// exponents are refused, as serde_json does for `u32` (it reads `-0` as a float).
    fn u32(&mut self) -> R<u32> {
        self.ws();
        let negative = self.s.get(self.i) == Some(&b'-');
        self.i += usize::from(negative);
        let start = self.i;
        let mut v: u64 = 0;
        while let Some(d @ b'0'..=b'9') = self.s.get(self.i) {
            v = v.saturating_mul(10).saturating_add(u64::from(d - b'0'));
            self.i += 1;
        }
        let digits = self.i - start;
        if digits == 0 || (digits > 1 && self.s[start] == b'0') {
            return Err(self.fail("expected a whole number"));
        }
        if matches!(self.s.get(self.i), Some(b'.' | b'e' | b'E'))
            || negative
            || v > u64::from(u32::MAX)
        {
            return Err(self.fail("expected a whole number from 0 to 4294967295"));
        }
        Ok(v as u32)
    }

    fn bool(&mut self) -> R<bool> {
        if self.word(b"true") {
            Ok(true)
        } else if self.word(b"false") {
            Ok(false)
        } else {
            Err(self.fail("expected true or false"))
        }
    }

    /// An enum written as a string: the value named in `names`.
    fn pick<T: Copy>(&mut self, names: &[(&str, T)]) -> R<T> {
        let s = self.string()?;
        match names.iter().find(|(n, _)| *n == s) {
            Some(&(_, v)) => Ok(v),
            None => Err(self.fail("unknown value")),
        }
    }

    /// An enum written as a string: the one of `all` whose `name` it is (the enum's own
    /// file-format spelling).
    fn pick_named<T: Copy>(&mut self, all: &[T], name: fn(T) -> &'static str) -> R<T> {
        let s = self.string()?;
        match all.iter().find(|v| name(**v) == s) {
            Some(&v) => Ok(v),
            None => Err(self.fail("unknown value")),
        }
    }

    /// `None` for `null`, otherwise the value `f` reads.
    fn opt<T>(&mut self, f: fn(&mut Self) -> R<T>) -> R<Option<T>> {
        if self.word(b"null") {
            Ok(None)
        } else {
            f(self).map(Some)
        }
    }

    /// A list, calling `each` on every element with its path (`…[2]`).
    fn list(&mut self, mut each: impl FnMut(&mut Reader<'a>) -> R<()>) -> R<()> {
        if !self.eat(b'[') {
            return Err(self.fail("expected a list"));
        }
        if self.eat(b']') {
            return Ok(());
        }
        let len = self.path.len();
        let mut n: u32 = 0;
        loop {
            self.path.push('[');
            push_u32(&mut self.path, n);
            self.path.push(']');
            each(self)?;
            self.path.truncate(len);
            n += 1;
            if self.eat(b']') {
                return Ok(());
            }
            if !self.eat(b',') {
                return Err(self.fail("expected `,` or `]`"));
            }
        }
    }

    /// An object, calling `each` with every key (path `….key`) before its value is read.
    fn object(&mut self, mut each: impl FnMut(&mut Reader<'a>, String) -> R<()>) -> R<()> {
        if !self.eat(b'{') {
            return Err(self.fail("expected an object"));
        }
        if self.eat(b'}') {
            return Ok(());
        }
        let len = self.path.len();
        loop {
            let key = self.string()?;
            if !self.path.is_empty() {
                self.path.push('.');
            }
            self.path.push_str(&key);
            if !self.eat(b':') {
                return Err(self.fail("expected `:`"));
            }
            each(self, key)?;
            self.path.truncate(len);
            if self.eat(b'}') {
                return Ok(());
            }
            if !self.eat(b',') {
                return Err(self.fail("expected `,` or `}`"));
            }
        }
    }

    /// A struct: an object whose keys must be in `names`, each at most once. `each` gets the
    /// index of the field; the result says which fields were present (bit `1 << index`).
    fn fields(
        &mut self,
        names: &[&str],
        mut each: impl FnMut(&mut Reader<'a>, usize) -> R<()>,
    ) -> R<u32> {
        let mut seen = 0u32;
        self.object(|r, key| {
            let Some(at) = names.iter().position(|n| *n == key) else {
                return Err(r.fail("unknown field"));
            };
            if seen & (1 << at) != 0 {
                return Err(r.fail("duplicate field"));
            }
            seen |= 1 << at;
            each(r, at)
        })?;
        Ok(seen)
    }

    /// The error for a required field that is not in the object just read.
    fn missing(&mut self, field: &str) -> Stop {
        let len = self.path.len();
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(field);
        let e = self.fail("missing field");
        self.path.truncate(len);
        e
    }

    fn patterns(&mut self) -> R<Vec<Pattern>> {
        let mut out = Vec::new();
        self.list(|r| {
            out.push(Pattern::new(r.string()?));
            Ok(())
        })?;
        Ok(out)
    }

    fn policy(&mut self) -> R<Policy> {
        let mut p = Policy {
            revision: 0,
            consent_max_age_days: crate::policy::DEFAULT_CONSENT_MAX_AGE_DAYS,
            cookie_name: crate::policy::DEFAULT_COOKIE_NAME.into(),
            default_region: Default::default(),
            regions: SortedMap::new(),
            categories: Categories::default(),
            services: Vec::new(),
            cookies: Vec::new(),
            undeclared_cookies: Default::default(),
            receipt_endpoint: None,
            texts: SortedMap::new(),
        };
        const FIELDS: [&str; 11] = [
            "revision",
            "categories",
            "consent_max_age_days",
            "cookie_name",
            "default_region",
            "regions",
            "services",
            "cookies",
            "undeclared_cookies",
            "receipt_endpoint",
            "texts",
        ];
        let seen = self.fields(&FIELDS, |r, field| {
            match field {
                0 => p.revision = r.u32()?,
                1 => r.object(|r, id| {
                    let c = r.category()?;
                    p.categories.0.push((id, c));
                    Ok(())
                })?,
                2 => p.consent_max_age_days = r.u32()?,
                3 => p.cookie_name = r.string()?,
                4 => p.default_region = r.pick_named(&RegionProfile::ALL, RegionProfile::as_str)?,
                5 => r.object(|r, code| {
                    p.regions.insert(
                        code,
                        r.pick_named(&RegionProfile::ALL, RegionProfile::as_str)?,
                    );
                    Ok(())
                })?,
                6 => r.list(|r| {
                    p.services.push(r.service()?);
                    Ok(())
                })?,
                7 => p.cookies = r.cookies()?,
                8 => p.undeclared_cookies = r.pick(&UNDECLARED)?,
                9 => p.receipt_endpoint = r.opt(Self::string)?,
                _ => r.object(|r, lang| {
                    p.texts.insert(lang, r.texts()?);
                    Ok(())
                })?,
            }
            Ok(())
        })?;
        for (bit, name) in FIELDS[..2].iter().enumerate() {
            if seen & (1 << bit) == 0 {
                return Err(self.missing(name));
            }
        }
        Ok(p)
    }

    fn category(&mut self) -> R<Category> {
        let mut c = Category {
            required: false,
            lawful_basis: LawfulBasis::Consent,
            consent_mode: None,
            sale_or_sharing: None,
        };
        let seen = self.fields(
            &[
                "lawful_basis",
                "required",
                "consent_mode",
                "sale_or_sharing",
            ],
            |r, field| {
                match field {
                    0 => c.lawful_basis = r.pick_named(&LawfulBasis::ALL, LawfulBasis::as_str)?,
                    1 => c.required = r.bool()?,
                    2 => {
                        c.consent_mode = r.opt(|r| {
                            let mut signals = Vec::new();
                            r.list(|r| {
                                signals.push(r.pick_named(&Signal::ALL, Signal::as_str)?);
                                Ok(())
                            })?;
                            Ok(signals)
                        })?
                    }
                    _ => c.sale_or_sharing = r.opt(Self::bool)?,
                }
                Ok(())
            },
        )?;
        if seen & 1 == 0 {
            return Err(self.missing("lawful_basis"));
        }
        Ok(c)
    }

    fn service(&mut self) -> R<Service> {
        const FIELDS: [&str; 8] = [
            "id",
            "category",
            "provider",
            "purpose",
            "privacy_policy_url",
            "scripts",
            "iframes",
            "cookies",
        ];
        let mut s = Service {
            id: String::new(),
            category: String::new(),
            provider: String::new(),
            purpose: String::new(),
            privacy_policy_url: None,
            scripts: Vec::new(),
            iframes: Vec::new(),
            cookies: Vec::new(),
        };
        let seen = self.fields(&FIELDS, |r, field| {
            match field {
                0 => s.id = r.string()?,
                1 => s.category = r.string()?,
                2 => s.provider = r.string()?,
                3 => s.purpose = r.string()?,
                4 => s.privacy_policy_url = r.opt(Self::string)?,
                5 => s.scripts = r.patterns()?,
                6 => s.iframes = r.patterns()?,
                _ => s.cookies = r.cookies()?,
            }
            Ok(())
        })?;
        for (bit, name) in FIELDS[..4].iter().enumerate() {
            if seen & (1 << bit) == 0 {
                return Err(self.missing(name));
            }
        }
        Ok(s)
    }

    fn cookies(&mut self) -> R<Vec<CookieDecl>> {
        let mut out = Vec::new();
        self.list(|r| {
            let mut c = CookieDecl {
                name: Pattern::new(""),
                category: None,
                provider: None,
                purpose: None,
                max_age_days: None,
                exemption: None,
                http_only: None,
                same_site: None,
            };
            let seen = r.fields(
                &[
                    "name",
                    "category",
                    "provider",
                    "purpose",
                    "max_age_days",
                    "exemption",
                    "http_only",
                    "same_site",
                ],
                |r, field| {
                    match field {
                        0 => c.name = Pattern::new(r.string()?),
                        1 => c.category = r.opt(Self::string)?,
                        2 => c.provider = r.opt(Self::string)?,
                        3 => c.purpose = r.opt(Self::string)?,
                        4 => c.max_age_days = r.opt(Self::u32)?,
                        5 => c.exemption = r.opt(|r| r.pick(&EXEMPTIONS))?,
                        6 => c.http_only = r.opt(Self::bool)?,
                        _ => c.same_site = r.opt(|r| r.pick(&SAME_SITES))?,
                    }
                    Ok(())
                },
            )?;
            if seen & 1 == 0 {
                return Err(r.missing("name"));
            }
            out.push(c);
            Ok(())
        })?;
        Ok(out)
    }

    fn texts(&mut self) -> R<Texts> {
        let mut t = Texts::default();
        self.fields(
            &[
                "title",
                "body",
                "accept_all",
                "reject_all",
                "preferences",
                "save",
                "blocked",
                "allow",
                "privacy_url",
                "categories",
            ],
            |r, field| {
                let slot = match field {
                    0 => &mut t.title,
                    1 => &mut t.body,
                    2 => &mut t.accept_all,
                    3 => &mut t.reject_all,
                    4 => &mut t.preferences,
                    5 => &mut t.save,
                    6 => &mut t.blocked,
                    7 => &mut t.allow,
                    8 => &mut t.privacy_url,
                    _ => {
                        return r.object(|r, id| {
                            let text = r.category_text()?;
                            t.categories.insert(id, text);
                            Ok(())
                        })
                    }
                };
                *slot = r.opt(Self::string)?;
                Ok(())
            },
        )?;
        Ok(t)
    }

    fn category_text(&mut self) -> R<CategoryText> {
        let mut c = CategoryText::default();
        self.fields(&["title", "description"], |r, field| {
            let value = r.opt(Self::string)?;
            if field == 0 {
                c.title = value;
            } else {
                c.description = value;
            }
            Ok(())
        })?;
        Ok(c)
    }
}

/// Appends `n` in decimal, without `core::fmt`.
fn push_u32(out: &mut String, n: u32) {
    if n >= 10 {
        push_u32(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

// The file-format names of the enums that have no `as_str` in that spelling, as their serde
// derives spell them (the tests read a policy using every one with both readers).

const UNDECLARED: [(&str, UndeclaredCookies); 3] = [
    ("drop", UndeclaredCookies::Drop),
    ("warn", UndeclaredCookies::Warn),
    ("allow", UndeclaredCookies::Allow),
];

const EXEMPTIONS: [(&str, Exemption); 7] = [
    ("authentication", Exemption::Authentication),
    ("session", Exemption::Session),
    ("security", Exemption::Security),
    ("csrf", Exemption::Security),
    ("load_balancing", Exemption::LoadBalancing),
    ("ui_preference", Exemption::UiPreference),
    ("consent_record", Exemption::ConsentRecord),
];

const SAME_SITES: [(&str, SameSite); 3] = [
    ("strict", SameSite::Strict),
    ("lax", SameSite::Lax),
    ("none", SameSite::None),
];
