//! The banner's markup and style.
//!
//! Rendered as one HTML string (escaped) and put into a single fixed-position root, so the
//! module needs few DOM bindings. Everything is scoped under `[data-consentry-banner]` /
//! `[data-consentry-placeholder]`; themable with CSS custom properties (`--consentry-bg`,
//! `--consentry-fg`, `--consentry-accent`, `--consentry-accent-fg`, `--consentry-focus`,
//! `--consentry-font`, `--consentry-radius`).

use alloc::string::String;

use consentry::{lifetime_text, Policy, ResolvedTexts};

/// The banner's style sheet as the `<style data-consentry-style>` element inserted once into
/// `<head>` (the CSS has no `<`, so nothing in it can end the element early).
///
/// Colours: text #1a1a1a on #fff (17:1), button text #fff on #1d4ed8 (6.7:1), focus ring
/// #b45309. The three first-layer buttons share one rule: same size, weight and colour (R9).
/// The title, which takes the focus when the banner opens, shows no focus ring (`h2[id]`
/// outranks the `:focus-visible` rule): no control looks preselected.
pub(crate) const STYLE: &str = "<style data-consentry-style>\
[data-consentry-banner]{all:initial;position:fixed;z-index:2147483647;left:1rem;right:1rem;bottom:1rem;\
max-width:42rem;margin:0 auto;max-height:calc(100vh - 2rem);overflow:auto;box-sizing:border-box;\
padding:1.25rem;background:var(--consentry-bg,#fff);color:var(--consentry-fg,#1a1a1a);\
font:15px/1.5 var(--consentry-font,system-ui,sans-serif);border-radius:var(--consentry-radius,8px);\
box-shadow:0 4px 24px rgba(0,0,0,.35)}\
[data-consentry-banner] *,[data-consentry-placeholder] *{all:revert;box-sizing:border-box;font:inherit;color:inherit}\
[data-consentry-banner] h2[id]{font-size:1.2em;font-weight:700;margin:0 0 .5em;outline:0}\
[data-consentry-banner] p{margin:0 0 .75em}\
[data-consentry-banner] a{color:var(--consentry-accent,#1d4ed8);text-decoration:underline}\
[data-consentry-banner] ul{margin:.25em 0 .5em;padding-left:1.25em;font-size:.9em}\
[data-consentry-banner] fieldset{border:1px solid #767676;border-radius:6px;margin:0 0 .75em;padding:.5em .75em}\
[data-consentry-banner] label{font-weight:700}\
[data-consentry-banner] div:last-child{display:flex;flex-wrap:wrap;gap:.5rem}\
[data-consentry-banner] button,[data-consentry-placeholder] button{flex:1 1 0;min-width:8rem;margin:0;\
padding:.6em 1em;border:2px solid var(--consentry-accent,#1d4ed8);border-radius:6px;\
background:var(--consentry-accent,#1d4ed8);color:var(--consentry-accent-fg,#fff);font-weight:600;cursor:pointer}\
[data-consentry-banner] :focus-visible,[data-consentry-placeholder] :focus-visible{outline:3px solid var(--consentry-focus,#b45309);outline-offset:2px}\
[data-consentry-placeholder]{display:block;padding:1rem;border:1px dashed #767676;\
background:var(--consentry-bg,#fff);color:var(--consentry-fg,#1a1a1a);font:15px/1.5 var(--consentry-font,system-ui,sans-serif)}</style>";

/// Appends `s` to `out`, escaped for HTML text and attribute values.
pub(crate) fn esc(out: &mut String, s: &str) {
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
}

/// Appends `markup` as it is, then `text` escaped (one call for each such pair: 12 B gzip
/// less than `push_str` and `esc`).
fn put(out: &mut String, markup: &str, text: &str) {
    out.push_str(markup);
    esc(out, text);
}

fn push_all(out: &mut String, parts: &[&str]) {
    for p in parts {
        out.push_str(p);
    }
}

/// A space and a link whose text is its address (the banner's privacy link, a service's
/// privacy policy): no words to translate.
fn link(out: &mut String, url: &str) {
    put(out, " <a href=\"", url);
    put(out, "\">", url);
    out.push_str("</a>");
}

fn button(out: &mut String, action: &str, label: &str) {
    push_all(
        out,
        &[
            "<button type=\"button\" data-consentry-action=\"",
            action,
            "\">",
        ],
    );
    esc(out, label);
    out.push_str("</button>");
}

