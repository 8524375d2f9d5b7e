//! Every validation rule has a policy that breaks it and the specific error it yields.
#![cfg(feature = "json")]

mod common;

use common::{full_value, FULL};
use consentry::{Policy, PolicyError, PolicyErrorKind};
use serde_json::{json, Value};

/// Sets the value at a JSON pointer (creating the last key of an object).
fn set(mut v: Value, pointer: &str, new: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = v
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no {parent}"));
    match target {
        Value::Object(m) => {
            m.insert(key.into(), new);
        }
        Value::Array(a) => {
            let i: usize = key.parse().unwrap();
            if i == a.len() {
                a.push(new);
            } else {
                a[i] = new;
            }
        }
        _ => panic!("{parent} is not a container"),
    }
    v
}

fn remove(mut v: Value, pointer: &str) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    v.pointer_mut(parent)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove(key)
        .unwrap();
    v
}

/// Parses without validation and returns every problem.
fn problems(v: &Value) -> Vec<PolicyError> {
    let policy = Policy::from_json_unchecked(&v.to_string()).expect("syntactically valid");
    policy.problems()
}

/// The policy is refused by `from_json` with exactly this kind and path first, and that
/// problem is in `problems()`.
#[track_caller]
fn refused(v: &Value, kind: PolicyErrorKind, path: &str) -> PolicyError {
    let err = Policy::from_json(&v.to_string()).expect_err("must be refused");
    let all = problems(v);
    assert_eq!(
        (err.kind(), err.path()),
        (kind, path),
        "first error was: {err}\nall: {all:#?}"
    );
    assert!(!err.message().is_empty());
    assert_eq!(err.to_string(), format!("{path}: {}", err.message()));
    err
}

#[test]
fn the_base_policy_and_examples_are_valid() {
    assert_eq!(problems(&full_value()), vec![]);
    Policy::from_json(FULL).unwrap();
    for name in ["p4p-packing", "proecommerce", "packagetrack"] {
        common::example(name);
    }
}

// R2/R3: analytics or marketing declared necessary.

#[test]
fn rejects_analytics_cookie_declared_necessary() {
    let v = set(
        full_value(),
        "/cookies/2",
        json!({ "name": "_gid", "category": "necessary", "exemption": "session" }),
    );
    let err = refused(
        &v,
        PolicyErrorKind::TrackingDeclaredNecessary,
        "cookies[2].category",
    );
    assert!(err.message().contains("_gid"), "{err}");
}

#[test]
fn rejects_service_cookie_of_analytics_service_declared_necessary() {
    let v = set(
        full_value(),
        "/services/0/cookies/0/category",
        json!("necessary"),
    );
    let v = set(v, "/services/0/cookies/0/exemption", json!("session"));
    refused(
        &v,
        PolicyErrorKind::TrackingDeclaredNecessary,
        "services[0].cookies[0].category",
    );
}

#[test]
fn rejects_necessary_pattern_that_would_cover_google_analytics_cookies() {
    for pattern in ["_ga*", "_g*", "*_ga", "__utm*"] {
        let v = set(
            full_value(),
            "/cookies/2",
            json!({ "name": pattern, "category": "necessary", "exemption": "session" }),
        );
        refused(
            &v,
            PolicyErrorKind::TrackingDeclaredNecessary,
            "cookies[2].category",
        );
    }
}

#[test]
fn rejects_marketing_service_declared_necessary() {
    let v = set(full_value(), "/services/1/category", json!("necessary"));
    let v = set(v, "/services/1/cookies", json!([]));
    refused(
        &v,
        PolicyErrorKind::MissingExemption,
        "services[1].exemption",
    );
    // An exemption and a justification do not make its ad cookie necessary.
    let v = set(full_value(), "/services/1/category", json!("necessary"));
    let v = set(v, "/services/1/iframes", json!([]));
    let v = set(v, "/services/1/exemption", json!("security"));
    let v = set(v, "/services/1/justification", json!("We need ads"));
    refused(
        &v,
        PolicyErrorKind::TrackingDeclaredNecessary,
        "services[1].cookies[0]",
    );
}

// Issue 16, point 1: only session-length sign-in is exempt; "remember me" is the visitor's opt-in.

/// `FULL` with its session cookie made a sign-in cookie that lives `days`.
fn persistent_login(days: u32) -> Value {
    let v = set(
        full_value(),
        "/cookies/0/exemption",
        json!("authentication"),
    );
    set(v, "/cookies/0/max_age_days", json!(days))
}

#[test]
fn rejects_persistent_authentication_cookie_without_remember_me() {
    let err = refused(
        &persistent_login(30),
        PolicyErrorKind::PersistentLogin,
        "cookies[0].max_age_days",
    );
    assert!(err.message().contains("\"remember_me\": true"), "{err}");
}

#[test]
fn accepts_persistent_authentication_cookie_declared_remember_me() {
    let v = set(persistent_login(30), "/cookies/0/remember_me", json!(true));
    assert_eq!(problems(&v), vec![]);
    let policy = Policy::from_json(&v.to_string()).unwrap();
    assert!(policy.cookie_for("__Host-SID").unwrap().decl.remember_me);
}

#[test]
fn rejects_session_exemption_with_a_lifetime_even_with_remember_me() {
    let v = set(full_value(), "/cookies/0/max_age_days", json!(1));
    refused(
        &v,
        PolicyErrorKind::PersistentLogin,
        "cookies[0].max_age_days",
    );
    let v = set(v, "/cookies/0/remember_me", json!(true));
    refused(
        &v,
        PolicyErrorKind::PersistentLogin,
        "cookies[0].max_age_days",
    );
}

