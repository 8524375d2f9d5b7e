//! `Policy::read_json`, the small reader the browser module uses, against serde_json's
//! `Policy::from_json_unchecked`: the same policy from every file, the same verdict on broken
//! ones, and never a panic.

use consentry::{Policy, PolicyErrorKind};
use proptest::prelude::*;

/// Uses every field of the file format, escapes and `null`s included.
const FULL: &str = r#"{
  "revision": 7, "consent_max_age_days": 30, "cookie_name": "cc", "cookie_domain": "example.test",
  "default_region": "opt-in", "regions": {"US": "opt-in", "US-CA": "opt-out", "US": "opt-out"},
  "categories": {
    "necessary": {"required": true, "lawful_basis": "contract"},
    "functional": {"lawful_basis": "consent", "consent_mode": ["functionality_storage"]},
    "analytics": {"lawful_basis": "consent", "sale_or_sharing": false, "consent_mode": null},
    "marketing": {"lawful_basis": "consent", "sale_or_sharing": true},
    "1": {"lawful_basis": "legitimate_interests"}
  },
  "services": [{"id": "ga", "category": "analytics", "provider": "Google \"LLC\"", "purpose": "st\u00e4ts \ud83d\ude00\n",
    "privacy_policy_url": "https://policies.google.com/privacy", "exemption": "security", "justification": "Fraud \"checks\"",
    "scripts": ["https://www.googletagmanager.com/gtag/js*"], "iframes": ["https:\/\/x.test/*"],
    "cookies": [{"name": "_ga", "max_age_days": 395}, {"name": "_ga_*", "max_age_days": 395, "purpose": "session"}]}],
  "cookies": [{"name": "sid", "category": "necessary", "provider": "us", "purpose": "session",
    "exemption": "csrf", "http_only": true, "same_site": "strict", "max_age_days": 0, "remember_me": true},
    {"name": "x", "category": null, "provider": null, "purpose": null, "max_age_days": null,
     "exemption": null, "http_only": null, "same_site": null}],
  "controller": {"name": "P4P \"Packing\" Ltd", "contact": "privacy@p4p.test", "dpo": null},
  "records_retention_days": 730,
  "undeclared_cookies": "warn", "receipt_endpoint": "/r",
  "texts": {"en": {"title": "T", "body": "B", "accept_all": "A", "reject_all": "R", "preferences": "P",
    "save": "S", "blocked": "X", "allow": "Y", "privacy_url": "/privacy",
    "categories": {"analytics": {"title": "Stats", "description": "Counts"}}}, "de": {"title": null}}
}"#;

const EXAMPLES: [&str; 4] = [
    FULL,
    include_str!("../policies/p4p-packing.json"),
    include_str!("../policies/proecommerce.json"),
    include_str!("../policies/packagetrack.json"),
];

#[test]
fn reads_every_policy_exactly_like_serde_json() {
    for text in EXAMPLES {
        assert_eq!(
            Policy::read_json(text).unwrap(),
            Policy::from_json_unchecked(text).unwrap()
        );
    }
    // The categories keep file order, numeric ids included (JSON.parse would move them first).
    let full = Policy::read_json(FULL).unwrap();
    let ids: Vec<&str> = full.categories.iter().map(|(id, _)| id).collect();
    assert_eq!(
        ids,
        ["necessary", "functional", "analytics", "marketing", "1"]
    );
    assert_eq!(full.services[0].purpose, "stäts 😀\n");
}

