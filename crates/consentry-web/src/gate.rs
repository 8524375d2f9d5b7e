//! The gate: the small classic script that goes first in `<head>`, before any tag, and keeps
//! trackers off while the wasm module loads and decides.
//!
//! Its source is `js/consentry-gate.js` in this crate (hand-written, no dependencies); what is
//! shipped is that file minified by terser (`src/consentry-gate.min.js`, made by `cargo xtask
//! web`, which `cargo xtask test` checks is current and ≤ 2,000 B gzip -9), also published as
//! `consentry-gate.js` in the npm package. Servers inline it with [`script_tag`] (CSP nonce, regional Consent
//! Mode defaults); static sites load `/consentry/consentry-gate.js` from the npm package.
//!
//! # What it does
//!
//! 1. Defines `window.dataLayer` and the standard `gtag` stub (if absent) and pushes
//!    `gtag('consent','default',{…all denied…, security_storage:'granted', wait_for_update:500})`
//!    before anything else can call gtag. If its `<script>` element has a
//!    `data-consent-defaults` attribute (a JSON array of objects, see [`regional_defaults`]),
//!    each is pushed as another `default` after the global one. A bad attribute is logged; the
//!    global default stands.
//! 2. Holds back scripts, iframes and `<link>`s that JavaScript inserts later whose URL matches
//!    a pattern of the policy (`services[].scripts` and `services[].iframes`, `*` wildcards;
//!    `http:` and `https:` alike) of a category not granted. The first matching pattern decides,
//!    as in [`consentry::Policy::category_for_url`]. A service declared `necessary` is never
//!    released: its patterns block whatever is granted (the policy rules refuse patterns on a
//!    necessary service, which the site loads directly). Patterns are read lazily from
//!    `#consentry-policy` (or `consentryGate.setPolicy(policy)`). A policy that cannot be read
//!    fails closed: every cross-origin script, iframe and link is held and never released.
//!    A held element is taken out of the DOM, so no request leaves; a comment marks its place.
//! 3. `consentryGate.allow(categories)` (called by the module with the full list of granted
//!    categories) inserts every held element that is no longer blocked, in the order it was
//!    held, at its mark (or at the end of its intended parent if the mark is gone).
//!    `consentryGate.granted` is a copy of the granted list (`["necessary"]` until `allow`).
//!
//! # What it costs a page
//!
//! Every wrapped method looks at the node before anything else: a node that is not a
//! `<script>`, `<iframe>` or `<link>` and has no element children (a `<div>`, a text node, a
//! string) goes straight to the native method after two property reads; an element or fragment
//! with element children costs one `querySelector('script,iframe,link')`. `setAttribute` looks
//! at the element's `localName` first: on any other element it is the native call plus one
//! property read. Measured by `cargo xtask bench` (`tests/e2e/bench-gate.mjs`: 2,000 appends,
//! 2,000 `insertBefore`, 4,000 `setAttribute`, a 300 × 5 table built node by node, CPU
//! throttled 4×), against the same page without the gate; the budget is 1.15×.
//!
//! # Paths covered
//!
//! - `appendChild`, `insertBefore`, `replaceChild`, `append`, `prepend`, `replaceChildren`,
//!   `before`, `after`, `replaceWith` (on elements, documents, fragments, text nodes),
//!   `insertAdjacentElement`, `Range#insertNode`: the element itself, or the blocked scripts,
//!   iframes and links inside an inserted element or `DocumentFragment`. Because the check is at
//!   insertion, it does not matter how the element was made: `createElement`,
//!   `createElementNS` (also SVG `<script href>`), `cloneNode`, `createContextualFragment`,
//!   another document's `createElement`, `Document.parseHTMLUnsafe` (all missed by yett, which
//!   patches `createElement`).
//! - `src` (or `href`) set on a script, iframe or link that is in the page, by property,
//!   `setAttribute`, `setAttributeNS`, `setAttributeNode` or `Attr#value`, including a
//!   script inserted before its `src` is set: the element is taken out before the attribute
//!   lands. On an element not in the page the attribute is simply set; the insertion is checked.
//! - `<link>` of a held URL, whatever its `rel` (`preload`, `prefetch`, `modulepreload`,
//!   `stylesheet`…): held like a script.
//! - HTML strings with an `<iframe>` or `<link>` through `innerHTML` and `setHTMLUnsafe` (also of
//!   a shadow root), `outerHTML` and `insertAdjacentHTML`: parsed in an inert `<template>` (by
//!   `setHTMLUnsafe` itself for `setHTMLUnsafe`, so declarative shadow roots still work), then
//!   inserted as above (scripts parsed from HTML strings never run, as with the native setters).
//! - Same-origin frames' own documents. When an iframe is inserted, the gate enters its window
//!   (about:blank, and the `srcdoc` document, which keeps that window): the Consent Mode
//!   default is pushed there before any of its scripts runs, its prototypes are patched, and
//!   what it inserts is held in the same queue, released by the same `allow`. An iframe whose
//!   `srcdoc` markup has a held script, iframe or link is held as a whole until none is held.
//!   A `srcdoc` set on an iframe already in the page (a new window) takes the iframe out and
//!   back in, so that its new window gets the gate too.
//!
//! # Not covered
//!
//! These can still make a request before consent; the README's "no request before consent"
//! carries the same qualification.
//!
//! - `document.write` / `writeln` of `<script src>` or `<iframe src>`, also during parsing:
//!   the parser inserts them, no DOM method is called.
//! - Markup written in the HTML (the parser, not JavaScript): use
//!   `<script type="text/plain" data-consent="…">` and `<iframe data-consent="…" data-src="…">`,
//!   which the loader releases, and `<img data-consent="…" data-src="…">` for pixels (no `src`:
//!   never fetched until its category is granted, then the loader sets its `src`).
//! - Images, `fetch`, `XMLHttpRequest`, beacons, `new Image().src`, CSS `url()`: not scripts,
//!   iframes or links.
//! - A frame that navigates to a URL (`src`) or is cross-origin: its page is its own, and must
//!   embed the gate itself. A frame's gtag gets the denied default, but not the module's
//!   `consent update` (sent to the top window only).
//! - Iframes and links inside declarative shadow roots (`<template shadowrootmode>`) of HTML
//!   given to `setHTMLUnsafe` or `Document.parseHTMLUnsafe`, and SVG `<script>` whose
//!   `href.baseVal` is set.
//! - Anything inserted before the policy is known: put `#consentry-policy` right after the gate
//!   (the embed contract), or call `consentryGate.setPolicy` before other scripts run.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use consentry::consent_mode::default_commands;
use consentry::Policy;

