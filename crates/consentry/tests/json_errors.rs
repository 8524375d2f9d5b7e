//! Errors in the policy file's JSON name the path and the problem; unknown fields are refused.
#![cfg(feature = "json")]

mod common;

use consentry::{Policy, PolicyErrorKind};

#[track_caller]
fn syntax_error(text: &str) -> (String, String) {
    let err = Policy::from_json(text).expect_err("must be refused");
    assert_eq!(err.kind(), PolicyErrorKind::Syntax, "{err}");
    (err.path().to_string(), err.message().to_string())
}

#[test]
fn names_the_path_of_a_wrongly_typed_field() {
    let text = common::FULL.replace(
        r#"{ "name": "_ga", "max_age_days": 395 }"#,
        r#"{ "name": "_ga", "max_age_days": "13 months" }"#,
    );
    let (path, msg) = syntax_error(&text);
    assert_eq!(path, "services[0].cookies[0].max_age_days");
    assert!(
        msg.contains("invalid type: string \"13 months\", expected u32"),
        "{msg}"
    );
    assert!(msg.contains("(line "), "{msg}");
}

#[test]
fn names_the_path_of_a_field_in_the_third_service() {
    let mut v = common::full_value();
    v["services"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "id": "maps", "category": "functional", "provider": "Maps Inc", "purpose": "Maps",
            "cookies": [{ "name": 7 }]
        }));
    let (path, msg) = syntax_error(&v.to_string());
    assert_eq!(path, "services[2].cookies[0].name");
    assert!(
        msg.starts_with("invalid type: integer `7`, expected a string"),
        "{msg}"
    );
}

#[test]
fn refuses_unknown_fields_everywhere() {
    let cases = [
        (
            r#""revision": 3,"#,
            r#""revision": 3, "revison": 4,"#,
            "revison",
        ),
        (
            r#""purpose": "Session" }"#,
            r#""purpose": "Session", "secure": true }"#,
            "cookies[0].secure",
        ),
        (
            r#""id": "ads","#,
            r#""id": "ads", "vendor": "x","#,
            "services[1].vendor",
        ),
        (
            r#""functional": { "lawful_basis": "consent" }"#,
            r#""functional": { "lawful_basis": "consent", "default": true }"#,
            "categories.functional.default",
        ),
    ];
    for (from, to, want_path) in cases {
        let text = common::FULL.replace(from, to);
        assert_ne!(text, common::FULL, "{from}");
        let (path, msg) = syntax_error(&text);
        assert_eq!(path, want_path, "{msg}");
        assert!(msg.starts_with("unknown field `"), "{msg}");
        assert!(msg.contains("expected"), "{msg}");
    }
}

#[test]
fn refuses_unknown_enum_values_with_the_choices() {
    let text = common::FULL.replace(r#""exemption": "session""#, r#""exemption": "tracking""#);
    let (path, msg) = syntax_error(&text);
    assert_eq!(path, "cookies[0].exemption");
    assert!(msg.contains("unknown variant `tracking`"), "{msg}");
    assert!(msg.contains("authentication"), "{msg}");

    let text = common::FULL.replace(r#""US": "opt-out""#, r#""US": "optout""#);
    let (path, _) = syntax_error(&text);
    assert_eq!(path, "regions.US");

    let text = common::FULL.replace(r#""same_site": "strict""#, r#""same_site": "Strict""#);
    let (path, _) = syntax_error(&text);
    assert_eq!(path, "cookies[0].same_site");
}

#[test]
fn reports_missing_required_fields() {
    let (path, msg) = syntax_error(r#"{ "categories": {} }"#);
    assert_eq!(path, ".");
    assert!(msg.starts_with("missing field `revision`"), "{msg}");
    let text = common::FULL.replace(r#""provider": "Ad Co","#, "");
    let (path, msg) = syntax_error(&text);
    assert_eq!(path, "services[1]");
    assert!(msg.starts_with("missing field `provider`"), "{msg}");
}

#[test]
fn reports_broken_json_and_never_panics_on_junk() {
    let (path, msg) = syntax_error(r#"{ "revision": 1, "categories": { "#);
    assert_eq!(path, "categories");
    assert!(msg.contains("EOF"), "{msg}");
    for junk in [
        "",
        "null",
        "[]",
        "\"x\"",
        "{",
        "{\"revision\":-1}",
        "\u{feff}{}",
    ] {
        let err = Policy::from_json(junk).unwrap_err();
        assert_eq!(err.kind(), PolicyErrorKind::Syntax, "{junk:?}: {err}");
    }
    let deep = "[".repeat(10_000);
    assert!(Policy::from_json(&deep).is_err());
}

#[test]
fn accepts_csrf_as_an_alias_of_security() {
    let text = common::FULL.replace(r#""exemption": "session""#, r#""exemption": "csrf""#);
    let p = Policy::from_json(&text).unwrap();
    assert_eq!(p.cookies[0].exemption, Some(consentry::Exemption::Security));
}
