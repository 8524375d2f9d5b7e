//! Receipts (REQUIREMENTS R14): schema, stable policy hash, verification.
#![cfg(feature = "json")]

mod common;

use consentry::receipt::{sha256_hex, MAX_RECEIPT_BYTES, RECEIPT_VERSION};
use consentry::{
    decide, ConsentId, ConsentRecord, Context, Method, Policy, Receipt, ReceiptContext,
    ReceiptError, ReceiptEvent, Timestamp,
};
use serde_json::{json, Value};

const NOW: Timestamp = Timestamp(1_790_000_000);

fn receipt_for(policy: &Policy, record: &ConsentRecord, hash: &str) -> Receipt {
    Receipt::new(
        policy,
        record,
        &ReceiptContext::new(
            ConsentId::from_random_bytes([2; 12]),
            Some("DE"),
            "de",
            hash,
        ),
    )
}

#[test]
fn receipt_json_has_the_documented_schema() {
    let p = common::full();
    let hash = p.sha256_hex();
    let r = ConsentRecord::new(
        &p,
        &["analytics"],
        Method::Custom,
        NOW,
        ConsentId::from_random_bytes([1; 12]),
    )
    .unwrap();
    let receipt = receipt_for(&p, &r, &hash);
    let v: Value = serde_json::from_str(&receipt.to_json()).unwrap();
    assert_eq!(
        v,
        json!({
            "version": "consentry-receipt/1",
            "receipt_id": "AgICAgICAgICAgIC",
            "subject": "AQEBAQEBAQEBAQEB",
            "issued_at": 1_790_000_000,
            "jurisdiction": "DE",
            "policy_revision": 3,
            "policy_sha256": hash,
            "purposes": [
                { "category": "necessary", "granted": true, "lawful_basis": "contract" },
                { "category": "functional", "granted": false, "lawful_basis": "consent" },
                { "category": "analytics", "granted": true, "lawful_basis": "consent" },
                { "category": "marketing", "granted": false, "lawful_basis": "consent" }
            ],
            "method": "custom",
            "language": "de",
            "expires_at": 1_790_000_000 + 182 * 86_400,
            "event": "given"
        })
    );
    assert_eq!(
        Receipt::from_json(receipt.to_json().as_bytes()),
        Ok(receipt)
    );
}

#[test]
fn event_follows_the_method_and_choices() {
    let p = common::full();
    let id = ConsentId::from_random_bytes([1; 12]);
    let h = p.sha256_hex();
    let ev = |r: ConsentRecord| receipt_for(&p, &r, &h).event;
    assert_eq!(
        ev(ConsentRecord::accept_all(&p, NOW, id)),
        ReceiptEvent::Given
    );
    assert_eq!(
        ev(ConsentRecord::reject_all(&p, NOW, id)),
        ReceiptEvent::Refused
    );
    assert_eq!(
        ev(ConsentRecord::withdrawal(&p, NOW, id)),
        ReceiptEvent::Withdrawn
    );
    let custom_none = ConsentRecord::new(&p, &[], Method::Custom, NOW, id).unwrap();
    assert_eq!(ev(custom_none), ReceiptEvent::Refused);
    // The record stored for GPC grants nothing: its receipt is a refusal.
    let d = consentry::decide(
        &p,
        None,
        &consentry::Context {
            now: NOW,
            region: Some("US"),
            gpc: true,
        },
    );
    let gpc = d.gpc_record(&p, NOW, id).unwrap();
    let receipt = receipt_for(&p, &gpc, &h);
    assert_eq!(receipt.event, ReceiptEvent::Refused);
    assert_eq!(receipt.method, Method::Gpc);
    assert!(receipt.purposes.iter().skip(1).all(|p| !p.granted));
}

#[test]
fn unknown_jurisdiction_is_written_as_unknown() {
    let p = common::full();
    let h = p.sha256_hex();
    let r = ConsentRecord::accept_all(&p, NOW, ConsentId::from_random_bytes([1; 12]));
    let receipt = Receipt::new(
        &p,
        &r,
        &ReceiptContext::new(ConsentId::from_random_bytes([2; 12]), None, "en", &h),
    );
    assert_eq!(receipt.jurisdiction, "unknown");
    assert!(receipt.verify(&p, &[&h]).is_ok());
}

