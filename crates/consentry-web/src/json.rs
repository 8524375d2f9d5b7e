//! The receipt as JSON, written by hand: the core's `to_json` needs serde_json (its `json`
//! feature), which would add several KB to the module. Same fields, order and spelling as the
//! core's serde form (a test compares them).

use alloc::string::String;

use consentry::{ConsentId, Receipt, ReceiptEvent};

/// Appends `s` as a JSON string.
pub(crate) fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        // A two-character escape as the letter after its backslash, pushed in one place
        // (rather than a string per escape): 14 B gzip less.
        let short = match c {
            '"' | '\\' => c,
            '\n' => 'n',
            '\r' => 'r',
            '\t' => 't',
            '\u{8}' => 'b',
            '\u{c}' => 'f',
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
                continue;
            }
            c => {
                out.push(c);
                continue;
            }
        };
        out.push('\\');
        out.push(short);
    }
    out.push('"');
}

/// Appends a JSON array of strings.
pub(crate) fn push_list(out: &mut String, items: &[String]) {
    out.push('[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_str(out, s);
    }
    out.push(']');
}

/// Appends a decimal integer.
pub(crate) fn push_int(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    let mut v = n.unsigned_abs();
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(b as char);
    }
}

/// Appends `"k":`, after a comma unless it is the object's first key.
pub(crate) fn key(out: &mut String, k: &str) {
    if !out.ends_with('{') {
        out.push(',');
    }
    push_str(out, k);
    out.push(':');
}

/// Appends `"k":"v"` (see [`key`]).
pub(crate) fn str_field(out: &mut String, k: &str, v: &str) {
    key(out, k);
    push_str(out, v);
}

/// Appends `"k":true` or `"k":false` (see [`key`]).
pub(crate) fn bool_field(out: &mut String, k: &str, on: bool) {
    key(out, k);
    out.push_str(if on { "true" } else { "false" });
}

/// A consent id: base64url characters, nothing to escape.
pub(crate) fn id_field(out: &mut String, k: &str, id: &ConsentId) {
    key(out, k);
    out.push('"');
    id.push_to(out);
    out.push('"');
}

/// The receipt's JSON, as `Receipt::to_json` writes it.
pub(crate) fn receipt(r: &Receipt) -> String {
    let mut out = String::new();
    out.push('{');
    str_field(&mut out, "version", &r.version);
    id_field(&mut out, "receipt_id", &r.receipt_id);
    id_field(&mut out, "subject", &r.subject);
    key(&mut out, "issued_at");
    push_int(&mut out, r.issued_at.unix());
    str_field(&mut out, "jurisdiction", &r.jurisdiction);
    key(&mut out, "policy_revision");
    push_int(&mut out, r.policy_revision.into());
    str_field(&mut out, "policy_sha256", &r.policy_sha256);
    key(&mut out, "purposes");
    out.push('[');
    for (i, p) in r.purposes.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('{');
        str_field(&mut out, "category", &p.category);
        bool_field(&mut out, "granted", p.granted);
        str_field(&mut out, "lawful_basis", p.lawful_basis.as_str());
        out.push('}');
    }
    out.push(']');
    str_field(&mut out, "method", crate::method_name(r.method));
    str_field(&mut out, "language", &r.language);
    key(&mut out, "expires_at");
    push_int(&mut out, r.expires_at.unix());
    let event = match r.event {
        ReceiptEvent::Given => "given",
        ReceiptEvent::Refused => "refused",
        ReceiptEvent::Withdrawn => "withdrawn",
        _ => "expired",
    };
    str_field(&mut out, "event", event);
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use consentry::{ConsentId, ConsentRecord, Method, Policy, ReceiptContext, Timestamp};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn policy() -> Policy {
        Policy::from_json(
            r#"{"revision": 7, "categories": {
                "necessary": {"required": true, "lawful_basis": "contract"},
                "analytics": {"lawful_basis": "consent"},
                "marketing": {"lawful_basis": "consent"}}}"#,
        )
        .unwrap()
    }

    #[wasm_bindgen_test]
    fn receipts_are_what_serde_writes() {
        let p = policy();
        for (method, cats, t) in [
            (Method::Custom, &["analytics"][..], 1_700_000_000),
            (Method::RejectAll, &[][..], 0),
            (Method::Withdrawal, &[][..], 99),
        ] {
            let rec = ConsentRecord::new(
                &p,
                cats,
                method,
                Timestamp(t),
                ConsentId::from_random_bytes([3; 12]),
            )
            .unwrap();
            let r = Receipt::new(
                &p,
                &rec,
                &ReceiptContext::new(
                    ConsentId::from_random_bytes([4; 12]),
                    Some("US-\"CA\"\\\n\t\r\u{8}\u{c}\u{1}\u{1f}"),
                    "dé",
                    "ab",
                ),
            );
            assert_eq!(receipt(&r), r.to_json());
            assert_eq!(Receipt::from_json(receipt(&r).as_bytes()).unwrap(), r);
        }
    }

    #[wasm_bindgen_test]
    fn integers() {
        for n in [0i64, 7, -7, 10, 1_700_000_000, i64::MIN, i64::MAX] {
            let mut s = String::new();
            push_int(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }
}
