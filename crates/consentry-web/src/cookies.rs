//! Reading `document.cookie` and deleting cookies on the host and its parent domains; the
//! consent cookie under the name this page uses.
//!
//! Pure string work, so it is tested without a page. What a cookie *means* (its category)
//! comes from the core's [`consentry::Policy::cookie_for`]; the consent cookie's name and
//! attributes from [`Policy::consent_cookie_name`] and the core's codec.

use alloc::string::String;
use alloc::vec::Vec;

use consentry::{ConsentRecord, Policy};

/// Splits `s` at the first `sep` (an ASCII byte, so both sides stay whole UTF-8), like
/// `s.split_once(sep as char)`. Bytes instead of `char`s: the module then links neither
/// `CharSearcher` nor `SplitInternal<char>` (with [`domains`] on bytes too: 304 B gzip less).
fn cut(s: &str, sep: u8) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == sep)?;
    Some((&s[..i], &s[i + 1..]))
}

/// The `(name, value)` pair of one `;`-separated part of a `document.cookie` string; `None`
/// for a part without a name.
pub(crate) fn pair(part: &str) -> Option<(&str, &str)> {
    let (k, v) = cut(part, b'=').unwrap_or(("", part));
    let k = k.trim_ascii();
    (!k.is_empty()).then(|| (k, v.trim_ascii()))
}

/// The named `(name, value)` pairs of a `document.cookie` string, in order (what
/// `jar.split(';').filter_map(pair)` gives).
pub(crate) fn pairs(jar: &str) -> Pairs<'_> {
    Pairs(jar)
}

/// The iterator [`pairs`] returns: the part of the string not yet read.
pub(crate) struct Pairs<'a>(&'a str);

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        // An empty rest has no named part left (an empty part has no name).
        while !self.0.is_empty() {
            let (part, rest) = cut(self.0, b';').unwrap_or((self.0, ""));
            self.0 = rest;
            if let Some(p) = pair(part) {
                return Some(p);
            }
        }
        None
    }
}

/// The consent cookie's value in a `document.cookie` string, read only under the name this
/// page uses (`https`: served over HTTPS; then `__Host-<cookie_name>` unless the policy shares
/// the cookie), so a plain-named cookie a sibling subdomain planted with `Domain=` is not
/// read. Present twice (a host-only cookie and one with `Domain=`): `Some("")`, which decides
/// as no valid consent, as the server decides a duplicated consent cookie.
pub(crate) fn consent<'a>(jar: &'a str, policy: &Policy, https: bool) -> Option<&'a str> {
    // A plain loop: smaller in the module than `filter` and two `next`s.
    let mut found = None;
    for (k, v) in pairs(jar) {
        if policy.is_consent_cookie_name(k, https) {
            if found.is_some() {
                return Some("");
            }
            found = Some(v);
        }
    }
    found
}

/// Appends to `out` the `document.cookie` assignments that store a record (`https`: the page
/// is served over HTTPS): the consent cookie under the name this page uses (a withdrawal too:
/// it stands as a refusal, so the visitor is not asked again on every page), then the deletion
/// of the host-only plain-named consent cookie where it is no longer read (over HTTPS, or when shared; see [`consentry::clear_stale_consent_cookies`]),
/// so it does not linger.
pub(crate) fn store_consent(
    out: &mut Vec<String>,
    policy: &Policy,
    record: &ConsentRecord,
    https: bool,
) {
    out.push(record.set_cookie(policy, https));
    // What `clear_stale_consent_cookies` deletes, with this module's own deletion (measured
    // 97 B gzip smaller than calling it): the host-only plain-named cookie over HTTPS or
    // when shared. (A `__Host-` one left from before sharing is not read; it expires.)
    if https || policy.cookie_domain.is_some() {
        deletions(out, &policy.cookie_name, &[]);
    }
}

