//! [`SortedMap`]: a small map with string keys, kept sorted in a `Vec`.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A map from string keys to values, sorted by key, stored in a `Vec`.
///
/// Used for the policy's `regions` and `texts`, which hold a handful of entries: it behaves
/// like a `BTreeMap<String, V>` for them (same iteration order, same JSON, a later duplicate
/// key replaces an earlier one) with a fraction of the code in the browser module.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SortedMap<V>(Vec<(String, V)>);

/// Iterator over `(&key, &value)` in key order.
pub type Iter<'a, V> =
    core::iter::Map<core::slice::Iter<'a, (String, V)>, fn(&'a (String, V)) -> (&'a String, &'a V)>;

impl<V> SortedMap<V> {
    /// An empty map.
    pub const fn new() -> Self {
        SortedMap(Vec::new())
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// The value for `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    /// The value for `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        match self.find(key) {
            Ok(i) => Some(&mut self.0[i].1),
            Err(_) => None,
        }
    }

    /// True if `key` is in the map.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`; returns the value it replaces.
    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(core::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// Like `insert(key, V::default())`, but returns the new value so that the caller can
    /// build it in place. The JSON reader fills the policy's maps this way rather than moving
    /// whole values in and old ones out (222 B gzip less in the browser bundle).
    pub(crate) fn reset(&mut self, key: String) -> &mut V
    where
        V: Default,
    {
        let i = match self.find(&key) {
            Ok(i) => {
                self.0[i].1 = V::default();
                i
            }
            Err(i) => {
                self.0.insert(i, (key, V::default()));
                i
            }
        };
        &mut self.0[i].1
    }

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &str) -> Option<V> {
        self.find(key).ok().map(|i| self.0.remove(i).1)
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Entries in key order.
    pub fn iter(&self) -> Iter<'_, V> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }

    /// Values in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }
}

impl<V> Default for SortedMap<V> {
    fn default() -> Self {
        SortedMap::new()
    }
}

impl<V: fmt::Debug> fmt::Debug for SortedMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'a, V> IntoIterator for &'a SortedMap<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = Iter<'a, V>;
    fn into_iter(self) -> Iter<'a, V> {
        self.iter()
    }
}

impl<V> FromIterator<(String, V)> for SortedMap<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        let mut m = SortedMap::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

impl<V: Serialize> Serialize for SortedMap<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for SortedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Vis<V> {
            type Value = SortedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SortedMap<V>, A::Error> {
                let mut out = SortedMap::new();
                while let Some((k, v)) = map.next_entry::<String, V>()? {
                    out.insert(k, v);
                }
                Ok(out)
            }
        }
        d.deserialize_map(Vis(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;
    use alloc::string::ToString;

    #[test]
    fn behaves_like_a_btreemap() {
        let mut ours = SortedMap::new();
        let mut std = BTreeMap::new();
        for (i, k) in ["de", "en", "a", "US-CA", "en", "", "zz", "de"]
            .iter()
            .enumerate()
        {
            assert_eq!(ours.insert(k.to_string(), i), std.insert(k.to_string(), i));
            assert_eq!(ours.len(), std.len());
        }
        assert!(ours.iter().eq(std.iter()));
        assert!(ours.keys().eq(std.keys()));
        assert_eq!(ours.get("en"), std.get("en"));
        assert_eq!(ours.get("xx"), None);
        assert_eq!(ours.remove("de"), std.remove("de"));
        assert!(ours.iter().eq(std.iter()));
        assert_eq!(alloc::format!("{ours:?}"), alloc::format!("{std:?}"));
        ours.clear();
        assert!(ours.is_empty());
    }

    #[test]
    fn reset_is_insert_of_the_default() {
        let mut ours = SortedMap::new();
        let mut std = BTreeMap::new();
        for (i, k) in ["en", "de", "en", "", "de", "zz"].iter().enumerate() {
            assert_eq!(*ours.reset(k.to_string()), 0);
            *ours.reset(k.to_string()) += i + 1;
            std.insert(k.to_string(), i + 1);
            assert!(ours.iter().eq(std.iter()));
        }
    }
}
