//! Name and URL patterns with `*` wildcards (`_ga_*`, `https://www.googletagmanager.com/gtag/js*`).

use alloc::string::String;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A cookie name or URL, either exact or with `*` wildcards that match any run of characters.
///
/// ```
/// use consentry::Pattern;
/// let ga = Pattern::new("_ga_*");
/// assert!(ga.matches("_ga_ABC123"));
/// assert!(!ga.matches("_gat"));
/// assert!(Pattern::new("_ga").matches("_ga"));
/// assert!(!Pattern::new("_ga").matches("_ga_X"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pattern(String);

impl Pattern {
    /// Wraps a pattern string. Any text is accepted; [`crate::Policy::validate`] refuses empty
    /// patterns and patterns that match everything.
    pub fn new(pattern: impl Into<String>) -> Self {
        Pattern(pattern.into())
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True if the pattern has a `*`, i.e. names a family of cookies or URLs.
    pub fn is_wildcard(&self) -> bool {
        self.0.as_bytes().contains(&b'*')
    }

    /// The literal text before the first `*` (the whole pattern when it has none).
    pub fn prefix(&self) -> &str {
        self.0.split('*').next().unwrap_or("")
    }

    /// True if the pattern has no literal character at all (`*`, `**`, or empty): it would
    /// match every name.
    pub fn matches_everything(&self) -> bool {
        self.0.bytes().all(|b| b == b'*')
    }

    /// Does `text` match? `*` matches any run of characters, including none. Linear in
    /// practice; no backtracking blow-up (greedy segment search).
    pub fn matches(&self, text: &str) -> bool {
        self.matches_bytes(text.as_bytes())
    }

    /// [`Pattern::matches`] for the bytes of a text.
    pub(crate) fn matches_bytes(&self, text: &[u8]) -> bool {
        // On bytes: `*` is ASCII, so the pieces between stars and every comparison are the
        // same as on `str`, and the byte searches keep `str` splitting and searching (large
        // in the browser module) out. A match of valid UTF-8 starts on a character boundary.
        let mut parts = self.0.as_bytes().split(|b| *b == b'*');
        let first = parts.next().unwrap_or_default();
        let Some(mut rest) = text.strip_prefix(first) else {
            return false;
        };
        let Some(mut segment) = parts.next() else {
            return rest.is_empty();
        };
        // Each segment but the last is found greedily; the last must end the text.
        for next in parts {
            if !segment.is_empty() {
                match rest.windows(segment.len()).position(|w| w == segment) {
                    Some(at) => rest = rest.get(at + segment.len()..).unwrap_or_default(),
                    None => return false,
                }
            }
            segment = next;
        }
        rest.ends_with(segment)
    }
}

impl From<&str> for Pattern {
    fn from(s: &str) -> Self {
        Pattern::new(s)
    }
}

impl core::fmt::Display for Pattern {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Pattern)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_prefix_suffix_and_middle_wildcards() {
        let p = Pattern::new("https://www.googletagmanager.com/gtag/js*");
        assert!(p.matches("https://www.googletagmanager.com/gtag/js?id=G-1"));
        assert!(!p.matches("https://evil.test/?https://www.googletagmanager.com/gtag/js"));
        assert!(Pattern::new("*.doubleclick.net/*").matches("ad.doubleclick.net/x"));
        assert!(Pattern::new("a*b*c").matches("abc"));
        assert!(Pattern::new("a*b*c").matches("a-b-b-c"));
        assert!(!Pattern::new("a*b*c").matches("a-c"));
        assert!(!Pattern::new("ab*ba").matches("aba"));
        assert!(Pattern::new("a**b").matches("ab"));
        assert!(Pattern::new("*é*ß*").matches("xéyßz"));
        assert!(!Pattern::new("*ß*é*").matches("xéyßz"));
        assert!(Pattern::new("_ga_*").matches("_ga_"));
    }

    #[test]
    fn detects_match_everything() {
        assert!(Pattern::new("*").matches_everything());
        assert!(Pattern::new("").matches_everything());
        assert!(!Pattern::new("_ga*").matches_everything());
    }
}
