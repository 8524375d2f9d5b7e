//! `SessionCookie`: the settings of one auth or session cookie, and the `Session` the
//! extractors hand to handlers.

use std::fmt;
use std::time::Duration;

use consentry::Timestamp;

use crate::auth_cookie::{
    session_stamp, AuthCookie, AuthCookieError, Kind, Verified, MAX_LIFETIME,
};
use crate::config::system_now;
use crate::keys::Keys;
use crate::name;
use crate::request::Headers;
use crate::seal::Stamp;

/// The settings of one auth or session cookie: its name, signed or encrypted, the keys, its
/// lifetime and timeouts, and the clock. Sign-in [`issues`](SessionCookie::issue) the cookie,
/// handlers [`read`](SessionCookie::read) it (or take a [`Session`] from the axum or
/// actix-web extractor, which reads it with these settings), sign-out sends the
/// [`removal`](SessionCookie::removal). Cheap to clone.
///
/// ```
/// use std::time::Duration;
/// use consentry_server::{Key, Keys, SessionCookie};
///
/// let sessions = SessionCookie::encrypted(Keys::new(Key::generate()), "session")?
///     .idle_timeout(Duration::from_secs(30 * 60))        // signed out after 30 min away
///     .absolute_timeout(Duration::from_secs(8 * 3600));  // and 8 h after sign-in anyway
///
/// let set_cookie = sessions.issue("user-42")?;
/// assert!(set_cookie.to_string().starts_with("__Host-session="));
///
/// let cookie = format!("{}={}", set_cookie.name(), set_cookie.value());
/// let headers: &[(&str, &[u8])] = &[("cookie", cookie.as_bytes())];
/// let read = sessions.read(headers)?.expect("the cookie is there");
/// assert_eq!(read.value(), "user-42");
/// if read.needs_renewal() {
///     let _renewed = sessions.renew(&read)?; // send it with the response
/// }
/// # Ok::<(), consentry_server::AuthCookieError>(())
/// ```
#[derive(Clone)]
pub struct SessionCookie {
    keys: Keys,
    name: String,
    kind: Kind,
    lifetime: Option<u64>,
    absolute: u64,
    idle: u32,
    clock: fn() -> Timestamp,
}

impl fmt::Debug for SessionCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCookie")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("lifetime", &self.lifetime)
            .field("absolute_timeout", &self.absolute)
            .field("idle_timeout", &self.idle)
            .finish_non_exhaustive()
    }
}

impl SessionCookie {
    /// A cookie whose value is signed ([`AuthCookie::signed`]): `name` bare (`session`) or
    /// `__Host-` prefixed. A session cookie accepted for
    /// [`DEFAULT_SESSION_TIMEOUT`](crate::DEFAULT_SESSION_TIMEOUT) after sign-in, no idle
    /// timeout, the system clock.
    pub fn signed(keys: Keys, name: &str) -> Result<Self, AuthCookieError> {
        Self::new(keys, name, Kind::Signed)
    }

    /// A cookie whose value is encrypted ([`AuthCookie::encrypted`]).
    pub fn encrypted(keys: Keys, name: &str) -> Result<Self, AuthCookieError> {
        Self::new(keys, name, Kind::Encrypted)
    }

    fn new(keys: Keys, name: &str, kind: Kind) -> Result<Self, AuthCookieError> {
        Ok(SessionCookie {
            keys,
            name: name::host_name(name)?,
            kind,
            lifetime: None,
            absolute: crate::DEFAULT_SESSION_TIMEOUT.as_secs(),
            idle: 0,
            clock: system_now,
        })
    }

    /// Makes it a persistent cookie ([`AuthCookie::persistent`]): `Max-Age` and server-side
    /// deadline `lifetime` after sign-in, capped at 400 days.
    pub fn persistent(mut self, lifetime: Duration) -> Self {
        let secs = lifetime.min(MAX_LIFETIME).as_secs().max(1);
        self.lifetime = Some(secs);
        self.absolute = secs;
        self
    }

