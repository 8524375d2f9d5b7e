//! The privacy policy's cookie table, for each example site, matches what its privacy policy
//! (`shared/seeds`) says; Markdown and HTML are escaped.
#![cfg(feature = "json")]

mod common;

use consentry::{lifetime_text, Policy};

/// Cells of the Markdown table's body rows, unescaped.
fn md_rows(md: &str) -> Vec<Vec<String>> {
    let mut lines = md.lines();
    assert_eq!(
        lines.next(),
        Some("| Cookie | Provider | Purpose | Category | Lawful basis | Lifetime |")
    );
    assert_eq!(lines.next(), Some("|---|---|---|---|---|---|"));
    lines
        .map(|l| {
            let inner = l
                .strip_prefix("| ")
                .and_then(|l| l.strip_suffix(" |"))
                .unwrap_or_else(|| panic!("not a table row: {l}"));
            let (mut cells, mut cell, mut esc) = (Vec::new(), String::new(), false);
            for c in inner.chars() {
                match c {
                    _ if esc => {
                        cell.push(c);
                        esc = false;
                    }
                    '\\' => esc = true,
                    '|' => cells.push(std::mem::take(&mut cell).trim().to_string()),
                    c => cell.push(c),
                }
            }
            cells.push(cell.trim().to_string());
            assert_eq!(cells.len(), 6, "{l}");
            cells
        })
        .collect()
}

/// Cells of the HTML table's body rows (text content, entities left as written).
fn html_rows(html: &str) -> Vec<Vec<String>> {
    assert!(html.starts_with("<table class=\"consentry-cookie-table\">\n<thead><tr><th>Cookie</th><th>Provider</th><th>Purpose</th><th>Category</th><th>Lawful basis</th><th>Lifetime</th></tr></thead>\n<tbody>\n"));
    assert!(html.ends_with("</tbody>\n</table>\n"));
    html.lines()
        .filter(|l| l.starts_with("<tr><td>"))
        .map(|l| {
            l.trim_start_matches("<tr><td>")
                .trim_end_matches("</td></tr>")
                .split("</td><td>")
                .map(|c| c.replace("<code>", "").replace("</code>", ""))
                .collect()
        })
        .collect()
}

/// Both renderings give exactly these rows.
#[track_caller]
fn assert_rows(policy: &Policy, want: &[[&str; 6]]) {
    let want: Vec<Vec<String>> = want
        .iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(md_rows(&policy.cookie_table_markdown()), want);
    assert_eq!(html_rows(&policy.cookie_table_html()), want);
}

const NECESSARY: &str = "necessary";
const CONTRACT: &str = "Contract (Art. 6(1)(b))";
const CONSENT: &str = "Consent (Art. 6(1)(a))";
const SITE: &str = "This site";
const CSRF: [&str; 6] = [
    "__Host-csrf",
    SITE,
    "Protects forms against cross-site request forgery (strictly necessary: security; HttpOnly; SameSite=Strict)",
    NECESSARY,
    CONTRACT,
    "Session",
];

#[test]
fn p4p_packing_lists_auth_cookies_and_google_analytics_with_consent() {
    // Seed: "Authentication cookies (P4PMember, P4PAdmin) … HttpOnly and SameSite=Strict";
    // "Google Analytics cookies (_ga, _ga_*)"; sub-processor "Google LLC — analytics";
    // "Consent (Art. 6(1)(a)) — for optional analytics cookies".
    let p = common::example("p4p-packing");
    assert_rows(
        &p,
        &[
            [
                "__Host-P4PMember",
                SITE,
                "Keeps you signed in (strictly necessary: authentication; HttpOnly; SameSite=Strict)",
                NECESSARY,
                CONTRACT,
                "Session",
            ],
            [
                "__Host-P4PAdmin",
                SITE,
                "Keeps administrators signed in (strictly necessary: authentication; HttpOnly; SameSite=Strict)",
                NECESSARY,
                CONTRACT,
                "Session",
            ],
            CSRF,
            [
                "_ga",
                "Google LLC",
                "Distinguishes unique visitors",
                "analytics",
                CONSENT,
                "395 days (13 months)",
            ],
            [
                "_ga_*",
                "Google LLC",
                "Keeps the state of a session",
                "analytics",
                CONSENT,
                "395 days (13 months)",
            ],
            [
                "consentry",
                SITE,
                "Remembers your cookie choices; named __Host-consentry on HTTPS (strictly necessary: consent record; SameSite=Lax)",
                NECESSARY,
                CONTRACT,
                "182 days (6 months)",
            ],
        ],
    );
    // The auth cookies are declared as the server must set them.
    for name in ["__Host-P4PMember", "__Host-P4PAdmin"] {
        let c = p.cookie_for(name).unwrap();
        assert_eq!(c.decl.http_only, Some(true));
        assert_eq!(c.decl.same_site, Some(consentry::SameSite::Strict));
        assert_eq!(c.decl.exemption, Some(consentry::Exemption::Authentication));
    }
    assert_eq!(p.cookie_for("_ga_XYZ123").unwrap().category, "analytics");
    assert_eq!(
        p.cookie_for("_ga_XYZ123").unwrap().provider,
        Some("Google LLC")
    );
    assert_eq!(
        p.category_for_url("https://www.googletagmanager.com/gtag/js?id=G-1"),
        Some("analytics")
    );
}