/// The `Domain` values a cookie of this page may have been set with: the host itself and
/// every parent domain with at least two labels (`app.example.test` → `app.example.test`,
/// `example.test`). Public suffixes such as `co.uk` may be among them; browsers refuse those,
/// which is harmless. Empty for IP addresses and single-label hosts (`localhost`), which only
/// have host-only cookies.
pub(crate) fn domains(host: &str) -> Vec<&str> {
    // `host.trim_end_matches('.')`, on bytes as everything here.
    let host = &host[..host.bytes().rposition(|b| b != b'.').map_or(0, |i| i + 1)];
    let is_ip =
        host.bytes().any(|b| b == b':') || host.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let mut out = Vec::new();
    if is_ip {
        return out;
    }
    // The host, then each parent that still has a dot.
    let mut rest = host;
    while let Some((_, parent)) = cut(rest, b'.') {
        out.push(rest);
        rest = parent;
    }
    out
}

/// Appends to `out` the `document.cookie` assignments that delete cookie `name` wherever this
/// page could see it from: host-only, then for each of the host's [`domains`], all with
/// `Path=/`.
pub(crate) fn deletions(out: &mut Vec<String>, name: &str, domains: &[&str]) {
    let base = {
        let mut s = String::from(name);
        s.push_str("=; Path=/; Max-Age=0");
        s
    };
    out.push(base.clone());
    for d in domains {
        let mut s = base.clone();
        s.push_str("; Domain=");
        s.push_str(d);
        out.push(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn reads_a_cookie_among_others() {
        let jar = "_ga=GA1.1.2; consentry=1.1.2.AAAAAAAAAAAAAAAA.a.analytics:1;x=y=z";
        assert_eq!(
            consent(jar, &policy(""), false),
            Some("1.1.2.AAAAAAAAAAAAAAAA.a.analytics:1")
        );
        assert_eq!(pairs(jar).find(|p| p.0 == "x"), Some(("x", "y=z")));
        assert_eq!(
            consent(jar, &policy(r#""cookie_name": "consent","#), false),
            None
        );
        assert_eq!(consent("", &policy(""), false), None);
        let names: Vec<&str> = jar.split(';').filter_map(|c| Some(pair(c)?.0)).collect();
        assert_eq!(names, ["_ga", "consentry", "x"]);
    }

    fn policy(extra: &str) -> Policy {
        let text = alloc::format!(
            r#"{{ "revision": 1, {extra} "categories": {{
                "necessary": {{ "required": true, "lawful_basis": "contract" }},
                "analytics": {{ "lawful_basis": "consent" }} }} }}"#
        );
        Policy::read_json(&text).unwrap()
    }

    #[wasm_bindgen_test]
    fn reads_the_consent_cookie_only_under_the_name_the_page_uses() {
        let p = policy("");
        let v = "1.1.2.AAAAAAAAAAAAAAAA.a.analytics:1";
        let plain = alloc::format!("_ga=1; consentry={v}");
        let host = alloc::format!("__Host-consentry={v}; x=y");
        // Over HTTPS: only `__Host-consentry`; a plain one (planted by a sibling subdomain, or
        // left from before) is not read.
        assert_eq!(consent(&plain, &p, true), None);
        assert_eq!(consent(&host, &p, true), Some(v));
        // Over plain HTTP (development): the plain name; browsers refuse `__Host-` there.
        assert_eq!(consent(&plain, &p, false), Some(v));
        assert_eq!(consent(&host, &p, false), None);
        // Both: each side reads its own.
        let both = alloc::format!("consentry=planted; __Host-consentry={v}");
        assert_eq!(consent(&both, &p, true), Some(v));
        // Shared across subdomains: the plain name on both.
        let shared = policy(r#""cookie_domain": "example.test","#);
        assert_eq!(consent(&plain, &shared, true), Some(v));
        assert_eq!(consent(&host, &shared, true), None);
    }

    #[wasm_bindgen_test]
    fn a_duplicated_consent_cookie_reads_as_no_valid_consent() {
        let p = policy("");
        let v = "1.1.2.AAAAAAAAAAAAAAAA.a.analytics:1";
        let twice = alloc::format!("consentry={v}; _ga=1; consentry={v}");
        assert_eq!(consent(&twice, &p, false), Some(""));
        let twice = alloc::format!("__Host-consentry={v};__Host-consentry=x");
        assert_eq!(consent(&twice, &p, true), Some(""));
        assert_eq!(consent("", &p, true), None);
    }

    #[wasm_bindgen_test]
    fn stores_under_the_page_name_and_deletes_the_stale_one() {
        let p = policy("");
        let id = consentry::ConsentId::from_random_bytes([1; 12]);
        let t = consentry::Timestamp(1_790_000_000);
        let r = ConsentRecord::accept_all(&p, t, id);
        let store = |r: &ConsentRecord, https| {
            let mut out = Vec::new();
            store_consent(&mut out, &p, r, https);
            out
        };
        let https = store(&r, true);
        assert_eq!(https.len(), 2);
        assert!(https[0].starts_with("__Host-consentry=1.1.1790000000."));
        assert!(https[0].ends_with("; Path=/; Max-Age=15724800; SameSite=Lax; Secure"));
        assert_eq!(https[1], "consentry=; Path=/; Max-Age=0");
        let http = store(&r, false);
        assert_eq!(http.len(), 1);
        assert!(http[0].starts_with("consentry=1.1.1790000000."));
        let withdrawn = store(&ConsentRecord::withdrawal(&p, t, id), true);
        // A withdrawal is stored as a standing refusal, not deleted (the visitor is not asked
        // again on the next page).
        assert_eq!(withdrawn.len(), 2);
        assert!(withdrawn[0].starts_with("__Host-consentry=1.1.1790000000."));
        assert!(withdrawn[0].contains(".w."), "{}", withdrawn[0]);
        assert!(withdrawn[0].ends_with("; Path=/; Max-Age=15724800; SameSite=Lax; Secure"));
        assert_eq!(withdrawn[1], "consentry=; Path=/; Max-Age=0");
    }

    #[wasm_bindgen_test]
    fn pairs_are_what_split_gives() {
        for jar in [
            "",
            ";",
            "a=1",
            "a=1;",
            " a = 1 ; =x; ;b;c=é=ü ;  d=",
            "\u{a0}n\u{a0}=v; é;x=y",
        ] {
            let by_split: Vec<(&str, &str)> = jar.split(';').filter_map(pair).collect();
            assert_eq!(pairs(jar).collect::<Vec<_>>(), by_split, "{jar:?}");
        }
        assert_eq!(cut("a=b=c", b'='), Some(("a", "b=c")));
        assert_eq!(cut("abc", b'='), None);
    }

    #[wasm_bindgen_test]
    fn lists_host_and_parent_domains_down_to_two_labels() {
        assert_eq!(
            domains("app.example.test"),
            ["app.example.test", "example.test"]
        );
        assert_eq!(
            domains("a.b.shop.co.uk"),
            ["a.b.shop.co.uk", "b.shop.co.uk", "shop.co.uk", "co.uk"]
        );
        assert_eq!(domains("example.test."), ["example.test"]);
        assert_eq!(domains("example.test.."), ["example.test"]);
        assert!(domains("").is_empty());
        assert!(domains(".").is_empty());
        assert!(domains("::1").is_empty());
        assert!(domains("localhost").is_empty());
        assert!(domains("127.0.0.1").is_empty());
        assert!(domains("[::1]").is_empty());
    }

    #[wasm_bindgen_test]
    fn deletes_host_only_and_on_each_domain() {
        let deletions = |name, host| {
            let mut out = Vec::new();
            super::deletions(&mut out, name, &domains(host));
            out
        };
        assert_eq!(
            deletions("_ga_X1", "app.example.test"),
            [
                "_ga_X1=; Path=/; Max-Age=0",
                "_ga_X1=; Path=/; Max-Age=0; Domain=app.example.test",
                "_ga_X1=; Path=/; Max-Age=0; Domain=example.test",
            ]
        );
        assert_eq!(deletions("_ga", "127.0.0.1"), ["_ga=; Path=/; Max-Age=0"]);
    }
}