    /// The server-side deadline counted from sign-in ([`AuthCookie::absolute_timeout`]).
    pub fn absolute_timeout(mut self, timeout: Duration) -> Self {
        let secs = timeout.min(MAX_LIFETIME).as_secs().max(1);
        self.absolute = secs;
        if self.lifetime.is_some() {
            self.lifetime = Some(secs);
        }
        self
    }

    /// The idle timeout ([`AuthCookie::idle_timeout`]).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        let secs = timeout.min(MAX_LIFETIME).as_secs().max(1);
        self.idle = u32::try_from(secs).unwrap_or(u32::MAX);
        self
    }

    /// Replaces the clock (tests, replays).
    pub fn clock(mut self, now: fn() -> Timestamp) -> Self {
        self.clock = now;
        self
    }

    /// The full cookie name, with its `__Host-` prefix.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The keys.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The cookie that signs the visitor in with `value` (e.g. a user or session id).
    pub fn issue(&self, value: &str) -> Result<AuthCookie, AuthCookieError> {
        let now = (self.clock)();
        let stamp = Stamp {
            persistent: self.lifetime.is_some(),
            expires: now.0.saturating_add(self.absolute as i64),
            idle: self.idle,
            ..session_stamp(now)
        };
        AuthCookie::issue(&self.keys, &self.name, value, self.kind, stamp)
    }

    /// Finds the cookie in a request's `Cookie` headers and opens it: `None` when absent, an
    /// error when it is present but invalid, sent twice, expired or idle too long.
    pub fn read<H: Headers + ?Sized>(
        &self,
        headers: &H,
    ) -> Result<Option<Verified>, AuthCookieError> {
        AuthCookie::read_at(&self.keys, &self.name, headers, self.kind, (self.clock)())
    }

    /// A renewed cookie for a value read with these settings ([`AuthCookie::renew`]).
    pub fn renew(&self, verified: &Verified) -> Result<AuthCookie, AuthCookieError> {
        AuthCookie::renew_at(&self.keys, verified, (self.clock)())
    }

    /// The cookie that signs the visitor out ([`AuthCookie::removal`]).
    pub fn removal(&self) -> AuthCookie {
        AuthCookie::removal(&self.name).expect("the name was checked when the settings were made")
    }

    /// The [`Session`] of a request, for the extractors.
    pub fn session<H: Headers + ?Sized>(&self, headers: &H) -> Result<Session, SessionRejection> {
        let verified = self
            .read(headers)
            .map_err(SessionRejection::Refused)?
            .ok_or(SessionRejection::Missing)?;
        let renewal = if verified.needs_renewal() {
            match self.renew(&verified) {
                Ok(c) => Some(c),
                Err(e) => {
                    tracing::error!(error = %e, "consentry: could not renew a session cookie");
                    None
                }
            }
        } else {
            None
        };
        Ok(Session { verified, renewal })
    }
}

/// The signed-in visitor's session: the value of the [`SessionCookie`] the app configured,
/// verified, in time. The axum and actix-web extractors answer `401 Unauthorized` when it is
/// missing or refused; `Option<Session>` never refuses a visitor.
///
/// Send [`Session::renewal`] with the response: it is `Some` when the cookie should be
/// re-issued (idle timeout, key rotation), and `None` otherwise.
///
/// `Debug` does not print the value.
#[derive(Clone, Debug)]
pub struct Session {
    verified: Verified,
    renewal: Option<AuthCookie>,
}

impl Session {
    /// The value the app stored at sign-in.
    pub fn value(&self) -> &str {
        self.verified.value()
    }

    /// Takes the value.
    pub fn into_value(self) -> String {
        self.verified.into_value()
    }

    /// The value with its times.
    pub fn verified(&self) -> &Verified {
        &self.verified
    }

    /// The renewed cookie to send with this response, when it needs renewing.
    pub fn renewal(&self) -> Option<AuthCookie> {
        self.renewal.clone()
    }
}

