//! Keys for signing and encrypting cookie values, with rotation.
//!
//! A key is 64 random bytes: the first half signs (HMAC-SHA256), the second encrypts
//! (AES-256-GCM). Make one from the command line and keep it in the site's secret store:
//!
//! ```sh
//! head -c 64 /dev/urandom | base64 -w0      # or: openssl rand -base64 64 | tr -d '\n'
//! ```

use std::fmt;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;

/// The length of a [`Key`] in bytes.
pub const KEY_LEN: usize = 64;

/// The fewest distinct byte values a key may have. 64 random bytes have about 57; a key with
/// fewer than this was not drawn at random (a repeated byte, a short pattern, text).
const MIN_DISTINCT_BYTES: usize = 24;

/// Why a key was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The key is not [`KEY_LEN`] (64) bytes long.
    WrongLength {
        /// How many bytes it had.
        len: usize,
    },
    /// The bytes do not look random: all equal, or too few distinct values.
    Weak {
        /// How many distinct byte values it had.
        distinct: usize,
    },
    /// The text is not base64 (standard or URL-safe, padded or not).
    NotBase64,
    /// The environment variable is not set (or not Unicode).
    MissingEnv {
        /// The variable.
        var: String,
    },
    /// A key in an environment variable was refused.
    InEnv {
        /// The variable.
        var: String,
        /// Position in the variable's comma-separated list (0 for a single key).
        index: usize,
        /// What was wrong with it.
        error: Box<KeyError>,
    },
    /// The operating system gave no randomness.
    NoRandomness,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::WrongLength { len } => write!(
                f,
                "a cookie key must be {KEY_LEN} bytes, this one has {len}; make one with \
                 `head -c 64 /dev/urandom | base64 -w0`"
            ),
            KeyError::Weak { distinct } => write!(
                f,
                "the cookie key does not look random ({distinct} distinct byte values, at least \
                 {MIN_DISTINCT_BYTES} expected); make one with `head -c 64 /dev/urandom | base64 -w0`"
            ),
            KeyError::NotBase64 => f.write_str(
                "the cookie key is not base64; make one with `head -c 64 /dev/urandom | base64 -w0`",
            ),
            KeyError::MissingEnv { var } => write!(
                f,
                "environment variable {var} is not set; put the base64 of 64 random bytes in it \
                 (`head -c 64 /dev/urandom | base64 -w0`)"
            ),
            KeyError::InEnv { var, index, error } => {
                write!(f, "environment variable {var}, key {}: {error}", index + 1)
            }
            KeyError::NoRandomness => f.write_str("the operating system gave no randomness"),
        }
    }
}

impl std::error::Error for KeyError {}

/// A secret key for auth cookies and CSRF tokens: 64 bytes that look random.
///
/// There is no infallible `From<&[u8]>`: a key is checked, and an obviously weak one (all bytes
/// equal, few distinct bytes, wrong length) is refused with a [`KeyError`]. `Debug` prints only
/// `Key`.
///
/// # Example
///
/// ```
/// use consentry_server::{Key, KeyError};
///
/// let key = Key::generate();                                  // for tests and demos
/// let text = key.to_base64();                                 // what the secret store keeps
/// let again = Key::from_base64(&text)?;                       // what the server loads
/// assert_eq!(format!("{again:?}"), "Key");
///
/// assert!(matches!(Key::try_from(&[0u8; 64][..]), Err(KeyError::Weak { .. })));
/// assert!(matches!(Key::try_from(&[7u8; 32][..]), Err(KeyError::WrongLength { len: 32 })));
/// # Ok::<(), KeyError>(())
/// ```
#[derive(Clone)]
pub struct Key(cookie::Key);

impl Key {
    /// A fresh random key from the operating system.
    ///
    /// # Panics
    ///
    /// When the operating system gives no randomness; [`Key::try_generate`] returns an error
    /// instead.
    pub fn generate() -> Key {
        Key::try_generate().expect("the operating system gives randomness")
    }

    /// A fresh random key, or [`KeyError::NoRandomness`].
    pub fn try_generate() -> Result<Key, KeyError> {
        let mut bytes = [0u8; KEY_LEN];
        getrandom::getrandom(&mut bytes).map_err(|_| KeyError::NoRandomness)?;
        // 64 random bytes failing the weakness check is too unlikely to happen: try again.
        Key::try_from(&bytes[..]).or_else(|_| Key::try_generate())
    }