#[test]
fn rejects_remember_me_on_a_session_cookie_or_a_cookie_that_is_not_for_sign_in() {
    let v = set(
        full_value(),
        "/cookies/0/exemption",
        json!("authentication"),
    );
    let v = set(v, "/cookies/0/remember_me", json!(true));
    refused(
        &v,
        PolicyErrorKind::PersistentLogin,
        "cookies[0].remember_me",
    );
    let v = set(full_value(), "/cookies/1/remember_me", json!(true));
    refused(
        &v,
        PolicyErrorKind::PersistentLogin,
        "cookies[1].remember_me",
    );
}

// Issue 16, point 2: a necessary third-party service needs an exemption, a justification and
// its cookies.

/// `FULL` with a Stripe service in `necessary`, valid.
fn with_stripe() -> Value {
    set(
        full_value(),
        "/services/2",
        json!({
            "id": "stripe", "category": "necessary", "provider": "Stripe, Inc.",
            "purpose": "Card payments", "exemption": "security",
            "justification": "Card payments need Stripe's fraud checks",
            "cookies": [
                { "name": "__stripe_mid", "max_age_days": 365 },
                { "name": "__stripe_sid", "max_age_days": 1 }
            ]
        }),
    )
}

#[test]
fn accepts_necessary_service_with_exemption_justification_and_cookies() {
    assert_eq!(problems(&with_stripe()), vec![]);
    let policy = Policy::from_json(&with_stripe().to_string()).unwrap();
    let mid = policy.cookie_for("__stripe_mid").unwrap();
    assert_eq!(
        (mid.category, mid.exemption()),
        ("necessary", Some(consentry::Exemption::Security))
    );
    assert!(policy.is_required(mid.category));
}

#[test]
fn rejects_necessary_service_without_exemption() {
    let v = remove(with_stripe(), "/services/2/exemption");
    refused(
        &v,
        PolicyErrorKind::MissingExemption,
        "services[2].exemption",
    );
}

#[test]
fn rejects_necessary_service_without_a_one_line_justification() {
    let v = remove(with_stripe(), "/services/2/justification");
    refused(
        &v,
        PolicyErrorKind::NecessaryService,
        "services[2].justification",
    );
    for bad in [" ", "line one\nline two", &"x".repeat(201)] {
        let v = set(with_stripe(), "/services/2/justification", json!(bad));
        refused(
            &v,
            PolicyErrorKind::NecessaryService,
            "services[2].justification",
        );
    }
}

#[test]
fn rejects_necessary_service_without_cookies_or_with_patterns_for_the_gate() {
    let v = set(with_stripe(), "/services/2/cookies", json!([]));
    refused(&v, PolicyErrorKind::NecessaryService, "services[2].cookies");
    let v = set(
        with_stripe(),
        "/services/2/scripts",
        json!(["https://js.stripe.com/*"]),
    );
    refused(&v, PolicyErrorKind::NecessaryService, "services[2].scripts");
}

#[test]
fn rejects_sign_in_session_or_consent_exemption_for_a_service() {
    for e in ["authentication", "session", "consent_record"] {
        let v = set(with_stripe(), "/services/2/exemption", json!(e));
        refused(
            &v,
            PolicyErrorKind::NecessaryService,
            "services[2].exemption",
        );
    }
}

#[test]
fn rejects_exemption_or_justification_on_an_optional_service() {
    let v = set(full_value(), "/services/0/exemption", json!("security"));
    refused(
        &v,
        PolicyErrorKind::NecessaryService,
        "services[0].exemption",
    );
    let v = set(
        full_value(),
        "/services/0/justification",
        json!("We like it"),
    );
    refused(
        &v,
        PolicyErrorKind::NecessaryService,
        "services[0].justification",
    );
}

#[test]
fn rejects_necessary_service_cookie_with_its_own_tracking_name() {
    let v = set(with_stripe(), "/services/2/cookies/1/name", json!("_ga"));
    refused(
        &v,
        PolicyErrorKind::TrackingDeclaredNecessary,
        "services[2].cookies[1]",
    );
}

// Issue 16, point 3: the controller.

#[test]
fn accepts_controller_and_rejects_empty_controller_fields() {
    let c =
        json!({ "name": "P4P Packing Ltd", "contact": "privacy@p4p.test", "dpo": "dpo@p4p.test" });
    let v = set(full_value(), "/controller", c);
    assert_eq!(problems(&v), vec![]);
    for field in ["name", "contact", "dpo"] {
        let bad = set(v.clone(), &format!("/controller/{field}"), json!(" "));
        refused(&bad, PolicyErrorKind::Empty, &format!("controller.{field}"));
    }
    let missing = remove(v.clone(), "/controller/contact");
    assert!(Policy::from_json_unchecked(&missing.to_string()).is_err());
}

#[test]
fn rejects_analytics_category_marked_required() {
    let v = set(full_value(), "/categories/analytics/required", json!(true));
    let v = set(v, "/categories/analytics/lawful_basis", json!("contract"));
    refused(
        &v,
        PolicyErrorKind::TrackingDeclaredNecessary,
        "categories.analytics.required",
    );
}

