//! The consent cookie format (version 1). Stable: browser and server read it with this code.
//!
//! ```text
//! 1.<revision>.<decided_at>.<id>.<method>.<choices>[.<coverage>]
//!
//! 1            format version
//! revision     policy revision, decimal u32
//! decided_at   unix seconds UTC, decimal, 0 to 999999999999
//! id           consent id, 16 base64url characters
//! method       a accept all | r reject all | c custom | g GPC | w withdrawal
//! choices      optional categories as <id>:<0|1>, joined by `~` (empty if none)
//! coverage     what the granted categories covered, decimal u32 (see below); optional
//! ```
//!
//! Example: `1.3.1790000000.AQEBAQEBAQEBAQEB.c.functional:1~analytics:1~marketing:0.2933568871`
//! (the coverage depends on the policy's services).
//!
//! **Coverage.** A consent covers the vendors its categories had when it was given, not ones
//! added later without a new `revision`. The last field is a hash (32-bit FNV-1a) of the granted
//! categories' ids with each of their services' id and provider, in policy order
//! ([`Policy::coverage`]). When the policy's
//! hash of the same categories differs, the choice no longer holds
//! ([`Status::CoverageChanged`](crate::Status::CoverageChanged)) and the visitor is asked
//! again; a vendor added to a refused category changes nothing. A value without the field
//! (written before it existed, or a record made with [`ConsentRecord::from_parts`]) is read as
//! before: its choices hold until the revision changes or they expire.
//!
//! Numbers are plain decimal, without sign or leading zeros, so every record has exactly one
//! encoding. Choices are written in policy order; a reader maps them by id, and an optional
//! category the value does not mention counts as refused.
//!
//! Every character is an RFC 6265 cookie-octet (no space, `"`, `,`, `;`, `\`), so the value
//! needs no quoting or percent-encoding. Eight categories with ten-character ids take about 150
//! bytes. Decoding never panics; anything over 1 KiB, malformed, of another version, or naming a
//! category the policy does not have as optional is an error, which callers treat as no consent.
//!
//! The cookie is written with `Path=/; SameSite=Lax; Max-Age=<consent lifetime>`, plus
//! `Secure` on https; not `HttpOnly`, since the browser module reads it. It is host-only (no
//! `Domain`), and on https named `__Host-<cookie_name>` ([`Policy::consent_cookie_name`]): a
//! browser refuses a `__Host-` cookie that has a `Domain`, lacks `Secure` or comes over plain
//! HTTP, so a sibling subdomain cannot plant a consent for this host. A policy with
//! `cookie_domain` shares the cookie across subdomains instead, under its plain name with
//! `Domain=`, and gives that protection up.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::policy::Policy;
use crate::state::{ConsentId, ConsentRecord, Method, Timestamp};

/// The format version this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// Longer values are refused before parsing.
pub const MAX_ENCODED_LEN: usize = 1024;

/// Why a consent cookie value could not be read. Every variant means "no valid consent".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CookieError {
    /// Longer than [`MAX_ENCODED_LEN`] bytes.
    TooLong,
    /// Not in the format.
    Malformed,
    /// Written by a newer format version than this crate reads.
    UnsupportedVersion,
    /// Names a category the policy does not have as optional.
    UnknownCategory,
    /// Claims a policy revision newer than the policy in force.
    FutureRevision,
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CookieError::TooLong => "consent cookie longer than 1 KiB",
            CookieError::Malformed => "consent cookie is not in the consentry format",
            CookieError::UnsupportedVersion => "consent cookie has an unsupported format version",
            CookieError::UnknownCategory => {
                "consent cookie names a category the policy does not have"
            }
            CookieError::FutureRevision => "consent cookie names a newer policy revision",
        })
    }
}

impl core::error::Error for CookieError {}

/// A set of category indices (positions in `policy.categories`). Allocates only for policies
/// with more than 64 categories; those beyond the first 64 are one `bool` each, which takes
/// less code in the browser module than more words of bits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct CategorySet {
    low: u64,
    /// Index `i - 64` is category `i`; as long as the largest such category inserted.
    high: Vec<bool>,
}

impl CategorySet {
    /// Not inlined: one copy rather than one in each of the decision's loops, measured 217 B
    /// gzip smaller in the browser module.
    #[inline(never)]
    pub(crate) fn get(&self, i: usize) -> bool {
        match i.checked_sub(64) {
            None => self.low & (1 << i) != 0,
            Some(j) => self.high.get(j).is_some_and(|&b| b),
        }
    }

