//! The `<script type="application/json" id="consentry-policy">` tag the browser module reads.

use consentry::Policy;

/// Renders the policy tag for a page's `<head>`: the policy's canonical JSON (with `<`, `>`
/// and `&` written as `\u003c`, `\u003e`, `\u0026`, so no text in it can close the tag),
/// `data-sha256` (the hash receipts carry, [`Policy::sha256_hex`]), and `data-region` and
/// `nonce` when given (attribute-escaped).
///
/// The browser module does not hash the policy itself: without `data-sha256` (or the
/// `policySha256` option) it sends no receipts.
///
/// ```
/// let policy = consentry::Policy::from_json(r#"{"revision": 1, "categories": {"necessary": {"required": true, "lawful_basis": "contract"}}}"#).unwrap();
/// let tag = consentry_server::policy_script_tag(&policy, Some("DE"), None);
/// assert!(tag.starts_with(r#"<script type="application/json" id="consentry-policy" data-sha256=""#));
/// assert!(tag.contains(&policy.sha256_hex()));
/// assert!(tag.contains(r#" data-region="DE">{"#));
/// ```
pub fn policy_script_tag(policy: &Policy, region: Option<&str>, nonce: Option<&str>) -> String {
    let json = policy.to_canonical_json();
    let hash = consentry::receipt::sha256_hex(json.as_bytes());
    let mut out = String::with_capacity(json.len() + 160);
    out.push_str(r#"<script type="application/json" id="consentry-policy" data-sha256=""#);
    out.push_str(&hash);
    out.push('"');
    if let Some(r) = region {
        out.push_str(r#" data-region=""#);
        push_attr(&mut out, r);
        out.push('"');
    }
    if let Some(n) = nonce {
        out.push_str(r#" nonce=""#);
        push_attr(&mut out, n);
        out.push('"');
    }
    out.push('>');
    for c in json.chars() {
        match c {
            // Only inside JSON strings, where the escape means the same character.
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out.push_str("</script>");
    out
}

/// Appends `s` escaped for a double-quoted attribute value.
pub(crate) fn push_attr(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::from_json(
            r#"{"revision": 3, "categories": {"necessary": {"required": true, "lawful_basis": "contract"}},
               "texts": {"en": {"title": "</script><b>&", "body": "b", "accept_all": "a", "reject_all": "r",
               "preferences": "p", "save": "s"}}}"#,
        )
        .unwrap()
    }

    #[test]
    fn the_json_cannot_close_the_tag_and_parses_back_to_the_same_policy() {
        let p = policy();
        let tag = policy_script_tag(&p, None, None);
        let body = tag
            .strip_prefix(&format!(
                r#"<script type="application/json" id="consentry-policy" data-sha256="{}">"#,
                p.sha256_hex()
            ))
            .and_then(|b| b.strip_suffix("</script>"))
            .expect("tag shape");
        assert!(!body.contains('<') && !body.contains('>') && !body.contains('&'));
        let back = Policy::from_json(body).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.sha256_hex(), p.sha256_hex());
    }

    #[test]
    fn region_and_nonce_are_attribute_escaped() {
        let tag = policy_script_tag(&policy(), Some(r#"D"E<"#), Some("n&1"));
        assert!(tag.contains(r#" data-region="D&quot;E&lt;" nonce="n&amp;1">{"#));
    }
}
