//! Shared pieces of the fuzz targets: the policies they run against, a fixed clock and keys.

use std::sync::OnceLock;

use consentry::Policy;
use consentry_server::{Key, Keys};

/// The example policies, and the reader's own test policy with every field.
pub const POLICY_TEXTS: [&str; 3] = [
    include_str!("../../examples/policies/p4p-packing.json"),
    include_str!("../../examples/policies/proecommerce.json"),
    include_str!("../../examples/policies/packagetrack.json"),
];

/// The example policies, validated, and one with 70 optional categories (the codec keeps
/// categories past the 64th apart from the first 64).
pub fn policies() -> &'static [Policy] {
    static POLICIES: OnceLock<Vec<Policy>> = OnceLock::new();
    POLICIES.get_or_init(|| {
        let mut out: Vec<Policy> = POLICY_TEXTS
            .iter()
            .map(|t| Policy::from_json(t).expect("example policy"))
            .collect();
        let mut many = String::from(
            r#"{"revision": 3, "categories": {"necessary": {"required": true, "lawful_basis": "contract"}"#,
        );
        for i in 0..70 {
            many.push_str(&format!(r#", "c{i}": {{"lawful_basis": "consent"}}"#));
        }
        many.push_str("}}");
        out.push(Policy::from_json(&many).expect("70 categories"));
        out
    })
}

/// The time every target runs at: 2026-09-21, after every seed's `decided_at`.
pub const NOW: consentry::Timestamp = consentry::Timestamp(1_790_000_000);

/// Fixed keys, so a crash reproduces (64 bytes that are not a weak key).
pub fn keys() -> Keys {
    let bytes: Vec<u8> = (0u8..64)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    Keys::new(Key::try_from(&bytes[..]).expect("fixed fuzz key"))
}

/// Splits fuzz input at a byte into up to `n` parts (the rest goes into the last part).
pub fn split(data: &[u8], sep: u8, n: usize) -> Vec<&[u8]> {
    data.splitn(n, |b| *b == sep).collect()
}

/// A `Consentry` for each of [`policies`], at [`NOW`].
pub fn servers() -> &'static [consentry_server::Consentry] {
    static SERVERS: OnceLock<Vec<consentry_server::Consentry>> = OnceLock::new();
    SERVERS.get_or_init(|| {
        policies()
            .iter()
            .map(|p| consentry_server::Consentry::new(p.clone()).clock(|| NOW))
            .collect()
    })
}

/// Spaces and tabs trimmed from both ends, as cookies are.
pub fn trim_wsp(b: &[u8]) -> &[u8] {
    let wsp = |c: &u8| *c == b' ' || *c == b'\t';
    let start = b.iter().position(|c| !wsp(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !wsp(c)).map_or(start, |e| e + 1);
    &b[start..end]
}

/// What [`cookie_in`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Found<'a> {
    /// Not there.
    None,
    /// Once, with this value.
    One(&'a [u8]),
    /// More than once.
    Duplicate,
}

/// The cookie `name` in these `Cookie` header values, read the plain way (split at `;`, then
/// at the first `=`, both sides trimmed of spaces and tabs).
pub fn cookie_in<'a>(headers: &[&'a [u8]], name: &[u8]) -> Found<'a> {
    let mut found = Vec::new();
    for h in headers {
        for pair in h.split(|b| *b == b';') {
            if let Some(eq) = pair.iter().position(|b| *b == b'=') {
                if trim_wsp(&pair[..eq]) == name {
                    found.push(trim_wsp(&pair[eq + 1..]));
                }
            }
        }
    }
    match found.as_slice() {
        [] => Found::None,
        [one] => Found::One(one),
        _ => Found::Duplicate,
    }
}
