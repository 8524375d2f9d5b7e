//! The cookie and tracking section of a privacy notice, written from the policy (feature
//! `notice`).
//!
//! Everything it says comes from the policy file, so it cannot drift from what the banner, the
//! browser module and the server do: who is responsible, every cookie and storage key with
//! purpose, provider, lifetime and category, the lawful basis of each purpose, third parties,
//! how to change or withdraw consent, how Global Privacy Control is honoured, whether data is
//! sold or shared (CCPA), and how long consent and its records are kept. The browser module
//! never calls it.
//!
//! ```
//! # #[cfg(feature = "json")] {
//! use consentry::Policy;
//! let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
//! let md = policy.notice_markdown();
//! assert!(md.starts_with("## Cookies and similar technologies\n"));
//! assert!(md.contains("Cookie settings"));
//! let html = policy.notice_html();
//! assert!(html.contains("<h2>Cookies and similar technologies</h2>"));
//! # }
//! # Ok::<(), consentry::PolicyError>(())
//! ```

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::policy::{Exemption, Policy, NECESSARY};
use crate::table::{basis_text, escape_html, escape_md, lifetime_text, purpose_text};

/// The `localStorage` key the loader keeps a standing choice under (`consentry-web`).
pub const STORAGE_KEY: &str = "consentry";

/// What the notice says for the visitor to click: the site's control with
/// `data-consentry-open`.
pub const SETTINGS_CONTROL: &str = "Cookie settings";

/// One block of the notice, written as Markdown or HTML.
enum Block {
    /// A heading one level below the section's.
    Heading(String),
    /// A paragraph of plain text.
    Para(String),
    /// A list of plain-text items.
    List(Vec<String>),
    /// A table: header, then rows of plain-text cells; the first cell is a name (code).
    Table(Vec<&'static str>, Vec<Vec<String>>),
}

impl Policy {
    /// The cookie and tracking section of a privacy notice, as Markdown (GitHub tables),
    /// starting with the heading `## Cookies and similar technologies`.
    pub fn notice_markdown(&self) -> String {
        let mut out = String::from("## Cookies and similar technologies\n");
        for b in self.notice_blocks() {
            out.push('\n');
            match b {
                Block::Heading(h) => out.push_str(&format!("### {}\n", escape_md(&h))),
                Block::Para(p) => {
                    out.push_str(&escape_md(&p));
                    out.push('\n');
                }
                Block::List(items) => {
                    for i in items {
                        out.push_str(&format!("- {}\n", escape_md(&i)));
                    }
                }
                Block::Table(head, rows) => {
                    out.push_str(&format!("| {} |\n", head.join(" | ")));
                    out.push_str(&format!("|{}\n", "---|".repeat(head.len())));
                    for r in rows {
                        let cells: Vec<String> = r.iter().map(|c| escape_md(c)).collect();
                        out.push_str(&format!("| {} |\n", cells.join(" | ")));
                    }
                }
            }
        }
        out
    }