#[test]
fn proecommerce_lists_a_session_a_csrf_and_stripes_fraud_prevention_cookies() {
    // Seed: "strictly necessary cookies only: a session cookie (PROE_SID) to keep you logged
    // in, and a CSRF token cookie to protect form submissions. No advertising cookies. No
    // analytics cookies." Payments go to Stripe, whose fraud-prevention cookies are necessary
    // (issue 16): declared as a necessary service with its exemption and justification.
    let p = common::example("proecommerce");
    assert_rows(
        &p,
        &[
            [
                "__Host-PROE_SID",
                SITE,
                "Keeps you logged in (session) (strictly necessary: session; HttpOnly; SameSite=Strict)",
                NECESSARY,
                CONTRACT,
                "Session",
            ],
            CSRF,
            [
                "__stripe_mid",
                "Stripe, Inc.",
                "Fraud prevention: recognises the device across payments (strictly necessary: security)",
                NECESSARY,
                CONTRACT,
                "365 days (12 months)",
            ],
            [
                "__stripe_sid",
                "Stripe, Inc.",
                "Fraud prevention: the payment session (30 minutes) (strictly necessary: security)",
                NECESSARY,
                CONTRACT,
                "1 day",
            ],
        ],
    );
    assert!(
        !p.has_optional_categories(),
        "nothing to consent to: no consent cookie row"
    );
    assert_eq!(p.services.len(), 1);
    assert!(p.services[0].justification.is_some());
}

#[test]
fn packagetrack_lists_only_authentication_and_session_cookies() {
    // Seed: "essential cookies for authentication and session management. We do not use
    // advertising or third-party tracking cookies." (Plus the CSRF token the server needs.)
    let p = common::example("packagetrack");
    assert_rows(
        &p,
        &[
            [
                "__Host-PTP_AUTH",
                SITE,
                "Keeps you signed in for 30 days (strictly necessary: authentication; only if you tick “Keep me signed in”; HttpOnly; SameSite=Strict)",
                NECESSARY,
                CONTRACT,
                "30 days",
            ],
            [
                "__Host-PTP_SID",
                SITE,
                "Session management (strictly necessary: session; HttpOnly; SameSite=Strict)",
                NECESSARY,
                CONTRACT,
                "Session",
            ],
            CSRF,
        ],
    );
    assert!(!p.has_optional_categories());
    assert!(
        p.cookie_rows().iter().all(|r| r.provider.is_none()),
        "no third parties"
    );
}

const HOSTILE: &str = r#"{
  "revision": 1,
  "categories": {
    "necessary": { "required": true, "lawful_basis": "contract" },
    "analytics": { "lawful_basis": "consent" }
  },
  "services": [{ "id": "x", "category": "analytics",
    "provider": "A|B <C> & \"D\" 'E'",
    "purpose": "<img src=x onerror=alert(1)> *bold* _it_ [link](javascript:x) `code`\nnext line",
    "cookies": [{ "name": "x_*", "max_age_days": 1 }] }]
}"#;

#[test]
fn html_table_escapes_every_text() {
    let p = Policy::from_json(HOSTILE).unwrap();
    let html = p.cookie_table_html();
    assert!(!html.contains("<img"), "{html}");
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{html}"
    );
    assert!(
        html.contains("<td>A|B &lt;C&gt; &amp; &quot;D&quot; &#39;E&#39;</td>"),
        "{html}"
    );
    assert!(html.contains("<code>x_*</code>"));
    assert!(html.contains("<td>1 day</td>"));
}

#[test]
fn markdown_table_escapes_every_text() {
    let p = Policy::from_json(HOSTILE).unwrap();
    let md = p.cookie_table_markdown();
    assert!(!md.contains("<img"), "{md}");
    assert!(md.contains(r"| A\|B &lt;C&gt; &amp; "), "{md}");
    assert!(
        md.contains(r"\*bold\* \_it\_ \[link\](javascript:x) \`code\` next line"),
        "{md}"
    );
    assert!(md.contains(r"| x\_\* |"), "{md}");
    // One line per row: the newline in the purpose did not break the table.
    assert_eq!(md.lines().count(), 2 + p.cookie_rows().len());
    let rows = md_rows(&md);
    assert_eq!(rows[0][1], "A|B &lt;C&gt; &amp; \"D\" 'E'");
}

