//! Receipt JSON as the receipts endpoint reads it (`Receipt::from_json`).
//!
//! - Any bytes: never a panic; a receipt it reads writes out as JSON that reads back as the
//!   same receipt, in the same form, and is no larger than the limit.
//! - Checking it against a policy (`verify`, `check_claims`) never panics.
#![no_main]

use std::time::Duration;

use consentry::receipt::MAX_RECEIPT_BYTES;
use consentry::Receipt;
use consentry_fuzz::{policies, NOW};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(receipt) = Receipt::from_json(data) else {
        return;
    };
    let json = receipt.to_json();
    assert!(json.len() <= MAX_RECEIPT_BYTES, "{} bytes", json.len());
    let back = Receipt::from_json(json.as_bytes()).expect("its own JSON reads back");
    assert_eq!(back, receipt);
    assert_eq!(back.to_json(), json);
    for policy in policies() {
        let hash = policy.sha256_hex();
        let _ = receipt.verify(policy, &[hash.as_str()]);
        let _ = receipt.check_claims(policy, NOW, Duration::from_secs(600));
    }
});