/// The fields of issue 16 (controller, records retention, necessary services, remember me),
/// written and left out, read alike; the controller's name and contact are required by both.
#[test]
fn reads_controller_necessary_services_and_remember_me_like_serde_json() {
    let base =
        r#"{"revision":1,"categories":{"necessary":{"required":true,"lawful_basis":"contract"}}"#;
    let cases = [
        r#","controller":{"name":"N","contact":"c","dpo":"d"},"records_retention_days":365}"#,
        r#","controller":null,"records_retention_days":null}"#,
        r#","services":[{"id":"s","category":"necessary","provider":"p","purpose":"q","exemption":"security","justification":"j"}]}"#,
        r#","services":[{"id":"s","category":"necessary","provider":"p","purpose":"q","exemption":null,"justification":null}]}"#,
        r#","cookies":[{"name":"__Host-a","remember_me":true,"max_age_days":30}]}"#,
        r#","cookies":[{"name":"__Host-a","remember_me":false}]}"#,
    ];
    for tail in cases {
        let text = [base, tail].concat();
        assert_eq!(
            Policy::read_json(&text).unwrap(),
            Policy::from_json_unchecked(&text).unwrap(),
            "{text}"
        );
    }
    for tail in [
        r#","controller":{"name":"N"}}"#,
        r#","controller":{"contact":"c"}}"#,
        r#","controller":{"name":"N","contact":"c","email":"e"}}"#,
        r#","controller":"N"}"#,
        r#","cookies":[{"name":"a","remember_me":null}]}"#,
        r#","cookies":[{"name":"a","remember_me":"yes"}]}"#,
        r#","services":[{"id":"s","category":"c","provider":"p","purpose":"q","exemption":"fraud"}]}"#,
    ] {
        let text = [base, tail].concat();
        assert!(Policy::read_json(&text).is_err(), "{text}");
        assert!(Policy::from_json_unchecked(&text).is_err(), "{text}");
    }
    let e = Policy::read_json(&[base, r#","controller":{"name":"N"}}"#].concat()).unwrap_err();
    assert_eq!(
        (e.path(), e.message()),
        ("controller.contact", "missing field")
    );
}

#[test]
fn errors_say_where_and_what() {
    let err = |json: &str| {
        let e = Policy::read_json(json).unwrap_err();
        assert_eq!(e.kind(), PolicyErrorKind::Syntax);
        assert!(
            Policy::from_json_unchecked(json).is_err(),
            "serde_json accepts {json}"
        );
        format!("{}: {}", e.path(), e.message())
    };
    let cases = [
        (
            r#"{"revision":1,"categories":{},"services":[{"id":"x","category":"c","provider":"p","purpose":"q","colour":1}]}"#,
            "services[0].colour: unknown field",
        ),
        (
            r#"{"revision":"one","categories":{}}"#,
            "revision: expected a whole number",
        ),
        (
            r#"{"revision":1.5,"categories":{}}"#,
            "revision: expected a whole number from 0 to 4294967295",
        ),
        (
            r#"{"revision":4294967296,"categories":{}}"#,
            "revision: expected a whole number from 0 to 4294967295",
        ),
        (
            r#"{"revision":-1,"categories":{}}"#,
            "revision: expected a whole number from 0 to 4294967295",
        ),
        (
            r#"{"revision":01,"categories":{}}"#,
            "revision: expected a whole number",
        ),
        (r#"{"categories":{}}"#, "revision: missing field"),
        (r#"{"revision":1}"#, "categories: missing field"),
        (
            r#"{"revision":1,"revision":2,"categories":{}}"#,
            "revision: duplicate field",
        ),
        (
            r#"{"revision":1,"categories":{"a":{"lawful_basis":"vibes"}}}"#,
            "categories.a.lawful_basis: unknown value",
        ),
        (
            r#"{"revision":1,"categories":{"a":{"required":true}}}"#,
            "categories.a.lawful_basis: missing field",
        ),
        (
            r#"{"revision":1,"categories":{"a":{"lawful_basis":"consent","required":null}}}"#,
            "categories.a.required: expected true or false",
        ),
        (
            r#"{"revision":1,"categories":{},"cookies":[{"name":"x"},{"name":"y","same_site":"sometimes"}]}"#,
            "cookies[1].same_site: unknown value",
        ),
        (
            r#"{"revision":1,"categories":{},"cookies":[{"purpose":"x"}]}"#,
            "cookies[0].name: missing field",
        ),
        (
            r#"{"revision":1,"categories":{},"regions":{"US":"maybe"}}"#,
            "regions.US: unknown value",
        ),
        (
            r#"{"revision":1,"categories":{},"services":null}"#,
            "services: expected a list",
        ),
        (
            r#"{"revision":1,"categories":{},"cookie_name":"a\qb"}"#,
            "cookie_name: invalid escape in string",
        ),
        (
            r#"{"revision":1,"categories":{},"cookie_name":"\ud800"}"#,
            "cookie_name: lone surrogate in string",
        ),
        (
            "{\"revision\":1,\"categories\":{},\"cookie_name\":\"a\tb\"}",
            "cookie_name: control character in string",
        ),
        (
            r#"{"revision":1,"categories":{}} x"#,
            ".: trailing characters after the policy",
        ),
        (r#"{"revision":1,"categories":{}"#, ".: expected `,` or `}`"),
        (r#"{"revision" 1}"#, "revision: expected `:`"),
        ("[]", ".: expected an object"),
        ("", ".: expected an object"),
    ];
    for (json, want) in cases {
        assert_eq!(err(json), want, "{json}");
    }
}

/// A mutation of a valid policy text: cut a range, or insert or replace one character.
fn mutate(text: &str, op: u8, at: usize, len: usize, c: char) -> String {
    let mut bytes: Vec<char> = text.chars().collect();
    let at = at % (bytes.len() + 1);
    match op % 3 {
        0 => {
            let end = (at + len % 8).min(bytes.len());
            bytes.drain(at..end);
        }
        1 => bytes.insert(at, c),
        _ if at < bytes.len() => bytes[at] = c,
        _ => bytes.push(c),
    }
    bytes.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    /// Broken and altered files: never a panic, and accepted exactly when serde_json accepts
    /// them, as the same policy.
    #[test]
    fn agrees_with_serde_json_on_mutated_files(
        which in 0..EXAMPLES.len(),
        op in any::<u8>(),
        at in any::<usize>(),
        len in any::<usize>(),
        c in prop::sample::select(vec![
            '"', '\\', '{', '}', '[', ']', ',', ':', ' ', '0', '1', '-', '.', 'e', 'n', 'u',
            'x', 'é', '\n', '\u{1}',
        ]),
    ) {
        let text = mutate(EXAMPLES[which], op, at, len, c);
        let ours = Policy::read_json(&text);
        let serde = Policy::from_json_unchecked(&text);
        match (&ours, &serde) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(_), Err(_)) => {}
            _ => prop_assert!(false, "read_json {:?} but serde_json {:?} on\n{}",
                ours.as_ref().map(|_| ()), serde.as_ref().map(|_| ()), text),
        }
    }

    /// Arbitrary text never panics.
    #[test]
    fn never_panics_on_any_text(text in ".{0,200}") {
        let _ = Policy::read_json(&text);
    }
}

#[test]
fn reads_every_enum_name_like_serde_json() {
    let mut texts = Vec::new();
    for profile in ["opt-in", "opt-out", "opt_in", "OptIn"] {
        texts.push(format!(
            r#"{{"revision":1,"categories":{{}},"default_region":"{profile}","regions":{{"US":"{profile}"}}}}"#
        ));
    }
    for undeclared in ["drop", "warn", "allow", "Drop", ""] {
        texts.push(format!(
            r#"{{"revision":1,"categories":{{}},"undeclared_cookies":"{undeclared}"}}"#
        ));
    }
    for basis in [
        "consent",
        "contract",
        "legal_obligation",
        "vital_interests",
        "public_task",
        "legitimate_interests",
        "legitimate-interests",
    ] {
        texts.push(format!(
            r#"{{"revision":1,"categories":{{"a":{{"lawful_basis":"{basis}"}}}}}}"#
        ));
    }
    for signal in [
        "ad_storage",
        "ad_user_data",
        "ad_personalization",
        "analytics_storage",
        "functionality_storage",
        "personalization_storage",
        "security_storage",
        "wait_for_update",
    ] {
        texts.push(format!(
            r#"{{"revision":1,"categories":{{"a":{{"lawful_basis":"consent","consent_mode":["{signal}"]}}}}}}"#
        ));
    }
    for exemption in [
        "authentication",
        "session",
        "security",
        "csrf",
        "load_balancing",
        "ui_preference",
        "consent_record",
        "Security",
    ] {
        texts.push(format!(
            r#"{{"revision":1,"categories":{{}},"cookies":[{{"name":"x","exemption":"{exemption}"}}]}}"#
        ));
    }
    for same_site in ["strict", "lax", "none", "Lax"] {
        texts.push(format!(
            r#"{{"revision":1,"categories":{{}},"cookies":[{{"name":"x","same_site":"{same_site}"}}]}}"#
        ));
    }
    let mut accepted = 0;
    for text in &texts {
        let ours = Policy::read_json(text).ok();
        assert_eq!(ours, Policy::from_json_unchecked(text).ok(), "{text}");
        accepted += usize::from(ours.is_some());
    }
    // Every valid name above, and nothing else.
    assert_eq!(accepted, 2 + 3 + 6 + 7 + 7 + 3);
}

#[test]
fn whole_numbers_up_to_u32_max_and_no_further() {
    let revision = |n: &str| {
        let text = format!(r#"{{"revision":{n},"categories":{{}}}}"#);
        let ours = Policy::read_json(&text).map(|p| p.revision);
        assert_eq!(
            ours.as_ref().ok(),
            Policy::from_json_unchecked(&text)
                .map(|p| p.revision)
                .as_ref()
                .ok(),
            "{n}"
        );
        ours.map_err(|e| e.message().to_owned())
    };
    assert_eq!(revision("0"), Ok(0));
    assert_eq!(revision("4294967295"), Ok(u32::MAX));
    let range = Err("expected a whole number from 0 to 4294967295".to_owned());
    assert_eq!(revision("4294967296"), range);
    assert_eq!(revision("42949672950"), range);
    assert_eq!(revision("99999999999999999999999999999999999999999"), range);
    assert_eq!(revision("00"), Err("expected a whole number".to_owned()));
}

/// A backslash before every ASCII character and a few others: the same string where
/// serde_json reads one, else the same error.
#[test]
fn reads_every_escape_like_serde_json() {
    for e in (0..=0x7f).map(char::from).chain(['é', '😀']) {
        let text = format!(r#"{{"revision":1,"categories":{{}},"cookie_name":"a\{e}b"}}"#);
        let ours = Policy::read_json(&text);
        match Policy::from_json_unchecked(&text) {
            Ok(serde) => assert_eq!(ours.unwrap(), serde, "{text}"),
            Err(_) => assert_eq!(
                ours.unwrap_err().message(),
                "invalid escape in string",
                "{text}"
            ),
        }
    }
}

/// serde's derives also read a struct from a list and a unit enum from an object; the file
/// format has neither, `read_json` refuses both, and so does serde_json's reader now. (Found
/// with the `policy_readers` fuzz target: the server accepted files the browser refused.)
#[test]
fn both_refuse_lists_for_objects_and_objects_for_names() {
    let cases = [
        (
            r#"{"revision":1,"categories":{"a":[false,"consent"]}}"#,
            "categories.a: expected an object",
        ),
        (
            // In the struct's field order, so that serde alone would read it.
            r#"[1,182,"consentry",null,"opt-in",{},{"necessary":{"required":true,"lawful_basis":"contract"}}]"#,
            ".: expected an object",
        ),
        (
            r#"{"revision":1,"categories":{"a":{"lawful_basis":{"consent":null}}}}"#,
            "categories.a.lawful_basis: expected a string",
        ),
        (
            r#"{"revision":1,"categories":{"a":{"lawful_basis":"consent","consent_mode":["ad_storage",{"analytics_storage":null}]}}}"#,
            "categories.a.consent_mode[1]: expected a string",
        ),
        (
            r#"{"revision":1,"categories":{},"cookies":[{"name":"x"},{"name":"y","exemption":{"csrf":null}}]}"#,
            "cookies[1].exemption: expected a string",
        ),
        (
            r#"{"revision":1,"categories":{},"services":[{"id":"a","category":"b","provider":"c","purpose":"d","cookies":[["_ga"]]}]}"#,
            "services[0].cookies[0]: expected an object",
        ),
        (
            r#"{"revision":1,"categories":{},"services":[["ga","analytics","Google","stats"]]}"#,
            "services[0]: expected an object",
        ),
        (
            r#"{"revision":1,"categories":{},"regions":{"US":{"opt-out":null}}}"#,
            "regions.US: expected a string",
        ),
        (
            r#"{"revision":1,"categories":{},"default_region":{"opt-in":null}}"#,
            "default_region: expected a string",
        ),
        (
            r#"{"revision":1,"categories":{},"undeclared_cookies":{"warn":null}}"#,
            "undeclared_cookies: expected a string",
        ),
        (
            r#"{"revision":1,"categories":{},"texts":{"en":{"categories":{"a":["T","D"]}}}}"#,
            "texts.en.categories.a: expected an object",
        ),
        (
            r#"{"revision":1,"categories":{},"texts":{"en":["T"]}}"#,
            "texts.en: expected an object",
        ),
        // Fields added later are covered as well (a hand-kept list of the format's shapes
        // missed these two).
        (
            r#"{"revision":1,"categories":{},"controller":["A","b"]}"#,
            "controller: expected an object",
        ),
        (
            r#"{"revision":1,"categories":{},"services":[{"id":"a","category":"necessary","provider":"c","purpose":"d","exemption":{"security":null}}]}"#,
            "services[0].exemption: expected a string",
        ),
        // A duplicated category is read twice by both: the first one counts too.
        (
            r#"{"revision":1,"categories":{"a":[false,"consent"],"a":{"lawful_basis":"consent"}}}"#,
            "categories.a: expected an object",
        ),
    ];
    for (json, want) in cases {
        let ours = Policy::read_json(json).unwrap_err();
        let serde = Policy::from_json_unchecked(json).unwrap_err();
        assert_eq!(format!("{}: {}", ours.path(), ours.message()), want);
        assert_eq!(format!("{}: {}", serde.path(), serde.message()), want);
        assert_eq!(serde.kind(), PolicyErrorKind::Syntax);
    }
}