/// The banner for one layer (1: buttons; 2: buttons and one toggle per category), root
/// included: the stable hook `data-consentry-banner`, a dialog labelled by its title and
/// described by its first text, in the language of its texts (which may differ from the
/// page's). Not announced as modal (no `aria-modal`): the page behind stays usable (an opt-out
/// notice must not block it), so nothing traps focus either: Tab goes on from the banner's
/// last control to what follows. `granted` says which toggles start checked.
pub(crate) fn render(
    policy: &Policy,
    t: &ResolvedTexts<'_>,
    layer: u8,
    granted: impl Fn(&str) -> bool,
) -> String {
    let mut o = String::new();
    put(
        &mut o,
        "<div data-consentry-banner role=\"dialog\" aria-labelledby=\"consentry-title\" \
aria-describedby=\"consentry-body\" lang=\"",
        t.language,
    );
    o.push_str("\">");
    // The title takes the focus when the banner opens (`tabindex=-1`: not in the Tab order;
    // `autofocus` at page load, `dom::show_banner`).
    put(
        &mut o,
        "<h2 id=\"consentry-title\" tabindex=\"-1\" autofocus>",
        t.title,
    );
    put(&mut o, "</h2><p id=\"consentry-body\">", t.body);
    if let Some(url) = t.privacy_url {
        link(&mut o, url);
    }
    o.push_str("</p>");
    if layer == 2 {
        // Who is responsible (GDPR Art 13(1)(a)-(b)), compactly: name · contact · DPO.
        if let Some(c) = &policy.controller {
            put(&mut o, "<p>", &c.name);
            put(&mut o, " · ", &c.contact);
            if let Some(dpo) = &c.dpo {
                put(&mut o, " · ", dpo);
            }
            o.push_str("</p>");
        }
        for (id, cat) in policy.categories.iter() {
            let (title, desc) = t.category(id);
            // The switch is described by the category's description (`consentry-d-<id>`).
            put(
                &mut o,
                "<fieldset><label><input type=\"checkbox\" data-consentry-category=\"",
                id,
            );
            put(&mut o, "\" aria-describedby=\"consentry-d-", id);
            o.push('"');
            if cat.required {
                o.push_str(" checked disabled");
            } else if granted(id) {
                o.push_str(" checked");
            }
            put(&mut o, "> ", title);
            put(&mut o, "</label><p id=\"consentry-d-", id);
            put(&mut o, "\">", desc);
            o.push_str("</p><ul>");
            for s in policy.services.iter() {
                if s.category != id {
                    continue;
                }
                put(&mut o, "<li><b>", &s.provider);
                put(&mut o, "</b>: ", &s.purpose);
                if let Some(url) = &s.privacy_policy_url {
                    link(&mut o, url);
                }
                o.push_str("</li>");
            }
            for c in policy.cookies() {
                if c.category != id {
                    continue;
                }
                put(&mut o, "<li><code>", c.name().as_str());
                o.push_str("</code>");
                for p in [c.provider, c.purpose].into_iter().flatten() {
                    put(&mut o, " · ", p);
                }
                put(&mut o, " · ", &lifetime_text(c.decl.max_age_days));
                o.push_str("</li>");
            }
            o.push_str("</ul></fieldset>");
        }
    }
    o.push_str("<div>");
    button(&mut o, "accept-all", t.accept_all);
    button(&mut o, "reject-all", t.reject_all);
    if layer == 2 {
        button(&mut o, "save", t.save);
    } else {
        button(&mut o, "preferences", t.preferences);
    }
    o.push_str("</div></div>");
    o
}

/// The floating "Cookie settings" button, put by the loader at the end of `<body>` after a
/// choice on a page without a `data-consentry-open` element: it is one itself, so a click
/// opens the preferences and the loader never adds a second. Styled inline (on a returning
/// visitor's page the banner's style sheet is not loaded), themable with the banner's CSS
/// custom properties.
pub(crate) fn settings_button(t: &ResolvedTexts<'_>) -> String {
    let mut o = String::new();
    put(
        &mut o,
        "<button type=\"button\" data-consentry-open data-consentry-settings lang=\"",
        t.language,
    );
    put(
        &mut o,
        // Declarations spelled as in STYLE, which gzip then finds again.
        "\" style=\"all:initial;position:fixed;z-index:2147483647;left:1rem;bottom:1rem;\
padding:.4em .8em;border:1px solid #767676;border-radius:6px;\
background:var(--consentry-bg,#fff);color:var(--consentry-fg,#1a1a1a);\
font:15px/1.5 var(--consentry-font,system-ui,sans-serif);cursor:pointer\">",
        t.settings,
    );
    o.push_str("</button>");
    o
}

