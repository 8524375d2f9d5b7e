//! The consent cookie codec: round trips, size, cookie-octet safety, and decoding that never
//! panics on anything.
#![cfg(feature = "json")]

use std::collections::HashSet;
use std::time::Instant;

use consentry::{
    clear_consent_cookie, clear_stale_consent_cookies, decide, is_cookie_octets, ConsentId,
    ConsentRecord, Context, CookieError, Method, Policy, PolicyErrorKind, Timestamp,
    MAX_ENCODED_LEN,
};
use proptest::prelude::*;

/// Eight optional categories (plus necessary) with realistic ids.
const EIGHT: &str = r#"{
  "revision": 7,
  "categories": {
    "necessary": { "required": true, "lawful_basis": "contract" },
    "functional": { "lawful_basis": "consent" },
    "analytics": { "lawful_basis": "consent" },
    "marketing": { "lawful_basis": "consent" },
    "social_media": { "lawful_basis": "consent" },
    "video_embeds": { "lawful_basis": "consent" },
    "ab_testing": { "lawful_basis": "consent" },
    "chat_support": { "lawful_basis": "consent" },
    "maps": { "lawful_basis": "consent" }
  }
}"#;

fn eight() -> Policy {
    Policy::from_json(EIGHT).unwrap()
}

const METHODS: [Method; 5] = [
    Method::AcceptAll,
    Method::RejectAll,
    Method::Custom,
    Method::Gpc,
    Method::Withdrawal,
];

