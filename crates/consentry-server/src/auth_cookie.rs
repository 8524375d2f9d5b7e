//! `AuthCookie`: the one way to make authentication and session cookies.

use std::fmt;
use std::time::Duration;

use consentry::Timestamp;

use crate::config::system_now;
use crate::keys::Keys;
use crate::name::{self, NameError};
use crate::request::{cookie_value, Headers};
use crate::seal::{self, Stamp};

/// The longest lifetime browsers keep a cookie (RFC 6265bis): 400 days.
pub const MAX_LIFETIME: Duration = Duration::from_secs(400 * 86_400);

/// Browsers' limit for name + value.
pub const MAX_NAME_VALUE_BYTES: usize = 4096;

/// How long a session cookie (one without [`AuthCookie::persistent`]) is accepted by the
/// server after sign-in, unless [`AuthCookie::absolute_timeout`] says otherwise: 12 hours.
/// Browsers keep session cookies as long as the browser runs, and often restore them with
/// the last session, so the server sets the end.
pub const DEFAULT_SESSION_TIMEOUT: Duration = Duration::from_secs(12 * 3600);

/// How far the server's clock may be from the clock that sealed a value (another server
/// behind the same load balancer) before a time check fails: 60 seconds. A value is accepted
/// up to this long after its deadline, and refused when it claims to be issued further than
/// this in the future.
pub const AUTH_CLOCK_SKEW: Duration = Duration::from_secs(60);

/// The fixed attributes of every auth cookie.
const ATTRIBUTES: &str = "; HttpOnly; Secure; SameSite=Strict; Path=/";

/// Why an auth cookie could not be made or read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthCookieError {
    /// The name is not usable (see [`NameError`]).
    Name(NameError),
    /// A signed value must be made of RFC 6265 cookie-octets (no spaces, `"`, `,`, `;`, `\`,
    /// controls or non-ASCII); encrypt it instead, or encode it first.
    ValueNotCookieOctets,
    /// Name and (sealed) value together exceed 4096 bytes.
    TooLarge {
        /// Bytes the name and value would take.
        len: usize,
    },
    /// The value was tampered with, signed under another name, under a key that is no
    /// longer accepted, or in the format of consentry 0.1.0 (which sealed no times: those
    /// values are refused, so visitors sign in once more after the upgrade).
    Invalid,
    /// The value's absolute deadline has passed: its `persistent` lifetime, or the absolute
    /// timeout of a session cookie ([`DEFAULT_SESSION_TIMEOUT`] unless set).
    Expired,
    /// The value was not renewed within its idle timeout ([`AuthCookie::idle_timeout`]).
    IdleTimeout,
}

impl fmt::Display for AuthCookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthCookieError::Name(e) => write!(f, "auth cookie name: {e}"),
            AuthCookieError::ValueNotCookieOctets => f.write_str(
                "signed auth cookie value has characters a cookie cannot carry \
                 (space, quote, comma, semicolon, backslash, control or non-ASCII); \
                 use AuthCookie::encrypted or encode the value",
            ),
            AuthCookieError::TooLarge { len } => write!(
                f,
                "auth cookie name + value is {len} bytes; browsers keep at most {MAX_NAME_VALUE_BYTES}"
            ),
            AuthCookieError::Invalid => f.write_str(
                "auth cookie value does not verify (tampered, moved from another cookie, \
                 under a retired key, or made by an older consentry)",
            ),
            AuthCookieError::Expired => f.write_str("auth cookie has expired"),
            AuthCookieError::IdleTimeout => {
                f.write_str("auth cookie has expired: idle for longer than its idle timeout")
            }
        }
    }
}

impl std::error::Error for AuthCookieError {}

impl From<NameError> for AuthCookieError {
    fn from(e: NameError) -> Self {
        AuthCookieError::Name(e)
    }
}