#[test]
fn rejects_required_category_controlling_analytics_storage() {
    let v = set(
        full_value(),
        "/categories/necessary/consent_mode",
        json!(["security_storage", "analytics_storage"]),
    );
    refused(
        &v,
        PolicyErrorKind::TrackingDeclaredNecessary,
        "categories.necessary.consent_mode",
    );
}

#[test]
fn rejects_exemption_on_cookie_in_optional_category() {
    let v = set(full_value(), "/cookies/1/exemption", json!("ui_preference"));
    refused(
        &v,
        PolicyErrorKind::TrackingDeclaredNecessary,
        "cookies[1].exemption",
    );
}

// R2: a necessary cookie names its exemption.

#[test]
fn rejects_necessary_cookie_without_exemption() {
    let v = remove(full_value(), "/cookies/0/exemption");
    let err = refused(
        &v,
        PolicyErrorKind::MissingExemption,
        "cookies[0].exemption",
    );
    assert!(
        err.message().contains("authentication, session, security"),
        "{err}"
    );
}

// R8: only consent for optional categories.

#[test]
fn rejects_legitimate_interest_for_optional_category() {
    let v = set(
        full_value(),
        "/categories/analytics/lawful_basis",
        json!("legitimate_interests"),
    );
    let err = refused(
        &v,
        PolicyErrorKind::OptionalWithoutConsent,
        "categories.analytics.lawful_basis",
    );
    assert!(err.message().contains("legitimate_interests"));
}

#[test]
fn rejects_contract_for_optional_category() {
    let v = set(
        full_value(),
        "/categories/marketing/lawful_basis",
        json!("contract"),
    );
    refused(
        &v,
        PolicyErrorKind::OptionalWithoutConsent,
        "categories.marketing.lawful_basis",
    );
}

#[test]
fn rejects_required_category_resting_on_consent() {
    let v = set(
        full_value(),
        "/categories/necessary/lawful_basis",
        json!("consent"),
    );
    refused(
        &v,
        PolicyErrorKind::Necessary,
        "categories.necessary.lawful_basis",
    );
}

// R13: analytics cookies at most 13 months.

#[test]
fn rejects_analytics_cookie_living_longer_than_13_months() {
    let v = set(
        full_value(),
        "/services/0/cookies/0/max_age_days",
        json!(730),
    );
    let err = refused(
        &v,
        PolicyErrorKind::CookieLifetimeTooLong,
        "services[0].cookies[0].max_age_days",
    );
    assert!(err.message().contains("730"), "{err}");
}

#[test]
fn rejects_known_tracker_cookie_living_longer_than_13_months_in_any_category() {
    let v = set(
        full_value(),
        "/services/1/cookies/0/max_age_days",
        json!(396),
    );
    refused(
        &v,
        PolicyErrorKind::CookieLifetimeTooLong,
        "services[1].cookies[0].max_age_days",
    );
}

#[test]
fn accepts_analytics_cookie_of_exactly_13_months_and_session_analytics_cookies() {
    let v = set(
        full_value(),
        "/services/0/cookies/0/max_age_days",
        json!(395),
    );
    let v = remove(v, "/services/0/cookies/1/max_age_days");
    assert_eq!(problems(&v), vec![]);
}

// R12: consent lifetime.

#[test]
fn rejects_consent_lifetime_over_13_months() {
    let v = set(full_value(), "/consent_max_age_days", json!(396));
    let err = refused(&v, PolicyErrorKind::ConsentLifetime, "consent_max_age_days");
    assert!(err.message().contains("396"));
}

#[test]
fn rejects_zero_consent_lifetime() {
    let v = set(full_value(), "/consent_max_age_days", json!(0));
    refused(&v, PolicyErrorKind::ConsentLifetime, "consent_max_age_days");
}

#[test]
fn consent_lifetime_defaults_to_182_days() {
    let p = common::full();
    assert_eq!(p.consent_max_age_days, 182);
    let v = set(full_value(), "/consent_max_age_days", json!(395));
    assert_eq!(problems(&v), vec![]);
}

// Categories of cookies and services.

#[test]
fn rejects_cookie_in_no_category() {
    let v = remove(full_value(), "/cookies/1/category");
    refused(&v, PolicyErrorKind::UnknownCategory, "cookies[1].category");
}

#[test]
fn rejects_cookie_in_unknown_category() {
    let v = set(full_value(), "/cookies/1/category", json!("preferences"));
    refused(&v, PolicyErrorKind::UnknownCategory, "cookies[1].category");
    // The message lists the categories in file order (serde_json::Value above sorts keys).
    let text = FULL.replace(
        r#""category": "functional""#,
        r#""category": "preferences""#,
    );
    let err = Policy::from_json(&text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cookies[1].category: unknown category \"preferences\"; the policy defines: necessary, functional, analytics, marketing"
    );
}

#[test]
fn rejects_cookie_with_empty_category() {
    let v = set(full_value(), "/cookies/1/category", json!(""));
    refused(&v, PolicyErrorKind::UnknownCategory, "cookies[1].category");
}

#[test]
fn rejects_service_in_unknown_category() {
    let v = set(full_value(), "/services/0/category", json!("stats"));
    refused(&v, PolicyErrorKind::UnknownCategory, "services[0].category");
}

// Duplicates.

#[test]
fn rejects_duplicate_service_ids() {
    let v = set(full_value(), "/services/1/id", json!("google-analytics"));
    refused(&v, PolicyErrorKind::Duplicate, "services[1].id");
}