    /// A key from the base64 of its 64 bytes (standard or URL-safe alphabet, padded or not;
    /// whitespace and line breaks, as `openssl rand -base64 64` writes them, are ignored).
    pub fn from_base64(text: &str) -> Result<Key, KeyError> {
        let clean: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(&clean).ok())
            .ok_or(KeyError::NotBase64)?;
        Key::try_from(&bytes[..])
    }

    /// The key as standard base64 (padded), for [`Key::from_base64`].
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0.master())
    }

    /// The `cookie` crate's key, for encryption.
    pub(crate) fn cookie_key(&self) -> &cookie::Key {
        &self.0
    }

    /// The half that signs.
    pub(crate) fn signing(&self) -> &[u8] {
        self.0.signing()
    }
}

impl TryFrom<&[u8]> for Key {
    type Error = KeyError;

    /// Checks the bytes: exactly 64, not all equal, at least 24 distinct values.
    fn try_from(bytes: &[u8]) -> Result<Key, KeyError> {
        if bytes.len() != KEY_LEN {
            return Err(KeyError::WrongLength { len: bytes.len() });
        }
        let mut seen = [false; 256];
        for b in bytes {
            seen[usize::from(*b)] = true;
        }
        let distinct = seen.iter().filter(|s| **s).count();
        if distinct < MIN_DISTINCT_BYTES {
            return Err(KeyError::Weak { distinct });
        }
        Ok(Key(cookie::Key::from(bytes)))
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key")
    }
}

/// One current key that signs and encrypts, plus older keys still accepted when reading.
///
/// Rotating keys without logging everyone out: make the new key current and keep the old one
/// as an older key until every cookie it signed has expired or been re-issued (reading reports
/// [`Verified::rotated`](crate::Verified::rotated) when an older key was used, so the app can
/// re-issue the cookie under the current key). A key removed from the set is retired: values
/// under it no longer verify.
///
/// `Debug` never prints key material.
///
/// # Example
///
/// ```
/// use consentry_server::{Key, Keys};
///
/// let old = Key::generate();
/// let keys = Keys::new(Key::generate()).with_older(old);
/// assert_eq!(keys.older_count(), 1);
/// assert_eq!(format!("{keys:?}"), "Keys { current: Key, older: 1 }");
/// ```
#[derive(Clone)]
pub struct Keys {
    current: Key,
    older: Vec<Key>,
}

impl Keys {
    /// A key set with only a current key.
    pub fn new(current: Key) -> Self {
        Keys {
            current,
            older: Vec::new(),
        }
    }

    /// Adds an older key that is still accepted for reading (never used to write).
    pub fn with_older(mut self, key: Key) -> Self {
        self.older.push(key);
        self
    }

    /// Loads keys from the environment: `var` holds the current key, the base64 of 64 random
    /// bytes; `<var>_OLD`, when set and not empty, holds older keys still accepted for reading,
    /// comma-separated.
    ///
    /// Rotation: move the current key into `<var>_OLD`, put a new one in `var`, restart; once
    /// every cookie the old key sealed has expired (the longest auth cookie lifetime), remove
    /// it from `<var>_OLD`.
    ///
    /// ```
    /// use consentry_server::{Key, KeyError, Keys};
    ///
    /// std::env::set_var("DOC_COOKIE_KEY", Key::generate().to_base64());
    /// std::env::set_var("DOC_COOKIE_KEY_OLD", format!("{}, {}", Key::generate().to_base64(), Key::generate().to_base64()));
    /// let keys = Keys::from_env("DOC_COOKIE_KEY")?;
    /// assert_eq!(keys.older_count(), 2);
    ///
    /// std::env::set_var("DOC_WEAK_KEY", "AAAA".repeat(22));  // 66 zero bytes
    /// let e = Keys::from_env("DOC_WEAK_KEY").unwrap_err();
    /// assert!(e.to_string().starts_with("environment variable DOC_WEAK_KEY, key 1: a cookie key must be 64 bytes"));
    /// assert!(matches!(Keys::from_env("DOC_NOT_SET"), Err(KeyError::MissingEnv { .. })));
    /// # Ok::<(), KeyError>(())
    /// ```
    pub fn from_env(var: &str) -> Result<Keys, KeyError> {
        let in_env = |var: &str, index: usize, error: KeyError| KeyError::InEnv {
            var: var.to_owned(),
            index,
            error: Box::new(error),
        };
        let current = std::env::var(var).map_err(|_| KeyError::MissingEnv {
            var: var.to_owned(),
        })?;
        let current = Key::from_base64(&current).map_err(|e| in_env(var, 0, e))?;
        let mut keys = Keys::new(current);
        let old_var = format!("{var}_OLD");
        if let Ok(list) = std::env::var(&old_var) {
            for (index, text) in list.split(',').enumerate() {
                if text.trim().is_empty() {
                    continue;
                }
                let key = Key::from_base64(text).map_err(|e| in_env(&old_var, index, e))?;
                keys = keys.with_older(key);
            }
        }
        Ok(keys)
    }