/// An authentication or session cookie that is always `HttpOnly; Secure; SameSite=Strict;
/// Path=/`, never has a `Domain`, and always carries the `__Host-` prefix.
///
/// Its value is signed (HMAC-SHA256) or encrypted (AES-256-GCM) with the current key of a
/// [`Keys`] set, with the cookie's name bound in, so a value copied under another name does
/// not verify. It is a session cookie unless [`AuthCookie::persistent`] asks for a lifetime
/// (capped at 400 days).
///
/// The server does not trust the browser to throw a cookie away: the time of sign-in, the
/// time the value was made and its deadline are sealed into the value, and reading checks
/// them ([`AuthCookieError::Expired`], [`AuthCookieError::IdleTimeout`], allowing
/// [`AUTH_CLOCK_SKEW`]). A persistent cookie ends with its lifetime; a session cookie after
/// [`DEFAULT_SESSION_TIMEOUT`] (12 h) unless [`AuthCookie::absolute_timeout`] says otherwise.
/// With an [`AuthCookie::idle_timeout`] the value also ends when the visitor has been away
/// that long: renew it while they are active ([`Verified::needs_renewal`],
/// [`AuthCookie::renew`]). These are the idle and absolute timeouts of OWASP's Session
/// Management cheat sheet. To read many cookies with the same settings (and a test clock),
/// use a [`SessionCookie`](crate::SessionCookie).
///
/// # Example
///
/// ```
/// use consentry_server::{AuthCookie, Key, Keys};
///
/// let keys = Keys::new(Key::generate());
/// let cookie = AuthCookie::signed(&keys, "session", "user-42")?;
/// let header = cookie.to_string();
/// assert!(header.starts_with("__Host-session="));
/// assert!(header.ends_with("; HttpOnly; Secure; SameSite=Strict; Path=/"));
///
/// // Reading it back from the request's cookie value:
/// let read = AuthCookie::verify_signed(&keys, "session", cookie.value())?;
/// assert_eq!(read.value(), "user-42");
/// // The same value under another name does not verify.
/// assert!(AuthCookie::verify_signed(&keys, "admin", cookie.value()).is_err());
/// # Ok::<(), consentry_server::AuthCookieError>(())
/// ```
///
/// Nothing can weaken the attributes. There is no way to turn off `HttpOnly`:
///
/// ```compile_fail
/// # use consentry_server::{AuthCookie, Key, Keys};
/// let keys = Keys::new(Key::generate());
/// let c = AuthCookie::signed(&keys, "session", "v").unwrap().http_only(false);
/// ```
///
/// nor to set a `Domain`:
///
/// ```compile_fail
/// # use consentry_server::{AuthCookie, Key, Keys};
/// let keys = Keys::new(Key::generate());
/// let c = AuthCookie::signed(&keys, "session", "v").unwrap().domain("example.com");
/// ```
///
/// nor to relax `SameSite` or `Secure`:
///
/// ```compile_fail
/// # use consentry_server::{AuthCookie, Key, Keys};
/// let keys = Keys::new(Key::generate());
/// let mut c = AuthCookie::signed(&keys, "session", "v").unwrap();
/// c.set_same_site(cookie::SameSite::Lax);
/// c.set_secure(false);
/// ```
///
/// nor to build one by hand around the checks (the fields are private):
///
/// ```compile_fail
/// # use consentry_server::AuthCookie;
/// let c = AuthCookie { name: "sid".into(), value: "v".into(), max_age: None };
/// ```
///
/// nor to turn it into a `cookie::Cookie` that could then be changed:
///
/// ```compile_fail
/// # use consentry_server::{AuthCookie, Key, Keys};
/// let keys = Keys::new(Key::generate());
/// let c: cookie::Cookie<'static> = AuthCookie::signed(&keys, "session", "v").unwrap().into();
/// ```
#[derive(Clone)]
#[must_use = "an AuthCookie does nothing until it is added to a response"]
pub struct AuthCookie {
    name: String,
    value: String,
    max_age: Option<u64>,
    /// What the value was sealed from, so the builder methods can seal it again with other
    /// times. `None` for a removal.
    sealing: Option<Box<Sealing>>,
}

#[derive(Clone)]
struct Sealing {
    keys: Keys,
    kind: Kind,
    plain: String,
    stamp: Stamp,
}

/// Signed or encrypted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Signed,
    Encrypted,
}

impl PartialEq for AuthCookie {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.value == other.value && self.max_age == other.max_age
    }
}

impl Eq for AuthCookie {}