#[test]
fn rejects_duplicate_category_ids() {
    let text = FULL.replace(
        r#""marketing": { "lawful_basis": "consent" }"#,
        r#""marketing": { "lawful_basis": "consent" }, "analytics": { "lawful_basis": "consent" }"#,
    );
    assert_ne!(text, FULL);
    let err = Policy::from_json(&text).unwrap_err();
    assert_eq!(
        (err.kind(), err.path()),
        (PolicyErrorKind::Duplicate, "categories.analytics")
    );
}

#[test]
fn rejects_duplicate_cookie_names() {
    let v = set(
        full_value(),
        "/cookies/2",
        json!({ "name": "lang", "category": "functional", "purpose": "again" }),
    );
    refused(&v, PolicyErrorKind::Duplicate, "cookies[2].name");
}

#[test]
fn rejects_cookie_declared_in_two_categories() {
    let v = set(
        full_value(),
        "/services/1/cookies/1",
        json!({ "name": "lang", "max_age_days": 30 }),
    );
    let err = refused(
        &v,
        PolicyErrorKind::Duplicate,
        "services[1].cookies[1].name",
    );
    assert!(
        err.message()
            .contains("\"functional\" and in \"marketing\""),
        "{err}"
    );
}

// Patterns.

#[test]
fn rejects_cookie_pattern_matching_everything() {
    for pattern in ["*", "**"] {
        let v = set(full_value(), "/cookies/1/name", json!(pattern));
        refused(&v, PolicyErrorKind::MatchesEverything, "cookies[1].name");
    }
}

#[test]
fn rejects_url_pattern_matching_everything() {
    for pattern in ["*", "https://*", "*://*/*", "http*"] {
        let v = set(full_value(), "/services/0/scripts/0", json!(pattern));
        refused(
            &v,
            PolicyErrorKind::MatchesEverything,
            "services[0].scripts[0]",
        );
        let v = set(full_value(), "/services/1/iframes/0", json!(pattern));
        refused(
            &v,
            PolicyErrorKind::MatchesEverything,
            "services[1].iframes[0]",
        );
    }
}

// Consent Mode v2.

#[test]
fn rejects_marketing_without_ad_user_data_and_ad_personalization() {
    for signals in [json!(["ad_storage"]), json!(["ad_storage", "ad_user_data"])] {
        let v = set(full_value(), "/categories/marketing/consent_mode", signals);
        refused(
            &v,
            PolicyErrorKind::MissingAdSignals,
            "categories.marketing.consent_mode",
        );
    }
    let v = set(
        full_value(),
        "/categories/marketing/consent_mode",
        json!(["ad_storage", "ad_user_data", "ad_personalization"]),
    );
    assert_eq!(problems(&v), vec![]);
}

// Regions.

#[test]
fn rejects_opt_out_for_regions_that_require_opt_in() {
    for code in [
        "DE", "FR", "GB", "UK", "CH", "BR", "CA-QC", "ca-qc", "NO", "EU",
    ] {
        let v = set(full_value(), &format!("/regions/{code}"), json!("opt-out"));
        refused(&v, PolicyErrorKind::Region, &format!("regions.{code}"));
    }
    // Opt-in is allowed for them, opt-out for US states and Canada outside Quebec.
    let v = set(full_value(), "/regions/DE", json!("opt-in"));
    let v = set(v, "/regions/US-CA", json!("opt-out"));
    let v = set(v, "/regions/CA", json!("opt-out"));
    assert_eq!(problems(&v), vec![]);
}

#[test]
fn rejects_region_codes_that_are_not_codes() {
    for code in ["", "DE\u{2003}", " US", "US_CA", "é"] {
        let v = set(full_value(), &format!("/regions/{code}"), json!("opt-in"));
        refused(&v, PolicyErrorKind::Region, &format!("regions.{code}"));
    }
}

#[test]
fn rejects_opt_out_as_default_region() {
    let v = set(full_value(), "/default_region", json!("opt-out"));
    refused(&v, PolicyErrorKind::Region, "default_region");
}

// The necessary category.

#[test]
fn rejects_policy_without_necessary_category() {
    let v = remove(full_value(), "/categories/necessary");
    let v = set(v, "/cookies", json!([]));
    refused(&v, PolicyErrorKind::Necessary, "categories");
}

#[test]
fn rejects_necessary_category_that_is_not_required() {
    let v = remove(full_value(), "/categories/necessary/required");
    let v = set(v, "/categories/necessary/lawful_basis", json!("consent"));
    refused(
        &v,
        PolicyErrorKind::Necessary,
        "categories.necessary.required",
    );
}

// Empty texts and bad names.

#[test]
fn rejects_empty_cookie_name_with_the_path_of_the_cookie() {
    let mut v = full_value();
    v["services"].as_array_mut().unwrap().push(json!({
        "id": "maps", "category": "functional", "provider": "Maps Inc", "purpose": "Maps",
        "cookies": [{ "name": "", "max_age_days": 1 }]
    }));
    let err = refused(&v, PolicyErrorKind::Empty, "services[2].cookies[0].name");
    assert_eq!(
        err.to_string(),
        "services[2].cookies[0].name: must not be empty"
    );
}

