//! Reading `document.cookie` and deleting cookies on the host and its parent domains.
//!
//! Pure string work, so it is tested without a page. What a cookie *means* (its category)
//! comes from the core's [`consentry::Policy::cookie_for`].

use alloc::string::String;
use alloc::vec::Vec;

/// The `(name, value)` pair of one `;`-separated part of a `document.cookie` string; `None`
/// for a part without a name.
pub(crate) fn pair(part: &str) -> Option<(&str, &str)> {
    let (k, v) = part.split_once('=').unwrap_or(("", part));
    let k = k.trim();
    (!k.is_empty()).then(|| (k, v.trim()))
}

/// The value of cookie `name` in a `document.cookie` string (the first if it appears twice).
pub(crate) fn read<'a>(jar: &'a str, name: &str) -> Option<&'a str> {
    for part in jar.split(';') {
        match pair(part) {
            Some((k, v)) if k == name => return Some(v),
            _ => {}
        }
    }
    None
}

/// The `Domain` values a cookie of this page may have been set with: the host itself and
/// every parent domain with at least two labels (`app.example.test` → `app.example.test`,
/// `example.test`). Public suffixes such as `co.uk` may be among them; browsers refuse those,
/// which is harmless. Empty for IP addresses and single-label hosts (`localhost`), which only
/// have host-only cookies.
pub(crate) fn domains(host: &str) -> Vec<&str> {
    let host = host.trim_end_matches('.');
    let is_ip = host.contains(':') || host.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let mut out = Vec::new();
    if is_ip || !host.contains('.') {
        return out;
    }
    let mut rest = host;
    while rest.contains('.') {
        out.push(rest);
        match rest.split_once('.') {
            Some((_, parent)) => rest = parent,
            None => break,
        }
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
            read(jar, "consentry"),
            Some("1.1.2.AAAAAAAAAAAAAAAA.a.analytics:1")
        );
        assert_eq!(read(jar, "x"), Some("y=z"));
        assert_eq!(read(jar, "consent"), None);
        assert_eq!(read("", "consentry"), None);
        let names: Vec<&str> = jar.split(';').filter_map(|c| Some(pair(c)?.0)).collect();
        assert_eq!(names, ["_ga", "consentry", "x"]);
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