const POLICY_A: &str = r#"{
  "revision": 2,
  "categories": {
    "necessary": { "required": true, "lawful_basis": "contract" },
    "analytics": { "lawful_basis": "consent" }
  },
  "services": [{ "id": "ga", "category": "analytics", "provider": "Google LLC",
    "purpose": "Measure traffic", "cookies": [{ "name": "_ga", "max_age_days": 395 }] }],
  "cookies": [{ "name": "__Host-SID", "category": "necessary", "exemption": "session",
    "http_only": true, "same_site": "strict", "purpose": "Session" }],
  "texts": { "en": { "title": "Cookies" }, "de": { "title": "Kekse" } }
}"#;

/// The same policy: other whitespace, other key order (outside the ordered categories),
/// defaults written out, a character escaped.
const POLICY_A_REWRITTEN: &str = r#"{"texts":{"de":{"title":"Kekse"},"en":{"title":"Cookies"}},
"cookies":[{"purpose":"Session","same_site":"strict","http_only":true,"exemption":"session","category":"necessary","name":"__Host-SID"}],
      "consent_max_age_days":182,"cookie_name":"consentry","default_region":"opt-in",
      "undeclared_cookies":"drop","regions":{},
  "categories":{"necessary":{"lawful_basis":"contract","required":true},
                "analytics":{"lawful_basis":"consent","required":false}},
  "services":[{"cookies":[{"max_age_days":395,"name":"_ga"}],"purpose":"Measure tr\u0061ffic",
               "provider":"Google LLC","category":"analytics","id":"ga","scripts":[]}],
  "revision":2}"#;