#[test]
fn rejects_service_without_provider_or_purpose() {
    let v = set(full_value(), "/services/0/provider", json!(" "));
    refused(&v, PolicyErrorKind::Empty, "services[0].provider");
    let v = set(full_value(), "/services/1/purpose", json!(""));
    refused(&v, PolicyErrorKind::Empty, "services[1].purpose");
    let v = set(full_value(), "/services/1/id", json!(""));
    refused(&v, PolicyErrorKind::Empty, "services[1].id");
}

#[test]
fn rejects_invalid_ids_and_cookie_names() {
    let v = set(full_value(), "/services/0/id", json!("Google Analytics"));
    refused(&v, PolicyErrorKind::InvalidName, "services[0].id");
    let v = set(full_value(), "/cookies/1/name", json!("la ng"));
    refused(&v, PolicyErrorKind::InvalidName, "cookies[1].name");
    let v = set(full_value(), "/cookies/1/name", json!("a;b"));
    refused(&v, PolicyErrorKind::InvalidName, "cookies[1].name");
    let v = set(full_value(), "/cookie_name", json!("consent*"));
    refused(&v, PolicyErrorKind::InvalidName, "cookie_name");
    let text = FULL.replace(r#""functional":"#, r#""Functional":"#);
    let text = text.replace(r#""category": "functional""#, r#""category": "Functional""#);
    let err = Policy::from_json(&text).unwrap_err();
    assert_eq!(
        (err.kind(), err.path()),
        (PolicyErrorKind::InvalidName, "categories.Functional")
    );
}

#[test]
fn problems_lists_every_error_in_file_order() {
    let v = set(full_value(), "/consent_max_age_days", json!(999));
    let v = set(
        v,
        "/categories/analytics/lawful_basis",
        json!("legitimate_interests"),
    );
    let v = remove(v, "/cookies/0/exemption");
    let got: Vec<(PolicyErrorKind, String)> = problems(&v)
        .into_iter()
        .map(|e| (e.kind(), e.path().to_string()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                PolicyErrorKind::ConsentLifetime,
                "consent_max_age_days".into()
            ),
            (
                PolicyErrorKind::OptionalWithoutConsent,
                "categories.analytics.lawful_basis".into()
            ),
            (
                PolicyErrorKind::MissingExemption,
                "cookies[0].exemption".into()
            ),
        ]
    );
}

// R24: no cookie outlives what browsers allow.

#[test]
fn rejects_any_cookie_living_longer_than_400_days() {
    let v = set(full_value(), "/cookies/1/max_age_days", json!(401));
    let err = refused(
        &v,
        PolicyErrorKind::CookieLifetimeTooLong,
        "cookies[1].max_age_days",
    );
    assert!(err.message().contains("400 days"), "{err}");
    let v = set(full_value(), "/cookies/1/max_age_days", json!(400));
    assert_eq!(problems(&v), vec![]);
}

// Texts.

#[test]
fn rejects_texts_for_an_unknown_category() {
    let v = set(
        full_value(),
        "/texts",
        json!({ "de": { "categories": { "analytcs": { "title": "Statistik" } } } }),
    );
    refused(
        &v,
        PolicyErrorKind::UnknownCategory,
        "texts.de.categories.analytcs",
    );
}

// R23: authentication and session cookies are __Host-, HttpOnly and SameSite=Strict.

fn auth_cookie(name: &str, http_only: Value, same_site: Value) -> Value {
    json!({ "name": name, "category": "necessary", "exemption": "authentication",
            "http_only": http_only, "same_site": same_site, "purpose": "Sign-in" })
}

#[test]
fn rejects_auth_cookie_without_host_prefix() {
    let v = set(
        full_value(),
        "/cookies/2",
        auth_cookie("P4PMember", json!(true), json!("strict")),
    );
    let err = refused(&v, PolicyErrorKind::InsecureAuthCookie, "cookies[2].name");
    assert!(err.message().contains("__Host-P4PMember"), "{err}");
}

#[test]
fn rejects_auth_cookie_that_is_not_http_only() {
    for http_only in [json!(false), Value::Null] {
        let mut c = auth_cookie("__Host-P4PMember", http_only, json!("strict"));
        if c["http_only"].is_null() {
            c.as_object_mut().unwrap().remove("http_only");
        }
        let v = set(full_value(), "/cookies/2", c);
        refused(
            &v,
            PolicyErrorKind::InsecureAuthCookie,
            "cookies[2].http_only",
        );
    }
}

#[test]
fn rejects_session_cookie_that_is_not_same_site_strict() {
    for same_site in ["lax", "none"] {
        let mut c = auth_cookie("__Host-cart", json!(true), json!(same_site));
        c["exemption"] = json!("session");
        let v = set(full_value(), "/cookies/2", c);
        refused(
            &v,
            PolicyErrorKind::InsecureAuthCookie,
            "cookies[2].same_site",
        );
    }
}

#[test]
fn host_prefix_matches_case_insensitively_like_browsers() {
    let v = set(
        full_value(),
        "/cookies/2",
        auth_cookie("__host-member", json!(true), json!("strict")),
    );
    Policy::from_json(&v.to_string()).expect("`__host-` is the prefix browsers enforce");
}

#[test]
fn security_cookie_needs_no_host_prefix() {
    let v = set(
        full_value(),
        "/cookies/2",
        json!({ "name": "csrftoken", "category": "necessary", "exemption": "security" }),
    );
    Policy::from_json(&v.to_string()).expect("R23 covers authentication and session cookies");
}

// Every rule's exact path and message, and their order, in two policies that break them all.

/// Every problem of a policy given as text (so categories keep their file order).
fn all_problems(text: &str) -> Vec<(PolicyErrorKind, String, String)> {
    let policy = Policy::from_json_unchecked(text).expect("syntactically valid");
    policy
        .problems()
        .into_iter()
        .map(|e| (e.kind(), e.path().to_string(), e.message().to_string()))
        .collect()
}

#[test]
fn every_rule_reports_its_exact_path_and_message_in_file_order() {
    use PolicyErrorKind::*;
    let text = r#"{
      "revision": 1,
      "consent_max_age_days": 0,
      "cookie_name": "a b",
      "default_region": "opt-out",
      "regions": { "DE": "opt-out", "US": "opt-out" },
      "categories": {
        "necessary": { "lawful_basis": "consent", "consent_mode": ["security_storage"] },
        "analytics": { "required": true, "lawful_basis": "consent" },
        "stats": { "required": true, "lawful_basis": "contract", "consent_mode": ["security_storage"] },
        "Prefs": { "lawful_basis": "legitimate_interests" },
        "marketing": { "lawful_basis": "consent", "consent_mode": ["ad_storage"] },
        "analytics": { "lawful_basis": "consent" }
      },
      "services": [
        { "id": "", "category": "", "provider": " ", "purpose": "",
          "scripts": ["*", "https://cdn.example.test/*"], "iframes": ["//*"],
          "cookies": [ { "name": "*", "max_age_days": 401 },
                       { "name": "_ga", "category": "necessary", "exemption": "session" } ] },
        { "id": "Ads", "category": "necessary", "provider": "Ad Co", "purpose": "Ads",
          "cookies": [ { "name": "a;b" }, { "name": "ide", "category": "nope" } ] },
        { "id": "Ads", "category": "marketing", "provider": "Ad Co", "purpose": "Ads",
          "cookies": [ { "name": "lang", "max_age_days": 396 },
                       { "name": "_gcl_au", "max_age_days": 396 } ] }
      ],
      "cookies": [
        { "name": "sid", "category": "necessary", "exemption": "session" },
        { "name": "", "category": "Prefs", "exemption": "ui_preference" },
        { "name": "lang" },
        { "name": "lang", "category": "marketing" },
        { "name": "lang", "category": "marketing" },
        { "name": "csrf", "category": "necessary" },
        { "name": "stat", "category": "analytics", "max_age_days": 396 }
      ],
      "texts": { "de": { "categories": { "analytcs": { "title": "Statistik" }, "stats": {} } } }
    }"#;
    let expected = [
        (ConsentLifetime, "consent_max_age_days", "is 0; consent must be asked again within 13 months: use 1 to 395 days (default 182)"),
        (InvalidName, "cookie_name", "must be a cookie name token (letters, digits, `-`, `_`)"),
        (Region, "default_region", "must be \"opt-in\": visitors from unknown regions get the strictest profile; list opt-out regions under \"regions\""),
        (Region, "regions.DE", "this region requires opt-in consent (EEA, UK, Switzerland, Brazil, Quebec); it cannot be \"opt-out\""),
        (Necessary, "categories.necessary.required", "the necessary category is always on: set \"required\": true"),
        (TrackingDeclaredNecessary, "categories.analytics.required", "only \"necessary\" can be required; every other category needs the visitor's consent"),
        (Necessary, "categories.analytics.lawful_basis", "a category that cannot be refused cannot rest on consent: use \"contract\" or \"legitimate_interests\""),
        (TrackingDeclaredNecessary, "categories.analytics.consent_mode", "a required category may only control \"security_storage\"; analytics, ad and personalisation signals need consent"),
        (Necessary, "categories.stats.required", "only \"necessary\" can be required; every other category needs the visitor's consent"),
        (InvalidName, "categories.Prefs", "category ids use a-z, 0-9, `_` and `-`, at most 32 characters"),
        (OptionalWithoutConsent, "categories.Prefs.lawful_basis", "is \"legitimate_interests\", but cookies that are not strictly necessary need consent (ePrivacy 5(3)): use \"consent\""),
        (MissingAdSignals, "categories.marketing.consent_mode", "marketing must control the Consent Mode v2 signals \"ad_user_data\" and \"ad_personalization\" (with \"ad_storage\")"),
        (Duplicate, "categories.analytics", "duplicate category id \"analytics\""),
        (Empty, "services[0].id", "must not be empty"),
        (Empty, "services[0].provider", "must not be empty: visitors are told who receives their data and why (GDPR Art 13)"),
        (Empty, "services[0].purpose", "must not be empty: visitors are told who receives their data and why (GDPR Art 13)"),
        (UnknownCategory, "services[0].category", "must name a category"),
        (MatchesEverything, "services[0].scripts[0]", "\"*\" matches every URL: name the host, e.g. \"https://www.googletagmanager.com/gtag/js*\""),
        (MatchesEverything, "services[0].iframes[0]", "\"//*\" matches every URL: name the host, e.g. \"https://www.googletagmanager.com/gtag/js*\""),
        (MatchesEverything, "services[0].cookies[0].name", "\"*\" matches every cookie: name the cookie or a prefix such as \"_ga_*\""),
        (UnknownCategory, "services[0].cookies[0]", "must name a category"),
        (TrackingDeclaredNecessary, "services[0].cookies[1].category", "\"_ga\" is (or would match) an analytics or advertising cookie and cannot be strictly necessary (not exempt under ePrivacy 5(3)): declare it under \"analytics\" or \"marketing\""),
        (InvalidName, "services[1].id", "service ids use a-z, 0-9, `_` and `-`, at most 32 characters"),
        (MissingExemption, "services[1].exemption", "necessary service \"Ads\" must name its exemption (\"security\" for fraud prevention, \"load_balancing\", \"ui_preference\") and a \"justification\", or move to an optional category"),
        (NecessaryService, "services[1].justification", "necessary service \"Ads\" must say in one line why visitors cannot do without it (e.g. \"Card payments need Stripe's fraud checks\")"),
        (InvalidName, "services[1].cookies[0].name", "\"a;b\" is not a cookie name (RFC 6265 token; `*` for patterns)"),
        (MissingExemption, "services[1].cookies[0].exemption", "necessary cookie \"a;b\" must name its exemption: authentication, session, security, load_balancing, ui_preference or consent_record"),
        (UnknownCategory, "services[1].cookies[1].category", "unknown category \"nope\"; the policy defines: necessary, analytics, stats, Prefs, marketing, analytics"),
        (InvalidName, "services[2].id", "service ids use a-z, 0-9, `_` and `-`, at most 32 characters"),
        (Duplicate, "services[2].id", "duplicate service id \"Ads\""),
        (CookieLifetimeTooLong, "services[2].cookies[1].max_age_days", "analytics cookie \"_gcl_au\" lives 396 days; analytics cookies may live at most 13 months (395 days)"),
        (InsecureAuthCookie, "cookies[0].name", "authentication and session cookies must use the `__Host-` prefix (Secure, Path=/, no Domain): rename \"sid\" to \"__Host-sid\""),
        (InsecureAuthCookie, "cookies[0].http_only", "authentication and session cookie \"sid\" must be HttpOnly so scripts cannot steal it: declare \"http_only\": true"),
        (InsecureAuthCookie, "cookies[0].same_site", "authentication and session cookie \"sid\" must be SameSite=Strict: declare \"same_site\": \"strict\""),
        (Empty, "cookies[1].name", "must not be empty"),
        (TrackingDeclaredNecessary, "cookies[1].exemption", "\"\" is in the optional category \"Prefs\"; a cookie is exempt only if every purpose is exempt: remove the exemption or split the cookie"),
        (UnknownCategory, "cookies[2].category", "a cookie must name its category (e.g. \"necessary\", \"analytics\")"),
        (MissingExemption, "cookies[5].exemption", "necessary cookie \"csrf\" must name its exemption: authentication, session, security, load_balancing, ui_preference or consent_record"),
        (CookieLifetimeTooLong, "cookies[6].max_age_days", "analytics cookie \"stat\" lives 396 days; analytics cookies may live at most 13 months (395 days)"),
        (Duplicate, "cookies[3].name", "cookie \"lang\" is declared in \"\" and in \"marketing\"; a cookie with several purposes is exempt only if all are: declare it once, in the strictest category"),
        (Duplicate, "cookies[4].name", "cookie \"lang\" is declared in \"\" and in \"marketing\"; a cookie with several purposes is exempt only if all are: declare it once, in the strictest category"),
        (Duplicate, "services[2].cookies[0].name", "cookie \"lang\" is declared in \"\" and in \"marketing\"; a cookie with several purposes is exempt only if all are: declare it once, in the strictest category"),
        (UnknownCategory, "texts.de.categories.analytcs", "texts for unknown category \"analytcs\"; the policy defines: necessary, analytics, stats, Prefs, marketing, analytics"),
    ];
    let expected: Vec<_> = expected
        .into_iter()
        .map(|(k, p, m)| (k, p.to_string(), m.to_string()))
        .collect();
    assert_eq!(all_problems(text), expected);

    let text = r#"{
      "revision": 1,
      "categories": { "analytics": { "lawful_basis": "consent" } },
      "services": [ { "id": "ga", "category": "analytics", "provider": "G", "purpose": "M",
                      "cookies": [ { "name": "_ga", "exemption": "security" },
                                   { "name": "_ga", "max_age_days": 401 } ] } ]
    }"#;
    let expected = [
        (Necessary, "categories", "a \"necessary\" category is required: { \"required\": true, \"lawful_basis\": \"contract\" }"),
        (TrackingDeclaredNecessary, "services[0].cookies[0].exemption", "\"_ga\" is in the optional category \"analytics\"; a cookie is exempt only if every purpose is exempt: remove the exemption or split the cookie"),
        (CookieLifetimeTooLong, "services[0].cookies[1].max_age_days", "cookie \"_ga\" lives 401 days; browsers cap cookie lifetimes at 400 days (RFC 6265bis): declare at most 400"),
        (Duplicate, "services[0].cookies[1].name", "cookie \"_ga\" is declared twice"),
    ];
    let expected: Vec<_> = expected
        .into_iter()
        .map(|(k, p, m)| (k, p.to_string(), m.to_string()))
        .collect();
    assert_eq!(all_problems(text), expected);
}