    /// The key that signs and encrypts new values.
    pub fn current(&self) -> &Key {
        &self.current
    }

    /// How many older keys are accepted.
    pub fn older_count(&self) -> usize {
        self.older.len()
    }

    /// Every accepted key, current first, with `true` for the current one.
    pub(crate) fn accepted(&self) -> impl Iterator<Item = (&Key, bool)> {
        std::iter::once((&self.current, true)).chain(self.older.iter().map(|k| (k, false)))
    }
}

impl From<Key> for Keys {
    fn from(key: Key) -> Self {
        Keys::new(key)
    }
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys")
            .field("current", &self.current)
            .field("older", &self.older.len())
            .finish()
    }
}

/// A fixed, valid key for unit tests: 64 distinct bytes from `seed`.
#[cfg(test)]
pub(crate) fn test_key(seed: u8) -> Key {
    let bytes: Vec<u8> = (0..64u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(seed))
        .collect();
    Key::try_from(&bytes[..]).expect("64 distinct bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_weak_and_wrong_length_keys() {
        assert_eq!(
            Key::try_from(&[0u8; 64][..]).unwrap_err(),
            KeyError::Weak { distinct: 1 }
        );
        assert_eq!(
            Key::try_from(&[9u8; 64][..]).unwrap_err(),
            KeyError::Weak { distinct: 1 }
        );
        let pattern: Vec<u8> = (0..64u8).map(|i| i % 8).collect();
        assert_eq!(
            Key::try_from(&pattern[..]).unwrap_err(),
            KeyError::Weak { distinct: 8 }
        );
        let text = b"correct horse battery staple correct horse battery staple 123456";
        assert!(matches!(
            Key::try_from(&text[..]),
            Err(KeyError::Weak { .. })
        ));
        for len in [0, 32, 63, 65, 128] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            assert_eq!(
                Key::try_from(&bytes[..]).unwrap_err(),
                KeyError::WrongLength { len }
            );
        }
        let e = Key::try_from(&[0u8; 64][..]).unwrap_err().to_string();
        assert!(e.contains("does not look random"), "{e}");
        assert!(e.contains("head -c 64 /dev/urandom | base64 -w0"), "{e}");
    }

    #[test]
    fn base64_round_trip_in_every_alphabet_and_with_line_breaks() {
        let key = test_key(3);
        let std = key.to_base64();
        let url = URL_SAFE_NO_PAD.encode(key.0.master());
        // `openssl rand -base64 64` wraps at 64 characters.
        let wrapped = format!("{}\n{}\n", &std[..64], &std[64..]);
        for text in [std.clone(), url, wrapped, format!("  {std}  ")] {
            assert_eq!(Key::from_base64(&text).unwrap().to_base64(), std);
        }
        assert_eq!(
            Key::from_base64("not base64!").unwrap_err(),
            KeyError::NotBase64
        );
        assert_eq!(
            Key::from_base64(&STANDARD.encode([0u8; 64])).unwrap_err(),
            KeyError::Weak { distinct: 1 }
        );
    }

    #[test]
    fn generated_keys_pass_the_checks() {
        for _ in 0..100 {
            let k = Key::generate();
            assert!(Key::from_base64(&k.to_base64()).is_ok());
        }
    }

    #[test]
    fn from_env_reads_current_and_older_keys() {
        let (a, b, c) = (test_key(1), test_key(2), test_key(3));
        std::env::set_var("CONSENTRY_TEST_KEYS_A", a.to_base64());
        std::env::set_var(
            "CONSENTRY_TEST_KEYS_A_OLD",
            format!("{} ,\n{},", b.to_base64(), c.to_base64()),
        );
        let keys = Keys::from_env("CONSENTRY_TEST_KEYS_A").unwrap();
        assert_eq!(keys.current().to_base64(), a.to_base64());
        assert_eq!(keys.older_count(), 2);

        std::env::set_var("CONSENTRY_TEST_KEYS_B", a.to_base64());
        std::env::set_var(
            "CONSENTRY_TEST_KEYS_B_OLD",
            format!("{},xyz", b.to_base64()),
        );
        let e = Keys::from_env("CONSENTRY_TEST_KEYS_B").unwrap_err();
        assert_eq!(
            e.to_string(),
            "environment variable CONSENTRY_TEST_KEYS_B_OLD, key 2: the cookie key is not base64; \
             make one with `head -c 64 /dev/urandom | base64 -w0`"
        );
        assert_eq!(
            Keys::from_env("CONSENTRY_TEST_KEYS_UNSET").unwrap_err(),
            KeyError::MissingEnv {
                var: "CONSENTRY_TEST_KEYS_UNSET".into()
            }
        );
    }
}
