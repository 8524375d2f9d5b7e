//! Receipts for tests, docs and benchmarks (not part of the API).

use consentry::{ConsentId, ConsentRecord, Policy, Receipt, ReceiptContext, Timestamp};

/// A small valid policy.
pub const POLICY: &str = r#"{
  "revision": 1,
  "consent_max_age_days": 182,
  "categories": {
    "necessary": { "required": true, "lawful_basis": "contract" },
    "analytics": { "lawful_basis": "consent" }
  },
  "services": [],
  "cookies": [],
  "texts": { "en": { "title": "Cookies", "body": "We use cookies." } }
}"#;

/// The policy of [`POLICY`].
pub fn policy() -> Policy {
    Policy::from_json_unchecked(POLICY).expect("the test policy parses")
}

fn id(n: u64, salt: u8) -> ConsentId {
    let mut bytes = [salt; 12];
    bytes[..8].copy_from_slice(&n.to_le_bytes());
    ConsentId::from_random_bytes(bytes)
}

/// An "accept all" receipt number `n` (subject `n`, receipt id from `n`) decided at `at`.
pub fn receipt(n: u64, at: i64) -> Receipt {
    receipt_of_subject(n, n, at)
}

/// Receipt number `n` of subject `subject`, decided at `at`.
pub fn receipt_of_subject(n: u64, subject: u64, at: i64) -> Receipt {
    let policy = policy();
    let hash = policy.sha256_hex();
    let record = ConsentRecord::accept_all(&policy, Timestamp(at), id(subject, 0xa5));
    let ctx = ReceiptContext::new(id(n, 0x5a), Some("DE"), "en", &hash);
    Receipt::new(&policy, &record, &ctx)
}