/// Duplicate cookie names against a reference model: every declaration (top-level, then each
/// service's) whose name an earlier one already declares, with the earlier one's category.
mod duplicate_cookies {
    use super::*;
    use proptest::prelude::*;

    fn decl() -> impl Strategy<Value = (String, Option<String>)> {
        (
            prop::sample::select(vec!["lang", "_ga", "sid*", "x"]),
            prop::option::of(prop::sample::select(vec![
                "functional",
                "marketing",
                "nope",
            ])),
        )
            .prop_map(|(n, c)| (n.to_string(), c.map(str::to_string)))
    }

    fn json_decls(decls: &[(String, Option<String>)]) -> Value {
        decls
            .iter()
            .map(|(name, category)| match category {
                Some(c) => json!({ "name": name, "category": c }),
                None => json!({ "name": name }),
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn match_the_reference_model(
            top in prop::collection::vec(decl(), 0..4),
            services in prop::collection::vec(
                (prop::sample::select(vec!["functional", "marketing"]), prop::collection::vec(decl(), 0..4)),
                0..3,
            ),
        ) {
            let v = json!({
                "revision": 1,
                "categories": {
                    "necessary": { "required": true, "lawful_basis": "contract" },
                    "functional": { "lawful_basis": "consent" },
                    "marketing": { "lawful_basis": "consent", "consent_mode": ["ad_storage", "ad_user_data", "ad_personalization"] }
                },
                "cookies": json_decls(&top),
                "services": services.iter().enumerate().map(|(i, (category, decls))| json!({
                    "id": format!("s{i}"), "provider": "P", "purpose": "p",
                    "category": category, "cookies": json_decls(decls),
                })).collect::<Vec<_>>(),
            });
            let mut all = Vec::new();
            for (i, (name, category)) in top.iter().enumerate() {
                all.push((format!("cookies[{i}].name"), name.clone(), category.clone().unwrap_or_default()));
            }
            for (i, (service_category, decls)) in services.iter().enumerate() {
                for (j, (name, category)) in decls.iter().enumerate() {
                    let category = category.clone().unwrap_or_else(|| service_category.to_string());
                    all.push((format!("services[{i}].cookies[{j}].name"), name.clone(), category));
                }
            }
            let mut want = Vec::new();
            for (k, (path, name, category)) in all.iter().enumerate() {
                if let Some((_, _, prev)) = all[..k].iter().find(|(_, n, _)| n == name) {
                    let message = if prev != category {
                        format!("cookie \"{name}\" is declared in \"{prev}\" and in \"{category}\"; a cookie with several purposes is exempt only if all are: declare it once, in the strictest category")
                    } else {
                        format!("cookie \"{name}\" is declared twice")
                    };
                    want.push((path.clone(), message));
                }
            }
            let got: Vec<_> = problems(&v)
                .into_iter()
                .filter(|e| e.kind() == PolicyErrorKind::Duplicate)
                .map(|e| (e.path().to_string(), e.message().to_string()))
                .collect();
            prop_assert_eq!(got, want);
        }
    }
}

/// Every set of signals, on the required `necessary` and on `marketing`: the two Consent Mode
/// rules as the slices state them.
#[test]
fn consent_mode_rules_for_every_signal_set() {
    use consentry::consent_mode::Signal;
    for bits in 0u32..128 {
        let signals: Vec<Signal> = Signal::ALL
            .into_iter()
            .filter(|s| bits >> (*s as u32) & 1 == 1)
            .collect();
        let names: Vec<&str> = signals.iter().map(|s| s.as_str()).collect();
        let has = |p: &[PolicyError], kind, path: &str| {
            p.iter().any(|e| e.kind() == kind && e.path() == path)
        };
        let v = set(
            full_value(),
            "/categories/necessary/consent_mode",
            json!(names),
        );
        assert_eq!(
            has(
                &problems(&v),
                PolicyErrorKind::TrackingDeclaredNecessary,
                "categories.necessary.consent_mode"
            ),
            signals.iter().any(|s| *s != Signal::SecurityStorage),
            "{names:?}"
        );
        let v = set(
            full_value(),
            "/categories/marketing/consent_mode",
            json!(names),
        );
        assert_eq!(
            has(
                &problems(&v),
                PolicyErrorKind::MissingAdSignals,
                "categories.marketing.consent_mode"
            ),
            !(signals.contains(&Signal::AdUserData)
                && signals.contains(&Signal::AdPersonalization)),
            "{names:?}"
        );
    }
}

/// A policy whose consent cookie could not be read back (over `MAX_ENCODED_LEN` with every
/// category chosen) would ask the visitor on every page: refused. Found while fuzzing the codec.
#[test]
fn a_consent_cookie_that_would_be_too_long_to_read_back() {
    let categories = |n: usize, len: usize| {
        let mut m = serde_json::Map::new();
        m.insert(
            "necessary".into(),
            json!({"required": true, "lawful_basis": "contract"}),
        );
        for i in 0..n {
            let id = format!("c{i:0>w$}", w = len - 1);
            m.insert(id, json!({"lawful_basis": "consent"}));
        }
        Value::Object(m)
    };
    let policy = |n, len| json!({"revision": 1, "categories": categories(n, len)});
    let err = refused(
        &policy(29, 32),
        PolicyErrorKind::ConsentCookieTooLong,
        "categories",
    );
    assert!(err.message().contains("bytes"), "{err}");
    // Within the limit, and what the limit means: the longest record reads back.
    let ok = Policy::from_json(&policy(20, 32).to_string()).expect("20 categories of 32 fit");
    let record = consentry::ConsentRecord::accept_all(
        &ok,
        consentry::Timestamp(1_790_000_000),
        consentry::ConsentId::from_random_bytes([1; 12]),
    );
    assert!(consentry::ConsentRecord::decode(&record.encode(), &ok).is_ok());
}
