//! Inputs the fuzz targets (`fuzz/`, `cargo xtask fuzz`) found, each with the bug it showed,
//! so plain `cargo test` keeps them fixed.

use consentry_server::{Csrf, Key, Keys};

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