/// A value read back from an auth cookie, with the times sealed into it.
///
/// `Debug` does not print the value: `Verified { value: "<redacted>", .. }`.
#[derive(Clone, PartialEq, Eq)]
pub struct Verified {
    value: String,
    rotated: bool,
    name: String,
    kind: Kind,
    stamp: Stamp,
    /// When it was read (for `needs_renewal`).
    read_at: i64,
}

impl fmt::Debug for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("value", &"<redacted>")
            .field("rotated", &self.rotated)
            .field("issued_at", &self.stamp.issued)
            .field("expires_at", &self.stamp.expires)
            .finish_non_exhaustive()
    }
}

impl Verified {
    /// The value as the app stored it.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Takes the value.
    pub fn into_value(self) -> String {
        self.value
    }

    /// True when an older (still accepted) key verified it: re-issue the cookie so it moves
    /// to the current key before the older one is retired.
    pub fn rotated(&self) -> bool {
        self.rotated
    }

    /// When the visitor signed in (renewals keep it).
    pub fn issued_at(&self) -> Timestamp {
        Timestamp(self.stamp.issued)
    }

    /// When this value was made: sign-in or the last renewal. The idle timeout counts from
    /// here.
    pub fn last_seen(&self) -> Timestamp {
        Timestamp(self.stamp.seen)
    }

    /// The absolute deadline: sign-in plus the lifetime or absolute timeout.
    pub fn expires_at(&self) -> Timestamp {
        Timestamp(self.stamp.expires)
    }

    /// The idle timeout sealed into the value, if any.
    pub fn idle_timeout(&self) -> Option<Duration> {
        (self.stamp.idle > 0).then(|| Duration::from_secs(u64::from(self.stamp.idle)))
    }

    /// True when the app should send a renewed cookie ([`AuthCookie::renew`]) with this
    /// response: an older key verified it ([`Verified::rotated`]), or it has an idle timeout
    /// and a quarter of it has passed since [`Verified::last_seen`]. Renewing then, rather than
    /// on every request, keeps an active visitor signed in with few `Set-Cookie`s.
    pub fn needs_renewal(&self) -> bool {
        let idle = i64::from(self.stamp.idle);
        self.rotated || (idle > 0 && self.read_at - self.stamp.seen >= (idle / 4).max(1))
    }
}

impl AuthCookie {
    /// A cookie whose value is signed with the current key: readable by the browser's owner,
    /// but not forgeable. `name` is the bare name (`session`) or already `__Host-` prefixed.
    ///
    /// A session cookie: no `Max-Age`; the server accepts it for [`DEFAULT_SESSION_TIMEOUT`]
    /// after now.
    pub fn signed(keys: &Keys, name: &str, value: &str) -> Result<Self, AuthCookieError> {
        Self::issue(keys, name, value, Kind::Signed, session_stamp(system_now()))
    }

    /// A cookie whose value is encrypted and authenticated with the current key: the browser
    /// can neither read nor change it. Any string can be stored.
    ///
    /// A session cookie, like [`AuthCookie::signed`].
    pub fn encrypted(keys: &Keys, name: &str, value: &str) -> Result<Self, AuthCookieError> {
        Self::issue(
            keys,
            name,
            value,
            Kind::Encrypted,
            session_stamp(system_now()),
        )
    }

    /// Seals a new value under these times.
    pub(crate) fn issue(
        keys: &Keys,
        name: &str,
        value: &str,
        kind: Kind,
        stamp: Stamp,
    ) -> Result<Self, AuthCookieError> {
        let name = name::host_name(name)?;
        if kind == Kind::Signed && !consentry::is_cookie_octets(value) {
            return Err(AuthCookieError::ValueNotCookieOctets);
        }
        let mut cookie = AuthCookie {
            name,
            value: String::new(),
            max_age: None,
            sealing: Some(Box::new(Sealing {
                keys: keys.clone(),
                kind,
                plain: value.to_owned(),
                stamp,
            })),
        };
        cookie.seal();
        let len = cookie.name.len() + cookie.value.len();
        if len > MAX_NAME_VALUE_BYTES {
            return Err(AuthCookieError::TooLarge { len });
        }
        Ok(cookie)
    }

