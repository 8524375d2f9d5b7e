//! The `<script type="application/json" id="consentry-policy">` tag the browser module reads.

use consentry::Policy;

/// Renders the policy tag for a page's `<head>`: the policy's canonical JSON (with `<`, `>`
/// and `&` written as `\u003c`, `\u003e`, `\u0026`, so no text in it can close the tag),
/// `data-sha256` (the hash receipts carry, [`Policy::sha256_hex`]), and `data-region` and
/// `nonce` when given (attribute-escaped).
///
/// The browser module does not hash the policy itself: without `data-sha256` (or the
/// `policySha256` option) it sends no receipts. This serialises and hashes the policy on each
/// call; for a tag per request (a region or a nonce that changes), make a [`PolicyTag`] once.
///
/// ```
/// let policy = consentry::Policy::from_json(r#"{"revision": 1, "categories": {"necessary": {"required": true, "lawful_basis": "contract"}}}"#).unwrap();
/// let tag = consentry_server::policy_script_tag(&policy, Some("DE"), None);
/// assert!(tag.starts_with(r#"<script type="application/json" id="consentry-policy" data-sha256=""#));
/// assert!(tag.contains(&policy.sha256_hex()));
/// assert!(tag.contains(r#" data-region="DE">{"#));
/// ```
pub fn policy_script_tag(policy: &Policy, region: Option<&str>, nonce: Option<&str>) -> String {
    PolicyTag::new(policy).render(region, nonce)
}

/// The policy tag worked out once (canonical JSON escaped for the tag, and its hash), to render
/// per request with that request's region hint and CSP nonce: what [`policy_script_tag`]
/// writes, without serialising and hashing the policy each time.
///
/// ```
/// use consentry_server::{Consentry, PolicyTag};
/// # let policy = consentry::Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
/// let tag = PolicyTag::new(&policy); // at start-up
/// let consentry = Consentry::new(policy).region_header("cf-ipcountry");
/// // per request: the region the server decided with goes to the browser module
/// let headers: &[(&str, &[u8])] = &[("cf-ipcountry", b"US")];
/// let html = tag.render(consentry.region(headers).as_deref(), None);
/// assert!(html.contains(r#" data-region="US">{"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct PolicyTag {
    sha256: String,
    /// The canonical JSON with `<`, `>` and `&` escaped.
    body: String,
}

impl PolicyTag {
    /// Serialises and hashes `policy`.
    pub fn new(policy: &Policy) -> Self {
        let json = policy.to_canonical_json();
        let sha256 = consentry::receipt::sha256_hex(json.as_bytes());
        let mut body = String::with_capacity(json.len() + 32);
        for c in json.chars() {
            match c {
                // Only inside JSON strings, where the escape means the same character.
                '<' => body.push_str("\\u003c"),
                '>' => body.push_str("\\u003e"),
                '&' => body.push_str("\\u0026"),
                c => body.push(c),
            }
        }
        PolicyTag { sha256, body }
    }

    /// The policy's hash (`data-sha256`), as [`Policy::sha256_hex`] gives it.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The tag, with `data-region` and `nonce` when given (attribute-escaped).
    pub fn render(&self, region: Option<&str>, nonce: Option<&str>) -> String {
        let mut out = String::with_capacity(self.body.len() + 160);
        self.push_to(&mut out, region, nonce);
        out
    }

    /// Appends the tag to `out`.
    pub(crate) fn push_to(&self, out: &mut String, region: Option<&str>, nonce: Option<&str>) {
        out.push_str(r#"<script type="application/json" id="consentry-policy" data-sha256=""#);
        out.push_str(&self.sha256);
        out.push('"');
        if let Some(r) = region {
            out.push_str(r#" data-region=""#);
            push_attr(out, r);
            out.push('"');
        }
        if let Some(n) = nonce {
            out.push_str(r#" nonce=""#);
            push_attr(out, n);
            out.push('"');
        }
        out.push('>');
        out.push_str(&self.body);
        out.push_str("</script>");
    }
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
    fn a_prepared_tag_renders_what_the_function_writes() {
        let p = policy();
        let tag = PolicyTag::new(&p);
        assert_eq!(tag.sha256(), p.sha256_hex());
        for (region, nonce) in [(None, None), (Some("US"), None), (Some("DE"), Some("n1"))] {
            assert_eq!(
                tag.render(region, nonce),
                policy_script_tag(&p, region, nonce)
            );
        }
    }

    #[test]
    fn region_and_nonce_are_attribute_escaped() {
        let tag = policy_script_tag(&policy(), Some(r#"D"E<"#), Some("n&1"));
        assert!(tag.contains(r#" data-region="D&quot;E&lt;" nonce="n&amp;1">{"#));
    }
}
