//! The Set-Cookie gate: every cookie a response sets is checked against the policy and the
//! visitor's consent.

use std::fmt;

use consentry::policy::UndeclaredCookies;
use consentry::{Policy, SameSite};
use cookie::time::OffsetDateTime;
use cookie::Cookie;

use crate::consent::Consent;
use crate::cookie_index::Declared;
use crate::csrf::CSRF_COOKIE;
use memchr::memchr;

use crate::scan::trim_wsp;

/// Why the gate dropped or warned about a `Set-Cookie`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GateReason {
    /// The cookie's category was not granted by the visitor.
    NotGranted {
        /// The category id.
        category: String,
    },
    /// The policy does not declare the cookie.
    Undeclared,
    /// The header could not be parsed as a cookie.
    Malformed,
    /// A declared cookie lacks the `HttpOnly` the policy declares for it (dropped).
    MissingHttpOnly,
    /// A declared cookie lacks the `SameSite` the policy declares for it, or has another
    /// (dropped).
    WrongSameSite {
        /// What the policy declares.
        declared: SameSite,
    },
}

impl fmt::Display for GateReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GateReason::NotGranted { category } => {
                write!(f, "category `{category}` not granted by the visitor")
            }
            GateReason::Undeclared => f.write_str("cookie not declared in the policy"),
            GateReason::Malformed => f.write_str("Set-Cookie header is not a valid cookie"),
            GateReason::MissingHttpOnly => {
                f.write_str("policy declares HttpOnly but the cookie lacks it")
            }
            GateReason::WrongSameSite { declared } => write!(
                f,
                "policy declares SameSite={} but the cookie does not carry it",
                declared.as_str()
            ),
        }
    }
}

/// What the gate does with one `Set-Cookie`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GateVerdict {
    /// Send it.
    Keep,
    /// Send it, and log a warning (an undeclared cookie under `undeclared_cookies: "warn"`).
    Warn(GateReason),
    /// Remove it from the response.
    Drop(GateReason),
}

impl GateVerdict {
    /// Does the cookie reach the browser?
    pub fn keeps(&self) -> bool {
        !matches!(self, GateVerdict::Drop(_))
    }
}

/// Decides on one `Set-Cookie` header value. Returns the cookie's name (when it has one) with
/// the verdict. Rules:
///
/// - the consent cookie itself (under either name, `consentry` or `__Host-consentry`:
///   [`Policy::is_consent_cookie`]), consentry's CSRF cookie (`__Host-csrf`), and any cookie
///   being deleted (`Max-Age=0`, `Expires` in the past), always pass;
/// - a declared cookie passes when its category is allowed, and is dropped otherwise;
/// - a declared cookie lacking the `HttpOnly` or the `SameSite` its declaration gives
///   (`"http_only": true`, `"same_site": "strict"`) is dropped
///   ([`GateReason::MissingHttpOnly`], [`GateReason::WrongSameSite`]): the policy promises
///   them, and an auth cookie without them is readable by scripts or sent cross-site;
/// - an undeclared cookie is dropped, warned about or allowed as `policy.undeclared_cookies`
///   says (default: dropped);
/// - an unparsable header is dropped.
///
/// ```
/// use consentry::Policy;
/// use consentry_server::{check_set_cookie, Consentry, GateVerdict};
/// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
/// let consentry = Consentry::new(policy);
/// let no_consent = consentry.consent(&[][..], false);
/// let (name, verdict) = check_set_cookie(consentry.policy(), &no_consent, b"_ga=GA1.1.1; Path=/");
/// assert_eq!(name.as_deref(), Some("_ga"));
/// assert!(!verdict.keeps());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_set_cookie(
    policy: &Policy,
    consent: &Consent,
    header: &[u8],
) -> (Option<String>, GateVerdict) {
    let (name, verdict) = check(policy, consent, header, |name| {
        policy
            .cookie_for(name)
            .map(|cookie| Declared::new(policy, &cookie))
    });
    (name.map(str::to_owned), verdict)
}