    /// Seals the value again from `sealing` (after its times changed).
    fn seal(&mut self) {
        if let Some(s) = &self.sealing {
            self.value = match s.kind {
                Kind::Signed => seal::sign(&s.keys, &self.name, &s.stamp, &s.plain),
                Kind::Encrypted => seal::encrypt(&s.keys, &self.name, &s.stamp, &s.plain),
            };
            if s.stamp.persistent {
                self.max_age = Some(s.stamp.expires.saturating_sub(s.stamp.seen).max(1) as u64);
            }
        }
    }

    /// Changes the sealed times and seals again.
    fn restamp(mut self, f: impl FnOnce(&mut Stamp)) -> Self {
        if let Some(s) = &mut self.sealing {
            f(&mut s.stamp);
            self.seal();
        }
        self
    }

    /// A cookie that makes the browser delete the auth cookie of this name: same name and
    /// path, empty value, `Max-Age=0` and an `Expires` in the past.
    ///
    /// ```
    /// let gone = consentry_server::AuthCookie::removal("session")?;
    /// assert_eq!(gone.to_string(),
    ///   "__Host-session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
    /// # Ok::<(), consentry_server::AuthCookieError>(())
    /// ```
    pub fn removal(name: &str) -> Result<Self, AuthCookieError> {
        Ok(AuthCookie {
            name: name::host_name(name)?,
            value: String::new(),
            max_age: Some(0),
            sealing: None,
        })
    }

    /// Makes the cookie outlive the browser session, for `lifetime` capped at 400 days
    /// ([`MAX_LIFETIME`]). A zero lifetime is raised to one second (use
    /// [`AuthCookie::removal`] to delete). The lifetime is also sealed into the value: the
    /// server refuses it afterwards ([`AuthCookieError::Expired`]) whatever the browser keeps.
    ///
    /// ```
    /// use std::time::Duration;
    /// use consentry_server::{AuthCookie, Key, Keys};
    /// let keys = Keys::new(Key::generate());
    /// let c = AuthCookie::signed(&keys, "remember", "u1")?.persistent(Duration::from_secs(10 * 365 * 86_400));
    /// assert!(c.to_string().ends_with("; Max-Age=34560000"));
    /// # Ok::<(), consentry_server::AuthCookieError>(())
    /// ```
    pub fn persistent(mut self, lifetime: Duration) -> Self {
        let secs = lifetime.min(MAX_LIFETIME).as_secs().max(1);
        if self.sealing.is_none() {
            self.max_age = Some(secs);
            return self;
        }
        self.restamp(|s| {
            s.persistent = true;
            s.expires = s.issued.saturating_add(secs as i64);
        })
    }

    /// Sets when the server stops accepting the value, counted from sign-in, capped at 400
    /// days; for a persistent cookie this is its lifetime too. Session cookies default to
    /// [`DEFAULT_SESSION_TIMEOUT`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use consentry_server::{AuthCookie, Key, Keys};
    /// let keys = Keys::new(Key::generate());
    /// let c = AuthCookie::signed(&keys, "session", "u1")?.absolute_timeout(Duration::from_secs(3600));
    /// let read = AuthCookie::verify_signed(&keys, "session", c.value())?;
    /// assert_eq!(read.expires_at().0 - read.issued_at().0, 3600);
    /// assert_eq!(c.max_age(), None); // still a session cookie
    /// # Ok::<(), consentry_server::AuthCookieError>(())
    /// ```
    pub fn absolute_timeout(self, timeout: Duration) -> Self {
        let secs = timeout.min(MAX_LIFETIME).as_secs().max(1) as i64;
        self.restamp(|s| s.expires = s.issued.saturating_add(secs))
    }

    /// Ends the value when it has not been renewed for `timeout` (at least one second,
    /// capped at 400 days): the visitor went away. Renew it while the visitor is active:
    ///
    /// ```
    /// use std::time::Duration;
    /// use consentry_server::{AuthCookie, Key, Keys};
    /// let keys = Keys::new(Key::generate());
    /// let c = AuthCookie::encrypted(&keys, "session", "u1")?.idle_timeout(Duration::from_secs(1800));
    ///
    /// // In each handler that reads the session:
    /// let read = AuthCookie::decrypt(&keys, "session", c.value())?;
    /// if read.needs_renewal() {
    ///     let renewed = AuthCookie::renew(&keys, &read)?; // add it to the response
    /// #   let _ = renewed;
    /// }
    /// # Ok::<(), consentry_server::AuthCookieError>(())
    /// ```
    pub fn idle_timeout(self, timeout: Duration) -> Self {
        let secs = timeout.min(MAX_LIFETIME).as_secs().max(1);
        self.restamp(|s| s.idle = u32::try_from(secs).unwrap_or(u32::MAX))
    }

