//! Google Consent Mode v2 objects (REQUIREMENTS R18–R20).
#![cfg(feature = "json")]

mod common;

use consentry::consent_mode::{
    default_commands, gtag_config, Signal, SignalState, WAIT_FOR_UPDATE_MS,
};
use consentry::{decide, ConsentId, ConsentRecord, Context, Method, Policy, Timestamp};
use serde_json::{json, Value};

const NOW: Timestamp = Timestamp(1_790_000_000);

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn update_for(policy: &Policy, granted: &[&str], region: Option<&str>, gpc: bool) -> Value {
    let r = ConsentRecord::new(
        policy,
        granted,
        Method::Custom,
        NOW,
        ConsentId::from_random_bytes([1; 12]),
    )
    .unwrap();
    let d = decide(
        policy,
        Some(&r.encode()),
        &Context {
            now: NOW,
            region,
            gpc,
        },
    );
    parse(&SignalState::for_decision(policy, &d).to_json(None))
}

#[test]
fn standard_mapping_is_r19() {
    assert_eq!(
        Signal::standard_for("analytics"),
        [Signal::AnalyticsStorage]
    );
    assert_eq!(
        Signal::standard_for("marketing"),
        [
            Signal::AdStorage,
            Signal::AdUserData,
            Signal::AdPersonalization
        ]
    );
    assert_eq!(
        Signal::standard_for("functional"),
        [Signal::FunctionalityStorage, Signal::PersonalizationStorage]
    );
    assert_eq!(Signal::standard_for("necessary"), [Signal::SecurityStorage]);
    assert!(Signal::standard_for("video").is_empty());
    let names: Vec<&str> = Signal::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "ad_storage",
            "ad_user_data",
            "ad_personalization",
            "analytics_storage",
            "functionality_storage",
            "personalization_storage",
            "security_storage"
        ]
    );
}

#[test]
fn each_category_grants_exactly_its_r19_signals() {
    let p = common::full();
    let denied = |v: &Value, names: &[&str]| names.iter().all(|n| v[n] == "denied");
    let granted = |v: &Value, names: &[&str]| names.iter().all(|n| v[n] == "granted");
    let ads = ["ad_storage", "ad_user_data", "ad_personalization"];
    let func = ["functionality_storage", "personalization_storage"];

    let v = update_for(&p, &["analytics"], None, false);
    assert!(
        granted(&v, &["analytics_storage", "security_storage"]),
        "{v}"
    );
    assert!(denied(&v, &ads) && denied(&v, &func), "{v}");

    let v = update_for(&p, &["marketing"], None, false);
    assert!(granted(&v, &ads) && denied(&v, &["analytics_storage"]) && denied(&v, &func));

    let v = update_for(&p, &["functional"], None, false);
    assert!(granted(&v, &func) && denied(&v, &ads) && denied(&v, &["analytics_storage"]));

    let v = update_for(&p, &[], None, false);
    assert_eq!(
        v,
        json!({
            "ad_storage": "denied", "ad_user_data": "denied", "ad_personalization": "denied",
            "analytics_storage": "denied", "functionality_storage": "denied",
            "personalization_storage": "denied", "security_storage": "granted"
        })
    );
    let v = update_for(&p, &["functional", "analytics", "marketing"], None, false);
    assert!(
        v.as_object().unwrap().values().all(|s| s == "granted"),
        "{v}"
    );
}

#[test]
fn gpc_denies_the_ad_signals_in_the_update() {
    let p = common::full();
    let v = update_for(
        &p,
        &["functional", "analytics", "marketing"],
        Some("US-CA"),
        true,
    );
    assert_eq!(v["ad_storage"], "denied");
    assert_eq!(v["ad_user_data"], "denied");
    assert_eq!(v["ad_personalization"], "denied");
    assert_eq!(v["analytics_storage"], "granted");
}

#[test]
fn default_is_all_denied_with_wait_for_update() {
    let p = common::example("p4p-packing");
    let cmds = default_commands(&p);
    let v = parse(&cmds[0]);
    assert_eq!(
        v,
        json!({
            "ad_storage": "denied", "ad_user_data": "denied", "ad_personalization": "denied",
            "analytics_storage": "denied", "functionality_storage": "denied",
            "personalization_storage": "denied", "security_storage": "granted",
            "wait_for_update": WAIT_FOR_UPDATE_MS
        })
    );
    assert_eq!(cmds[0], SignalState::denied().to_json(Some(500)));
    // A policy without opt-out regions sends only the global default.
    assert_eq!(default_commands(&common::example("proecommerce")).len(), 1);
}

