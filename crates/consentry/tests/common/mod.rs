//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use consentry::Policy;

/// The three example policies, by file name (`policies/`: links to the workspace's
/// `examples/policies/`, packaged as copies).
pub fn example(name: &str) -> Policy {
    let path = format!("{}/policies/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Policy::from_json(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A valid policy with all four standard categories, a US opt-out region, Google Analytics and
/// an ad service.
pub const FULL: &str = r#"{
  "revision": 3,
  "regions": { "US": "opt-out" },
  "categories": {
    "necessary": { "required": true, "lawful_basis": "contract" },
    "functional": { "lawful_basis": "consent" },
    "analytics": { "lawful_basis": "consent" },
    "marketing": { "lawful_basis": "consent" }
  },
  "services": [
    { "id": "google-analytics", "category": "analytics", "provider": "Google LLC",
      "purpose": "Measure traffic", "scripts": ["https://www.googletagmanager.com/gtag/js*"],
      "cookies": [ { "name": "_ga", "max_age_days": 395 }, { "name": "_ga_*", "max_age_days": 395 } ] },
    { "id": "ads", "category": "marketing", "provider": "Ad Co",
      "purpose": "Show ads", "iframes": ["https://ads.example.test/*"],
      "cookies": [ { "name": "IDE", "max_age_days": 390 } ] }
  ],
  "cookies": [
    { "name": "__Host-SID", "category": "necessary", "exemption": "session",
      "http_only": true, "same_site": "strict", "purpose": "Session" },
    { "name": "lang", "category": "functional", "max_age_days": 365, "purpose": "Language" }
  ]
}"#;

pub fn full() -> Policy {
    Policy::from_json(FULL).expect("FULL is valid")
}

/// `FULL` as a serde_json value, to mutate one field per test.
pub fn full_value() -> serde_json::Value {
    serde_json::from_str(FULL).unwrap()
}