    /// A fresh cookie for a value that was read: same name, value, sign-in time, deadline and
    /// idle timeout, a new [`Verified::last_seen`], sealed with the current key (so this also
    /// moves a [`Verified::rotated`] value to the current key). A persistent cookie gets the
    /// `Max-Age` it has left.
    pub fn renew(keys: &Keys, verified: &Verified) -> Result<AuthCookie, AuthCookieError> {
        Self::renew_at(keys, verified, system_now())
    }

    pub(crate) fn renew_at(
        keys: &Keys,
        verified: &Verified,
        now: Timestamp,
    ) -> Result<AuthCookie, AuthCookieError> {
        let stamp = Stamp {
            seen: now.0.max(verified.stamp.seen),
            ..verified.stamp
        };
        Self::issue(keys, &verified.name, &verified.value, verified.kind, stamp)
    }

    /// Reads a signed value back. `name` as given when signing; `sealed` is the cookie's value
    /// from the request.
    pub fn verify_signed(
        keys: &Keys,
        name: &str,
        sealed: &str,
    ) -> Result<Verified, AuthCookieError> {
        Self::open(keys, name, sealed, Kind::Signed, system_now())
    }

    /// Reads an encrypted value back.
    pub fn decrypt(keys: &Keys, name: &str, sealed: &str) -> Result<Verified, AuthCookieError> {
        Self::open(keys, name, sealed, Kind::Encrypted, system_now())
    }

    /// Verifies or decrypts a value and checks its times at `now`.
    pub(crate) fn open(
        keys: &Keys,
        name: &str,
        sealed: &str,
        kind: Kind,
        now: Timestamp,
    ) -> Result<Verified, AuthCookieError> {
        let name = name::host_name(name)?;
        let (stamp, value, current) = match kind {
            Kind::Signed => seal::unsign(keys, &name, sealed)
                .map(|(stamp, value, current)| (stamp, value.to_owned(), current)),
            Kind::Encrypted => seal::decrypt(keys, &name, sealed),
        }
        .ok_or(AuthCookieError::Invalid)?;
        check_times(&stamp, now.0)?;
        Ok(Verified {
            value,
            rotated: !current,
            name,
            kind,
            stamp,
            read_at: now.0,
        })
    }

    /// Finds the signed cookie `name` in a request's `Cookie` headers and verifies it. `None`
    /// when absent; [`AuthCookieError::Invalid`] when present but not valid, or sent twice.
    ///
    /// ```
    /// use consentry_server::{AuthCookie, Key, Keys};
    /// let keys = Keys::new(Key::generate());
    /// let c = AuthCookie::signed(&keys, "session", "u1")?;
    /// let header = format!("theme=dark; {}={}", c.name(), c.value());
    /// let headers: &[(&str, &[u8])] = &[("cookie", header.as_bytes())];
    /// assert_eq!(AuthCookie::read_signed(&keys, "session", headers)?.unwrap().value(), "u1");
    /// # Ok::<(), consentry_server::AuthCookieError>(())
    /// ```
    pub fn read_signed<H: Headers + ?Sized>(
        keys: &Keys,
        name: &str,
        headers: &H,
    ) -> Result<Option<Verified>, AuthCookieError> {
        Self::read_at(keys, name, headers, Kind::Signed, system_now())
    }

    /// Finds the encrypted cookie `name` in a request's `Cookie` headers and decrypts it.
    pub fn read_encrypted<H: Headers + ?Sized>(
        keys: &Keys,
        name: &str,
        headers: &H,
    ) -> Result<Option<Verified>, AuthCookieError> {
        Self::read_at(keys, name, headers, Kind::Encrypted, system_now())
    }