    pub(crate) fn insert(&mut self, i: usize) {
        let Some(j) = i.checked_sub(64) else {
            self.low |= 1 << i;
            return;
        };
        // `push` rather than `resize`: the browser module already has `push`'s code.
        while self.high.len() <= j {
            self.high.push(false);
        }
        if let Some(b) = self.high.get_mut(j) {
            *b = true;
        }
    }
}

/// Reads the choices field (`<id>:<0|1>~...`) into the set of granted optional categories,
/// without allocating for policies of up to 64 categories. Not inlined into
/// [`decode_parts`]: measured 27 B gzip smaller in the browser module.
#[inline(never)]
fn decode_choices(field: &[u8], policy: &Policy) -> Result<CategorySet, CookieError> {
    let mut seen = CategorySet::default();
    let mut granted = CategorySet::default();
    if field.is_empty() {
        return Ok(granted);
    }
    let mut items = Fields::new(field, b'~');
    while !items.is_done() {
        // `<id>:<0|1>` where the id has no `:` (as `split_once(':')` then a one-character
        // flag would read it). A byte loop rather than `contains`, which links `memchr`
        // (measured 150 B gzip smaller).
        let (cat, on) = match items.next().ok_or(CookieError::Malformed)? {
            [cat @ .., b':', flag @ (b'0' | b'1')] if cat.iter().all(|&b| b != b':') => {
                (cat, *flag == b'1')
            }
            _ => return Err(CookieError::Malformed),
        };
        // Every category with this id (an unvalidated policy may repeat one), as reading the
        // choices by name would.
        let mut found = false;
        for (i, (id, c)) in policy.categories.0.iter().enumerate() {
            if c.required || id.as_bytes() != cat {
                continue;
            }
            if seen.get(i) {
                return Err(CookieError::Malformed);
            }
            found = true;
            seen.insert(i);
            if on {
                granted.insert(i);
            }
        }
        if !found {
            return Err(CookieError::UnknownCategory);
        }
    }
    Ok(granted)
}

/// A decoded consent cookie with its choices as a set of category indices: what
/// [`crate::decide`] needs, without building the record's strings.
pub(crate) struct Decoded {
    pub(crate) revision: u32,
    pub(crate) decided_at: Timestamp,
    pub(crate) id: ConsentId,
    pub(crate) method: Method,
    /// Indices (in `policy.categories`) of the optional categories granted.
    pub(crate) granted: CategorySet,
    /// The coverage field, if the value has one.
    pub(crate) coverage: Option<u32>,
}

impl Decoded {
    /// The record: every optional category of the policy in policy order with its choice.
    pub(crate) fn into_record(self, policy: &Policy) -> ConsentRecord {
        let mut choices = Vec::new();
        for (i, (id, c)) in policy.categories.0.iter().enumerate() {
            if !c.required {
                choices.push((id.clone(), self.granted.get(i)));
            }
        }
        ConsentRecord {
            revision: self.revision,
            decided_at: self.decided_at,
            id: self.id,
            method: self.method,
            choices,
            coverage: self.coverage,
        }
    }
}

/// The fields of a value between one separator byte, by byte search: the same fields as
/// `str::split`, whose char searcher is large in the browser module. Every separator is
/// ASCII, so parsing on bytes sees the same fields and compares the same ids.
struct Fields<'a> {
    rest: Option<&'a [u8]>,
    sep: u8,
}

impl<'a> Fields<'a> {
    fn new(value: &'a [u8], sep: u8) -> Self {
        Fields {
            rest: Some(value),
            sep,
        }
    }

    /// True once the last field has been read.
    fn is_done(&self) -> bool {
        self.rest.is_none()
    }

    /// The next field, `None` after the last.
    fn next(&mut self) -> Option<&'a [u8]> {
        let s = self.rest?;
        Some(match s.iter().position(|&b| b == self.sep) {
            // `get` rather than indexing: `i` is always in bounds, and `get` keeps slicing's
            // panic path out of the wasm bundle.
            Some(i) => {
                self.rest = s.get(i + 1..);
                s.get(..i).unwrap_or_default()
            }
            None => {
                self.rest = None;
                s
            }
        })
    }
}