/// [`check_set_cookie`] with the name borrowed from the header, and the policy's declarations
/// looked up with `declared` (`Policy::cookie_for`, or the same answer from an index).
pub(crate) fn check<'h, 'p>(
    policy: &Policy,
    consent: &Consent,
    header: &'h [u8],
    declared: impl FnOnce(&str) -> Option<Declared<'p>>,
) -> (Option<&'h str>, GateVerdict) {
    match SetCookie::parse(header) {
        Some(cookie) => (
            Some(cookie.name),
            verdict_for(policy, consent, &cookie, declared),
        ),
        None => (None, GateVerdict::Drop(GateReason::Malformed)),
    }
}

/// Which of a response's `Set-Cookie` values to keep, in order (a bit each; no allocation for
/// up to 64 values). Used by the framework adapters.
#[cfg_attr(not(any(feature = "axum", feature = "actix")), allow(dead_code))]
#[derive(Debug, Default)]
pub(crate) struct Kept {
    len: usize,
    first: u64,
    more: Vec<bool>,
}

#[cfg_attr(not(any(feature = "axum", feature = "actix")), allow(dead_code))]
impl Kept {
    pub(crate) fn push(&mut self, keep: bool) {
        match self.len {
            i @ 0..64 => self.first |= u64::from(keep) << i,
            _ => self.more.push(keep),
        }
        self.len += 1;
    }

    /// Whether to keep the value at `i` (values past the last pushed are dropped).
    pub(crate) fn keeps(&self, i: usize) -> bool {
        match i {
            0..64 => i < self.len && self.first & (1 << i) != 0,
            _ => self.more.get(i - 64).copied().unwrap_or(false),
        }
    }

    /// Every pushed value is kept.
    pub(crate) fn all(&self) -> bool {
        let pushed = if self.len >= 64 {
            u64::MAX
        } else {
            (1 << self.len) - 1
        };
        self.first == pushed && self.more.iter().all(|k| *k)
    }
}

/// A `Set-Cookie` value as the gate sees it, borrowed from the header. (A small parser of its
/// own: the gate runs on every cookie of every response.)
struct SetCookie<'a> {
    raw: &'a [u8],
    name: &'a str,
    /// Everything from the first `;` on, parsed only when the verdict depends on it.
    attributes: &'a [u8],
}

/// The attributes the gate looks at.
struct Attributes<'a> {
    http_only: bool,
    same_site: Option<&'a [u8]>,
    max_age: Option<&'a [u8]>,
    expires: bool,
}

impl<'a> SetCookie<'a> {
    fn parse(header: &'a [u8]) -> Option<Self> {
        // Not UTF-8: malformed. (`is_ascii` first: it is the common case, and faster.)
        if !header.is_ascii() {
            std::str::from_utf8(header).ok()?;
        }
        let first_end = memchr(b';', header).unwrap_or(header.len());
        let eq = memchr(b'=', &header[..first_end])?;
        let name = trim_wsp(&header[..eq]);
        crate::name::check_token_bytes(name).ok()?;
        Some(SetCookie {
            raw: header,
            // A token is ASCII.
            name: std::str::from_utf8(name).ok()?,
            attributes: &header[first_end..],
        })
    }

