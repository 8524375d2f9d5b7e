//! Banner texts in the page's language, with English fallbacks.

use alloc::string::String;

use crate::policy::{Policy, Texts, ANALYTICS, FUNCTIONAL, MARKETING, NECESSARY};

/// Texts for one language, every field filled.
#[derive(Clone, Debug, PartialEq, Eq)]
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
        let lookup = |l: &str| self.texts.iter().find(|(k, _)| k.eq_ignore_ascii_case(l));
        let cut = lang.bytes().position(|b| b == b'-' || b == b'_');
        let base = lang.get(..cut.unwrap_or(lang.len())).unwrap_or(lang);
        let hit = lookup(lang).or_else(|| lookup(base));
        let en = lookup("en").map(|(_, t)| t);
        let language = match hit {
            Some((k, _)) => k.as_str(),
            None => "en",
        };
        let texts = [hit.map(|(_, t)| t), en];
        let pick = |f: fn(&'a Texts) -> Option<&'a String>, d: &'static str| -> &'a str {
            texts
                .iter()
                .flatten()
                .find_map(|t| f(t))
                .map(String::as_str)
                .unwrap_or(d)
        };
        ResolvedTexts {
            language,
            title: pick(|t| t.title.as_ref(), "Your privacy choices"),
            body: pick(
                |t| t.body.as_ref(),
                "We use cookies that are needed for this site to work. With your consent we would also use others, listed under Preferences. You can change your mind at any time.",
            ),
            accept_all: pick(|t| t.accept_all.as_ref(), "Accept all"),
            reject_all: pick(|t| t.reject_all.as_ref(), "Reject all"),
            preferences: pick(|t| t.preferences.as_ref(), "Preferences"),
            save: pick(|t| t.save.as_ref(), "Save choices"),
            blocked: pick(|t| t.blocked.as_ref(), "This content is blocked until you allow its cookies."),
            allow: pick(|t| t.allow.as_ref(), "Allow"),
            privacy_url: texts.iter().flatten().find_map(|t| t.privacy_url.as_deref()),
            texts,
        }
    }
}