#[test]
fn lifetimes_read_as_words() {
    assert_eq!(lifetime_text(None), "Session");
    assert_eq!(lifetime_text(Some(1)), "1 day");
    assert_eq!(lifetime_text(Some(30)), "30 days");
    assert_eq!(lifetime_text(Some(182)), "182 days (6 months)");
    assert_eq!(lifetime_text(Some(395)), "395 days (13 months)");
    assert_eq!(lifetime_text(Some(400)), "400 days (13 months)");
}

#[test]
fn a_declared_consent_cookie_is_not_listed_twice() {
    let text = common::FULL.replace(
        r#""cookies": [
    { "name": "__Host-SID""#,
        r#""cookies": [
    { "name": "consentry", "category": "necessary", "exemption": "consent_record", "max_age_days": 182, "purpose": "Your choice" },
    { "name": "__Host-SID""#,
    );
    assert_ne!(text, common::FULL);
    let p = Policy::from_json(&text).unwrap();
    let n = p
        .cookie_rows()
        .iter()
        .filter(|r| r.name == "consentry" || r.name == "__Host-consentry")
        .count();
    assert_eq!(n, 1);
}

mod lookup {
    //! `Policy::cookies` and `Policy::cookie_for` against models written from their docs.
    use consentry::policy::ResolvedCookie;
    use consentry::{CookieDecl, Pattern, Policy, Service};
    use proptest::prelude::*;

    fn decl(name: &str, category: Option<&str>, provider: Option<&str>) -> CookieDecl {
        let mut d = CookieDecl::new(Pattern::new(name));
        d.category = category.map(Into::into);
        d.provider = provider.map(Into::into);
        d
    }

    fn decls() -> impl Strategy<Value = Vec<(String, Option<String>, bool)>> {
        prop::collection::vec(
            ("[ab*]{0,4}", prop::option::of("[xy]"), any::<bool>()),
            0..5,
        )
    }

    fn policy(
        top: &[(String, Option<String>, bool)],
        services: &[Vec<(String, Option<String>, bool)>],
    ) -> Policy {
        let mut p = super::common::full();
        let make = |(n, c, own): &(String, Option<String>, bool)| {
            decl(n, c.as_deref(), own.then_some("own"))
        };
        p.cookies = top.iter().map(make).collect();
        p.services = services
            .iter()
            .enumerate()
            .map(|(i, cookies)| {
                let mut s = Service::new(
                    format!("s{i}"),
                    format!("cat{i}"),
                    format!("prov{i}"),
                    format!("purpose{i}"),
                );
                s.cookies = cookies.iter().map(make).collect();
                s
            })
            .collect();
        p
    }

    /// Top-level first, then each service's, with the service's defaults.
    fn model_cookies(p: &Policy) -> Vec<ResolvedCookie<'_>> {
        let mut out = Vec::new();
        for c in &p.cookies {
            out.push(ResolvedCookie {
                decl: c,
                category: c.category.as_deref().unwrap_or(""),
                provider: c.provider.as_deref(),
                purpose: c.purpose.as_deref(),
                service: None,
            });
        }
        for s in &p.services {
            for c in &s.cookies {
                out.push(ResolvedCookie {
                    decl: c,
                    category: c.category.as_deref().unwrap_or(&s.category),
                    provider: Some(c.provider.as_deref().unwrap_or(&s.provider)),
                    purpose: Some(c.purpose.as_deref().unwrap_or(&s.purpose)),
                    service: Some(s),
                });
            }
        }
        out
    }

    /// An exact name wins; else the matching pattern with the longest literal prefix, the
    /// first declared among equals.
    fn model_cookie_for<'p>(p: &'p Policy, name: &str) -> Option<ResolvedCookie<'p>> {
        let all = model_cookies(p);
        if let Some(c) = all
            .iter()
            .find(|c| !c.decl.name.is_wildcard() && c.decl.name.as_str() == name)
        {
            return Some(*c);
        }
        let mut best: Option<ResolvedCookie<'p>> = None;
        for c in all {
            if c.decl.name.is_wildcard()
                && c.decl.name.matches(name)
                && best.is_none_or(|b| b.decl.name.prefix().len() < c.decl.name.prefix().len())
            {
                best = Some(c);
            }
        }
        best
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3_000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn cookies_and_cookie_for_follow_their_models(
            top in decls(),
            services in prop::collection::vec(decls(), 0..3),
            names in prop::collection::vec("[ab*]{0,5}", 1..8),
        ) {
            let p = policy(&top, &services);
            let got: Vec<ResolvedCookie<'_>> = p.cookies().collect();
            let want = model_cookies(&p);
            prop_assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                prop_assert!(std::ptr::eq(g.decl, w.decl));
                prop_assert_eq!(g, w);
            }
            for name in &names {
                let got = p.cookie_for(name);
                let want = model_cookie_for(&p, name);
                prop_assert_eq!(got.map(|c| c.decl as *const CookieDecl), want.map(|c| c.decl as *const CookieDecl), "{:?}", name);
                prop_assert_eq!(got, want, "{:?}", name);
            }
        }
    }
}