    /// Finds the cookie `name` (with its `__Host-` prefix) and opens its value at `now`.
    pub(crate) fn read_at<H: Headers + ?Sized>(
        keys: &Keys,
        name: &str,
        headers: &H,
        kind: Kind,
        now: Timestamp,
    ) -> Result<Option<Verified>, AuthCookieError> {
        let full = name::host_name(name)?;
        match cookie_value(headers, &full) {
            Ok(None) => Ok(None),
            Ok(Some(v)) => Self::open(keys, &full, v, kind, now).map(Some),
            Err(()) => Err(AuthCookieError::Invalid),
        }
    }

    /// The full name, with its `__Host-` prefix.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The sealed value as sent to the browser.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// `Max-Age` in seconds, `None` for a session cookie.
    pub fn max_age(&self) -> Option<u64> {
        self.max_age
    }

    /// The `Set-Cookie` header value (same as `to_string()`).
    pub fn header_value(&self) -> String {
        self.to_string()
    }
}

/// The times of a new session cookie made at `now`.
pub(crate) fn session_stamp(now: Timestamp) -> Stamp {
    Stamp {
        persistent: false,
        issued: now.0,
        seen: now.0,
        expires: now
            .0
            .saturating_add(DEFAULT_SESSION_TIMEOUT.as_secs() as i64),
        idle: 0,
    }
}

/// Fails a value whose times are impossible or over.
fn check_times(stamp: &Stamp, now: i64) -> Result<(), AuthCookieError> {
    let skew = AUTH_CLOCK_SKEW.as_secs() as i64;
    if stamp.issued > now.saturating_add(skew)
        || stamp.seen > now.saturating_add(skew)
        || stamp.seen < stamp.issued
        || stamp.expires < stamp.issued
    {
        return Err(AuthCookieError::Invalid);
    }
    if now > stamp.expires.saturating_add(skew) {
        return Err(AuthCookieError::Expired);
    }
    if stamp.idle > 0 && now > stamp.seen.saturating_add(i64::from(stamp.idle) + skew) {
        return Err(AuthCookieError::IdleTimeout);
    }
    Ok(())
}

impl fmt::Display for AuthCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}{ATTRIBUTES}", self.name, self.value)?;
        match self.max_age {
            Some(0) => f.write_str("; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(secs) => write!(f, "; Max-Age={secs}"),
            None => Ok(()),
        }
    }
}

impl fmt::Debug for AuthCookie {
    // The value is a credential: never in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthCookie")
            .field("name", &self.name)
            .field("max_age", &self.max_age)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::test_key;

    fn keys() -> Keys {
        Keys::new(test_key(7))
    }

    #[test]
    fn every_attribute_is_forced() {
        let c = AuthCookie::encrypted(&keys(), "sid", "hello world; \"x\"").unwrap();
        let parsed = cookie::Cookie::parse(c.to_string()).unwrap();
        assert_eq!(parsed.name(), "__Host-sid");
        assert_eq!(parsed.http_only(), Some(true));
        assert_eq!(parsed.secure(), Some(true));
        assert_eq!(parsed.same_site(), Some(cookie::SameSite::Strict));
        assert_eq!(parsed.path(), Some("/"));
        assert_eq!(parsed.domain(), None);
        assert_eq!(parsed.max_age(), None);
    }

    #[test]
    fn encrypted_round_trip_and_name_binding() {
        let k = keys();
        let c = AuthCookie::encrypted(&k, "sid", "secret value").unwrap();
        assert!(!c.value().contains("secret"));
        assert_eq!(
            AuthCookie::decrypt(&k, "sid", c.value()).unwrap().value(),
            "secret value"
        );
        assert_eq!(
            AuthCookie::decrypt(&k, "other", c.value()),
            Err(AuthCookieError::Invalid)
        );
    }

    #[test]
    fn rejects_tampered_signed_values() {
        let k = keys();
        let c = AuthCookie::signed(&k, "sid", "user-1").unwrap();
        let tampered = c.value().replace("user-1", "user-2");
        assert_eq!(
            AuthCookie::verify_signed(&k, "sid", &tampered),
            Err(AuthCookieError::Invalid)
        );
        for bad in ["", "x", "é", &c.value()[..42], "🍪🍪🍪🍪🍪🍪🍪🍪🍪🍪🍪🍪"]
        {
            assert!(AuthCookie::verify_signed(&k, "sid", bad).is_err());
        }
    }

