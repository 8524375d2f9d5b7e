//! Name and URL patterns with `*` wildcards (`_ga_*`, `https://www.googletagmanager.com/gtag/js*`).

use alloc::string::String;
use alloc::vec::Vec;
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
        self.0.contains('*')
    }

    /// The literal text before the first `*` (the whole pattern when it has none).
    pub fn prefix(&self) -> &str {
        self.0.split('*').next().unwrap_or("")
    }

    /// True if the pattern has no literal character at all (`*`, `**`, or empty): it would
    /// match every name.
    pub fn matches_everything(&self) -> bool {
        self.0.chars().all(|c| c == '*')
    }

    /// Does `text` match? `*` matches any run of characters, including none. Linear in
    /// practice; no backtracking blow-up (greedy segment search).
    pub fn matches(&self, text: &str) -> bool {
        let mut parts = self.0.split('*');
        let first = parts.next().unwrap_or("");
        let Some(mut rest) = text.strip_prefix(first) else {
            return false;
        };
        let segments: Vec<&str> = parts.collect();
        let Some((last, middle)) = segments.split_last() else {
            return rest.is_empty();
        };
        for seg in middle.iter().filter(|s| !s.is_empty()) {
            // A plain byte search (not `str::find`, whose two-way searcher is large in the
            // browser module): patterns and names are short. A match of valid UTF-8 starts
            // on a character boundary.
            match rest
                .as_bytes()
                .windows(seg.len())
                .position(|w| w == seg.as_bytes())
            {
                Some(at) => rest = rest.get(at + seg.len()..).unwrap_or(""),
                None => return false,
            }
        }
        rest.len() >= last.len() && rest.ends_with(last)
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
