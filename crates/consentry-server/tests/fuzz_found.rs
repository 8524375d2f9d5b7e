//! Inputs the fuzz targets (`fuzz/`, `cargo xtask fuzz`) found, each with the bug it showed,
//! so plain `cargo test` keeps them fixed.

use consentry_server::{AuthCookie, AuthCookieError, Csrf, Key, Keys};

fn csrf() -> Csrf {
    Csrf::new(Keys::new(Key::generate()))
}

/// `fuzz/artifacts/csrf_token/crash-c8e4ff49…`: `%+4` decoded as the byte 0x04, because the
/// two characters after `%` went to `u8::from_str_radix`, which takes a leading `+`. A form
/// field with such an escape is not URL-encoded: the pair is skipped.
#[test]
fn form_token_takes_only_two_hex_digits_after_percent() {
    let c = csrf();
    let body = b"a=1&csrf_token=AAAAAAAAAAAAAAAAAAAAAAAAAABAAA=1.%+4Bf";
    assert_eq!(c.form_token(body), None);
    for bad in ["%+4", "%-0", "%+f", "% f", "%4", "%"] {
        let body = format!("csrf_token=t{bad}");
        assert_eq!(c.form_token(body.as_bytes()), None, "{bad}");
    }
    // A broken pair is skipped, a later good one read.
    assert_eq!(
        c.form_token(b"csrf_token=%+41&csrf_token=x%2Ey"),
        Some("x.y".into())
    );
    assert_eq!(c.form_token(b"csrf_token=%4a%4A"), Some("JJ".into()));
}

/// `fuzz/artifacts/cookie_header/crash-a39daf27…`: a signed auth cookie value with a
/// multi-byte character across the end of its 40-character header panicked in `str::split_at`
/// (only the end of the tag was checked for a character boundary): any visitor could make a
/// request panic. It reads as invalid now.
#[test]
fn auth_cookie_with_a_character_across_the_header_end_is_invalid() {
    let keys = Keys::new(Key::generate());
    let mut header = b"__Host-session=".to_vec();
    header.extend([0; 24]);
    header.push(b'=');
    header.extend([0; 14]);
    header.extend("\u{2195}analyticsics".as_bytes());
    header.extend([0; 24]);
    header.extend([0x1e, 0, 0, 0, 0]);
    let headers: &[(&str, &[u8])] = &[("cookie", &header)];
    assert_eq!(
        AuthCookie::read_signed(&keys, "session", headers).unwrap_err(),
        AuthCookieError::Invalid
    );
    // Every place of a multi-byte character in and around the header and the tag.
    for at in 30..90 {
        let value = format!("{}\u{2195}{}", "A".repeat(at), "B".repeat(100));
        assert!(
            AuthCookie::verify_signed(&keys, "session", &value).is_err(),
            "{at}"
        );
        assert!(
            AuthCookie::decrypt(&keys, "session", &value).is_err(),
            "{at}"
        );
    }
}