    #[test]
    fn older_keys_read_and_retired_keys_fail() {
        let old = test_key(1);
        let new = test_key(2);
        let c = AuthCookie::signed(&Keys::new(old.clone()), "sid", "u").unwrap();
        let e = AuthCookie::encrypted(&Keys::new(old.clone()), "sid", "u").unwrap();
        let rotating = Keys::new(new.clone()).with_older(old);
        let v = AuthCookie::verify_signed(&rotating, "sid", c.value()).unwrap();
        assert!(v.rotated());
        assert!(AuthCookie::decrypt(&rotating, "sid", e.value())
            .unwrap()
            .rotated());
        let retired = Keys::new(new);
        assert!(AuthCookie::verify_signed(&retired, "sid", c.value()).is_err());
        assert!(AuthCookie::decrypt(&retired, "sid", e.value()).is_err());
    }

    #[test]
    fn limits_size_and_value_bytes() {
        let k = keys();
        assert!(matches!(
            AuthCookie::signed(&k, "sid", &"a".repeat(4096)),
            Err(AuthCookieError::TooLarge { .. })
        ));
        assert_eq!(
            AuthCookie::signed(&k, "sid", "a b"),
            Err(AuthCookieError::ValueNotCookieOctets)
        );
        assert!(matches!(
            AuthCookie::signed(&k, "__Secure-sid", "v"),
            Err(AuthCookieError::Name(NameError::LooksPrefixed))
        ));
    }

    const T: i64 = 1_790_000_000;

    fn at(kind: Kind, secs: i64) -> AuthCookie {
        AuthCookie::issue(
            &keys(),
            "sid",
            "user-1",
            kind,
            session_stamp(Timestamp(secs)),
        )
        .unwrap()
    }

    fn open(c: &AuthCookie, kind: Kind, now: i64) -> Result<Verified, AuthCookieError> {
        AuthCookie::open(&keys(), "sid", c.value(), kind, Timestamp(now))
    }

    #[test]
    fn persistent_value_is_refused_after_its_lifetime() {
        for kind in [Kind::Signed, Kind::Encrypted] {
            let c = at(kind, T).persistent(Duration::from_secs(1));
            assert_eq!(c.max_age(), Some(1));
            assert!(open(&c, kind, T).is_ok());
            assert!(open(&c, kind, T + 1 + 60).is_ok(), "within the clock skew");
            assert_eq!(open(&c, kind, T + 62), Err(AuthCookieError::Expired));
            assert_eq!(open(&c, kind, T + 3 * 3600), Err(AuthCookieError::Expired));
        }
    }

    #[test]
    fn session_cookie_ends_after_the_default_or_given_absolute_timeout() {
        let twelve_hours = DEFAULT_SESSION_TIMEOUT.as_secs() as i64;
        for kind in [Kind::Signed, Kind::Encrypted] {
            let c = at(kind, T);
            assert_eq!(c.max_age(), None);
            let v = open(&c, kind, T + twelve_hours).unwrap();
            assert_eq!(v.expires_at(), Timestamp(T + twelve_hours));
            assert_eq!(
                open(&c, kind, T + twelve_hours + 61),
                Err(AuthCookieError::Expired)
            );
            let c = at(kind, T).absolute_timeout(Duration::from_secs(600));
            assert_eq!(c.max_age(), None);
            assert!(open(&c, kind, T + 600).is_ok());
            assert_eq!(open(&c, kind, T + 661), Err(AuthCookieError::Expired));
        }
    }

    #[test]
    fn idle_timeout_refuses_and_renewal_extends() {
        for kind in [Kind::Signed, Kind::Encrypted] {
            let c = at(kind, T).idle_timeout(Duration::from_secs(1200));
            assert_eq!(open(&c, kind, T + 1261), Err(AuthCookieError::IdleTimeout));
            let early = open(&c, kind, T + 200).unwrap();
            assert!(!early.needs_renewal());
            // A quarter of the idle timeout has passed: renew.
            let read = open(&c, kind, T + 300).unwrap();
            assert!(read.needs_renewal());
            let renewed = AuthCookie::renew_at(&keys(), &read, Timestamp(T + 300)).unwrap();
            assert_eq!(renewed.name(), "__Host-sid");
            let again = open(&renewed, kind, T + 1400).unwrap();
            assert_eq!(again.value(), "user-1");
            assert_eq!(again.issued_at(), Timestamp(T));
            assert_eq!(again.last_seen(), Timestamp(T + 300));
            assert_eq!(again.expires_at(), read.expires_at());
            assert_eq!(again.idle_timeout(), Some(Duration::from_secs(1200)));
            // Renewal does not move the absolute deadline.
            let end = DEFAULT_SESSION_TIMEOUT.as_secs() as i64;
            let late = AuthCookie::renew_at(&keys(), &again, Timestamp(T + end - 10)).unwrap();
            assert_eq!(
                open(&late, kind, T + end + 61),
                Err(AuthCookieError::Expired)
            );
        }
    }

