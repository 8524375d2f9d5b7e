//! CSRF tokens: the `__Host-csrf` cookie, the `x-csrf-token` header and the form field.
//!
//! - `Csrf::check` never passes a token `Csrf::prepare` would not keep for the same request;
//!   a token from the fuzzer never passes.
//! - A token minted for a session passes in the header and in a URL-encoded form, and fails
//!   for another session.
//! - `Csrf::form_token` reads what a strict `application/x-www-form-urlencoded` decoder reads.
#![no_main]

use std::sync::OnceLock;

use consentry_fuzz::{keys, split};
use consentry_server::{Csrf, CsrfRefusal};
use libfuzzer_sys::fuzz_target;

fn csrf() -> &'static Csrf {
    static CSRF: OnceLock<Csrf> = OnceLock::new();
    CSRF.get_or_init(|| Csrf::new(keys()).session_cookie("__Host-session"))
}

fuzz_target!(|data: &[u8]| {
    let csrf = csrf();
    let parts = split(data, b'\n', 3);
    let (cookie, token, body) = (
        parts[0],
        parts.get(1).copied().unwrap_or_default(),
        parts.get(2).copied().unwrap_or_default(),
    );

    // Fuzzed cookie header and token: never a pass (the fuzzer cannot sign).
    let headers: &[(&str, &[u8])] = &[
        ("host", b"shop.test"),
        ("origin", b"https://shop.test"),
        ("cookie", cookie),
        ("x-csrf-token", token),
    ];
    let prepared = csrf.prepare(headers);
    let checked = csrf.check("POST", headers, None, true);
    assert_ne!(checked, Ok(()), "a fuzzed token passed");
    if prepared.set_cookie_now().is_none() {
        panic!("prepare kept a fuzzed token: {:?}", prepared.token.as_str());
    }

    // Form bodies: the same token as a strict decoder finds.
    let form = csrf.form_token(body);
    assert_eq!(
        form,
        strict_form_field(body, csrf.field().as_bytes()),
        "{body:?}"
    );

    // A session value from the fuzzer (what a browser could send), and a token minted for it.
    let session: String = String::from_utf8_lossy(token)
        .chars()
        .filter(|c| c.is_ascii_graphic() && !matches!(c, ';' | ',' | '"' | '\\'))
        .collect();
    let minted = csrf.prepare(&[("cookie", format!("__Host-session={session}").as_bytes())][..]);
    let t = minted.token.as_str().to_owned();
    let jar = format!("__Host-session={session}; __Host-csrf={t}");
    let with = |jar: &str, header: Option<&str>, form: Option<&str>| {
        let mut h: Vec<(&str, &[u8])> = vec![("host", b"shop.test"), ("cookie", jar.as_bytes())];
        if let Some(v) = header {
            h.push(("x-csrf-token", v.as_bytes()));
        }
        csrf.check("POST", &h[..], form, true)
    };
    assert_eq!(with(&jar, Some(&t), None), Ok(()));
    let body = format!("a=1&{}={}&b", encode(csrf.field()), encode(&t));
    let from_form = csrf.form_token(body.as_bytes());
    assert_eq!(from_form.as_deref(), Some(t.as_str()));
    assert_eq!(with(&jar, None, from_form.as_deref()), Ok(()));
    let kept = csrf.prepare(&[("cookie", jar.as_bytes())][..]);
    assert!(kept.set_cookie_now().is_none() && kept.token.as_str() == t);
    let other = format!("__Host-session={session}x; __Host-csrf={t}");
    assert_eq!(with(&other, Some(&t), None), Err(CsrfRefusal::BadToken));
});

/// Percent-encodes everything but unreserved characters.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The first `field=value` pair of a URL-encoded body whose value decodes, decoded strictly
/// (`+` is a space, `%` takes two hex digits); a pair with a broken escape is skipped.
fn strict_form_field(body: &[u8], field: &[u8]) -> Option<String> {
    fn decode(s: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = s.get(i + 1..i + 3)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    let digit = |h: u8| char::from(h).to_digit(16).unwrap_or(0) as u8;
                    out.push(digit(hex[0]) << 4 | digit(hex[1]));
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        Some(out)
    }
    for pair in body.split(|b| *b == b'&') {
        let (k, v) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        if decode(k).as_deref() == Some(field) {
            if let Some(v) = decode(v) {
                return String::from_utf8(v).ok();
            }
        }
    }
    None
}