    /// Attributes are compared as bytes, trimmed of spaces and tabs only, as browsers do
    /// (`Max-Age=\u{a0}0` deletes nothing in a browser, so it must not pass as a deletion).
    fn attributes(&self) -> Attributes<'a> {
        let mut a = Attributes {
            http_only: false,
            same_site: None,
            max_age: None,
            expires: false,
        };
        // `attributes` starts at the first `;`: the first piece is empty. (Attributes are short:
        // a plain byte loop beats the setup of a vectorised search.)
        for attr in self.attributes.split(|b| *b == b';').skip(1) {
            let (key, value) = match attr.iter().position(|b| *b == b'=') {
                Some(eq) => (trim_wsp(&attr[..eq]), Some(trim_wsp(&attr[eq + 1..]))),
                None => (trim_wsp(attr), None),
            };
            match key.len() {
                8 if key.eq_ignore_ascii_case(b"httponly") => a.http_only = true,
                8 if key.eq_ignore_ascii_case(b"samesite") => a.same_site = value,
                7 if key.eq_ignore_ascii_case(b"max-age") => a.max_age = value,
                7 if key.eq_ignore_ascii_case(b"expires") => a.expires = true,
                _ => {}
            }
        }
        a
    }

    /// Does this header delete the cookie? (`Max-Age` ≤ 0 wins over `Expires` in the past.)
    fn is_deletion(&self, a: &Attributes<'_>) -> bool {
        if let Some(age) = a.max_age.filter(|a| {
            let digits = a.strip_prefix(b"-").unwrap_or(a);
            !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
        }) {
            return age.starts_with(b"-") || age.iter().all(|b| *b == b'0');
        }
        a.expires
            && std::str::from_utf8(self.raw)
                .ok()
                .and_then(|raw| Cookie::parse(raw).ok())
                .and_then(|c| c.expires_datetime())
                .is_some_and(|t| t <= OffsetDateTime::now_utc())
    }
}

fn verdict_for<'p>(
    policy: &Policy,
    consent: &Consent,
    cookie: &SetCookie<'_>,
    declared: impl FnOnce(&str) -> Option<Declared<'p>>,
) -> GateVerdict {
    if policy.is_consent_cookie(cookie.name) || cookie.name == CSRF_COOKIE {
        return GateVerdict::Keep;
    }
    // A deletion always passes, so the attributes matter only for a cookie that would
    // otherwise be dropped or warned about, or whose declaration asks for attributes.
    let (verdict, attributes) = match declared(cookie.name) {
        None => match policy.undeclared_cookies {
            UndeclaredCookies::Drop => (GateVerdict::Drop(GateReason::Undeclared), None),
            UndeclaredCookies::Warn => (GateVerdict::Warn(GateReason::Undeclared), None),
            UndeclaredCookies::Allow => return GateVerdict::Keep,
            // A setting a later core adds: fail closed.
            _ => (GateVerdict::Drop(GateReason::Undeclared), None),
        },
        // Required categories pass without deciding anything (saves the decision on
        // responses that only set session cookies).
        Some(decl) if !(decl.required || consent.allows(decl.category)) => (
            GateVerdict::Drop(GateReason::NotGranted {
                category: decl.category.to_owned(),
            }),
            None,
        ),
        Some(decl) => {
            if !decl.http_only && decl.same_site.is_none() {
                return GateVerdict::Keep;
            }
            // The declaration is a promise to the visitor (the cookie table shows it) and a
            // defence (an auth cookie readable by scripts, or sent cross-site): a cookie
            // without what its declaration says does not go out.
            let a = cookie.attributes();
            let verdict = if decl.http_only && !a.http_only {
                GateVerdict::Drop(GateReason::MissingHttpOnly)
            } else if let Some(declared) = decl
                .same_site
                .filter(|d| a.same_site.and_then(strictness) < Some(strictness_of(*d)))
            {
                GateVerdict::Drop(GateReason::WrongSameSite { declared })
            } else {
                return GateVerdict::Keep;
            };
            (verdict, Some(a))
        }
    };
    let attributes = attributes.unwrap_or_else(|| cookie.attributes());
    if cookie.is_deletion(&attributes) {
        GateVerdict::Keep
    } else {
        verdict
    }
}