    #[test]
    fn renewal_of_a_persistent_cookie_keeps_what_is_left_of_its_lifetime() {
        let c = at(Kind::Encrypted, T).persistent(Duration::from_secs(86_400));
        let read = open(&c, Kind::Encrypted, T + 400).unwrap();
        let renewed = AuthCookie::renew_at(&keys(), &read, Timestamp(T + 400)).unwrap();
        assert_eq!(renewed.max_age(), Some(86_000));
    }

    #[test]
    fn renewal_moves_a_rotated_value_to_the_current_key() {
        let old = Keys::new(test_key(1));
        let both = Keys::new(test_key(2)).with_older(test_key(1));
        let c =
            AuthCookie::issue(&old, "sid", "u", Kind::Signed, session_stamp(Timestamp(T))).unwrap();
        let read = AuthCookie::open(&both, "sid", c.value(), Kind::Signed, Timestamp(T)).unwrap();
        assert!(read.rotated() && read.needs_renewal());
        let renewed = AuthCookie::renew_at(&both, &read, Timestamp(T)).unwrap();
        let current_only = Keys::new(test_key(2));
        let again = AuthCookie::open(
            &current_only,
            "sid",
            renewed.value(),
            Kind::Signed,
            Timestamp(T),
        )
        .unwrap();
        assert!(!again.rotated());
    }

    #[test]
    fn refuses_values_issued_in_the_future() {
        let c = at(Kind::Signed, T + 3600);
        assert_eq!(open(&c, Kind::Signed, T), Err(AuthCookieError::Invalid));
        assert!(open(&at(Kind::Signed, T + 60), Kind::Signed, T).is_ok());
    }

    #[test]
    fn format_1_values_are_refused() {
        let key = test_key(7);
        let signed = seal::format1::sign(&key, "__Host-sid", "user-1");
        let encrypted = seal::format1::encrypt(&key, "__Host-sid", "user-1");
        // They were valid under format 1: same key, same name.
        assert!(!signed.is_empty() && !encrypted.is_empty());
        assert_eq!(
            AuthCookie::verify_signed(&keys(), "sid", &signed),
            Err(AuthCookieError::Invalid)
        );
        assert_eq!(
            AuthCookie::decrypt(&keys(), "sid", &encrypted),
            Err(AuthCookieError::Invalid)
        );
    }

    #[test]
    fn a_format_2_header_with_another_version_is_refused() {
        let c = AuthCookie::signed(&keys(), "sid", "u").unwrap();
        let mut raw = base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            &c.value()[..seal::HEADER_TEXT_LEN],
        )
        .unwrap();
        raw[0] = 3;
        let forged = format!(
            "{}{}",
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, raw),
            &c.value()[seal::HEADER_TEXT_LEN..]
        );
        assert_eq!(
            AuthCookie::verify_signed(&keys(), "sid", &forged),
            Err(AuthCookieError::Invalid)
        );
    }

    #[test]
    fn debug_of_verified_redacts_the_value() {
        let c = AuthCookie::encrypted(&keys(), "sid", "secret-user-1").unwrap();
        let v = AuthCookie::decrypt(&keys(), "sid", c.value()).unwrap();
        let debug = format!("{v:?}");
        assert!(
            debug.starts_with("Verified { value: \"<redacted>\", "),
            "{debug}"
        );
        assert!(!debug.contains("secret-user-1"), "{debug}");
    }

    #[test]
    fn debug_hides_value() {
        let c = AuthCookie::signed(&keys(), "sid", "user-1").unwrap();
        assert!(!format!("{c:?}").contains("user-1"));
    }
}
