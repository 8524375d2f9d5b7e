//! A small JSON reader for the policy file that needs neither serde_json nor `core::fmt`.
//!
//! The browser module reads the policy with it: serde_json's parser costs about 30 KB gzip in
//! a wasm module, and serde's derived visitors for this model another 20 KB. This one reads
//! the text once, front to back, straight into the model's structs. It is written for size:
//! one loop reads every struct, each struct only says which [`Slot`] each of its fields
//! fills, and one `match` reads a value into a slot. It follows the file format of the serde
//! model exactly: unknown and duplicated fields are refused, `null` stands for an absent
//! optional field only, the same defaults apply, and enums take the names their serde
//! derives give them. `tests/read.rs` checks it against `Policy::from_json_unchecked` on
//! every example policy, every enum name and thousands of mutated files, and the
//! `policy_readers` fuzz target on whatever libFuzzer makes of them. (Forms serde's derives
//! would take but the format does not, a struct written as a list and an enum as an object,
//! are refused on the serde side too: `Policy::from_json_unchecked` runs this reader after
//! serde.)

use alloc::string::String;
use alloc::vec::Vec;

use crate::consent_mode::Signal;
use crate::policy::{
    Categories, Category, CategoryText, Controller, CookieDecl, Exemption, LawfulBasis, Policy,
    SameSite, Service, Texts, UndeclaredCookies,
};
use crate::region::RegionProfile;
use crate::validate::{PolicyError, PolicyErrorKind};
use crate::{Pattern, SortedMap};

/// Reading stopped; the message is in [`Reader::error`] and the place in [`Reader::path`]. A
/// unit error keeps the results small, which keeps the browser module small.
struct Stop;

type R<T> = Result<T, Stop>;

impl Policy {
    /// Reads a policy file with consentry's own small JSON reader, without validating it.
    ///
    /// It accepts the same files as `Policy::from_json_unchecked` (feature `json`, serde_json)
    /// and builds the same policy, and it is always available: the browser module uses it, where
    /// serde_json would cost 30 KB. Errors have kind [`PolicyErrorKind::Syntax`], a path in the
    /// same form as validation errors and a short message. Run [`Policy::validate`] afterwards,
    /// or, where the rules cannot be afforded, [`Policy::harden`] (what the browser module does).
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
            i: 0,
            path: String::new(),
            error: "",
        };
        let mut policy = Policy {
            revision: 0,
            consent_max_age_days: crate::policy::DEFAULT_CONSENT_MAX_AGE_DAYS,
            cookie_name: crate::policy::DEFAULT_COOKIE_NAME.into(),
            cookie_domain: None,
            default_region: Default::default(),
            regions: SortedMap::new(),
            categories: Categories::default(),
            services: Vec::new(),
            cookies: Vec::new(),
            undeclared_cookies: Default::default(),
            receipt_endpoint: None,
            texts: SortedMap::new(),
            controller: None,
            records_retention_days: None,
        };
        let read = r.object(&mut policy, POLICY, 2).and_then(|()| {
            r.ws();
            if r.i < r.text.len() {
                return Err(r.fail("trailing characters after the policy"));
            }
            Ok(())
        });
        match read {
            Ok(()) => Ok(policy),
            Err(Stop) => {
                if r.path.is_empty() {
                    r.path.push('.');
                }
                Err(PolicyError::new(PolicyErrorKind::Syntax, r.path, r.error))
            }
        }
    }
}

/// The reader: the text, the position and the path of the value being read.
struct Reader<'a> {
    text: &'a str,
    i: usize,
    /// Where the value being read is; after a [`Stop`], where reading stopped.
    path: String,
    /// Why reading stopped.
    error: &'static str,
}

/// An object or a list being read.
struct Open {
    /// The length of the path before its entries.
    path: usize,
    /// Entries so far.
    n: u32,
}