/// Why a request has no [`Session`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionRejection {
    /// No session cookie: not signed in (401).
    Missing,
    /// The cookie is there but refused: tampered, expired, idle too long (401).
    Refused(AuthCookieError),
    /// No [`SessionCookie`] settings reachable from the request: a mistake in the app (500).
    NotConfigured,
}

impl fmt::Display for SessionRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionRejection::Missing => f.write_str("not signed in"),
            SessionRejection::Refused(e) => write!(f, "session refused: {e}"),
            SessionRejection::NotConfigured => f.write_str(
                "consentry: no SessionCookie for this route (axum: `.layer(Extension(session_cookie))`; \
                 actix-web: `.app_data(session_cookie)`)",
            ),
        }
    }
}

impl std::error::Error for SessionRejection {}

impl SessionRejection {
    /// 401 for a visitor without a valid session, 500 when the app is not configured.
    pub fn status(&self) -> u16 {
        match self {
            SessionRejection::NotConfigured => 500,
            _ => 401,
        }
    }

    /// The response body the adapters send: it does not say why a cookie was refused.
    pub fn body(&self) -> &'static str {
        match self {
            SessionRejection::NotConfigured => "internal error",
            _ => "sign-in required",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::test_key;

    const T: i64 = 1_790_000_000;

    fn sessions() -> SessionCookie {
        SessionCookie::signed(Keys::new(test_key(4)), "sid")
            .unwrap()
            .clock(|| Timestamp(T))
    }

    fn headers_for(c: &AuthCookie) -> String {
        format!("{}={}", c.name(), c.value())
    }

    #[test]
    fn session_reads_and_rejects() {
        let s = sessions();
        let c = s.issue("u1").unwrap();
        let h = headers_for(&c);
        let headers: &[(&str, &[u8])] = &[("cookie", h.as_bytes())];
        assert_eq!(s.session(headers).unwrap().value(), "u1");
        let none: &[(&str, &[u8])] = &[];
        assert_eq!(s.session(none).unwrap_err(), SessionRejection::Missing);
        let late = sessions().clock(|| Timestamp(T + 13 * 3600));
        assert_eq!(
            late.session(headers).unwrap_err(),
            SessionRejection::Refused(AuthCookieError::Expired)
        );
    }

    #[test]
    fn session_offers_a_renewal_once_a_quarter_of_the_idle_timeout_passed() {
        let s = sessions().idle_timeout(Duration::from_secs(400));
        let h = headers_for(&s.issue("u1").unwrap());
        let headers: &[(&str, &[u8])] = &[("cookie", h.as_bytes())];
        assert!(s.session(headers).unwrap().renewal().is_none());
        let later = s.clone().clock(|| Timestamp(T + 100));
        let renewal = later.session(headers).unwrap().renewal().unwrap();
        assert_eq!(renewal.name(), "__Host-sid");
        let after = s.clone().clock(|| Timestamp(T + 500));
        assert_eq!(
            after.session(headers).unwrap_err(),
            SessionRejection::Refused(AuthCookieError::IdleTimeout)
        );
        let h = headers_for(&renewal);
        let renewed: &[(&str, &[u8])] = &[("cookie", h.as_bytes())];
        assert_eq!(after.session(renewed).unwrap().value(), "u1");
    }

    #[test]
    fn persistent_settings_set_max_age() {
        let s = sessions().persistent(Duration::from_secs(3600));
        assert_eq!(s.issue("u").unwrap().max_age(), Some(3600));
        assert_eq!(sessions().issue("u").unwrap().max_age(), None);
        assert_eq!(s.removal().max_age(), Some(0));
    }

    #[test]
    fn debug_shows_no_value() {
        let s = sessions();
        let h = headers_for(&s.issue("secret-u1").unwrap());
        let headers: &[(&str, &[u8])] = &[("cookie", h.as_bytes())];
        let debug = format!("{:?}", s.session(headers).unwrap());
        assert!(!debug.contains("secret-u1"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
    }
}