#[test]
fn opt_out_regions_get_their_own_default_without_sale_or_sharing() {
    let mut p = common::full();
    p.regions
        .insert("US-CA".into(), consentry::RegionProfile::OptOut);
    // Opt-in entries and regions the law keeps opt-in are not listed.
    p.regions
        .insert("JP".into(), consentry::RegionProfile::OptIn);
    p.regions
        .insert("DE".into(), consentry::RegionProfile::OptOut);
    let cmds = default_commands(&p);
    assert_eq!(cmds.len(), 2);
    let v = parse(&cmds[1]);
    assert_eq!(v["region"], json!(["US", "US-CA"]));
    assert_eq!(v["wait_for_update"], 500);
    assert_eq!(v["analytics_storage"], "granted");
    assert_eq!(v["functionality_storage"], "granted");
    assert_eq!(
        v["ad_storage"], "denied",
        "marketing waits for the GPC check"
    );
    assert_eq!(v["ad_user_data"], "denied");
    assert_eq!(v["security_storage"], "granted");
}

#[test]
fn region_codes_are_sanitised_in_the_json() {
    let json = SignalState::denied().to_json_with(None, &["US-CA", "x\"]});alert(1)//"]);
    let v = parse(&json);
    assert_eq!(v["region"], json!(["US-CA", "xalert1"]));
    // Non-ASCII letters and digits are dropped too.
    let json = SignalState::denied().to_json_with(None, &["é-QC\u{663}", "\u{10348}DE"]);
    assert_eq!(parse(&json)["region"], json!(["-QC", "DE"]));
}

#[test]
fn custom_consent_mode_override_is_used() {
    // A custom "ads" category controls the ad signals; marketing is absent.
    let p = Policy::from_json(
        r#"{ "revision": 1,
          "categories": {
            "necessary": { "required": true, "lawful_basis": "contract" },
            "statistics": { "lawful_basis": "consent", "consent_mode": ["analytics_storage"] },
            "ads": { "lawful_basis": "consent",
                     "consent_mode": ["ad_storage", "ad_user_data", "ad_personalization"] }
          } }"#,
    )
    .unwrap();
    assert_eq!(p.signals_for("ads").len(), 3);
    let v = update_for(&p, &["ads"], None, false);
    assert_eq!(v["ad_storage"], "granted");
    assert_eq!(v["ad_personalization"], "granted");
    assert_eq!(v["analytics_storage"], "denied");
    let v = update_for(&p, &["statistics"], None, false);
    assert_eq!(v["analytics_storage"], "granted");
    assert_eq!(v["ad_storage"], "denied");
    // No category controls the functional signals: they stay denied even with everything.
    let v = update_for(&p, &["statistics", "ads"], None, false);
    assert_eq!(v["functionality_storage"], "denied");
}

#[test]
fn a_signal_shared_by_two_categories_needs_both() {
    let p = Policy::from_json(
        r#"{ "revision": 1,
          "categories": {
            "necessary": { "required": true, "lawful_basis": "contract" },
            "analytics": { "lawful_basis": "consent" },
            "heatmaps": { "lawful_basis": "consent", "consent_mode": ["analytics_storage"] }
          } }"#,
    )
    .unwrap();
    assert_eq!(
        update_for(&p, &["analytics"], None, false)["analytics_storage"],
        "denied"
    );
    assert_eq!(
        update_for(&p, &["analytics", "heatmaps"], None, false)["analytics_storage"],
        "granted"
    );
}

#[test]
fn marketing_override_can_extend_but_not_drop_ad_signals() {
    let p = Policy::from_json(
        r#"{ "revision": 1,
          "categories": {
            "necessary": { "required": true, "lawful_basis": "contract" },
            "marketing": { "lawful_basis": "consent",
              "consent_mode": ["ad_storage", "ad_user_data", "ad_personalization", "personalization_storage"] }
          } }"#,
    )
    .unwrap();
    let v = update_for(&p, &["marketing"], None, false);
    assert_eq!(v["personalization_storage"], "granted");
    assert_eq!(v["functionality_storage"], "denied");
}

#[test]
fn entries_are_name_state_pairs_in_signal_order() {
    let mut s = SignalState::denied();
    s.set(Signal::AnalyticsStorage, true);
    let e: Vec<_> = s.entries().collect();
    assert_eq!(e.len(), 7);
    assert_eq!(e[3], ("analytics_storage", "granted"));
    assert_eq!(e[0], ("ad_storage", "denied"));
    assert_eq!(e[6], ("security_storage", "granted"));
    assert!(s.is_granted(Signal::AnalyticsStorage));
}