/// Where a value read from the file goes, by its type in the file format.
enum Slot<'s> {
    Str(&'s mut String),
    OptStr(&'s mut Option<String>),
    U32(&'s mut u32),
    OptU32(&'s mut Option<u32>),
    Bool(&'s mut bool),
    OptBool(&'s mut Option<bool>),
    Pattern(&'s mut Pattern),
    Patterns(&'s mut Vec<Pattern>),
    Region(&'s mut RegionProfile),
    Regions(&'s mut SortedMap<RegionProfile>),
    Basis(&'s mut LawfulBasis),
    Signals(&'s mut Option<Vec<Signal>>),
    Undeclared(&'s mut UndeclaredCookies),
    Exemption(&'s mut Option<Exemption>),
    SameSite(&'s mut Option<SameSite>),
    Categories(&'s mut Categories),
    Services(&'s mut Vec<Service>),
    Cookies(&'s mut Vec<CookieDecl>),
    Texts(&'s mut SortedMap<Texts>),
    CategoryTexts(&'s mut SortedMap<CategoryText>),
    Controller(&'s mut Option<Controller>),
}

/// A struct of the model as the file writes it: an object whose field `i` (in the order of
/// the struct's name table) fills `slot(i)`.
trait Fields {
    fn slot(&mut self, field: usize) -> Slot<'_>;
}

impl<'a> Reader<'a> {
    /// The text as bytes. A method rather than a second field: 43 B gzip less.
    fn s(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// Records why reading stops; the path stays where it is.
    // Not inlined into its 20-odd callers: 43 B gzip less.
    #[inline(never)]
    fn fail(&mut self, message: &'static str) -> Stop {
        self.error = message;
        Stop
    }

    // Not inlined into its callers: 70 B gzip less.
    #[inline(never)]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s().get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s().get(self.i).copied()
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
        // `i` never passes the end of the text: every step forward is over a byte just read.
        let hit = self.s()[self.i..].starts_with(word);
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
            let Some(&b) = self.s().get(self.i) else {
                return Err(self.fail("unterminated string"));
            };
            if b < 0x20 {
                return Err(self.fail("control character in string"));
            }
            self.i += 1;
            if b != b'"' && b != b'\\' {
                continue;
            }
            // The run starts and ends next to ASCII bytes, so it is whole characters of the text
            // and slicing cannot fail (indexing rather than `get`: 24 B gzip).
            out.push_str(&self.text[run..self.i - 1]);
            if b == b'"' {
                return Ok(out);
            }
            let c = match self.s().get(self.i) {
                Some(b'u') => {
                    self.i += 1;
                    self.escaped_char()?
                }
                Some(&e) => {
                    self.i += 1;
                    // A table rather than a `match`, whose jump table spans `"` to `t` (23 B gzip).
                    match b"\"\\/bfnrt".iter().position(|&x| x == e) {
                        Some(k) => char::from(b"\"\\/\x08\x0c\n\r\t"[k]),
                        None => return Err(self.fail("invalid escape in string")),
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
            if self.s().get(self.i..self.i + 2) != Some(b"\\u") {
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
                .s()
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
        let negative = self.s().get(self.i) == Some(&b'-');
        self.i += usize::from(negative);
        let start = self.i;
        let mut v: u64 = 0;
        while let Some(d @ b'0'..=b'9') = self.s().get(self.i) {
            // Capped just past `u32::MAX`: no overflow however many digits, and no 128-bit
            // multiply as `saturating_mul` would need.
            v = (v * 10 + u64::from(d - b'0')).min(1 << 32);
            self.i += 1;
        }
        let digits = self.i - start;
        if digits == 0 || (digits > 1 && self.s().get(start) == Some(&b'0')) {
            return Err(self.fail("expected a whole number"));
        }
        if matches!(self.s().get(self.i), Some(b'.' | b'e' | b'E'))
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

    /// An enum written as a string: the one of `values` whose name is in the same place
    /// among the space-separated `names`.
    fn pick<T: Copy>(&mut self, (names, values): Names<T>) -> R<T> {
        // Indexing cannot fail: every table has as many values as names (tested), and it is
        // smaller than handling a miss (39 B gzip).
        Ok(values[self.name_at(names)?])
    }

    /// Where the string that comes next is among the space-separated `names`. Not generic,
    /// so one copy serves every enum.
    fn name_at(&mut self, names: &str) -> R<usize> {
        let name = self.string()?;
        match words(names).position(|n| n == name) {
            Some(at) => Ok(at),
            None => Err(self.fail("unknown value")),
        }
    }

    /// Consumes `open` (`{` or `[`) to start reading an object or a list.
    fn open(&mut self, open: u8) -> R<Open> {
        if !self.eat(open) {
            return Err(self.fail(if open == b'{' {
                "expected an object"
            } else {
                "expected a list"
            }));
        }
        Ok(Open {
            path: self.path.len(),
            n: 0,
        })
    }

    /// Moves on to the next entry of `o`, if there is one before `close` (`}` or `]`).
    fn next(&mut self, o: &mut Open, close: u8) -> R<bool> {
        self.path.truncate(o.path);
        if self.eat(close) {
            return Ok(false);
        }
        if o.n > 0 && !self.eat(b',') {
            return Err(self.fail(if close == b'}' {
                "expected `,` or `}`"
            } else {
                "expected `,` or `]`"
            }));
        }
        o.n += 1;
        Ok(true)
    }

    /// Moves on to the next element of a list, if there is one; its path is `…[i]`.
    fn item(&mut self, list: &mut Open) -> R<bool> {
        let more = self.next(list, b']')?;
        if more {
            self.path.push('[');
            crate::codec::push_u64(&mut self.path, (list.n - 1).into());
            self.path.push(']');
        }
        Ok(more)
    }

    /// Appends the field `name` to the path.
    fn enter(&mut self, name: &str) {
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(name);
    }

    /// The key of the next entry of an object, if there is one; its path is `….key`.
    fn key(&mut self, object: &mut Open) -> R<Option<String>> {
        if !self.next(object, b'}')? {
            return Ok(None);
        }
        let key = self.string()?;
        self.enter(&key);
        if !self.eat(b':') {
            return Err(self.fail("expected `:`"));
        }
        Ok(Some(key))
    }

    /// Reads an object into a struct whose fields are `names` (separated by spaces): each at
    /// most once, nothing else, and the first `required` of them must be there.
    fn object(&mut self, target: &mut dyn Fields, names: &str, required: usize) -> R<()> {
        let mut o = self.open(b'{')?;
        let mut seen = 0u32;
        while let Some(key) = self.key(&mut o)? {
            let Some(at) = words(names).position(|n| n == key) else {
                return Err(self.fail("unknown field"));
            };
            if seen & (1 << at) != 0 {
                return Err(self.fail("duplicate field"));
            }
            seen |= 1 << at;
            self.fill(target.slot(at))?;
        }
        let first_missing = (!seen).trailing_zeros() as usize;
        match words(names).nth(first_missing) {
            Some(name) if first_missing < required => {
                self.enter(name);
                Err(self.fail("missing field"))
            }
            _ => Ok(()),
        }
    }

    /// Reads a value into `slot`.
    fn fill(&mut self, slot: Slot<'_>) -> R<()> {
        use Slot::*;
        // Every optional field starts out `None` and is read at most once, so `null` leaves
        // it as it is.
        let optional = matches!(
            slot,
            OptStr(_)
                | OptU32(_)
                | OptBool(_)
                | Signals(_)
                | Exemption(_)
                | SameSite(_)
                | Controller(_)
        );
        if optional && self.word(b"null") {
            return Ok(());
        }
        match slot {
            Str(s) => *s = self.string()?,
            OptStr(s) => *s = Some(self.string()?),
            U32(n) => *n = self.u32()?,
            OptU32(n) => *n = Some(self.u32()?),
            Bool(b) => *b = self.bool()?,
            OptBool(b) => *b = Some(self.bool()?),
            Pattern(p) => *p = crate::Pattern::new(self.string()?),
            Patterns(list) => {
                let mut l = self.open(b'[')?;
                while self.item(&mut l)? {
                    list.push(crate::Pattern::new(self.string()?));
                }
            }
            Region(v) => *v = self.pick(REGION_PROFILES)?,
            Regions(map) => {
                let mut o = self.open(b'{')?;
                while let Some(code) = self.key(&mut o)? {
                    *map.reset(code) = self.pick(REGION_PROFILES)?;
                }
            }
            Basis(v) => *v = self.pick(LAWFUL_BASES)?,
            Signals(v) => {
                let signals = v.insert(Vec::new());
                let mut l = self.open(b'[')?;
                while self.item(&mut l)? {
                    signals.push(self.pick(SIGNALS)?);
                }
            }
            Undeclared(v) => *v = self.pick(UNDECLARED)?,
            Exemption(v) => *v = Some(self.pick(EXEMPTIONS)?),
            SameSite(v) => *v = Some(self.pick(SAME_SITES)?),
            // Entries of lists and maps are pushed first and then read in place, which is
            // smaller than reading them into a local and moving them in (80 B gzip).
            Categories(map) => {
                let mut o = self.open(b'{')?;
                while let Some(id) = self.key(&mut o)? {
                    map.0.push((
                        id,
                        // The lawful basis is read from the file: the field is required.
                        Category::new(LawfulBasis::Consent),
                    ));
                    if let Some((_, c)) = map.0.last_mut() {
                        self.object(c, CATEGORY, 1)?;
                    }
                }
            }
            Services(list) => {
                let mut l = self.open(b'[')?;
                while self.item(&mut l)? {
                    list.push(Service::new(
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                    ));
                    if let Some(s) = list.last_mut() {
                        self.object(s, SERVICE, 4)?;
                    }
                }
            }
            Cookies(list) => {
                let mut l = self.open(b'[')?;
                while self.item(&mut l)? {
                    list.push(CookieDecl::new(crate::Pattern::new(String::new())));
                    if let Some(c) = list.last_mut() {
                        self.object(c, COOKIE, 1)?;
                    }
                }
            }
            Texts(map) => {
                let mut o = self.open(b'{')?;
                while let Some(lang) = self.key(&mut o)? {
                    self.object(map.reset(lang), TEXTS, 0)?;
                }
            }
            CategoryTexts(map) => {
                let mut o = self.open(b'{')?;
                while let Some(id) = self.key(&mut o)? {
                    self.object(map.reset(id), CATEGORY_TEXT, 0)?;
                }
            }
            Controller(c) => {
                let c = c.insert(crate::policy::Controller {
                    name: String::new(),
                    contact: String::new(),
                    dpo: None,
                });
                self.object(c, CONTROLLER, 2)?;
            }
        }
        Ok(())
    }
}

// The fields of each struct, required ones first, and the slot each fills. The names are one
// space-separated string rather than an array of `&str`: a table of pointers and lengths costs
// more in the wasm module than splitting the string where it is used.

const POLICY: &str = "revision categories consent_max_age_days cookie_name default_region regions \
    services cookies undeclared_cookies receipt_endpoint cookie_domain texts controller \
    records_retention_days";

impl Fields for Policy {
    fn slot(&mut self, field: usize) -> Slot<'_> {
        match field {
            0 => Slot::U32(&mut self.revision),
            1 => Slot::Categories(&mut self.categories),
            2 => Slot::U32(&mut self.consent_max_age_days),
            3 => Slot::Str(&mut self.cookie_name),
            4 => Slot::Region(&mut self.default_region),
            5 => Slot::Regions(&mut self.regions),
            6 => Slot::Services(&mut self.services),
            7 => Slot::Cookies(&mut self.cookies),
            8 => Slot::Undeclared(&mut self.undeclared_cookies),
            9 => Slot::OptStr(&mut self.receipt_endpoint),
            10 => Slot::OptStr(&mut self.cookie_domain),
            11 => Slot::Texts(&mut self.texts),
            12 => Slot::Controller(&mut self.controller),
            _ => Slot::OptU32(&mut self.records_retention_days),
        }
    }
}

const CATEGORY: &str = "lawful_basis required consent_mode sale_or_sharing";

impl Fields for Category {
    fn slot(&mut self, field: usize) -> Slot<'_> {
        match field {
            0 => Slot::Basis(&mut self.lawful_basis),
            1 => Slot::Bool(&mut self.required),
            2 => Slot::Signals(&mut self.consent_mode),
            _ => Slot::OptBool(&mut self.sale_or_sharing),
        }
    }
}

const SERVICE: &str =
    "id category provider purpose privacy_policy_url scripts iframes cookies exemption justification";

impl Fields for Service {
    fn slot(&mut self, field: usize) -> Slot<'_> {
        match field {
            0 => Slot::Str(&mut self.id),
            1 => Slot::Str(&mut self.category),
            2 => Slot::Str(&mut self.provider),
            3 => Slot::Str(&mut self.purpose),
            4 => Slot::OptStr(&mut self.privacy_policy_url),
            5 => Slot::Patterns(&mut self.scripts),
            6 => Slot::Patterns(&mut self.iframes),
            7 => Slot::Cookies(&mut self.cookies),
            8 => Slot::Exemption(&mut self.exemption),
            _ => Slot::OptStr(&mut self.justification),
        }
    }
}

const COOKIE: &str =
    "name category provider purpose max_age_days exemption http_only same_site remember_me";

impl Fields for CookieDecl {
    fn slot(&mut self, field: usize) -> Slot<'_> {
        match field {
            0 => Slot::Pattern(&mut self.name),
            1 => Slot::OptStr(&mut self.category),
            2 => Slot::OptStr(&mut self.provider),
            3 => Slot::OptStr(&mut self.purpose),
            4 => Slot::OptU32(&mut self.max_age_days),
            5 => Slot::Exemption(&mut self.exemption),
            6 => Slot::OptBool(&mut self.http_only),
            7 => Slot::SameSite(&mut self.same_site),
            _ => Slot::Bool(&mut self.remember_me),
        }
    }
}

const TEXTS: &str =
    "title body accept_all reject_all preferences save blocked allow privacy_url settings categories";

impl Fields for Texts {
    fn slot(&mut self, field: usize) -> Slot<'_> {
        Slot::OptStr(match field {
            0 => &mut self.title,
            1 => &mut self.body,
            2 => &mut self.accept_all,
            3 => &mut self.reject_all,
            4 => &mut self.preferences,
            5 => &mut self.save,
            6 => &mut self.blocked,
            7 => &mut self.allow,
            8 => &mut self.privacy_url,
            9 => &mut self.settings,
            _ => return Slot::CategoryTexts(&mut self.categories),
        })
    }
}

const CONTROLLER: &str = "name contact dpo";

impl Fields for Controller {
    fn slot(&mut self, field: usize) -> Slot<'_> {
        match field {
            0 => Slot::Str(&mut self.name),
            1 => Slot::Str(&mut self.contact),
            _ => Slot::OptStr(&mut self.dpo),
        }
    }
}

const CATEGORY_TEXT: &str = "title description";

impl Fields for CategoryText {
    fn slot(&mut self, field: usize) -> Slot<'_> {
        Slot::OptStr(if field == 0 {
            &mut self.title
        } else {
            &mut self.description
        })
    }
}

/// The words of `names`, separated by single spaces. Smaller in wasm than `split(' ')` and
/// `split_ascii_whitespace`.
fn words(names: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(names);
    core::iter::from_fn(move || {
        let r = rest?;
        let end = r.bytes().position(|b| b == b' ');
        rest = end.and_then(|e| r.get(e + 1..));
        r.get(..end.unwrap_or(r.len()))
    })
}

/// Word `at` of `names` (separated by single spaces); empty past the last one.
pub(crate) fn word(names: &str, at: usize) -> &str {
    words(names).nth(at).unwrap_or_default()
}

/// The names of an enum's values as the file writes them, separated by spaces, and the values
/// in the same order.
type Names<T> = (&'static str, &'static [T]);

// Names as the serde derives spell them. The tests read a policy with every one in both
// readers, and check those of enums with an `as_str` against it. Strings rather than `as_str`
// keep the lookup in one non-generic function, which is smaller.

const REGION_PROFILES: Names<RegionProfile> = ("opt-in opt-out", &RegionProfile::ALL);

const LAWFUL_BASES: Names<LawfulBasis> = (LawfulBasis::NAMES, &LawfulBasis::ALL);

const SIGNALS: Names<Signal> = (Signal::NAMES, &Signal::ALL);

const UNDECLARED: Names<UndeclaredCookies> = (
    "drop warn allow",
    &[
        UndeclaredCookies::Drop,
        UndeclaredCookies::Warn,
        UndeclaredCookies::Allow,
    ],
);

const EXEMPTIONS: Names<Exemption> = (
    "authentication session security csrf load_balancing ui_preference consent_record",
    &[
        Exemption::Authentication,
        Exemption::Session,
        Exemption::Security,
        Exemption::Security,
        Exemption::LoadBalancing,
        Exemption::UiPreference,
        Exemption::ConsentRecord,
    ],
);

const SAME_SITES: Names<SameSite> = (
    "strict lax none",
    &[SameSite::Strict, SameSite::Lax, SameSite::None],
);

#[cfg(test)]
mod tests {
    use super::*;

    /// The names agree with the enums' own `as_str` and with their serde names (those of
    /// `Signal` and `LawfulBasis` are the same tables, so this checks their order).
    #[test]
    fn names_match_as_str_and_serde() {
        fn check<T: Copy + serde::Serialize>(
            (names, values): Names<T>,
            as_str: fn(T) -> &'static str,
        ) {
            assert!(names.split(' ').eq(values.iter().map(|v| as_str(*v))));
            for v in values {
                let serde = serde_json::to_string(v).unwrap();
                assert_eq!(serde, ["\"", as_str(*v), "\""].concat());
            }
        }
        check(REGION_PROFILES, RegionProfile::as_str);
        check(LAWFUL_BASES, LawfulBasis::as_str);
        check(SIGNALS, Signal::as_str);
    }

    /// `Reader::pick` indexes the values by the place of the name.
    #[test]
    fn as_many_values_as_names() {
        fn check<T>((names, values): Names<T>) {
            assert_eq!(words(names).count(), values.len(), "{names}");
        }
        check(REGION_PROFILES);
        check(LAWFUL_BASES);
        check(SIGNALS);
        check(UNDECLARED);
        check(EXEMPTIONS);
        check(SAME_SITES);
    }
}