/// [`ConsentRecord::decode`] without building the record.
pub(crate) fn decode_parts(value: &str, policy: &Policy) -> Result<Decoded, CookieError> {
    if value.len() > MAX_ENCODED_LEN {
        return Err(CookieError::TooLong);
    }
    let mut fields = Fields::new(value.as_bytes(), b'.');
    // The first field is always there.
    let version =
        parse_digits(fields.next().unwrap_or_default(), 9).ok_or(CookieError::Malformed)?;
    if version != u64::from(FORMAT_VERSION) {
        return Err(if version > u64::from(FORMAT_VERSION) {
            CookieError::UnsupportedVersion
        } else {
            CookieError::Malformed
        });
    }
    let (revision, decided_at, id, method, choices_field, coverage) =
        decode_fields(&mut fields).ok_or(CookieError::Malformed)?;
    Ok(Decoded {
        revision,
        decided_at,
        id,
        method,
        granted: decode_choices(choices_field, policy)?,
        coverage,
    })
}

/// The fields after the version: the unparsed choices, then the coverage if present; `None` if
/// any is malformed or missing, or if more follow. Every error here is
/// [`CookieError::Malformed`]: one `Option` chain rather than an error per field (smaller in
/// the browser module).
#[allow(clippy::type_complexity)]
fn decode_fields<'a>(
    fields: &mut Fields<'a>,
) -> Option<(u32, Timestamp, ConsentId, Method, &'a [u8], Option<u32>)> {
    let revision = u32::try_from(parse_digits(fields.next()?, 10)?).ok()?;
    // At most 12 digits: always an `i64`.
    let decided_at = Timestamp(parse_digits(fields.next()?, 12)? as i64);
    let id = ConsentId::parse_bytes(fields.next()?)?;
    let method = match fields.next()? {
        [c] => Method::from_code(char::from(*c))?,
        _ => return None,
    };
    let choices_field = fields.next()?;
    let coverage = match fields.next() {
        None => None,
        Some(c) => Some(u32::try_from(parse_digits(c, 10)?).ok()?),
    };
    fields
        .is_done()
        .then_some((revision, decided_at, id, method, choices_field, coverage))
}

/// Canonical decimal only (no sign, no leading zero), so each record has one encoding.
/// `max_len` is at most 12, so the digits always fit a `u64`. Not generic: one copy of the
/// loop in the browser module.
fn parse_digits(s: &[u8], max_len: usize) -> Option<u64> {
    if s.is_empty() || s.len() > max_len.min(19) || (s.len() > 1 && s.starts_with(b"0")) {
        return None;
    }
    let mut n: u64 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    Some(n)
}

impl ConsentRecord {
    /// The cookie value.
    ///
    /// ```
    /// # #[cfg(feature = "json")] {
    /// use consentry::{ConsentId, ConsentRecord, Policy, Timestamp};
    /// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
    /// let r = ConsentRecord::reject_all(&policy, Timestamp(1_790_000_000), ConsentId::from_random_bytes([1; 12]));
    /// assert_eq!(r.encode(), "1.1.1790000000.AQEBAQEBAQEBAQEB.r.analytics:0");
    /// assert_eq!(ConsentRecord::decode(&r.encode(), &policy), Ok(r));
    /// # }
    /// ```
    pub fn encode(&self) -> String {
        // push_str rather than format!: keeps core::fmt's integer code out of the browser module.
        // `new` rather than `with_capacity`: pushes grow it anyway (measured 16 B gzip smaller).
        let mut out = String::new();
        push_u64(&mut out, FORMAT_VERSION.into());
        out.push('.');
        push_u64(&mut out, self.revision.into());
        out.push('.');
        let t = self.decided_at.unix();
        if t < 0 {
            out.push('-');
        }
        push_u64(&mut out, t.unsigned_abs());
        out.push('.');
        self.id.push_to(&mut out);
        out.push('.');
        out.push(self.method.code());
        out.push('.');
        for (i, (cat, on)) in self.choices.iter().enumerate() {
            if i > 0 {
                out.push('~');
            }
            out.push_str(cat);
            out.push(':');
            out.push(if *on { '1' } else { '0' });
        }
        if let Some(c) = self.coverage {
            out.push('.');
            push_u64(&mut out, c.into());
        }
        out
    }