fn record(
    policy: &Policy,
    revision: u32,
    t: i64,
    id: [u8; 12],
    m: usize,
    bits: u8,
) -> ConsentRecord {
    ConsentRecord::from_parts(
        revision,
        Timestamp(t),
        ConsentId::from_random_bytes(id),
        METHODS[m],
        policy
            .categories
            .optional()
            .enumerate()
            .map(|(i, c)| (c.to_string(), bits >> i & 1 == 1))
            .collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn round_trips_any_record_of_eight_categories(
        revision in any::<u32>(),
        t in 0i64..=999_999_999_999,
        id in any::<[u8; 12]>(),
        m in 0usize..5,
        bits in any::<u8>(),
    ) {
        let policy = eight();
        let r = record(&policy, revision, t, id, m, bits);
        let v = r.encode();
        prop_assert!(v.len() <= 200, "{} bytes: {v}", v.len());
        prop_assert!(is_cookie_octets(&v), "{v}");
        prop_assert_eq!(ConsentRecord::decode(&v, &policy), Ok(r.clone()));
        let header = r.set_cookie(&policy, true);
        prop_assert!(is_cookie_octets(header.split(';').next().unwrap().split_once('=').unwrap().1));
    }

    #[test]
    fn decoding_arbitrary_strings_never_panics(s in any::<String>()) {
        check_no_panic(&eight(), &s);
    }

    #[test]
    fn decoding_format_like_strings_never_panics(s in "[0-9a-z.~:_A-Z-]{0,80}") {
        check_no_panic(&eight(), &s);
    }

    #[test]
    fn decodes_format_like_strings_as_the_reference_does(s in "[0-9a-z.~:_A-Z-]{0,80}") {
        for policy in [eight(), odd()] {
            prop_assert_eq!(ConsentRecord::decode(&s, &policy), reference_decode(&s, &policy), "{}", s);
        }
    }

    #[test]
    fn decodes_near_valid_values_as_the_reference_does(
        head in prop::sample::select(vec!["1.7.1790000000.AQEBAQEBAQEBAQEB.c.", "1.7.1.AQEBAQEBAQEBAQEB.g.", "1.7.0.AQEBAQEBAQEBAQEB.a."]),
        items in proptest::collection::vec(("[a-z:_~0-9]{0,14}", "[:~01.]{0,3}"), 0..5),
    ) {
        let mut s = head.to_string();
        for (a, b) in &items {
            s.push_str(a);
            s.push_str(b);
        }
        for policy in [eight(), odd()] {
            prop_assert_eq!(ConsentRecord::decode(&s, &policy), reference_decode(&s, &policy), "{}", s);
        }
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(b in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check_no_panic(&eight(), &String::from_utf8_lossy(&b));
    }
}

/// An unvalidated policy with odd ids: more than 64 optional categories, a repeated id, ids
/// holding the format's separators, a required category named like an optional one.
fn odd() -> Policy {
    let mut p = eight();
    let consent = p.categories.0[1].1.clone();
    let mut required = p.categories.0[0].1.clone();
    for i in 0..70 {
        p.categories.0.push((format!("c{i}"), consent.clone()));
    }
    for id in ["maps", "a:b", "a~b", "a.b", "", "c3"] {
        p.categories.0.push((id.to_string(), consent.clone()));
    }
    required.required = true;
    p.categories.0.push(("c5".to_string(), required));
    p
}

/// The decoder as first written, with `str::split`: the model the byte-level decoder must
/// match, error for error (the first error in field order wins).
fn reference_decode(value: &str, policy: &Policy) -> Result<ConsentRecord, CookieError> {
    use CookieError::{Malformed, TooLong, UnknownCategory, UnsupportedVersion};
    fn digits(s: &str, max_len: usize) -> Option<u64> {
        let canonical = !s.is_empty()
            && s.len() <= max_len
            && !(s.len() > 1 && s.starts_with('0'))
            && s.bytes().all(|b| b.is_ascii_digit());
        canonical.then(|| s.parse().unwrap())
    }
    if value.len() > MAX_ENCODED_LEN {
        return Err(TooLong);
    }
    let f: Vec<&str> = value.split('.').collect();
    match digits(f[0], 9) {
        Some(1) => {}
        Some(v) if v > 1 => return Err(UnsupportedVersion),
        _ => return Err(Malformed),
    }
    // The coverage field is optional.
    if f.len() != 6 && f.len() != 7 {
        return Err(Malformed);
    }
    let revision = digits(f[1], 10)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or(Malformed)?;
    let decided_at = digits(f[2], 12).ok_or(Malformed)? as i64;
    let id = ConsentId::parse(f[3]).ok_or(Malformed)?;
    let mut method = f[4].chars();
    let method = match (method.next(), method.next()) {
        (Some(c), None) if f[4].len() == 1 => Method::from_code(c).ok_or(Malformed)?,
        _ => return Err(Malformed),
    };
    let coverage = match f.get(6) {
        None => None,
        Some(c) => Some(
            digits(c, 10)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or(Malformed)?,
        ),
    };
    let (mut seen, mut granted) = (HashSet::new(), HashSet::new());
    if !f[5].is_empty() {
        for item in f[5].split('~') {
            let (cat, flag) = item.split_once(':').ok_or(Malformed)?;
            let on = match flag {
                "1" => true,
                "0" => false,
                _ => return Err(Malformed),
            };
            let mut found = false;
            for (i, (id, c)) in policy.categories.0.iter().enumerate() {
                if c.required || id != cat {
                    continue;
                }
                if !seen.insert(i) {
                    return Err(Malformed);
                }
                found = true;
                if on {
                    granted.insert(i);
                }
            }
            if !found {
                return Err(UnknownCategory);
            }
        }
    }
    let mut r = ConsentRecord::from_parts(
        revision,
        Timestamp(decided_at),
        id,
        method,
        policy
            .categories
            .0
            .iter()
            .enumerate()
            .filter(|(_, (_, c))| !c.required)
            .map(|(i, (id, _))| (id.clone(), granted.contains(&i)))
            .collect(),
    );
    r.coverage = coverage;
    Ok(r)
}

#[test]
fn decodes_odd_policies_as_the_reference_does() {
    let policy = odd();
    let head = "1.7.1790000000.AQEBAQEBAQEBAQEB.c.";
    for choices in [
        "",
        "maps:1",
        "maps:0",
        "c69:1~c0:1~c63:1~c64:1",
        "c3:1",
        "c5:1",
        "a:b:1",
        "a~b:1",
        "a:1",
        "b:1",
        ":1",
        "maps:1:1",
        "c70:1",
        "c69:1~c69:0",
        "c1:1~c2:x~zzz:1",
        "zzz:1~c1:x",
        "c1:1~~c2:1",
        "~",
        ":",
        "c1:10",
        "c1:",
    ] {
        let v = format!("{head}{choices}");
        assert_eq!(
            ConsentRecord::decode(&v, &policy),
            reference_decode(&v, &policy),
            "{v}"
        );
    }
    let r = ConsentRecord::decode(&format!("{head}c69:1~c0:1"), &policy).unwrap();
    assert!(r.granted("c69") && r.granted("c0") && !r.granted("c64"));
}

/// Decoding must not panic; what decodes must re-encode to something that decodes the same;
/// and `decide` on it must not panic either.
fn check_no_panic(policy: &Policy, s: &str) -> bool {
    match ConsentRecord::decode(s, policy) {
        Ok(r) => {
            let again = r.encode();
            assert_eq!(
                ConsentRecord::decode(&again, policy).as_ref(),
                Ok(&r),
                "{s}"
            );
            assert!(is_cookie_octets(&again));
            true
        }
        Err(_) => false,
    }
}

#[test]
fn eight_categories_fit_in_200_bytes_at_the_largest_numbers() {
    let policy = eight();
    let mut r = record(&policy, u32::MAX, 999_999_999_999, [255; 12], 0, 255);
    r.coverage = Some(u32::MAX);
    let v = r.encode();
    assert!(v.len() <= 200, "{} bytes", v.len());
    assert_eq!(ConsentRecord::decode(&v, &policy), Ok(r));
}

#[test]
fn encodes_the_documented_format() {
    let policy = eight();
    let r = record(&policy, 7, 1_790_000_000, [1; 12], 2, 0b0000_0101);
    assert_eq!(
        r.encode(),
        "1.7.1790000000.AQEBAQEBAQEBAQEB.c.functional:1~analytics:0~marketing:1~social_media:0~video_embeds:0~ab_testing:0~chat_support:0~maps:0"
    );
    // A record made against the policy carries the coverage of what it grants, last.
    let made = ConsentRecord::new(
        &policy,
        &["functional", "marketing"],
        Method::Custom,
        Timestamp(1_790_000_000),
        ConsentId::from_random_bytes([1; 12]),
    )
    .unwrap();
    let coverage = policy
        .coverage(|c| c == "functional" || c == "marketing")
        .unwrap();
    assert_eq!(made.coverage, Some(coverage));
    assert_eq!(made.encode(), format!("{}.{coverage}", r.encode()));
    assert_eq!(ConsentRecord::decode(&made.encode(), &policy), Ok(made));
    // Canonical digits only, at most a u32.
    for bad in [".01", ".4294967296", ".-1", ".", ".1.2"] {
        assert_eq!(
            ConsentRecord::decode(&format!("{}{bad}", r.encode()), &policy),
            Err(CookieError::Malformed),
            "{bad}"
        );
    }
    for (m, code) in METHODS.iter().zip(["a", "r", "c", "g", "w"]) {
        assert_eq!(m.code().to_string(), code);
        assert_eq!(Method::from_code(m.code()), Some(*m));
    }
}

#[test]
fn decodes_choices_in_any_order_and_fills_missing_as_refused() {
    let policy = eight();
    let v = "1.7.1790000000.AQEBAQEBAQEBAQEB.c.maps:1~functional:1";
    let r = ConsentRecord::decode(v, &policy).unwrap();
    let on: Vec<&str> = r
        .choices
        .iter()
        .filter(|c| c.1)
        .map(|c| c.0.as_str())
        .collect();
    assert_eq!(on, ["functional", "maps"]);
    assert_eq!(r.choices.len(), 8);
    let none = ConsentRecord::decode("1.7.1790000000.AQEBAQEBAQEBAQEB.r.", &policy).unwrap();
    assert!(none.choices.iter().all(|c| !c.1));
}

#[test]
fn refuses_each_kind_of_bad_value() {
    let policy = eight();
    let ok = "1.7.1790000000.AQEBAQEBAQEBAQEB.c.maps:1";
    assert!(ConsentRecord::decode(ok, &policy).is_ok());
    let cases: &[(&str, CookieError)] = &[
        ("", CookieError::Malformed),
        ("1", CookieError::Malformed),
        (
            "2.7.1790000000.AQEBAQEBAQEBAQEB.c.maps:1",
            CookieError::UnsupportedVersion,
        ),
        (
            "99.7.1790000000.AQEBAQEBAQEBAQEB.c.maps:1",
            CookieError::UnsupportedVersion,
        ),
        (
            "0.7.1790000000.AQEBAQEBAQEBAQEB.c.maps:1",
            CookieError::Malformed,
        ),
        (
            "01.7.1790000000.AQEBAQEBAQEBAQEB.c.maps:1",
            CookieError::Malformed,
        ),
        (
            "1.07.1790000000.AQEBAQEBAQEBAQEB.c.maps:1",
            CookieError::Malformed,
        ),
        (
            "1.-7.1790000000.AQEBAQEBAQEBAQEB.c.maps:1",
            CookieError::Malformed,
        ),
        (
            "1.+7.1790000000.AQEBAQEBAQEBAQEB.c.maps:1",
            CookieError::Malformed,
        ),
        (
            "1.4294967296.1790000000.AQEBAQEBAQEBAQEB.c.maps:1",
            CookieError::Malformed,
        ),
        (
            "1.7.-1790000000.AQEBAQEBAQEBAQEB.c.maps:1",
            CookieError::Malformed,
        ),
        (
            "1.7.1790000000000.AQEBAQEBAQEBAQEB.c.maps:1",
            CookieError::Malformed,
        ),
        (
            "1.7.1790000000.AQEBAQEBAQEBAQE.c.maps:1",
            CookieError::Malformed,
        ),
        (
            "1.7.1790000000.AQEBAQEBAQEBAQE=.c.maps:1",
            CookieError::Malformed,
        ),
        (
            "1.7.1790000000.AQEBAQEBAQEBAQEB.x.maps:1",
            CookieError::Malformed,
        ),
        (
            "1.7.1790000000.AQEBAQEBAQEBAQEB..maps:1",
            CookieError::Malformed,
        ),
        (
            "1.7.1790000000.AQEBAQEBAQEBAQEB.cc.maps:1",
            CookieError::Malformed,
        ),
        (
            "1.7.1790000000.AQEBAQEBAQEBAQEB.c.maps:2",
            CookieError::Malformed,
        ),
        (
            "1.7.1790000000.AQEBAQEBAQEBAQEB.c.maps:",
            CookieError::Malformed,
        ),
        (
            "1.7.1790000000.AQEBAQEBAQEBAQEB.c.maps",
            CookieError::Malformed,
        ),
        (
            "1.7.1790000000.AQEBAQEBAQEBAQEB.c.maps:1~",
            CookieError::Malformed,
        ),
        (
            "1.7.1790000000.AQEBAQEBAQEBAQEB.c.maps:1~maps:0",
            CookieError::Malformed,
        ),
        (
            "1.7.1790000000.AQEBAQEBAQEBAQEB.c.maps:1.x",
            CookieError::Malformed,
        ),
        (
            "1.7.1790000000.AQEBAQEBAQEBAQEB.c.ads:1",
            CookieError::UnknownCategory,
        ),
        (
            "1.7.1790000000.AQEBAQEBAQEBAQEB.c.necessary:1",
            CookieError::UnknownCategory,
        ),
        (
            "1.7.1790000000.AQEBAQEBAQEBAQEB.c.Maps:1",
            CookieError::UnknownCategory,
        ),
        (
            " 1.7.1790000000.AQEBAQEBAQEBAQEB.c.maps:1",
            CookieError::Malformed,
        ),
        (
            "\"1.7.1790000000.AQEBAQEBAQEBAQEB.c.maps:1\"",
            CookieError::Malformed,
        ),
    ];
    for (v, want) in cases {
        assert_eq!(ConsentRecord::decode(v, &policy), Err(*want), "{v:?}");
    }
}

#[test]
fn refuses_values_over_one_kib_before_parsing() {
    let policy = eight();
    let long = format!(
        "1.7.1790000000.AQEBAQEBAQEBAQEB.c.maps:1{}",
        "~".repeat(2000)
    );
    assert_eq!(
        ConsentRecord::decode(&long, &policy),
        Err(CookieError::TooLong)
    );
    let exactly = "x".repeat(MAX_ENCODED_LEN);
    assert_eq!(
        ConsentRecord::decode(&exactly, &policy),
        Err(CookieError::Malformed)
    );
    let over = "x".repeat(MAX_ENCODED_LEN + 1);
    assert_eq!(
        ConsentRecord::decode(&over, &policy),
        Err(CookieError::TooLong)
    );
}

#[test]
fn set_cookie_carries_the_documented_attributes() {
    let policy = eight();
    let r = record(&policy, 7, 1_790_000_000, [1; 12], 0, 255);
    assert_eq!(
        r.set_cookie(&policy, true),
        format!(
            "__Host-consentry={}; Path=/; Max-Age=15724800; SameSite=Lax; Secure",
            r.encode()
        )
    );
    let plain = r.set_cookie(&policy, false);
    assert_eq!(
        plain,
        format!(
            "consentry={}; Path=/; Max-Age=15724800; SameSite=Lax",
            r.encode()
        )
    );
    assert!(!plain.to_ascii_lowercase().contains("httponly"));
    assert_eq!(
        clear_consent_cookie(&policy, true),
        "__Host-consentry=; Path=/; Max-Age=0; SameSite=Lax; Secure"
    );
    assert_eq!(
        clear_consent_cookie(&policy, false),
        "consentry=; Path=/; Max-Age=0; SameSite=Lax"
    );
    let mut named = policy.clone();
    named.cookie_name = "cc".into();
    named.consent_max_age_days = 30;
    assert!(r.set_cookie(&named, false).starts_with("cc=1.7."));
    assert!(r.set_cookie(&named, true).starts_with("__Host-cc=1.7."));
    assert!(r.set_cookie(&named, false).contains("Max-Age=2592000;"));
}

/// What a browser requires of a `__Host-` cookie (RFC 6265bis, section 4.1.3.2): `Secure`,
/// `Path=/`, no `Domain`. Without all three it refuses the cookie, and the consent is lost.
fn browser_accepts_host_prefixed(header: &str) -> bool {
    let attrs: Vec<String> = header
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    attrs.iter().any(|a| a == "secure")
        && attrs.iter().any(|a| a == "path=/")
        && !attrs.iter().any(|a| a.starts_with("domain"))
}

#[test]
fn over_https_the_consent_cookie_is_host_prefixed_secure_host_only() {
    let policy = eight();
    let r = record(&policy, 7, 1_790_000_000, [1; 12], 0, 255);
    assert_eq!(policy.consent_cookie_name(true), "__Host-consentry");
    assert_eq!(policy.consent_cookie_name(false), "consentry");
    for header in [
        r.set_cookie(&policy, true),
        clear_consent_cookie(&policy, true),
    ] {
        assert!(header.starts_with("__Host-consentry="), "{header}");
        assert!(browser_accepts_host_prefixed(&header), "{header}");
    }
    // Over plain HTTP (development): the plain name, host-only, no `Secure`.
    for header in [
        r.set_cookie(&policy, false),
        clear_consent_cookie(&policy, false),
    ] {
        assert!(header.starts_with("consentry="), "{header}");
        assert!(
            !header.contains("Domain") && !header.contains("Secure"),
            "{header}"
        );
    }
}

#[test]
fn a_shared_consent_cookie_keeps_its_plain_name_and_carries_the_domain() {
    let mut policy = eight();
    policy.cookie_domain = Some("example.com".into());
    let r = record(&policy, 7, 1_790_000_000, [1; 12], 0, 255);
    assert_eq!(policy.consent_cookie_name(true), "consentry");
    assert_eq!(
        r.set_cookie(&policy, true),
        format!(
            "consentry={}; Path=/; Max-Age=15724800; Domain=example.com; SameSite=Lax; Secure",
            r.encode()
        )
    );
    assert_eq!(
        clear_consent_cookie(&policy, false),
        "consentry=; Path=/; Max-Age=0; Domain=example.com; SameSite=Lax"
    );
}

fn stale(policy: &Policy, secure: bool) -> Vec<String> {
    let mut out = Vec::new();
    clear_stale_consent_cookies(policy, secure, &mut out);
    out
}

#[test]
fn stale_consent_cookies_are_the_names_and_scopes_no_longer_read() {
    let mut policy = eight();
    // HTTPS, host-only: the plain name written before `__Host-` (or planted by this host).
    assert_eq!(stale(&policy, true), ["consentry=; Path=/; Max-Age=0"]);
    assert!(stale(&policy, false).is_empty());
    // Shared: the host-only cookies from before, which would duplicate the shared one.
    policy.cookie_domain = Some("example.com".into());
    assert_eq!(stale(&policy, false), ["consentry=; Path=/; Max-Age=0"]);
    assert_eq!(
        stale(&policy, true),
        [
            "consentry=; Path=/; Max-Age=0",
            "__Host-consentry=; Path=/; Max-Age=0; Secure"
        ]
    );
    // None of them is the cookie in use.
    for secure in [false, true] {
        let in_use = clear_consent_cookie(&policy, secure);
        assert!(!stale(&policy, secure).contains(&in_use));
    }
}

#[test]
fn the_consent_cookie_is_recognised_under_both_names_only() {
    let policy = eight();
    for name in ["consentry", "__Host-consentry"] {
        assert!(policy.is_consent_cookie(name), "{name}");
    }
    assert!(policy.is_consent_cookie_name("__Host-consentry", true));
    assert!(policy.is_consent_cookie_name("consentry", false));
    assert!(!policy.is_consent_cookie_name("consentry", true));
    assert!(!policy.is_consent_cookie_name("__Host-consentry", false));
    let mut shared = policy.clone();
    shared.cookie_domain = Some("example.com".into());
    assert!(shared.is_consent_cookie_name("consentry", true));
    assert!(!shared.is_consent_cookie_name("__Host-consentry", true));
    for name in [
        "",
        "__Host-",
        "__host-consentry",
        "__Secure-consentry",
        "__Host-__Host-consentry",
        "consentry2",
        "xconsentry",
    ] {
        assert!(!policy.is_consent_cookie(name), "{name}");
        for https in [false, true] {
            assert!(!policy.is_consent_cookie_name(name, https), "{name}");
        }
    }
}

#[test]
fn cookie_domain_and_prefixed_cookie_names_are_validated() {
    let kinds = |policy: &Policy| -> Vec<(PolicyErrorKind, String)> {
        policy
            .problems()
            .into_iter()
            .map(|e| (e.kind(), e.path().to_owned()))
            .collect()
    };
    let base = eight();
    assert!(kinds(&base).is_empty());
    for good in [
        "example.com",
        "shop.example.co.uk",
        "xn--bcher-kva.example",
        "a-b.c1",
    ] {
        let mut p = base.clone();
        p.cookie_domain = Some(good.into());
        assert!(kinds(&p).is_empty(), "{good}");
    }
    for bad in [
        "",
        ".example.com",
        "example.com.",
        "localhost",
        "Example.com",
        "exa mple.com",
        "example.com; SameSite=None",
        "-a.example.com",
        "a..example.com",
        "127.0.0.1",
        "[::1]",
    ] {
        let mut p = base.clone();
        p.cookie_domain = Some(bad.into());
        assert_eq!(
            kinds(&p),
            [(PolicyErrorKind::InvalidName, "cookie_domain".to_owned())],
            "{bad:?}"
        );
    }
    for bad in [
        "__Host-consentry",
        "__host-x",
        "__Secure-consentry",
        "__SECURE-x",
    ] {
        let mut p = base.clone();
        p.cookie_name = bad.into();
        assert_eq!(
            kinds(&p),
            [(PolicyErrorKind::InvalidName, "cookie_name".to_owned())],
            "{bad:?}"
        );
    }
}

#[test]
fn cookie_domain_is_read_by_both_readers() {
    let text = EIGHT.replace(
        r#""revision": 7,"#,
        r#""revision": 7, "cookie_domain": "example.com","#,
    );
    assert_ne!(text, EIGHT);
    let serde = Policy::from_json(&text).unwrap();
    let small = Policy::read_json(&text).unwrap();
    assert_eq!(serde.cookie_domain.as_deref(), Some("example.com"));
    assert_eq!(serde, small);
    assert_eq!(eight().cookie_domain, None);
}

#[test]
fn cookie_octets_follow_rfc_6265() {
    assert!(is_cookie_octets("abc.~:_-!#$%&'()*+/<=>?@[]^`{|}"));
    for bad in [" ", "\"", ",", ";", "\\", "\u{7f}", "\t", "é"] {
        assert!(!is_cookie_octets(bad), "{bad:?}");
    }
}

/// A small deterministic PRNG (xorshift64*), so the test needs no extra dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Decodes more than a million generated inputs: mutations of valid values (byte flips,
/// inserted format characters, deletions, truncations, spliced fields), format-like strings and
/// random bytes. Must finish in seconds even in a debug build.
#[test]
fn decodes_a_million_mutated_and_random_inputs_without_panicking() {
    const N: usize = 1_100_000;
    const ALPHABET: &[u8] = b"0123456789.~:abcgrwmpsx_AQEB-\xff";
    let policy = eight();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let seeds: Vec<Vec<u8>> = (0..64)
        .map(|i| {
            let t = 1_700_000_000 + i as i64 * 7919;
            let mut id = [0u8; 12];
            id.iter_mut().for_each(|b| *b = rng.next() as u8);
            record(&policy, i as u32 % 9, t, id, i % 5, rng.next() as u8)
                .encode()
                .into_bytes()
        })
        .collect();
    let ctx = Context {
        now: Timestamp(1_700_100_000),
        region: None,
        gpc: false,
    };
    let started = Instant::now();
    let (mut ok, mut buf) = (0usize, Vec::with_capacity(2048));
    for i in 0..N {
        buf.clear();
        match i % 8 {
            // Random bytes, lossy UTF-8.
            0 => (0..rng.below(300)).for_each(|_| buf.push(rng.next() as u8)),
            // Random strings over the format's alphabet.
            1 => (0..rng.below(120)).for_each(|_| buf.push(ALPHABET[rng.below(ALPHABET.len())])),
            // Oversized.
            2 if i % 64 == 2 => buf.resize(MAX_ENCODED_LEN + rng.below(64), b'~'),
            // Mutations of valid values.
            _ => {
                buf.extend_from_slice(&seeds[rng.below(seeds.len())]);
                for _ in 0..=rng.below(3) {
                    let at = rng.below(buf.len() + 1);
                    match rng.below(6) {
                        0 if at < buf.len() => buf[at] ^= 1 << rng.below(8),
                        1 => buf.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
                        2 if at < buf.len() => {
                            buf.remove(at);
                        }
                        3 => buf.truncate(at),
                        4 => {
                            let other = &seeds[rng.below(seeds.len())];
                            let from = rng.below(other.len());
                            buf.extend_from_slice(&other[from..]);
                        }
                        _ if at < buf.len() => buf[at] = ALPHABET[rng.below(ALPHABET.len())],
                        _ => {}
                    }
                }
            }
        }
        let s = String::from_utf8_lossy(&buf);
        if i % 4 == 0 {
            assert_eq!(
                ConsentRecord::decode(&s, &policy),
                reference_decode(&s, &policy),
                "{s}"
            );
        }
        if check_no_panic(&policy, &s) {
            ok += 1;
        }
        // Every 64th input also goes through the whole decision.
        if i % 64 == 0 {
            let d = decide(&policy, Some(&s), &ctx);
            assert!(d.allows("necessary"));
        }
    }
    let elapsed = started.elapsed();
    eprintln!(
        "decoded {N} inputs in {:.2?} ({:.0} ns each), {ok} were valid records",
        elapsed,
        elapsed.as_nanos() as f64 / N as f64
    );
    assert!(
        ok > 1000,
        "mutations should still reach valid records ({ok})"
    );
    assert!(ok < N / 2, "most inputs must be refused ({ok})");
}

#[test]
fn consent_ids_are_the_base64url_of_their_bytes() {
    use consentry::ConsentId;
    let cases: [([u8; 12], &str); 4] = [
        (core::array::from_fn(|i| i as u8), "AAECAwQFBgcICQoL"),
        (
            [
                0xfb, 0xef, 0xbe, 0xff, 0xff, 0xff, 0, 0x10, 0x83, 0x10, 0x51, 0x87,
            ],
            "----____ABCDEFGH",
        ),
        ([0; 12], "AAAAAAAAAAAAAAAA"),
        ([0xff; 12], "________________"),
    ];
    for (bytes, want) in cases {
        assert_eq!(ConsentId::from_random_bytes(bytes).as_str(), want);
    }
}
