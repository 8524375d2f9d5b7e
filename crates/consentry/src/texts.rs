//! Banner texts in the page's language, with English fallbacks.

use alloc::string::String;

use crate::map::SortedMap;
use crate::policy::{Policy, Texts, ANALYTICS, FUNCTIONAL, MARKETING, NECESSARY};

/// Texts for one language, every field filled.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResolvedTexts<'a> {
    /// The language actually used (`en` when nothing matched).
    pub language: &'a str,
    /// Banner heading.
    pub title: &'a str,
    /// First-layer text.
    pub body: &'a str,
    /// "Accept all".
    pub accept_all: &'a str,
    /// "Reject all".
    pub reject_all: &'a str,
    /// "Preferences".
    pub preferences: &'a str,
    /// "Save choices".
    pub save: &'a str,
    /// Placeholder on blocked iframes.
    pub blocked: &'a str,
    /// The placeholder's button label, before the category title ("Allow").
    pub allow: &'a str,
    /// Link to the privacy policy, if any.
    pub privacy_url: Option<&'a str>,
    /// The floating "Cookie settings" button.
    pub settings: &'a str,
    texts: [Option<&'a Texts>; 2],
}

impl<'a> ResolvedTexts<'a> {
    /// Title and description of a category.
    pub fn category(&self, id: &str) -> (&'a str, &'a str) {
        let (mut title, mut description) = default_category_text(id);
        // The fallback language first, so the page's language overrides it field by field.
        for t in self.texts.iter().rev().flatten() {
            if let Some(c) = t.categories.get(id) {
                title = c.title.as_deref().unwrap_or(title);
                description = c.description.as_deref().unwrap_or(description);
            }
        }
        (title, description)
    }
}

fn default_category_text(id: &str) -> (&'static str, &'static str) {
    match id {
        NECESSARY => (
            "Strictly necessary",
            "Needed for the site to work: sign-in, security and your consent choice. Always on.",
        ),
        FUNCTIONAL => (
            "Functional",
            "Remembers your preferences and enables extra features.",
        ),
        ANALYTICS => (
            "Analytics",
            "Counts visits and traffic sources so we can measure and improve the site.",
        ),
        MARKETING => (
            "Marketing",
            "Used by advertising partners to show and measure ads.",
        ),
        _ => ("Other", ""),
    }
}

impl Policy {
    /// Texts for a page language (`de-AT` tries `de-AT`, then `de`, then `en`), with
    /// built-in English for anything missing.
    ///
    /// ```
    /// # #[cfg(feature = "json")] {
    /// use consentry::Policy;
    /// let p = Policy::from_json(r#"{"revision":1,"categories":{"necessary":{"required":true,"lawful_basis":"contract"}},
    ///   "texts":{"de":{"accept_all":"Alle akzeptieren"}}}"#).unwrap();
    /// assert_eq!(p.texts_for("de-AT").accept_all, "Alle akzeptieren");
    /// assert_eq!(p.texts_for("de-AT").reject_all, "Reject all");
    /// assert_eq!(p.texts_for("fr").language, "en");
    /// # }
    /// ```
    pub fn texts_for<'a>(&'a self, lang: &str) -> ResolvedTexts<'a> {
        let lang = lang.as_bytes();
        let cut = lang.iter().position(|&b| b == b'-' || b == b'_');
        let hit = match self.texts_lookup(lang) {
            Some(h) => Some(h),
            None => self.texts_lookup(&lang[..cut.unwrap_or(lang.len())]),
        };
        let en = self.texts_lookup(b"en").map(|(_, t)| t);
        let (language, hit) = match hit {
            Some((k, t)) => (k.as_str(), Some(t)),
            None => ("en", None),
        };
        // Each field from the page's language, else the policy's English, else built-in
        // English. Missing languages read as a texts entry with no fields, so each field is two
        // `Option`s rather than an iterator chain, which is smaller in the browser module.
        let (h, e) = (hit.unwrap_or(&NO_TEXTS), en.unwrap_or(&NO_TEXTS));
        ResolvedTexts {
            language,
            title: pick(&h.title, &e.title, "Your privacy choices"),
            body: pick(
                &h.body,
                &e.body,
                "We use cookies that are needed for this site to work. With your consent we would also use others, listed under Preferences. You can change your mind at any time.",
            ),
            accept_all: pick(&h.accept_all, &e.accept_all, "Accept all"),
            reject_all: pick(&h.reject_all, &e.reject_all, "Reject all"),
            preferences: pick(&h.preferences, &e.preferences, "Preferences"),
            save: pick(&h.save, &e.save, "Save choices"),
            blocked: pick(
                &h.blocked,
                &e.blocked,
                "This content is blocked until you allow its cookies.",
            ),
            allow: pick(&h.allow, &e.allow, "Allow"),
            privacy_url: match &h.privacy_url {
                Some(u) => Some(u),
                None => e.privacy_url.as_deref(),
            },
            settings: pick(&h.settings, &e.settings, "Cookie settings"),
            texts: [hit, en],
        }
    }

    /// The first texts entry whose language tag equals `lang` ignoring ASCII case. Bytes
    /// rather than `str`, so that cutting the base language needs no char-boundary check
    /// (30 B gzip).
    fn texts_lookup(&self, lang: &[u8]) -> Option<(&String, &Texts)> {
        for (k, t) in &self.texts {
            if k.as_bytes().eq_ignore_ascii_case(lang) {
                return Some((k, t));
            }
        }
        None
    }
}

/// A language without texts: every field falls back.
static NO_TEXTS: Texts = Texts {
    title: None,
    body: None,
    accept_all: None,
    reject_all: None,
    preferences: None,
    save: None,
    blocked: None,
    allow: None,
    privacy_url: None,
    settings: None,
    categories: SortedMap::new(),
};

/// The first of two texts present, else the built-in default.
fn pick<'a>(a: &'a Option<String>, b: &'a Option<String>, default: &'static str) -> &'a str {
    match a {
        Some(s) => s,
        None => match b {
            Some(s) => s,
            None => default,
        },
    }
}