    /// Reads a cookie value against the policy in force. The result lists every optional
    /// category of the policy in policy order; ones the cookie does not mention are refused.
    /// Expiry and revision are checked by [`crate::decide`], not here.
    pub fn decode(value: &str, policy: &Policy) -> Result<ConsentRecord, CookieError> {
        Ok(decode_parts(value, policy)?.into_record(policy))
    }

    /// The full `Set-Cookie` header value that stores this record.
    ///
    /// ```
    /// # #[cfg(feature = "json")] {
    /// use consentry::{ConsentId, ConsentRecord, Policy, Timestamp};
    /// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
    /// let r = ConsentRecord::accept_all(&policy, Timestamp(1_790_000_000), ConsentId::from_random_bytes([1; 12]));
    /// let h = r.set_cookie(&policy, true);
    /// assert!(h.starts_with("__Host-consentry=1.1.1790000000."));
    /// assert!(h.ends_with("; Path=/; Max-Age=15724800; SameSite=Lax; Secure"));
    /// // Over plain HTTP (development): the plain name, no `Secure`.
    /// assert!(r.set_cookie(&policy, false).starts_with("consentry=1.1.1790000000."));
    /// # }
    /// ```
    ///
    /// `secure` says whether the page is served over HTTPS: it chooses the name
    /// ([`Policy::consent_cookie_name`]) and adds `Secure`. With `cookie_domain` in the policy
    /// the header adds `Domain=<cookie_domain>` and keeps the plain name.
    pub fn set_cookie(&self, policy: &Policy, secure: bool) -> String {
        consent_cookie_header(
            policy,
            &self.encode(),
            u64::from(policy.consent_max_age_days) * 86_400,
            secure,
        )
    }
}

impl Policy {
    /// What a consent to these optional categories covers, as the consent cookie's coverage
    /// field stores it: a 32-bit FNV-1a hash of each granted category's id with its services'
    /// ids and providers, in policy order. Adding, removing or renaming a service or provider
    /// of a granted category changes it, and a stored consent then no longer holds
    /// ([`Status::CoverageChanged`](crate::Status::CoverageChanged)): the visitor is asked
    /// about the new vendor. Texts, purposes, cookies and lifetimes do not count (bump
    /// `revision` when those changes need a new consent). `None` when no optional category is
    /// granted: a refusal covers nothing, and its cookie has no coverage field.
    ///
    /// ```
    /// # #[cfg(feature = "json")] {
    /// use consentry::Policy;
    /// let mut policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
    /// let before = policy.coverage(|c| c == "analytics");
    /// assert!(before.is_some());
    /// policy.services[0].provider = "Another Analytics Ltd".into();
    /// assert_ne!(policy.coverage(|c| c == "analytics"), before);
    /// // Nothing granted covers nothing.
    /// assert_eq!(policy.coverage(|_| false), None);
    /// # }
    /// ```
    pub fn coverage(&self, granted: impl Fn(&str) -> bool) -> Option<u32> {
        self.coverage_of(&self.category_set(granted))
    }

    /// The positions of the categories `granted` names.
    pub(crate) fn category_set(&self, granted: impl Fn(&str) -> bool) -> CategorySet {
        let mut set = CategorySet::default();
        for (i, (id, _)) in self.categories.0.iter().enumerate() {
            if granted(id) {
                set.insert(i);
            }
        }
        set
    }

    /// [`Policy::coverage`] of the categories at these positions (the decoder's set).
    pub(crate) fn coverage_of(&self, granted: &CategorySet) -> Option<u32> {
        let mut any = false;
        let mut h: u32 = 0x811c_9dc5;
        for (i, (id, cat)) in self.categories.0.iter().enumerate() {
            if cat.required || !granted.get(i) {
                continue;
            }
            any = true;
            h = fnv(h, id);
            for s in &self.services {
                if s.category == *id {
                    h = fnv(fnv(h, &s.id), &s.provider);
                }
            }
        }
        any.then_some(h)
    }
}

/// FNV-1a over `s` and then 0xff, which UTF-8 never holds: no two lists of strings hash as
/// one.
fn fnv(mut h: u32, s: &str) -> u32 {
    for &b in s.as_bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    (h ^ 0xff).wrapping_mul(0x0100_0193)
}

/// The prefix browsers reserve for cookies that are `Secure`, `Path=/` and host-only (no
/// `Domain`): a cookie so named that breaks any of these is refused (RFC 6265bis, section
/// 4.1.3.2). The consent cookie carries it on HTTPS unless the policy shares it
/// (`cookie_domain`).
pub const HOST_PREFIX: &str = "__Host-";

