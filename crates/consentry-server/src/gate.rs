//! The Set-Cookie gate: every cookie a response sets is checked against the policy and the
//! visitor's consent.

use std::fmt;

use consentry::policy::UndeclaredCookies;
use consentry::{Policy, SameSite};
use cookie::time::OffsetDateTime;
use cookie::Cookie;

use crate::consent::Consent;
use crate::csrf::CSRF_COOKIE;

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
    /// A declared cookie lacks the `HttpOnly` the policy declares for it.
    MissingHttpOnly,
    /// A declared cookie lacks the `SameSite` the policy declares for it.
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
    /// Send it, and log a warning.
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
/// - the consent cookie itself, consentry's CSRF cookie (`__Host-csrf`), and any cookie being deleted (`Max-Age=0`, `Expires` in the
///   past), always pass;
/// - a declared cookie passes when its category is allowed, and is dropped otherwise; a
///   declared cookie lacking its declared `HttpOnly` / `SameSite` passes with a warning;
/// - an undeclared cookie is dropped, warned about or allowed as `policy.undeclared_cookies`
///   says (default: dropped);
/// - an unparsable header is dropped.
///
/// ```
/// use consentry::Policy;
/// use consentry_server::{check_set_cookie, Consentry, GateVerdict};
/// let policy = Policy::from_json(include_str!("../../../examples/policies/p4p-packing.json"))?;
/// let consentry = Consentry::new(policy);
/// let no_consent = consentry.consent(&[][..]);
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
    let (name, verdict) = check(policy, consent, header);
    (name.map(str::to_owned), verdict)
}

/// [`check_set_cookie`] with the name borrowed from the header.
pub(crate) fn check<'h>(
    policy: &Policy,
    consent: &Consent,
    header: &'h [u8],
) -> (Option<&'h str>, GateVerdict) {
    match SetCookie::parse(header) {
        Some(cookie) => (Some(cookie.name), verdict_for(policy, consent, &cookie)),
        None => (None, GateVerdict::Drop(GateReason::Malformed)),
    }
}

/// The parts of a `Set-Cookie` value the gate looks at, borrowed from the header. (A small
/// parser of its own: the gate runs on every cookie of every response.)
struct SetCookie<'a> {
    raw: &'a str,
    name: &'a str,
    http_only: bool,
    same_site: Option<&'a str>,
    max_age: Option<&'a str>,
    expires: bool,
}

impl<'a> SetCookie<'a> {
    fn parse(header: &'a [u8]) -> Option<Self> {
        // Byte scanning: `;` and `=` are ASCII, so every cut is a char boundary.
        let raw = std::str::from_utf8(header).ok()?;
        let bytes = raw.as_bytes();
        let find = |from: usize, byte: u8, to: usize| {
            bytes[from..to]
                .iter()
                .position(|c| *c == byte)
                .map(|p| from + p)
        };
        let first_end = find(0, b';', bytes.len()).unwrap_or(bytes.len());
        let eq = find(0, b'=', first_end)?;
        let name = raw[..eq].trim_matches([' ', '\t']);
        if crate::name::check_token(name).is_err() {
            return None;
        }
        let mut c = SetCookie {
            raw,
            name,
            http_only: false,
            same_site: None,
            max_age: None,
            expires: false,
        };
        let mut at = first_end;
        while at < bytes.len() {
            let start = at + 1;
            let end = find(start, b';', bytes.len()).unwrap_or(bytes.len());
            at = end;
            let (key, value) = match find(start, b'=', end) {
                Some(eq) => (raw[start..eq].trim(), Some(raw[eq + 1..end].trim())),
                None => (raw[start..end].trim(), None),
            };
            match key.len() {
                8 if key.eq_ignore_ascii_case("httponly") => c.http_only = true,
                8 if key.eq_ignore_ascii_case("samesite") => c.same_site = value,
                7 if key.eq_ignore_ascii_case("max-age") => c.max_age = value,
                7 if key.eq_ignore_ascii_case("expires") => c.expires = true,
                _ => {}
            }
        }
        Some(c)
    }

    /// Does this header delete the cookie? (`Max-Age` ≤ 0 wins over `Expires` in the past.)
    fn is_deletion(&self) -> bool {
        if let Some(age) = self.max_age.filter(|a| {
            let digits = a.strip_prefix('-').unwrap_or(a);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        }) {
            return age.starts_with('-') || age.bytes().all(|b| b == b'0');
        }
        self.expires
            && Cookie::parse(self.raw)
                .ok()
                .and_then(|c| c.expires_datetime())
                .is_some_and(|t| t <= OffsetDateTime::now_utc())
    }
}

fn verdict_for(policy: &Policy, consent: &Consent, cookie: &SetCookie<'_>) -> GateVerdict {
    if cookie.name == policy.cookie_name || cookie.name == CSRF_COOKIE || cookie.is_deletion() {
        return GateVerdict::Keep;
    }
    let Some(decl) = policy.cookie_for(cookie.name) else {
        return match policy.undeclared_cookies {
            UndeclaredCookies::Drop => GateVerdict::Drop(GateReason::Undeclared),
            UndeclaredCookies::Warn => GateVerdict::Warn(GateReason::Undeclared),
            UndeclaredCookies::Allow => GateVerdict::Keep,
        };
    };
    // Required categories pass without deciding anything (saves the decision on responses
    // that only set session cookies).
    if !(policy.is_required(decl.category) || consent.allows(decl.category)) {
        return GateVerdict::Drop(GateReason::NotGranted {
            category: decl.category.to_owned(),
        });
    }
    if decl.decl.http_only == Some(true) && !cookie.http_only {
        return GateVerdict::Warn(GateReason::MissingHttpOnly);
    }
    if let Some(declared) = decl.decl.same_site {
        if !cookie
            .same_site
            .is_some_and(|a| a.eq_ignore_ascii_case(declared.as_str()))
        {
            return GateVerdict::Warn(GateReason::WrongSameSite { declared });
        }
    }
    GateVerdict::Keep
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Consentry;

    fn policy() -> Policy {
        Policy::from_json(include_str!("../../../examples/policies/p4p-packing.json")).unwrap()
    }

    fn verdict(header: &[u8]) -> GateVerdict {
        let c = Consentry::new(policy());
        let consent = c.consent(&[][..]);
        check_set_cookie(c.policy(), &consent, header).1
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
    fn reports_necessary_cookie_missing_declared_attributes() {
        assert_eq!(
            verdict(b"__Host-P4PMember=v; Secure; SameSite=Strict; Path=/"),
            GateVerdict::Warn(GateReason::MissingHttpOnly)
        );
        assert_eq!(
            verdict(b"__Host-P4PMember=v; HttpOnly; Secure; SameSite=Lax; Path=/"),
            GateVerdict::Warn(GateReason::WrongSameSite {
                declared: SameSite::Strict
            })
        );
        assert!(verdict(b"__Host-P4PMember=v; Secure; Path=/").keeps());
    }

    #[test]
    fn undeclared_follows_the_policy() {
        let mut p = policy();
        p.undeclared_cookies = UndeclaredCookies::Warn;
        let c = Consentry::new(p.clone());
        let consent = c.consent(&[][..]);
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
