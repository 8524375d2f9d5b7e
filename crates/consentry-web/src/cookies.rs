//! Reading `document.cookie` and deleting cookies on the host and its parent domains.
//!
//! Pure string work, so it is tested without a page. What a cookie *means* (its category)
//! comes from the core's [`consentry::Policy::cookie_for`].

use alloc::string::String;
use alloc::vec::Vec;

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

/// The value of cookie `name` in a `document.cookie` string (the first if it appears twice).
pub(crate) fn read<'a>(jar: &'a str, name: &str) -> Option<&'a str> {
    pairs(jar).find(|&(k, _)| k == name).map(|(_, v)| v)
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