impl Policy {
    /// The consent cookie's name on a page served over HTTPS (`https`) or plain HTTP: both the
    /// browser module and the server read and write it under this name only.
    ///
    /// Over HTTPS it is `__Host-<cookie_name>`, which no other host (a sibling subdomain
    /// setting `Domain=.example.com`) can write; a plain `<cookie_name>` cookie there is
    /// ignored. Over plain HTTP (development on `localhost`) browsers refuse `__Host-`
    /// cookies, so it is `<cookie_name>`. With `cookie_domain` (consent shared across
    /// subdomains) it is always `<cookie_name>`.
    ///
    /// ```
    /// use consentry::Policy;
    /// let mut policy = Policy::read_json(r#"{ "revision": 1, "categories": {} }"#)?;
    /// assert_eq!(policy.consent_cookie_name(true), "__Host-consentry");
    /// assert_eq!(policy.consent_cookie_name(false), "consentry");
    /// policy.cookie_domain = Some("example.com".into());
    /// assert_eq!(policy.consent_cookie_name(true), "consentry");
    /// # Ok::<(), consentry::PolicyError>(())
    /// ```
    pub fn consent_cookie_name(&self, https: bool) -> String {
        let mut name = String::from(self.consent_cookie_prefix(https));
        name.push_str(&self.cookie_name);
        name
    }

    /// Is `name` the consent cookie's name on a page served over HTTPS (`https`) or plain
    /// HTTP, [`Policy::consent_cookie_name`]? (Without building the name: what the browser
    /// module reads `document.cookie` with.)
    ///
    /// ```
    /// use consentry::Policy;
    /// let policy = Policy::read_json(r#"{ "revision": 1, "categories": {} }"#)?;
    /// assert!(policy.is_consent_cookie_name("__Host-consentry", true));
    /// assert!(!policy.is_consent_cookie_name("consentry", true));
    /// assert!(policy.is_consent_cookie_name("consentry", false));
    /// # Ok::<(), consentry::PolicyError>(())
    /// ```
    pub fn is_consent_cookie_name(&self, name: &str, https: bool) -> bool {
        let (n, p, c) = (
            name.as_bytes(),
            self.consent_cookie_prefix(https).as_bytes(),
            self.cookie_name.as_bytes(),
        );
        n.len() == p.len() + c.len() && n.starts_with(p) && n.ends_with(c)
    }

    /// Is `name` the consent cookie's, under either of its names (`<cookie_name>`,
    /// `__Host-<cookie_name>`)? Such a cookie is consentry's own: the server's Set-Cookie
    /// gate lets it through, and `Consentry::expect_cookies` accepts it.
    ///
    /// ```
    /// use consentry::Policy;
    /// let policy = Policy::read_json(r#"{ "revision": 1, "categories": {} }"#)?;
    /// assert!(policy.is_consent_cookie("consentry") && policy.is_consent_cookie("__Host-consentry"));
    /// assert!(!policy.is_consent_cookie("__Secure-consentry") && !policy.is_consent_cookie("__host-consentry"));
    /// # Ok::<(), consentry::PolicyError>(())
    /// ```
    pub fn is_consent_cookie(&self, name: &str) -> bool {
        let name = name.as_bytes();
        name.strip_prefix(HOST_PREFIX.as_bytes()).unwrap_or(name) == self.cookie_name.as_bytes()
    }

    /// `__Host-` where the consent cookie carries it (HTTPS, not shared), else nothing.
    fn consent_cookie_prefix(&self, https: bool) -> &'static str {
        if https && self.cookie_domain.is_none() {
            HOST_PREFIX
        } else {
            ""
        }
    }
}

/// A `Set-Cookie` header value that deletes the consent cookie (on withdrawal, or to reset),
/// under the name and `Domain` it is written with on this page (`secure`: served over HTTPS).
///
/// ```
/// # #[cfg(feature = "json")] {
/// use consentry::{clear_consent_cookie, Policy};
/// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
/// assert_eq!(clear_consent_cookie(&policy, true), "__Host-consentry=; Path=/; Max-Age=0; SameSite=Lax; Secure");
/// assert_eq!(clear_consent_cookie(&policy, false), "consentry=; Path=/; Max-Age=0; SameSite=Lax");
/// # }
/// ```
pub fn clear_consent_cookie(policy: &Policy, secure: bool) -> String {
    consent_cookie_header(policy, "", 0, secure)
}

