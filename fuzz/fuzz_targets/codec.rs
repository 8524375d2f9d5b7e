//! The consent cookie codec (`ConsentRecord::decode` / `encode`) on every policy shape.
//!
//! - Any text: decoding never panics; what it reads lists every optional category in policy
//!   order, and writing it again gives the same head fields and reads back as the same record;
//!   a value it refuses allows no optional category in an opt-in region (fails closed).
//! - Any record (built from the same bytes): `decode(encode(r)) == r`.
#![no_main]

use consentry::{
    decide, is_cookie_octets, ConsentId, ConsentRecord, Context, Method, Timestamp, MAX_ENCODED_LEN,
};
use consentry_fuzz::{policies, NOW};
use libfuzzer_sys::fuzz_target;

const METHODS: [Method; 5] = [
    Method::AcceptAll,
    Method::RejectAll,
    Method::Custom,
    Method::Gpc,
    Method::Withdrawal,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let policies = policies();
    let policy = &policies[usize::from(pick) % policies.len()];

    if let Ok(value) = std::str::from_utf8(rest) {
        let decoded = ConsentRecord::decode(value, policy);
        if let Ok(record) = &decoded {
            assert!(value.len() <= MAX_ENCODED_LEN);
            assert!(
                record
                    .choices
                    .iter()
                    .map(|(c, _)| c.as_str())
                    .eq(policy.categories.optional()),
                "choices are not the policy's optional categories"
            );
            let encoded = record.encode();
            assert!(is_cookie_octets(&encoded), "{encoded:?}");
            // Version, revision, time, id and method have one spelling each.
            // (The choices after them may be written in another order or leave categories out.)
            let head = |v: &str| v.splitn(6, '.').take(5).collect::<Vec<_>>().join(".");
            assert_eq!(head(&encoded), head(value), "head fields are not canonical");
            if encoded.len() <= MAX_ENCODED_LEN {
                assert_eq!(ConsentRecord::decode(&encoded, policy).as_ref(), Ok(record));
            }
        }
        let ctx = Context {
            now: NOW,
            region: Some("FR"),
            gpc: false,
        };
        let decision = decide(policy, Some(value), &ctx);
        if decoded.is_err() {
            assert!(decision.record().is_none());
            for c in policy.categories.optional() {
                assert!(!decision.allows(c), "unreadable cookie allows {c}");
            }
        }
    }

    // The same bytes as a record: revision, time, id, method, then one bit per category.
    let mut b = rest.iter().copied().chain(std::iter::repeat(0));
    let mut take = |n: usize| (0..n).fold(0u64, |v, _| v << 8 | u64::from(b.next().unwrap_or(0)));
    let revision = take(4) as u32;
    let decided_at = Timestamp((take(5) % 1_000_000_000_000) as i64);
    let mut id = [0u8; 12];
    for x in &mut id {
        *x = take(1) as u8;
    }
    let method = METHODS[take(1) as usize % METHODS.len()];
    let choices = policy
        .categories
        .optional()
        .map(|c| (c.to_owned(), take(1) & 1 == 1))
        .collect();
    let record = ConsentRecord::from_parts(
        revision,
        decided_at,
        ConsentId::from_random_bytes(id),
        method,
        choices,
    );
    let encoded = record.encode();
    assert!(encoded.len() <= MAX_ENCODED_LEN && is_cookie_octets(&encoded));
    assert_eq!(ConsentRecord::decode(&encoded, policy), Ok(record));
});
