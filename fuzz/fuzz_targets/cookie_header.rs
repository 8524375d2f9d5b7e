//! `Cookie` request headers: the server reads the consent cookie and auth cookies from them.
//!
//! - The consent the server decides (`Consentry::consent`, over plain HTTP or HTTPS) is the
//!   core's decision on the value a plain split of the headers finds under the consent cookie's
//!   name there; a duplicated or non-UTF-8 consent cookie reads as an unreadable one (fails
//!   closed).
//! - An auth cookie the target adds is read back exactly when it is the only one of its name;
//!   a value from the fuzzer never verifies.
#![no_main]

use consentry::{decide, Context};
use consentry_fuzz::{cookie_in, keys, policies, servers, Found, NOW};
use consentry_server::AuthCookie;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let which = usize::from(flags & 3) % policies().len();
    let (policy, server) = (&policies()[which], &servers()[which]);
    let gpc = flags & 4 != 0;
    let add_auth = flags & 8 != 0;
    // Over HTTPS (the connection's TLS) the consent cookie is read under its `__Host-` name.
    let https = flags & 16 != 0;

    // Up to four `Cookie` header lines (a header value cannot hold a line break).
    let mut lines: Vec<Vec<u8>> = rest
        .splitn(4, |b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    let keys = keys();
    if add_auth {
        let c = AuthCookie::signed(&keys, "session", "user-1").expect("auth cookie");
        let last = lines.last_mut().expect("splitn gives one part at least");
        last.extend_from_slice(format!("; {}={}", c.name(), c.value()).as_bytes());
    }
    let cookie_lines: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
    let mut headers: Vec<(&str, &[u8])> = cookie_lines.iter().map(|l| ("cookie", *l)).collect();
    if gpc {
        headers.push(("sec-gpc", b"1"));
    }

    // Consent: the server's decision is the core's on the cookie value found the plain way.
    let value = match cookie_in(&cookie_lines, policy.consent_cookie_name(https).as_bytes()) {
        Found::None => None,
        Found::One(v) => Some(std::str::from_utf8(v).unwrap_or("")),
        Found::Duplicate => Some(""),
    };
    let ctx = Context {
        now: NOW,
        region: None,
        gpc,
    };
    let consent = server.consent(&headers[..], https);
    assert_eq!(consent.decision(), &decide(policy, value, &ctx));

    // Auth cookie.
    let read = AuthCookie::read_signed(&keys, "session", &headers[..]);
    match cookie_in(&cookie_lines, b"__Host-session") {
        Found::None => assert!(matches!(read, Ok(None)), "{read:?}"),
        Found::Duplicate => assert!(read.is_err(), "duplicate auth cookie read: {read:?}"),
        Found::One(_) if add_auth => {
            assert_eq!(
                read.expect("own auth cookie")
                    .map(|v| v.into_value())
                    .as_deref(),
                Some("user-1")
            );
        }
        Found::One(_) => assert!(read.is_err(), "a fuzzed auth cookie verified: {read:?}"),
    }
});