/// Appends to `out` the `Set-Cookie` header values that delete the consent cookies this page
/// may still hold under a name or scope it no longer reads, so they do not linger: over HTTPS,
/// the plain-named host-only cookie written before the `__Host-` name (or planted by a page of
/// this host); with `cookie_domain`, the host-only cookies written before the consent was
/// shared (which would otherwise be sent beside the shared one, and a duplicated consent
/// cookie reads as no consent). Nothing over plain HTTP when not shared. Write them with the
/// consent cookie, after it.
///
/// A plain-named cookie another host planted with `Domain=` is not deleted here (this page
/// cannot name every parent domain); over HTTPS it is ignored anyway.
///
/// ```
/// # #[cfg(feature = "json")] {
/// use consentry::{clear_stale_consent_cookies, Policy};
/// let mut policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
/// let stale = |policy: &Policy, secure| {
///     let mut out = Vec::new();
///     clear_stale_consent_cookies(policy, secure, &mut out);
///     out
/// };
/// assert_eq!(stale(&policy, true), ["consentry=; Path=/; Max-Age=0"]);
/// assert!(stale(&policy, false).is_empty());
/// policy.cookie_domain = Some("example.com".into());
/// assert_eq!(stale(&policy, true), ["consentry=; Path=/; Max-Age=0", "__Host-consentry=; Path=/; Max-Age=0; Secure"]);
/// # }
/// ```
pub fn clear_stale_consent_cookies(policy: &Policy, secure: bool, out: &mut Vec<String>) {
    let shared = policy.cookie_domain.is_some();
    // Host-only (no `Domain`): each deletes only the cookie written without one. The plain
    // one is the same text as the browser module's deletions; a `__Host-` cookie, deletions
    // included, is refused by browsers without `Secure`.
    for (prefix, stale, tail) in [
        ("", secure || shared, ""),
        (HOST_PREFIX, secure && shared, "; Secure"),
    ] {
        if stale {
            let mut s = String::new();
            s.push_str(prefix);
            s.push_str(&policy.cookie_name);
            s.push_str("=; Path=/; Max-Age=0");
            s.push_str(tail);
            out.push(s);
        }
    }
}

fn consent_cookie_header(policy: &Policy, value: &str, max_age: u64, secure: bool) -> String {
    // `new` rather than `with_capacity`: pushes grow it anyway (measured 29 B gzip smaller).
    let mut out = String::new();
    out.push_str(policy.consent_cookie_prefix(secure));
    out.push_str(&policy.cookie_name);
    out.push('=');
    out.push_str(value);
    out.push_str("; Path=/; Max-Age=");
    push_u64(&mut out, max_age);
    if let Some(d) = &policy.cookie_domain {
        out.push_str("; Domain=");
        out.push_str(d);
    }
    out.push_str("; SameSite=Lax");
    if secure {
        out.push_str("; Secure");
    }
    out
}

/// Appends `n` in decimal (without `core::fmt`, which is large in the browser module).
pub(crate) fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(char::from(b));
    }
}

/// True if every byte is an RFC 6265 cookie-octet: printable ASCII except space, `"`, `,`,
/// `;` and `\`. Every encoded consent cookie value is.
///
/// ```
/// use consentry::is_cookie_octets;
/// assert!(is_cookie_octets("1.3.1790000000.AQEBAQEBAQEBAQEB.c.analytics:1"));
/// assert!(!is_cookie_octets("a b") && !is_cookie_octets("a;b") && !is_cookie_octets("\"x\""));
/// ```
pub fn is_cookie_octets(value: &str) -> bool {
    value.bytes().all(|b| {
        b == 0x21
            || (0x23..=0x2B).contains(&b)
            || (0x2D..=0x3A).contains(&b)
            || (0x3C..=0x5B).contains(&b)
            || (0x5D..=0x7E).contains(&b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn push_u64_writes_decimal() {
        for n in [0, 1, 9, 10, 99, 100, 1_790_000_000, u64::MAX] {
            let mut s = String::from("x");
            push_u64(&mut s, n);
            assert_eq!(s, "x".to_string() + &n.to_string());
        }
    }
}
