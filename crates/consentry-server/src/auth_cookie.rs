//! `AuthCookie`: the one way to make authentication and session cookies.

use std::fmt;
use std::time::Duration;

use crate::keys::Keys;
use crate::name::{self, NameError};
use crate::request::{cookie_value, Headers};
use crate::seal;

/// The longest lifetime browsers keep a cookie (RFC 6265bis): 400 days.
pub const MAX_LIFETIME: Duration = Duration::from_secs(400 * 86_400);

/// Browsers' limit for name + value.
pub const MAX_NAME_VALUE_BYTES: usize = 4096;

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
    /// The value was tampered with, signed under another name, or under a key that is no
    /// longer accepted.
    Invalid,
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
                "auth cookie value does not verify (tampered, moved from another cookie, or under a retired key)",
            ),
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
#[derive(Clone, PartialEq, Eq)]
#[must_use = "an AuthCookie does nothing until it is added to a response"]
pub struct AuthCookie {
    name: String,
    value: String,
    max_age: Option<u64>,
}

/// A value read back from an auth cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    value: String,
    rotated: bool,
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
}

impl AuthCookie {
    /// A cookie whose value is signed with the current key: readable by the browser's owner,
    /// but not forgeable. `name` is the bare name (`session`) or already `__Host-` prefixed.
    pub fn signed(keys: &Keys, name: &str, value: &str) -> Result<Self, AuthCookieError> {
        let name = name::host_name(name)?;
        if !consentry::is_cookie_octets(value) {
            return Err(AuthCookieError::ValueNotCookieOctets);
        }
        let sealed = seal::sign(keys, &name, value);
        Self::checked(name, sealed)
    }

    /// A cookie whose value is encrypted and authenticated with the current key: the browser
    /// can neither read nor change it. Any string can be stored.
    pub fn encrypted(keys: &Keys, name: &str, value: &str) -> Result<Self, AuthCookieError> {
        let name = name::host_name(name)?;
        let sealed = seal::encrypt(keys, &name, value);
        Self::checked(name, sealed)
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
        })
    }

    fn checked(name: String, value: String) -> Result<Self, AuthCookieError> {
        let len = name.len() + value.len();
        if len > MAX_NAME_VALUE_BYTES {
            return Err(AuthCookieError::TooLarge { len });
        }
        Ok(AuthCookie {
            name,
            value,
            max_age: None,
        })
    }

    /// Makes the cookie outlive the browser session, for `lifetime` capped at 400 days
    /// ([`MAX_LIFETIME`]). A zero lifetime is raised to one second (use
    /// [`AuthCookie::removal`] to delete).
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
        self.max_age = Some(lifetime.min(MAX_LIFETIME).as_secs().max(1));
        self
    }

    /// Reads a signed value back. `name` as given when signing; `sealed` is the cookie's value
    /// from the request.
    pub fn verify_signed(
        keys: &Keys,
        name: &str,
        sealed: &str,
    ) -> Result<Verified, AuthCookieError> {
        let name = name::host_name(name)?;
        seal::unsign(keys, &name, sealed)
            .map(|(v, current)| Verified {
                value: v.to_owned(),
                rotated: !current,
            })
            .ok_or(AuthCookieError::Invalid)
    }

    /// Reads an encrypted value back.
    pub fn decrypt(keys: &Keys, name: &str, sealed: &str) -> Result<Verified, AuthCookieError> {
        let name = name::host_name(name)?;
        seal::decrypt(keys, &name, sealed)
            .map(|(value, current)| Verified {
                value,
                rotated: !current,
            })
            .ok_or(AuthCookieError::Invalid)
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
        Self::read_with(keys, name, headers, Self::verify_signed)
    }

    /// Finds the encrypted cookie `name` in a request's `Cookie` headers and decrypts it.
    pub fn read_encrypted<H: Headers + ?Sized>(
        keys: &Keys,
        name: &str,
        headers: &H,
    ) -> Result<Option<Verified>, AuthCookieError> {
        Self::read_with(keys, name, headers, Self::decrypt)
    }

    /// Finds the cookie `name` (with its `__Host-` prefix) and opens its value with `open`.
    fn read_with<H: Headers + ?Sized>(
        keys: &Keys,
        name: &str,
        headers: &H,
        open: fn(&Keys, &str, &str) -> Result<Verified, AuthCookieError>,
    ) -> Result<Option<Verified>, AuthCookieError> {
        let full = name::host_name(name)?;
        match cookie_value(headers, &full) {
            Ok(None) => Ok(None),
            Ok(Some(v)) => open(keys, &full, v).map(Some),
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

    #[test]
    fn debug_hides_value() {
        let c = AuthCookie::signed(&keys(), "sid", "user-1").unwrap();
        assert!(!format!("{c:?}").contains("user-1"));
    }
}