/// The placeholder shown before a blocked iframe: what is blocked and a button that allows
/// its category.
pub(crate) fn placeholder(t: &ResolvedTexts<'_>, category: &str) -> String {
    let (title, _) = t.category(category);
    let mut o = String::from("<div data-consentry-placeholder=\"");
    esc(&mut o, category);
    put(&mut o, "\"><p>", t.blocked);
    put(
        &mut o,
        "</p><button type=\"button\" data-consentry-allow=\"",
        category,
    );
    put(&mut o, "\">", t.allow);
    o.push(' ');
    esc(&mut o, title);
    o.push_str("</button></div>");
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn policy() -> Policy {
        Policy::from_json(
            r#"{"revision":1,"categories":{"necessary":{"required":true,"lawful_basis":"contract"},
              "analytics":{"lawful_basis":"consent"}},
              "services":[{"id":"ga","category":"analytics","provider":"Google <LLC>","purpose":"a \"b\"",
                "cookies":[{"name":"_ga","max_age_days":395}]}],
              "texts":{"en":{"title":"<script>x</script>","privacy_url":"/p?a=1&b=2"}}}"#,
        )
        .unwrap()
    }

    #[wasm_bindgen_test]
    fn first_layer_has_three_buttons_and_escapes_texts() {
        let p = policy();
        let html = render(&p, &p.texts_for("en"), 1, |_| false);
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("href=\"/p?a=1&amp;b=2\""));
        for a in ["accept-all", "reject-all", "preferences"] {
            assert!(html.contains(&["data-consentry-action=\"", a, "\""].concat()));
        }
        assert!(!html.contains("data-consentry-category"));
    }

    #[wasm_bindgen_test]
    fn second_layer_locks_necessary_and_reflects_choices() {
        let p = policy();
        let off = render(&p, &p.texts_for("en"), 2, |_| false);
        assert!(off.contains("data-consentry-category=\"necessary\" aria-describedby=\"consentry-d-necessary\" checked disabled>"));
        assert!(off.contains(
            "data-consentry-category=\"analytics\" aria-describedby=\"consentry-d-analytics\">"
        ));
        // Each switch is described by its category's description.
        assert!(off.contains("<p id=\"consentry-d-analytics\">Counts visits"));
        assert!(off.contains("Google &lt;LLC&gt;") && off.contains("a &quot;b&quot;"));
        assert!(off.contains("395 days (13 months)"));
        assert!(off.contains("data-consentry-action=\"save\""));
        assert!(!off.contains("data-consentry-action=\"preferences\""));
        let on = render(&p, &p.texts_for("en"), 2, |c| c == "analytics");
        assert!(on.contains("data-consentry-category=\"analytics\" aria-describedby=\"consentry-d-analytics\" checked>"));
        let ph = placeholder(&p.texts_for("en"), "analytics");
        assert!(ph.contains("data-consentry-allow=\"analytics\"") && ph.contains("Analytics"));
    }

    #[wasm_bindgen_test]
    fn the_banner_root_and_the_settings_button_carry_the_texts_language() {
        let p = Policy::from_json(
            r#"{"revision":1,"categories":{"necessary":{"required":true,"lawful_basis":"contract"}},
              "texts":{"de":{"settings":"Cookie-Einstellungen <&>"}}}"#,
        )
        .unwrap();
        let de = p.texts_for("de-AT");
        let html = render(&p, &de, 1, |_| false);
        assert!(html.starts_with("<div data-consentry-banner role=\"dialog\" aria-labelledby=\"consentry-title\" aria-describedby=\"consentry-body\" lang=\"de\">"));
        assert!(!html.contains("aria-modal"));
        assert!(html.ends_with("</div></div>"));
        let b = settings_button(&de);
        assert!(b.starts_with("<button type=\"button\" data-consentry-open data-consentry-settings lang=\"de\" style=\""));
        assert!(b.ends_with("\">Cookie-Einstellungen &lt;&amp;&gt;</button>"));
        assert!(settings_button(&p.texts_for("fr")).ends_with(">Cookie settings</button>"));
    }

    /// Issue 16, point 3: who is responsible, and each provider's privacy policy, in the second
    /// layer only.
    #[wasm_bindgen_test]
    fn second_layer_names_the_controller_and_links_each_privacy_policy() {
        let p = Policy::from_json(
            r#"{"revision":1,"categories":{"necessary":{"required":true,"lawful_basis":"contract"},
              "analytics":{"lawful_basis":"consent"}},
              "controller":{"name":"Shop <Ltd>","contact":"privacy@shop.test","dpo":"dpo@shop.test"},
              "services":[{"id":"ga","category":"analytics","provider":"Google LLC","purpose":"Stats",
                "privacy_policy_url":"https://policies.google.com/privacy?a&b",
                "cookies":[{"name":"_ga","max_age_days":395}]},
                {"id":"stripe","category":"necessary","provider":"Stripe","purpose":"Payments",
                "exemption":"security","justification":"Fraud checks","cookies":[{"name":"__stripe_mid","max_age_days":365}]}]}"#,
        )
        .unwrap();
        let second = render(&p, &p.texts_for("en"), 2, |_| false);
        assert!(second.contains("<p>Shop &lt;Ltd&gt; · privacy@shop.test · dpo@shop.test</p>"));
        assert!(second.contains("<li><b>Google LLC</b>: Stats <a href=\"https://policies.google.com/privacy?a&amp;b\">https://policies.google.com/privacy?a&amp;b</a></li>"));
        assert!(second.contains("<li><b>Stripe</b>: Payments</li>"));
        let first = render(&p, &p.texts_for("en"), 1, |_| false);
        assert!(!first.contains("Shop") && !first.contains("policies.google.com"));
    }
}