/// How strict a `SameSite` value is: a cookie may be stricter than its declaration, never
/// laxer. An unknown value is none (browsers read it as the default, not as what it says).
fn strictness(value: &[u8]) -> Option<u8> {
    [SameSite::None, SameSite::Lax, SameSite::Strict]
        .into_iter()
        .find(|s| value.eq_ignore_ascii_case(s.as_str().as_bytes()))
        .map(strictness_of)
}

fn strictness_of(s: SameSite) -> u8 {
    match s {
        SameSite::None => 0,
        SameSite::Lax => 1,
        SameSite::Strict => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Consentry;

    fn policy() -> Policy {
        Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap()
    }

    fn verdict(header: &[u8]) -> GateVerdict {
        let c = Consentry::new(policy());
        let consent = c.consent(&[][..], false);
        check_set_cookie(c.policy(), &consent, header).1
    }

    #[test]
    fn kept_remembers_each_value_past_64() {
        let mut kept = Kept::default();
        assert!(kept.all() && !kept.keeps(0));
        for i in 0..150 {
            kept.push(i % 7 != 3);
        }
        for i in 0..150 {
            assert_eq!(kept.keeps(i), i % 7 != 3, "{i}");
        }
        assert!(!kept.all() && !kept.keeps(150));
        let mut all = Kept::default();
        (0..64).for_each(|_| all.push(true));
        assert!(all.all());
        all.push(true);
        assert!(all.all());
        all.push(false);
        assert!(!all.all());
    }

    #[test]
    fn drops_ungranted_and_undeclared_cookies() {
        assert_eq!(
            verdict(b"_ga=1; Path=/"),
            GateVerdict::Drop(GateReason::NotGranted {
                category: "analytics".into()
            })
        );
        assert_eq!(
            verdict(b"_ga_X=1"),
            GateVerdict::Drop(GateReason::NotGranted {
                category: "analytics".into()
            })
        );
        assert_eq!(
            verdict(b"other=1"),
            GateVerdict::Drop(GateReason::Undeclared)
        );
        assert_eq!(
            verdict(b"no-equals-sign"),
            GateVerdict::Drop(GateReason::Malformed)
        );
        assert_eq!(
            verdict(b"\xff=\xfe"),
            GateVerdict::Drop(GateReason::Malformed)
        );
    }

    #[test]
    fn keeps_consent_csrf_deletions_and_necessary() {
        assert_eq!(verdict(b"consentry=1.1.2.x; Path=/"), GateVerdict::Keep);
        assert_eq!(
            verdict(b"__Host-consentry=1.1.2.x; Path=/; Secure"),
            GateVerdict::Keep
        );
        // Not the consent cookie: other prefixes, or another case, are judged as any cookie.
        for other in [
            &b"__Secure-consentry=1; Path=/"[..],
            b"__host-consentry=1; Path=/",
        ] {
            assert_eq!(verdict(other), GateVerdict::Drop(GateReason::Undeclared));
        }
        assert_eq!(verdict(b"__Host-csrf=t; Path=/; Secure"), GateVerdict::Keep);
        assert_eq!(verdict(b"_ga=; Max-Age=0"), GateVerdict::Keep);
        assert_eq!(verdict(b"_ga=; max-age=-1"), GateVerdict::Keep);
        assert!(!verdict(b"_ga=x; Max-Age=0x").keeps());
        assert!(!verdict(b"_ga=x; Max-Age=10").keeps());
        assert!(!verdict(b"_ga=x; Expires=Thu, 01 Jan 2099 00:00:00 GMT").keeps());
        assert!(!verdict(b"_ga=x; Max-Age=10; Expires=Thu, 01 Jan 1970 00:00:00 GMT").keeps());
        assert_eq!(
            verdict(b"_ga=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
            GateVerdict::Keep
        );
        assert_eq!(
            verdict(b"__Host-P4PMember=v; HttpOnly; Secure; SameSite=Strict; Path=/"),
            GateVerdict::Keep
        );
    }

    #[test]
    fn trims_attributes_like_a_browser() {
        // Browsers trim only spaces and tabs: `\u{a0}0` is no Max-Age to them, so no deletion.
        assert!(!verdict("_ga=; Max-Age=\u{a0}0".as_bytes()).keeps());
        assert!(!verdict("_ga=; \u{a0}Max-Age=0".as_bytes()).keeps());
        assert_eq!(verdict(b"_ga=;\tmax-age =\t0 ;"), GateVerdict::Keep);
        assert_eq!(verdict(b" _ga =x; Max-Age=0"), GateVerdict::Keep);
        // Not UTF-8 anywhere: malformed, even in an attribute.
        assert_eq!(
            verdict(b"_ga=; Max-Age=0; x=\xff"),
            GateVerdict::Drop(GateReason::Malformed)
        );
    }

    #[test]
    fn a_deletion_passes_without_warnings_about_attributes() {
        assert_eq!(
            verdict(b"__Host-P4PMember=; Path=/; Max-Age=0"),
            GateVerdict::Keep
        );
        assert_eq!(
            verdict(b"__Host-P4PMember=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
            GateVerdict::Keep
        );
    }

    #[test]
    fn drops_a_necessary_cookie_missing_its_declared_attributes() {
        assert_eq!(
            verdict(b"__Host-P4PMember=v; Secure; SameSite=Strict; Path=/"),
            GateVerdict::Drop(GateReason::MissingHttpOnly)
        );
        assert_eq!(
            verdict(b"__Host-P4PMember=v; HttpOnly; Secure; SameSite=Lax; Path=/"),
            GateVerdict::Drop(GateReason::WrongSameSite {
                declared: SameSite::Strict
            })
        );
        assert_eq!(
            verdict(b"__Host-P4PMember=v; HttpOnly; Secure; Path=/"),
            GateVerdict::Drop(GateReason::WrongSameSite {
                declared: SameSite::Strict
            })
        );
        assert!(!verdict(b"__Host-P4PMember=v; Secure; Path=/").keeps());
        assert_eq!(
            verdict(b"__Host-P4PMember=v; httponly; Secure; samesite=strict; Path=/"),
            GateVerdict::Keep
        );
    }

    #[test]
    fn same_site_may_be_stricter_than_declared_never_laxer() {
        let lax = |v: &[u8]| {
            let p = Policy::from_json(
                r#"{ "revision": 1,
                  "categories": { "necessary": { "required": true, "lawful_basis": "contract" } },
                  "cookies": [{ "name": "prefs", "category": "necessary", "exemption": "ui_preference", "http_only": true,
                                "same_site": "lax", "purpose": "Remembers the layout" }] }"#,
            )
            .unwrap();
            let c = Consentry::new(p);
            check_set_cookie(c.policy(), &c.consent(&[][..], false), v).1
        };
        assert!(lax(b"prefs=v; HttpOnly; SameSite=Strict").keeps());
        assert!(lax(b"prefs=v; HttpOnly; SameSite=lax").keeps());
        assert!(!lax(b"prefs=v; HttpOnly; SameSite=None").keeps());
        assert!(!lax(b"prefs=v; HttpOnly; SameSite=Strictest").keeps());
        assert!(!lax(b"prefs=v; HttpOnly").keeps());
    }

    #[test]
    fn undeclared_follows_the_policy() {
        let mut p = policy();
        p.undeclared_cookies = UndeclaredCookies::Warn;
        let c = Consentry::new(p.clone());
        let consent = c.consent(&[][..], false);
        assert_eq!(
            check_set_cookie(c.policy(), &consent, b"x=1").1,
            GateVerdict::Warn(GateReason::Undeclared)
        );
        p.undeclared_cookies = UndeclaredCookies::Allow;
        let c = Consentry::new(p);
        assert_eq!(
            check_set_cookie(c.policy(), &consent, b"x=1").1,
            GateVerdict::Keep
        );
    }
}