#[test]
fn from_allowed_follows_the_rule_for_every_set_of_allowed_categories() {
    // The rule as written in the docs: a signal is granted when some category controls it and
    // every category that does is allowed; `security_storage` always is.
    fn model(p: &Policy, allowed: &[&str]) -> [bool; 7] {
        Signal::ALL.map(|sig| {
            let controlling: Vec<&str> = p
                .categories
                .iter()
                .filter(|(id, _)| p.signals_for(id).contains(&sig))
                .map(|(id, _)| id)
                .collect();
            sig == Signal::SecurityStorage
                || (!controlling.is_empty() && controlling.iter().all(|c| allowed.contains(c)))
        })
    }
    let mut odd = Policy::from_json(
        r#"{ "revision": 1,
          "categories": {
            "necessary": { "required": true, "lawful_basis": "contract" },
            "vault": { "lawful_basis": "consent", "consent_mode": ["security_storage", "ad_storage"] },
            "analytics": { "lawful_basis": "consent", "consent_mode": [] },
            "heatmaps": { "lawful_basis": "consent", "consent_mode": ["analytics_storage", "analytics_storage"] },
            "marketing": { "lawful_basis": "consent" }
          } }"#,
    )
    .unwrap();
    // A repeated id (unvalidated): both entries follow the first one's signals.
    let mut again = odd.categories.0[4].1.clone();
    again.consent_mode = Some(vec![Signal::FunctionalityStorage]);
    odd.categories.0.push(("marketing".into(), again));
    for p in [common::example("p4p-packing"), common::full(), odd] {
        let ids: Vec<&str> = p.categories.iter().map(|(id, _)| id).collect();
        for bits in 0..1u32 << ids.len() {
            let allowed: Vec<&str> = (0..ids.len())
                .filter(|i| bits >> i & 1 == 1)
                .map(|i| ids[i])
                .collect();
            let s = SignalState::from_allowed(&p, |c| allowed.contains(&c));
            let got = Signal::ALL.map(|sig| s.is_granted(sig));
            assert_eq!(got, model(&p, &allowed), "{allowed:?}");
        }
    }
}

#[test]
fn signal_state_debug_lists_every_signal() {
    let mut s = SignalState::denied();
    s.set(Signal::AdStorage, true);
    s.set(Signal::SecurityStorage, false);
    s.set(Signal::AnalyticsStorage, true);
    s.set(Signal::AnalyticsStorage, false);
    assert_eq!(
        format!("{s:?}"),
        "SignalState { granted: [true, false, false, false, false, false, false] }"
    );
    assert!(s.is_granted(Signal::AdStorage) && !s.is_granted(Signal::AnalyticsStorage));
    assert_eq!(
        format!("{:?}", SignalState::denied()),
        "SignalState { granted: [false, false, false, false, false, false, true] }"
    );
}

#[test]
fn gtag_config_keeps_ga_to_the_declared_lifetime() {
    let with = |cookies: &str| {
        Policy::from_json(&format!(
            r#"{{"revision": 1, "categories": {{
                "necessary": {{"required": true, "lawful_basis": "contract"}},
                "analytics": {{"lawful_basis": "consent"}}}},
              "services": [{{"id": "ga", "category": "analytics", "provider": "Google LLC",
                "purpose": "Measures visits", "cookies": [{cookies}]}}]}}"#
        ))
        .unwrap()
    };
    let config = |cookies: &str| gtag_config(&with(cookies)).map(|s| parse(&s));
    assert_eq!(
        config(r#"{"name": "_ga", "max_age_days": 30}, {"name": "_ga_*", "max_age_days": 30}"#),
        Some(json!({"cookie_expires": 30 * 86_400, "cookie_update": false}))
    );
    // A pattern covering `_ga` counts as its declaration.
    assert_eq!(
        config(r#"{"name": "_ga*", "max_age_days": 395}"#),
        Some(json!({"cookie_expires": 34_128_000, "cookie_update": false}))
    );
    // A session cookie: gtag.js reads 0 as "session".
    assert_eq!(
        config(r#"{"name": "_ga"}"#),
        Some(json!({"cookie_expires": 0, "cookie_update": false}))
    );
    // Nothing declared: nothing to keep it to.
    assert_eq!(config(r#"{"name": "_gid", "max_age_days": 1}"#), None);
}
