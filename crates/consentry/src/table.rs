//! The "Cookies" section of a privacy policy, rendered from the policy's declarations.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::policy::{Exemption, LawfulBasis, Policy, SameSite, NECESSARY};

/// One row of the cookie table.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CookieRow {
    /// Cookie name or pattern (`_ga_*`).
    pub name: String,
    /// Who sets it; the site itself when `None`.
    pub provider: Option<String>,
    /// What it is for.
    pub purpose: String,
    /// Category id.
    pub category: String,
    /// Lawful basis of the category.
    pub lawful_basis: LawfulBasis,
    /// Exemption, for necessary cookies.
    pub exemption: Option<Exemption>,
    /// Lifetime in days; `None` for a session cookie.
    pub max_age_days: Option<u32>,
    /// Declared `HttpOnly`, if declared.
    pub http_only: Option<bool>,
    /// Declared `SameSite`, if declared.
    pub same_site: Option<SameSite>,
    /// A persistent sign-in, set only when the visitor ticks "Keep me signed in".
    pub remember_me: bool,
}

/// A lifetime as words: `Session`, `1 day`, `395 days (13 months)`.
pub fn lifetime_text(days: Option<u32>) -> String {
    // One `String` pushed to in every case: measured 11 B gzip smaller than one per case.
    let mut out = String::new();
    match days {
        None => out.push_str("Session"),
        Some(1) => out.push_str("1 day"),
        Some(d) => {
            crate::codec::push_u64(&mut out, d.into());
            out.push_str(" days");
            if d >= 60 {
                out.push_str(" (");
                crate::codec::push_u64(&mut out, (u64::from(d) * 12 + 182) / 365);
                out.push_str(" months)");
            }
        }
    }
    out
}

/// Escapes text for HTML content and for single- or double-quoted attribute values
/// (`& < > " '`).
///
/// ```
/// assert_eq!(consentry::escape_html(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
/// ```
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for a GitHub-flavoured Markdown table cell: Markdown punctuation is
/// backslash-escaped and raw HTML turned into entities, so a cell renders as the text itself.
pub(crate) fn escape_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

impl Policy {
    /// Rows of the cookie table: every declared cookie, plus the consent cookie itself when the
    /// policy has something to consent to (it is only set then).
    pub fn cookie_rows(&self) -> Vec<CookieRow> {
        let basis = |cat: &str| {
            self.categories
                .get(cat)
                .map(|c| c.lawful_basis)
                .unwrap_or(LawfulBasis::Consent)
        };
        let mut rows: Vec<CookieRow> = self
            .cookies()
            .map(|c| CookieRow {
                name: c.decl.name.as_str().into(),
                provider: c.provider.map(Into::into),
                purpose: c.purpose.unwrap_or("").into(),
                category: c.category.into(),
                lawful_basis: basis(c.category),
                exemption: c.exemption(),
                max_age_days: c.decl.max_age_days,
                http_only: c.decl.http_only,
                same_site: c.decl.same_site,
                remember_me: c.decl.remember_me,
            })
            .collect();
        // Unless the site declares it itself, under either name. One row for both names: the
        // name column matches what a browser holds on plain HTTP, the purpose says the other.
        let https_name = self.consent_cookie_name(true);
        if self.has_optional_categories()
            && self.cookie_for(&self.cookie_name).is_none()
            && self.cookie_for(&https_name).is_none()
        {
            let mut purpose = String::from("Remembers your cookie choices");
            if https_name != self.cookie_name {
                purpose.push_str("; named ");
                purpose.push_str(&https_name);
                purpose.push_str(" on HTTPS");
            }
            rows.push(CookieRow {
                name: self.cookie_name.clone(),
                provider: None,
                purpose,
                category: NECESSARY.into(),
                lawful_basis: basis(NECESSARY),
                exemption: Some(Exemption::ConsentRecord),
                max_age_days: Some(self.consent_max_age_days),
                http_only: Some(false),
                same_site: Some(SameSite::Lax),
                remember_me: false,
            });
        }
        rows
    }

    /// The cookie table as Markdown.
    ///
    /// ```
    /// # #[cfg(feature = "json")] {
    /// use consentry::Policy;
    /// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
    /// let md = policy.cookie_table_markdown();
    /// assert!(md.starts_with("| Cookie | Provider | Purpose | Category | Lawful basis | Lifetime |"));
    /// assert!(md.contains("| \\_ga | Google LLC |"));
    /// # }
    /// ```
    pub fn cookie_table_markdown(&self) -> String {
        let mut out = String::from("| Cookie | Provider | Purpose | Category | Lawful basis | Lifetime |\n|---|---|---|---|---|---|\n");
        for r in self.cookie_rows() {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                escape_md(&r.name),
                escape_md(r.provider.as_deref().unwrap_or("This site")),
                escape_md(&purpose_text(&r)),
                escape_md(&r.category),
                basis_text(r.lawful_basis),
                lifetime_text(r.max_age_days)
            ));
        }
        out
    }

    /// The cookie table as an HTML `<table>` (escaped; class `consentry-cookie-table`).
    ///
    /// ```
    /// # #[cfg(feature = "json")] {
    /// use consentry::Policy;
    /// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
    /// let html = policy.cookie_table_html();
    /// assert!(html.starts_with("<table class=\"consentry-cookie-table\">"));
    /// assert!(html.contains("<tr><td><code>_ga_*</code></td><td>Google LLC</td>"));
    /// # }
    /// ```
    pub fn cookie_table_html(&self) -> String {
        let mut out = String::from(
            "<table class=\"consentry-cookie-table\">\n<thead><tr><th>Cookie</th><th>Provider</th><th>Purpose</th><th>Category</th><th>Lawful basis</th><th>Lifetime</th></tr></thead>\n<tbody>\n",
        );
        for r in self.cookie_rows() {
            out.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape_html(&r.name),
                escape_html(r.provider.as_deref().unwrap_or("This site")),
                escape_html(&purpose_text(&r)),
                escape_html(&r.category),
                basis_text(r.lawful_basis),
                lifetime_text(r.max_age_days)
            ));
        }
        out.push_str("</tbody>\n</table>\n");
        out
    }
}

/// The purpose, the exemption of a necessary cookie, and the declared `HttpOnly` / `SameSite`
/// (privacy policies promise these, e.g. "HttpOnly and SameSite=Strict").
pub(crate) fn purpose_text(r: &CookieRow) -> String {
    let mut notes: Vec<String> = Vec::new();
    if let Some(e) = r.exemption {
        notes.push(format!("strictly necessary: {}", e.label()));
    }
    if r.remember_me {
        notes.push("only if you tick “Keep me signed in”".into());
    }
    if r.http_only == Some(true) {
        notes.push("HttpOnly".into());
    }
    if let Some(s) = r.same_site {
        notes.push(format!("SameSite={}", s.as_str()));
    }
    match (r.purpose.is_empty(), notes.is_empty()) {
        (_, true) => r.purpose.clone(),
        (true, false) => {
            let all = notes.join("; ");
            let mut c = all.chars();
            // Capitalise the first letter: "Strictly necessary: session; HttpOnly".
            match c.next() {
                Some(f) => format!("{}{}", f.to_ascii_uppercase(), c.as_str()),
                None => all,
            }
        }
        (false, false) => format!("{} ({})", r.purpose, notes.join("; ")),
    }
}

pub(crate) fn basis_text(b: LawfulBasis) -> String {
    format!("{} ({})", b.label(), b.article())
}
