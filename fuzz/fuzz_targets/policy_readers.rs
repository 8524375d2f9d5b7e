//! The two policy readers on the same text: `Policy::read_json` (the small reader of the
//! browser module) and `Policy::from_json_unchecked` (serde_json, the server's).
//!
//! They must agree: both accept and read the same policy, or both refuse with a syntax error.
//! Their messages differ by design (serde_json's name the expected type and the line; the
//! small reader's are short), so only the verdict and the policy are compared. What either
//! accepts, written as canonical JSON, reads back as the same policy in both.
#![no_main]

use consentry::{Policy, PolicyErrorKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ours = Policy::read_json(text);
    let serde = Policy::from_json_unchecked(text);
    match (&ours, &serde) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "the readers read different policies");
            let canonical = a.to_canonical_json();
            assert_eq!(Policy::read_json(&canonical).as_ref(), Ok(a));
            assert_eq!(Policy::from_json_unchecked(&canonical).as_ref(), Ok(a));
            // Validation and hardening never panic on whatever a reader accepts.
            let _ = a.validate();
            let _ = a.clone().harden();
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.kind(), PolicyErrorKind::Syntax);
            assert_eq!(b.kind(), PolicyErrorKind::Syntax);
        }
        (Ok(_), Err(e)) => panic!("read_json accepts, serde_json refuses: {e}"),
        (Err(e), Ok(_)) => panic!("serde_json accepts, read_json refuses: {e}"),
    }
});