#[test]
fn policy_hash_is_stable_across_formatting_key_order_and_defaults() {
    let a = Policy::from_json(POLICY_A).unwrap();
    let b = Policy::from_json(POLICY_A_REWRITTEN).unwrap();
    assert_eq!(a.to_canonical_json(), b.to_canonical_json());
    assert_eq!(a.sha256_hex(), b.sha256_hex());
    assert_eq!(a.sha256_hex().len(), 64);
    assert!(a
        .sha256_hex()
        .bytes()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    // The canonical form reads back to the same policy and the same hash.
    let c = Policy::from_json(&a.to_canonical_json()).unwrap();
    assert_eq!(c, a);
    assert_eq!(c.sha256_hex(), a.sha256_hex());
    // The hash is SHA-256 of the canonical JSON.
    assert_eq!(a.sha256_hex(), sha256_hex(a.to_canonical_json().as_bytes()));
}

#[test]
fn policy_hash_changes_when_the_policy_changes() {
    let a = Policy::from_json(POLICY_A).unwrap().sha256_hex();
    for (from, to) in [
        ("Measure traffic", "Measure traffic and ads"),
        (r#""revision": 2"#, r#""revision": 3"#),
        (r#""max_age_days": 395"#, r#""max_age_days": 390"#),
        (r#""title": "Kekse""#, r#""title": "Cookies""#),
        (
            r#""provider": "Google LLC""#,
            r#""provider": "Google Ireland""#,
        ),
    ] {
        let text = POLICY_A.replace(from, to);
        assert_ne!(text, POLICY_A);
        let b = Policy::from_json(&text).unwrap().sha256_hex();
        assert_ne!(a, b, "{from} -> {to}");
    }
    // Banner order is part of the policy: reordering categories changes the hash.
    let swapped = POLICY_A.replace(
        r#""necessary": { "required": true, "lawful_basis": "contract" },
    "analytics": { "lawful_basis": "consent" }"#,
        r#""analytics": { "lawful_basis": "consent" },
    "necessary": { "required": true, "lawful_basis": "contract" }"#,
    );
    assert_ne!(swapped, POLICY_A);
    assert_ne!(Policy::from_json(&swapped).unwrap().sha256_hex(), a);
}

#[test]
fn sha256_hex_matches_known_vectors() {
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

fn valid() -> (Policy, String, Receipt) {
    let p = common::full();
    let h = p.sha256_hex();
    let r = ConsentRecord::accept_all(&p, NOW, ConsentId::from_random_bytes([1; 12]));
    let receipt = receipt_for(&p, &r, &h);
    (p, h, receipt)
}

#[test]
fn verify_accepts_a_fresh_receipt_and_known_older_hashes() {
    let (p, h, receipt) = valid();
    assert_eq!(receipt.verify(&p, &[&h]), Ok(()));
    assert_eq!(receipt.verify(&p, &["0".repeat(64).as_str(), &h]), Ok(()));
}

#[test]
fn verify_refuses_tampered_receipts() {
    let (p, h, base) = valid();
    let check = |f: &dyn Fn(&mut Receipt), want: ReceiptError| {
        let mut r = base.clone();
        f(&mut r);
        assert_eq!(r.verify(&p, &[&h]), Err(want.clone()), "{want}");
        assert!(!want.to_string().is_empty());
    };
    check(
        &|r| r.version = "consentry-receipt/2".into(),
        ReceiptError::Version,
    );
    check(
        &|r| r.policy_sha256 = "ab".repeat(32),
        ReceiptError::UnknownPolicy,
    );
    check(&|r| r.policy_revision = 4, ReceiptError::Revision);
    check(
        &|r| r.jurisdiction = String::new(),
        ReceiptError::Field("jurisdiction"),
    );
    check(
        &|r| r.jurisdiction = "D\nE".into(),
        ReceiptError::Field("jurisdiction"),
    );
    check(
        &|r| r.jurisdiction = "X".repeat(17),
        ReceiptError::Field("jurisdiction"),
    );
    check(
        &|r| r.language = "<script>".into(),
        ReceiptError::Field("language"),
    );
    check(
        &|r| r.language = "e".repeat(36),
        ReceiptError::Field("language"),
    );
    check(
        &|r| {
            r.purposes.pop();
        },
        ReceiptError::Purposes,
    );
    check(&|r| r.purposes.swap(1, 2), ReceiptError::Purposes);
    check(&|r| r.purposes[0].granted = false, ReceiptError::Purposes);
    check(
        &|r| r.purposes[2].lawful_basis = consentry::LawfulBasis::LegitimateInterests,
        ReceiptError::Purposes,
    );
    check(
        &|r| r.purposes[2].category = "ads".into(),
        ReceiptError::Purposes,
    );
    check(&|r| r.expires_at = r.issued_at, ReceiptError::Times);
    // Hashes of other policies are refused.
    assert_eq!(base.verify(&p, &[]), Err(ReceiptError::UnknownPolicy));
}

#[test]
fn from_json_refuses_oversized_unknown_fields_and_bad_ids() {
    let (_, _, base) = valid();
    let json = base.to_json();
    assert!(json.len() < MAX_RECEIPT_BYTES);
    let big = format!("{}{}", json, " ".repeat(MAX_RECEIPT_BYTES));
    assert_eq!(
        Receipt::from_json(big.as_bytes()),
        Err("receipt too large".into())
    );
    let extra = json.replacen('{', r#"{"ip":"1.2.3.4","#, 1);
    let err = Receipt::from_json(extra.as_bytes()).unwrap_err();
    assert!(err.contains("unknown field `ip`"), "{err}");
    let bad_id = json.replace("AQEBAQEBAQEBAQEB", "not-an-id");
    let err = Receipt::from_json(bad_id.as_bytes()).unwrap_err();
    assert!(
        err.starts_with("subject: consent id must be 16 base64url"),
        "{err}"
    );
    let bad_event = json.replace(r#""event":"given""#, r#""event":"maybe""#);
    let err = Receipt::from_json(bad_event.as_bytes()).unwrap_err();
    assert!(err.starts_with("event: unknown variant"), "{err}");
    assert!(Receipt::from_json(b"\xff\xfe").is_err());
    // One receipt and nothing after it but whitespace.
    assert_eq!(
        Receipt::from_json(format!(" {json}\n").as_bytes()),
        Ok(base)
    );
    for trailing in [" trailing", "{}", ",", "x"] {
        let err = Receipt::from_json(format!("{json}{trailing}").as_bytes()).unwrap_err();
        assert!(
            err.starts_with(".: trailing characters"),
            "{trailing}: {err}"
        );
    }
    assert_eq!(RECEIPT_VERSION, "consentry-receipt/1");
}

// --- check_claims: what the server believes -------------------------------------------------

const SKEW: std::time::Duration = std::time::Duration::from_secs(600);

/// A receipt for the FULL policy made at NOW, with these optional categories granted, then
/// `edit`ed; checked against the server's time NOW.
fn claims(
    granted: &[&str],
    method: Method,
    edit: impl FnOnce(&mut Receipt),
) -> Result<(), ReceiptError> {
    let p = common::full();
    let h = p.sha256_hex();
    let record = ConsentRecord::new(
        &p,
        granted,
        method,
        NOW,
        ConsentId::from_random_bytes([1; 12]),
    )
    .unwrap();
    let mut r = receipt_for(&p, &record, &h);
    edit(&mut r);
    r.check_claims(&p, NOW, SKEW)
}

fn grant(r: &mut Receipt, category: &str) {
    r.purposes
        .iter_mut()
        .find(|p| p.category == category)
        .unwrap()
        .granted = true;
}

#[test]
fn check_claims_accepts_what_the_core_itself_makes() {
    assert_eq!(claims(&["analytics"], Method::Custom, |_| {}), Ok(()));
    assert_eq!(
        claims(
            &["functional", "analytics", "marketing"],
            Method::AcceptAll,
            |_| {}
        ),
        Ok(())
    );
    assert_eq!(claims(&[], Method::RejectAll, |_| {}), Ok(()));
    assert_eq!(claims(&[], Method::Custom, |_| {}), Ok(()));
    assert_eq!(claims(&[], Method::Withdrawal, |_| {}), Ok(()));
    assert_eq!(claims(&[], Method::Gpc, |_| {}), Ok(()));
    // GPC denies only sale and sharing: a GPC receipt keeping analytics is believable. It is
    // a refusal (of sale and sharing), never a consent given.
    assert_eq!(
        claims(&["analytics"], Method::Gpc, |r| assert_eq!(
            r.event,
            ReceiptEvent::Refused
        )),
        Ok(())
    );
}

#[test]
fn a_gpc_opt_out_receipt_lists_what_runs_under_the_opt_out_profile() {
    let p = common::full();
    let h = p.sha256_hex();
    let ctx = |r| {
        ReceiptContext::new(
            ConsentId::from_random_bytes([r; 12]),
            Some("US-CA"),
            "en",
            &h,
        )
    };
    let mut v = common::full_value();
    v["regions"] = serde_json::json!({"US": "opt-out"});
    let us = Policy::from_json(&v.to_string()).unwrap();
    let hash = us.sha256_hex();
    let d = decide(
        &us,
        None,
        &Context {
            now: NOW,
            region: Some("US-CA"),
            gpc: true,
        },
    );
    let record = d
        .gpc_record(&us, NOW, ConsentId::from_random_bytes([1; 12]))
        .unwrap();
    let r = Receipt::of_decision(
        &us,
        &record,
        |c| d.allows(c),
        &ReceiptContext::new(
            ConsentId::from_random_bytes([2; 12]),
            Some("US-CA"),
            "en",
            &hash,
        ),
    );
    let mut runs: Vec<(&str, bool)> = r
        .purposes
        .iter()
        .map(|p| (p.category.as_str(), p.granted))
        .collect();
    runs.sort_unstable();
    assert_eq!(
        runs,
        [
            ("analytics", true),
            ("functional", true),
            ("marketing", false),
            ("necessary", true)
        ]
    );
    assert_eq!(r.event, ReceiptEvent::Refused);
    assert_eq!(r.method, Method::Gpc);
    assert_eq!(r.check_claims(&us, NOW, SKEW), Ok(()));
    // What the record itself grants (nothing) is what `new` says: the same record, another view.
    let plain = Receipt::new(
        &us,
        &record,
        &ReceiptContext::new(
            ConsentId::from_random_bytes([2; 12]),
            Some("US-CA"),
            "en",
            &hash,
        ),
    );
    assert!(plain
        .purposes
        .iter()
        .all(|p| p.granted == (p.category == "necessary")));
    // For a visitor's own choice both constructors agree.
    let choice = ConsentRecord::new(
        &p,
        &["analytics"],
        Method::Custom,
        NOW,
        ConsentId::from_random_bytes([3; 12]),
    )
    .unwrap();
    assert_eq!(
        Receipt::of_decision(&p, &choice, |c| choice.granted(c), &ctx(4)),
        Receipt::new(&p, &choice, &ctx(4))
    );
}

#[test]
fn check_claims_refuses_issued_at_beyond_the_clock_skew() {
    for at in [
        0,
        -1,
        i64::MIN,
        NOW.0 + 365 * 86_400,
        NOW.0 - 601,
        NOW.0 + 601,
        i64::MAX,
    ] {
        assert_eq!(
            claims(&["analytics"], Method::Custom, |r| {
                r.issued_at = Timestamp(at);
                r.expires_at = Timestamp(at.saturating_add(86_400));
            }),
            Err(ReceiptError::IssuedAt),
            "{at}"
        );
    }
    for at in [NOW.0 - 600, NOW.0 + 600] {
        assert_eq!(
            claims(&["analytics"], Method::Custom, |r| {
                r.issued_at = Timestamp(at);
                r.expires_at = Timestamp(at + 86_400);
            }),
            Ok(()),
            "{at}"
        );
    }
    // The skew is the server's setting.
    let p = common::full();
    let record = ConsentRecord::accept_all(&p, NOW, ConsentId::from_random_bytes([1; 12]));
    let r = receipt_for(&p, &record, &p.sha256_hex());
    let later = Timestamp(NOW.0 + 3_600);
    assert_eq!(r.check_claims(&p, later, SKEW), Err(ReceiptError::IssuedAt));
    assert_eq!(
        r.check_claims(&p, later, std::time::Duration::from_secs(3_600)),
        Ok(())
    );
}

#[test]
fn check_claims_refuses_a_validity_longer_than_the_consent_lifetime() {
    let max = i64::from(common::full().consent_max_age_days) * 86_400;
    assert_eq!(
        claims(&["analytics"], Method::Custom, |r| r.expires_at =
            Timestamp(NOW.0 + max)),
        Ok(())
    );
    for validity in [max + 1, 100 * 365 * 86_400, i64::MAX - NOW.0] {
        assert_eq!(
            claims(&["analytics"], Method::Custom, |r| r.expires_at =
                Timestamp(NOW.0 + validity)),
            Err(ReceiptError::Lifetime),
            "{validity}"
        );
    }
}

#[test]
fn check_claims_refuses_gpc_granting_sale_or_sharing() {
    assert_eq!(
        claims(&[], Method::Gpc, |r| {
            grant(r, "marketing");
            r.event = ReceiptEvent::Given;
        }),
        Err(ReceiptError::GpcGrants)
    );
    // Every purpose granted, as the attacker posted it.
    assert_eq!(
        claims(
            &["functional", "analytics", "marketing"],
            Method::Gpc,
            |_| {}
        ),
        Err(ReceiptError::GpcGrants)
    );
    // The same rule as `decide`: a category marked `sale_or_sharing` counts, whatever its id.
    let mut v = common::full_value();
    v["categories"]["analytics"]["sale_or_sharing"] = serde_json::json!(true);
    let p = Policy::from_json(&v.to_string()).unwrap();
    let record = ConsentRecord::new(
        &p,
        &["analytics"],
        Method::Gpc,
        NOW,
        ConsentId::from_random_bytes([1; 12]),
    )
    .unwrap();
    let r = receipt_for(&p, &record, &p.sha256_hex());
    assert_eq!(r.check_claims(&p, NOW, SKEW), Err(ReceiptError::GpcGrants));
}

#[test]
fn check_claims_refuses_given_with_nothing_optional_granted() {
    assert_eq!(
        claims(&[], Method::Custom, |r| r.event = ReceiptEvent::Given),
        Err(ReceiptError::GivenNothing)
    );
    assert_eq!(
        claims(&[], Method::AcceptAll, |r| r.event = ReceiptEvent::Given),
        Err(ReceiptError::GivenNothing)
    );
}

#[test]
fn check_claims_refuses_a_refusal_that_grants() {
    assert_eq!(
        claims(&["analytics"], Method::Custom, |r| r.event =
            ReceiptEvent::Refused),
        Err(ReceiptError::RefusalGrants)
    );
    assert_eq!(
        claims(&[], Method::RejectAll, |r| {
            grant(r, "functional");
            r.event = ReceiptEvent::Given;
        }),
        Err(ReceiptError::RefusalGrants)
    );
}

#[test]
fn check_claims_refuses_a_withdrawal_that_grants_or_is_not_withdrawn() {
    assert_eq!(
        claims(&[], Method::Withdrawal, |r| grant(r, "analytics")),
        Err(ReceiptError::WithdrawalGrants)
    );
    assert_eq!(
        claims(&["analytics"], Method::Custom, |r| r.event =
            ReceiptEvent::Withdrawn),
        Err(ReceiptError::WithdrawalGrants)
    );
    for event in [
        ReceiptEvent::Given,
        ReceiptEvent::Refused,
        ReceiptEvent::Expired,
    ] {
        assert_eq!(
            claims(&[], Method::Withdrawal, |r| r.event = event),
            Err(ReceiptError::WithdrawalEvent),
            "{event:?}"
        );
    }
}

#[test]
fn check_claims_errors_are_short_fixed_text() {
    for e in [
        ReceiptError::IssuedAt,
        ReceiptError::Lifetime,
        ReceiptError::GpcGrants,
        ReceiptError::GivenNothing,
        ReceiptError::RefusalGrants,
        ReceiptError::WithdrawalGrants,
        ReceiptError::WithdrawalEvent,
    ] {
        let text = e.to_string();
        assert!(
            text.starts_with("receipt") || text.starts_with("a "),
            "{text}"
        );
        assert!(text.len() < 80, "{text}");
    }
}
