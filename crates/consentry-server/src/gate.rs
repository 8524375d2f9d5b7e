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
    let Some(cookie) = std::str::from_utf8(header)
        .ok()
        .and_then(|s| Cookie::parse(s).ok())
    else {
        return (None, GateVerdict::Drop(GateReason::Malformed));
    };
    let name = cookie.name().to_owned();
    let verdict = verdict_for(policy, consent, &cookie);
    (Some(name), verdict)
}

fn verdict_for(policy: &Policy, consent: &Consent, cookie: &Cookie<'_>) -> GateVerdict {
    if cookie.name() == policy.cookie_name || cookie.name() == CSRF_COOKIE || is_deletion(cookie) {
        return GateVerdict::Keep;
    }
    let Some(decl) = policy.cookie_for(cookie.name()) else {
        return match policy.undeclared_cookies {
            UndeclaredCookies::Drop => GateVerdict::Drop(GateReason::Undeclared),
            UndeclaredCookies::Warn => GateVerdict::Warn(GateReason::Undeclared),
            UndeclaredCookies::Allow => GateVerdict::Keep,
        };
    };
    if !consent.allows(decl.category) {
        return GateVerdict::Drop(GateReason::NotGranted {
            category: decl.category.to_owned(),
        });
    }
    if decl.decl.http_only == Some(true) && cookie.http_only() != Some(true) {
        return GateVerdict::Warn(GateReason::MissingHttpOnly);
    }
    if let Some(declared) = decl.decl.same_site {
        let actual = cookie.same_site().map(|s| s.to_string());
        if !actual.is_some_and(|a| a.eq_ignore_ascii_case(declared.as_str())) {
            return GateVerdict::Warn(GateReason::WrongSameSite { declared });
        }
    }
    GateVerdict::Keep
}

fn is_deletion(cookie: &Cookie<'_>) -> bool {
    if let Some(age) = cookie.max_age() {
        return age.whole_seconds() <= 0;
    }
    cookie
        .expires_datetime()
        .is_some_and(|t| t <= OffsetDateTime::now_utc())
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