    /// The same section as HTML, in a `<section class="consentry-notice">` with an `<h2>`.
    pub fn notice_html(&self) -> String {
        let mut out = String::from(
            "<section class=\"consentry-notice\">\n<h2>Cookies and similar technologies</h2>\n",
        );
        for b in self.notice_blocks() {
            match b {
                Block::Heading(h) => out.push_str(&format!("<h3>{}</h3>\n", escape_html(&h))),
                Block::Para(p) => out.push_str(&format!("<p>{}</p>\n", escape_html(&p))),
                Block::List(items) => {
                    out.push_str("<ul>\n");
                    for i in items {
                        out.push_str(&format!("<li>{}</li>\n", escape_html(&i)));
                    }
                    out.push_str("</ul>\n");
                }
                Block::Table(head, rows) => {
                    out.push_str("<table class=\"consentry-cookie-table\">\n<thead><tr>");
                    for h in head {
                        out.push_str(&format!("<th>{h}</th>"));
                    }
                    out.push_str("</tr></thead>\n<tbody>\n");
                    for r in rows {
                        out.push_str("<tr>");
                        for (i, c) in r.iter().enumerate() {
                            if i == 0 {
                                out.push_str(&format!("<td><code>{}</code></td>", escape_html(c)));
                            } else {
                                out.push_str(&format!("<td>{}</td>", escape_html(c)));
                            }
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</tbody>\n</table>\n");
                }
            }
        }
        out.push_str("</section>\n");
        out
    }

    /// The notice's content, format-free.
    fn notice_blocks(&self) -> Vec<Block> {
        let mut b = Vec::new();
        let optional = self.has_optional_categories();

        b.push(Block::Heading("Who is responsible".into()));
        b.push(Block::Para(match &self.controller {
            Some(c) => {
                let mut p = format!(
                    "{} is responsible for the cookies and similar technologies on this site (the controller). Contact: {}.",
                    c.name, c.contact
                );
                if let Some(dpo) = &c.dpo {
                    p.push_str(&format!(" Data protection officer: {dpo}."));
                }
                p
            }
            None => "The operator of this site is responsible for the cookies and similar technologies on it (the controller).".into(),
        }));

        b.push(Block::Heading("What we store on your device".into()));
        b.push(Block::Para(if optional {
            "Strictly necessary cookies are always used: the site cannot work without them, and the law exempts them from consent (ePrivacy Directive Art. 5(3)). Everything else is used only as described under “Your choices”.".into()
        } else {
            "We use only strictly necessary cookies: the site cannot work without them, and the law exempts them from consent (ePrivacy Directive Art. 5(3)). There is nothing to consent to, so we show no cookie banner.".into()
        }));
        let cookie_rows = self.cookie_rows();
        let mut rows: Vec<Vec<String>> = cookie_rows
            .iter()
            .map(|r| {
                vec![
                    r.name.clone(),
                    "Cookie".into(),
                    r.provider.clone().unwrap_or_else(|| "This site".into()),
                    purpose_text(r),
                    r.category.clone(),
                    lifetime_text(r.max_age_days),
                ]
            })
            .collect();
        if optional {
            rows.push(vec![
                STORAGE_KEY.into(),
                "Local storage".into(),
                "This site".into(),
                "A copy of how your last cookie choice applies, so later pages need not load the consent module (strictly necessary: consent record)".into(),
                NECESSARY.into(),
                format!("Until your choice expires: {}", lifetime_text(Some(self.consent_max_age_days))),
            ]);
        }
        b.push(Block::Table(
            vec![
                "Name", "Type", "Provider", "Purpose", "Category", "Lifetime",
            ],
            rows,
        ));
        let remember: Vec<&str> = cookie_rows
            .iter()
            .filter(|r| r.remember_me)
            .map(|r| r.name.as_str())
            .collect();
        if !remember.is_empty() {
            b.push(Block::Para(format!(
                "{} is set only if you tick “Keep me signed in” when you sign in; that box starts unticked and ticking it is your choice. Without it you stay signed in only until you close the browser. Signing out deletes it.",
                remember.join(", ")
            )));
        }

        b.push(Block::Heading("Why: purposes and lawful basis".into()));
        let purposes = self
            .categories
            .iter()
            .map(|(id, c)| {
                let (title, _) = self.texts_for("en").category(id);
                let how = if c.required {
                    "always on; strictly necessary, so exempt from consent"
                } else {
                    "only with your consent, which you can withdraw at any time"
                };
                format!("{title} ({id}): {}; {how}.", basis_text(c.lawful_basis))
            })
            .collect();
        b.push(Block::List(purposes));

        if !self.services.is_empty() {
            b.push(Block::Heading("Third parties".into()));
            let services = self
                .services
                .iter()
                .map(|s| {
                    let purpose = s.purpose.trim().trim_end_matches('.');
                    let mut item = format!("{} ({}): {purpose}", s.provider, s.category);
                    if let (Some(e), Some(j)) = (s.exemption, &s.justification) {
                        item.push_str(&format!(
                            ". Strictly necessary ({}): {}",
                            exemption_words(e),
                            j.trim()
                        ));
                    }
                    if let Some(url) = &s.privacy_policy_url {
                        item.push_str(&format!(". Their privacy policy: {url}"));
                    }
                    item
                })
                .collect();
            b.push(Block::List(services));
        }

        b.push(Block::Heading("Your choices".into()));
        if optional {
            b.push(Block::Para(format!(
                "You can give, change or withdraw your consent at any time with “{SETTINGS_CONTROL}” on this site; withdrawing takes no more clicks than consenting. When you withdraw, we delete the category's cookies and reload the page so its scripts stop. You do not need to change your browser settings, and the site works the same if you refuse."
            )));
            let opt_out: Vec<&str> = self
                .regions
                .iter()
                .filter(|(_, p)| **p == crate::RegionProfile::OptOut)
                .map(|(code, _)| code.as_str())
                .collect();
            if opt_out.is_empty() {
                b.push(Block::Para("Nothing that needs consent is used before you opt in: the choices start switched off, and closing the banner is not consent.".into()));
            } else {
                b.push(Block::Para(format!(
                    "Nothing that needs consent is used before you opt in, except for visitors from {}: they are told, and the optional categories start on until they switch them off in “{SETTINGS_CONTROL}”.",
                    opt_out.join(", ")
                )));
            }
        } else {
            b.push(Block::Para(format!(
                "As we use only strictly necessary cookies, there is no consent to give or withdraw and no “{SETTINGS_CONTROL}” to change. Signing out deletes the sign-in cookies."
            )));
        }

        b.push(Block::Heading(
            "Global Privacy Control and Do Not Track".into(),
        ));
        let sharing: Vec<&str> = self
            .categories
            .iter()
            .filter(|(id, c)| !c.required && c.is_sale_or_sharing(id))
            .map(|(id, _)| id)
            .collect();
        b.push(Block::Para(if sharing.is_empty() {
            // "Cookie settings" exists only where there is something to consent to.
            let refuse = if optional {
                format!("; use “{SETTINGS_CONTROL}” to refuse")
            } else {
                String::new()
            };
            format!("If your browser sends Global Privacy Control (GPC), we treat it as an opt-out of the sale and sharing of your personal information; as we neither sell nor share it, there is nothing more for it to switch off. GPC is never read as consent. We do not act on Do Not Track, which has no agreed meaning{refuse}.")
        } else {
            format!(
                "If your browser sends Global Privacy Control (GPC), we treat it as an opt-out of the sale and sharing of your personal information: {} stays off and is recorded as refused, and a later visit without the signal does not switch it back on. GPC is never read as consent. We do not act on Do Not Track, which has no agreed meaning; use GPC or “{SETTINGS_CONTROL}”.",
                sharing.join(", ")
            )
        }));

        b.push(Block::Heading(
            "Sale and sharing of personal information".into(),
        ));
        let sharing_used = self
            .services
            .iter()
            .filter(|s| sharing.contains(&s.category.as_str()))
            .map(|s| s.provider.as_str())
            .collect::<Vec<_>>();
        b.push(Block::Para(if sharing_used.is_empty() && self.cookies().all(|c| !sharing.contains(&c.category)) {
            "We do not sell your personal information or share it for cross-context behavioural advertising (California Consumer Privacy Act).".into()
        } else {
            format!(
                "With your consent (or, where the law lets it start on, until you opt out) we share personal information for cross-context behavioural advertising{}. You can opt out at any time with “{SETTINGS_CONTROL}” or GPC.",
                if sharing_used.is_empty() { String::new() } else { format!(" with {}", sharing_used.join(", ")) }
            )
        }));

        b.push(Block::Heading("How long".into()));
        let mut how_long = Vec::new();
        if optional {
            how_long.push(format!(
                "Your choice, whether you accept or refuse, is kept in the consent cookie for {}; after that, or when we change what we ask for, we ask again.",
                lifetime_text(Some(self.consent_max_age_days))
            ));
            how_long.push(match (&self.receipt_endpoint, self.records_retention_days) {
                (None, _) => "We keep no record of your choice on our servers: it exists only in your browser.".into(),
                (Some(_), Some(days)) => format!(
                    "A record of each choice (a pseudonymous id, the time, your choices and the version of this policy) is kept on our servers for {} as proof of consent, then deleted.",
                    lifetime_text(Some(days))
                ),
                (Some(_), None) => "A record of each choice (a pseudonymous id, the time, your choices and the version of this policy) is kept on our servers as proof of consent for as long as we need to show it, then deleted.".into(),
            });
        }
        how_long.push("Each cookie's lifetime is in the table above; \"Session\" means it is deleted when you close the browser.".into());
        b.push(Block::List(how_long));
        b
    }
}

/// The exemption as the notice names it.
fn exemption_words(e: Exemption) -> &'static str {
    match e {
        Exemption::Security => "security and fraud prevention",
        e => e.label(),
    }
}
