//! `Policy::harden`: what the browser does instead of validating. A valid policy is left as
//! it is; any policy, once hardened, grants nothing without consent.
#![cfg(feature = "json")]

mod common;

use consentry::consent_mode::{Signal, SignalState};
use consentry::{decide, Context, Policy, RegionProfile, Timestamp};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const NOW: Timestamp = Timestamp(1_790_000_000);

fn unchecked(v: &Value) -> Policy {
    Policy::from_json_unchecked(&v.to_string()).unwrap()
}

#[test]
fn valid_policies_are_left_as_they_are() {
    let mut all: Vec<Policy> = ["p4p-packing", "proecommerce", "packagetrack"]
        .into_iter()
        .map(common::example)
        .collect();
    all.push(common::full());
    for p in all {
        let mut hardened = p.clone();
        assert!(!hardened.harden());
        assert_eq!(hardened, p);
    }
}

#[test]
fn each_unsafe_setting_is_overridden() {
    let base = json!({
        "revision": 1,
        "categories": {
            "necessary": { "required": true, "lawful_basis": "contract" },
            "analytics": { "lawful_basis": "consent" }
        }
    });
    let with = |pointer: &str, v: Value| {
        let mut p = base.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        p.pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .insert(key.into(), v);
        p
    };
    let ctx = |region| Context {
        now: NOW,
        region,
        gpc: false,
    };

    // A required analytics category: asked for, not granted.
    let mut p = unchecked(&with("/categories/analytics/required", json!(true)));
    assert!(p.harden());
    let d = decide(&p, None, &ctx(Some("DE")));
    assert_eq!(d.allowed(), ["necessary"]);
    assert!(d.needs_prompt());

    // An opt-out default: unknown and unlisted regions still opt in.
    let mut p = unchecked(&with("/default_region", json!("opt-out")));
    assert_eq!(p.profile_for(None), RegionProfile::OptOut);
    assert!(p.harden());
    for region in [None, Some("XX"), Some("US")] {
        assert_eq!(p.profile_for(region), RegionProfile::OptIn, "{region:?}");
        assert_eq!(decide(&p, None, &ctx(region)).allowed(), ["necessary"]);
    }

    // Necessary controlling analytics storage: only security storage stays granted.
    let mut p = unchecked(&with(
        "/categories/necessary/consent_mode",
        json!(["analytics_storage", "security_storage", "ad_storage"]),
    ));
    let d = decide(&p, None, &ctx(None));
    assert_ne!(SignalState::for_decision(&p, &d), SignalState::denied());
    assert!(p.harden());
    let d = decide(&p, None, &ctx(None));
    assert_eq!(SignalState::for_decision(&p, &d), SignalState::denied());

    // Consent kept for 0 days or for years: 1 to 395.
    for (days, kept) in [(0, 1), (396, 395), (4000, 395)] {
        let mut p = unchecked(&with("/consent_max_age_days", json!(days)));
        assert!(p.harden());
        assert_eq!(p.consent_max_age_days, kept);
    }
}

fn signals() -> impl Strategy<Value = Option<Vec<&'static str>>> {
    let names: Vec<&str> = Signal::ALL.iter().map(|s| s.as_str()).collect();
    prop::option::of(prop::sample::subsequence(names, 0..=Signal::ALL.len()))
}

fn category() -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        prop::sample::select(vec!["consent", "contract", "legitimate_interests"]),
        signals(),
    )
        .prop_map(|(required, basis, signals)| {
            let mut c = json!({ "required": required, "lawful_basis": basis });
            if let Some(s) = signals {
                c["consent_mode"] = json!(s);
            }
            c
        })
}

fn profile() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["opt-in", "opt-out"])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever the policy says, once hardened: with no stored choice, in any region that is
    /// not listed as opt-out (and in every region whose law requires opt-in), only
    /// `necessary` is allowed and Consent Mode grants only `security_storage`; consent lasts
    /// at most 13 months. A valid policy is not changed, and hardening twice changes nothing.
    #[test]
    fn a_hardened_policy_grants_nothing_without_consent(
        necessary in category(),
        others in prop::collection::vec(
            (prop::sample::select(vec!["functional", "analytics", "marketing", "chat"]), category()),
            0..4,
        ),
        default_region in profile(),
        regions in prop::collection::vec((prop::sample::select(vec!["DE", "GB", "US", "US-CA"]), profile()), 0..3),
        max_age in prop::sample::select(vec![0u32, 1, 182, 395, 396, 10_000]),
    ) {
        let mut categories = Map::new();
        categories.insert("necessary".into(), necessary);
        for (id, c) in others {
            categories.entry(id).or_insert(c);
        }
        let regions: Map<String, Value> = regions.into_iter().map(|(r, p)| (r.to_string(), json!(p))).collect();
        let v = json!({
            "revision": 1,
            "consent_max_age_days": max_age,
            "default_region": default_region,
            "regions": regions,
            "categories": categories,
        });
        let original = unchecked(&v);
        let mut p = original.clone();
        let changed = p.harden();
        if original.problems().is_empty() {
            prop_assert!(!changed);
        }
        prop_assert_eq!(changed, p != original);
        prop_assert!(!p.clone().harden());
        prop_assert!((1..=395).contains(&p.consent_max_age_days));
        for region in [None, Some("XX"), Some("FR"), Some("DE"), Some("GB")] {
            prop_assert_eq!(p.profile_for(region), RegionProfile::OptIn);
            let d = decide(&p, None, &Context { now: NOW, region, gpc: false });
            prop_assert!(d.allowed().iter().all(|c| c == "necessary"), "{:?} in {:?}", d.allowed(), region);
            prop_assert_eq!(SignalState::for_decision(&p, &d), SignalState::denied());
        }
    }
}