/// The gate script (minified), for inlining in a page's `<head>`.
///
/// It contains no `</script` and can be placed in a `<script>` element as is; prefer
/// [`script_tag`], which adds a CSP nonce and the regional defaults.
pub const GATE_JS: &str = include_str!("consentry-gate.min.js");

/// A nonce that cannot go in a `nonce` attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadNonce;

impl fmt::Display for BadNonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CSP nonce must be 1 to 256 base64 characters (A-Z a-z 0-9 + / = - _)")
    }
}

impl core::error::Error for BadNonce {}

/// The regional Consent Mode defaults of a policy: the JSON objects that follow the global
/// default (which the gate writes itself), for `data-consent-defaults` ([`script_tag`]).
/// Empty when the policy has no opt-out region.
pub fn regional_defaults(policy: &Policy) -> Vec<String> {
    default_commands(policy).into_iter().skip(1).collect()
}

/// The inline `<script>` element with the gate, first thing in `<head>`.
///
/// `nonce` is the page's CSP nonce (`script-src 'nonce-…'`), `defaults` the regional defaults
/// from [`regional_defaults`] (JSON objects; empty for none), written to
/// `data-consent-defaults` as a JSON array.
///
/// ```
/// use consentry_web::gate::script_tag;
/// let tag = script_tag(Some("r4nd0m=="), &[r#"{"ad_storage":"granted","region":["US-CA"]}"#.into()]).unwrap();
/// assert!(tag.starts_with(r#"<script nonce="r4nd0m==" data-consent-defaults="[{&quot;ad_storage&quot;"#));
/// assert!(tag.ends_with("</script>"));
/// assert!(script_tag(Some("\"><x"), &[]).is_err());
/// ```
pub fn script_tag(nonce: Option<&str>, defaults: &[String]) -> Result<String, BadNonce> {
    let mut out = String::with_capacity(GATE_JS.len() + 128);
    out.push_str("<script");
    if let Some(n) = nonce {
        let ok = (1..=256).contains(&n.len())
            && n.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_')
            });
        if !ok {
            return Err(BadNonce);
        }
        out.push_str(" nonce=\"");
        out.push_str(n);
        out.push('"');
    }
    if !defaults.is_empty() {
        out.push_str(" data-consent-defaults=\"[");
        for (i, d) in defaults.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            escape_attr(&mut out, d);
        }
        out.push_str("]\"");
    }
    out.push('>');
    out.push_str(GATE_JS);
    out.push_str("</script>");
    Ok(out)
}

/// Appends `s` escaped for a double-quoted HTML attribute value.
fn escape_attr(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_source_is_inlinable() {
        assert!(GATE_JS.contains("consentryGate"));
        assert!(GATE_JS.contains(r#""consent","default""#));
        assert!(GATE_JS.starts_with("/*! consentry gate"));
        assert!(!GATE_JS.to_ascii_lowercase().contains("</script"));
        assert!(!GATE_JS.contains("<!--"));
    }

    #[test]
    fn tag_without_nonce_or_defaults() {
        let tag = script_tag(None, &[]).unwrap();
        assert_eq!(tag, alloc::format!("<script>{GATE_JS}</script>"));
    }

    #[test]
    fn tag_escapes_defaults_and_checks_the_nonce() {
        let d = [r#"{"a":"</script><b x='1'>&"}"#.into(), "{}".into()];
        let tag = script_tag(Some("abc-_+/="), &d).unwrap();
        let head = &tag[..tag.find('>').unwrap() + 1];
        assert_eq!(
            head,
            r#"<script nonce="abc-_+/=" data-consent-defaults="[{&quot;a&quot;:&quot;&lt;/script&gt;&lt;b x=&#39;1&#39;&gt;&amp;&quot;},{}]">"#
        );
        for bad in ["", "a b", "a\"", "<x>", &"a".repeat(257)] {
            assert_eq!(script_tag(Some(bad), &[]), Err(BadNonce), "{bad:?}");
        }
    }

    #[test]
    fn regional_defaults_skip_the_global_one() {
        let mut policy =
            Policy::from_json(include_str!("../../../examples/policies/p4p-packing.json")).unwrap();
        let all = default_commands(&policy);
        let regional = regional_defaults(&policy);
        assert_eq!(regional, all[1..].to_vec());
        assert_eq!(regional.len(), 1, "p4p-packing has a US opt-out profile");
        assert!(regional[0].contains(r#""region":["US"]"#));
        policy.regions.clear();
        assert!(regional_defaults(&policy).is_empty());
    }
}
