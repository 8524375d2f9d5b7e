//! Keys for signing and encrypting cookie values, with rotation.

use std::fmt;

pub use cookie::Key;

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
