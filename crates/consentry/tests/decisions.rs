//! Consent decisions: fail closed, expiry, revisions, GPC and regions.
#![cfg(feature = "json")]

mod common;

use common::full;
use consentry::{
    decide, ConsentId, ConsentRecord, Context, CookieError, Method, Policy, RegionProfile, Status,
    Timestamp,
};

const NOW: Timestamp = Timestamp(1_790_000_000);
const DAY: i64 = 86_400;

fn id() -> ConsentId {
    ConsentId::from_random_bytes([5; 12])
}

fn ctx(region: Option<&str>, gpc: bool) -> Context<'_> {
    Context {
        now: NOW,
        region,
        gpc,
    }
}

fn eu() -> Context<'static> {
    ctx(Some("DE"), false)
}

fn allowed(d: &consentry::Decision) -> Vec<&str> {
    d.allowed().iter().map(String::as_str).collect()
}

fn assert_only_necessary_and_prompt(d: &consentry::Decision) {
    assert_eq!(allowed(d), ["necessary"], "{d:?}");
    assert!(d.needs_prompt(), "{d:?}");
    assert!(d.record().is_none(), "{d:?}");
    assert!(!d.allows("analytics") && !d.allows("marketing") && !d.allows("functional"));
}

#[test]
fn no_cookie_allows_only_necessary_and_prompts() {
    let p = full();
    let d = decide(&p, None, &eu());
    assert_only_necessary_and_prompt(&d);
    assert_eq!(d.status(), &Status::Missing);
    assert_eq!(d.profile(), RegionProfile::OptIn);
    assert!(!d.gpc_applied());
}

#[test]
fn accept_all_allows_everything_without_prompt() {
    let p = full();
    let cookie = ConsentRecord::accept_all(&p, NOW, id()).encode();
    let d = decide(&p, Some(&cookie), &eu());
    assert_eq!(
        allowed(&d),
        ["necessary", "functional", "analytics", "marketing"]
    );
    assert!(!d.needs_prompt());
    assert_eq!(d.status(), &Status::Valid);
    assert_eq!(d.record().unwrap().method, Method::AcceptAll);
}

#[test]
fn reject_all_allows_only_necessary_and_is_remembered_without_prompt() {
    let p = full();
    let cookie = ConsentRecord::reject_all(&p, NOW, id()).encode();
    let d = decide(&p, Some(&cookie), &eu());
    assert_eq!(allowed(&d), ["necessary"]);
    assert!(
        !d.needs_prompt(),
        "a refusal is remembered like a consent (R11)"
    );
    assert_eq!(d.status(), &Status::Valid);
}

#[test]
fn custom_choice_allows_exactly_the_chosen_categories() {
    let p = full();
    let r = ConsentRecord::new(&p, &["analytics"], Method::Custom, NOW, id()).unwrap();
    let d = decide(&p, Some(&r.encode()), &eu());
    assert_eq!(allowed(&d), ["necessary", "analytics"]);
    assert!(!d.needs_prompt());
    let r =
        ConsentRecord::new(&p, &["functional", "marketing"], Method::Custom, NOW, id()).unwrap();
    let d = decide(&p, Some(&r.encode()), &eu());
    assert_eq!(allowed(&d), ["necessary", "functional", "marketing"]);
}

#[test]
fn unknown_categories_are_never_allowed() {
    let p = full();
    let cookie = ConsentRecord::accept_all(&p, NOW, id()).encode();
    let d = decide(&p, Some(&cookie), &eu());
    assert!(!d.allows("ads") && !d.allows("") && !d.allows("Analytics"));
    assert!(ConsentRecord::new(&p, &["ads"], Method::Custom, NOW, id()).is_err());
}

#[test]
fn withdrawal_denies_everything_optional_without_prompt() {
    let p = full();
    let cookie = ConsentRecord::withdrawal(&p, NOW, id()).encode();
    let d = decide(&p, Some(&cookie), &eu());
    assert_eq!(allowed(&d), ["necessary"]);
    assert!(!d.needs_prompt());
    assert_eq!(d.record().unwrap().method, Method::Withdrawal);
}

#[test]
fn consent_expires_after_182_days() {
    let p = full();
    let cookie = ConsentRecord::accept_all(&p, NOW, id()).encode();
    let at = |secs: i64| Context {
        now: Timestamp(NOW.0 + secs),
        region: Some("FR"),
        gpc: false,
    };
    let d = decide(&p, Some(&cookie), &at(182 * DAY - 1));
    assert!(d.allows("analytics") && !d.needs_prompt());
    let d = decide(&p, Some(&cookie), &at(182 * DAY));
    assert_only_necessary_and_prompt(&d);
    assert_eq!(d.status(), &Status::Expired);
    let d = decide(&p, Some(&cookie), &at(400 * DAY));
    assert_eq!(d.status(), &Status::Expired);
}

#[test]
fn a_refusal_expires_like_a_consent() {
    let p = full();
    let cookie = ConsentRecord::reject_all(&p, NOW, id()).encode();
    let later = Context {
        now: Timestamp(NOW.0 + 183 * DAY),
        region: None,
        gpc: false,
    };
    let d = decide(&p, Some(&cookie), &later);
    assert_eq!(d.status(), &Status::Expired);
    assert!(d.needs_prompt());
}

#[test]
fn expiry_follows_the_policy_consent_lifetime() {
    let mut p = full();
    p.consent_max_age_days = 30;
    let cookie = ConsentRecord::accept_all(&p, NOW, id()).encode();
    let now = Timestamp(NOW.0 + 31 * DAY);
    let d = decide(
        &p,
        Some(&cookie),
        &Context {
            now,
            region: None,
            gpc: false,
        },
    );
    assert_eq!(d.status(), &Status::Expired);
}

#[test]
fn a_revision_bump_asks_again() {
    let old = full();
    let cookie = ConsentRecord::accept_all(&old, NOW, id()).encode();
    let mut new = old.clone();
    new.revision += 1;
    let d = decide(&new, Some(&cookie), &eu());
    assert_only_necessary_and_prompt(&d);
    assert_eq!(d.status(), &Status::StaleRevision);
}

#[test]
fn a_new_vendor_in_a_granted_category_asks_again_without_a_revision_bump() {
    let old = full();
    let granted = ConsentRecord::new(&old, &["analytics"], Method::Custom, NOW, id()).unwrap();
    let cookie = granted.encode();
    assert!(granted.coverage.is_some());
    // A vendor added to analytics: the consent did not cover it.
    let mut new = old.clone();
    let mut extra = new
        .services
        .iter()
        .find(|s| s.category == "analytics")
        .unwrap()
        .clone();
    extra.id = "hotjar".into();
    extra.provider = "Hotjar Ltd".into();
    new.services.push(extra.clone());
    let d = decide(&new, Some(&cookie), &eu());
    assert_only_necessary_and_prompt(&d);
    assert_eq!(d.status(), &Status::CoverageChanged);
    assert_eq!(
        consentry::record_status(&new, &granted, NOW),
        Status::CoverageChanged
    );
    // Another provider for the same service counts too.
    let mut moved = old.clone();
    let s = moved
        .services
        .iter_mut()
        .find(|s| s.category == "analytics")
        .unwrap();
    s.provider = "Someone Else Inc.".into();
    assert_eq!(
        decide(&moved, Some(&cookie), &eu()).status(),
        &Status::CoverageChanged
    );
    // A vendor added to a category the visitor refused changes nothing.
    let mut refused = old.clone();
    extra.category = "marketing".into();
    refused.services.push(extra);
    let d = decide(&refused, Some(&cookie), &eu());
    assert_eq!(d.status(), &Status::Valid);
    assert!(d.allows("analytics") && !d.needs_prompt());
    // Nor do purposes and texts (bump the revision for those).
    let mut reworded = old.clone();
    for s in &mut reworded.services {
        s.purpose.push_str(" (reworded)");
    }
    assert_eq!(
        decide(&reworded, Some(&cookie), &eu()).status(),
        &Status::Valid
    );
    // A cookie written without the coverage field holds as before.
    let legacy = cookie.rsplit_once('.').unwrap().0;
    assert_eq!(ConsentRecord::decode(legacy, &new).unwrap().coverage, None);
    assert_eq!(decide(&new, Some(legacy), &eu()).status(), &Status::Valid);
    // A refusal covers nothing and has no coverage field.
    let refusal = ConsentRecord::reject_all(&old, NOW, id());
    assert_eq!(refusal.coverage, None);
    assert_eq!(
        decide(&new, Some(&refusal.encode()), &eu()).status(),
        &Status::Valid
    );
}

#[test]
fn a_future_revision_fails_closed() {
    let p = full();
    let mut r = ConsentRecord::accept_all(&p, NOW, id());
    r.revision = p.revision + 1;
    let d = decide(&p, Some(&r.encode()), &eu());
    assert_only_necessary_and_prompt(&d);
    assert_eq!(d.status(), &Status::Invalid(CookieError::FutureRevision));
}

#[test]
fn decided_at_in_the_future_fails_closed_beyond_one_day_of_skew() {
    let p = full();
    let skewed = ConsentRecord::accept_all(&p, Timestamp(NOW.0 + DAY), id()).encode();
    let d = decide(&p, Some(&skewed), &eu());
    assert!(d.allows("analytics"), "one day of clock skew is tolerated");
    let future = ConsentRecord::accept_all(&p, Timestamp(NOW.0 + DAY + 1), id()).encode();
    let d = decide(&p, Some(&future), &eu());
    assert_only_necessary_and_prompt(&d);
    assert_eq!(d.status(), &Status::FromFuture);
}

#[test]
fn malformed_cookies_fail_closed() {
    let p = full();
    let good = ConsentRecord::accept_all(&p, NOW, id()).encode();
    let bad = [
        String::new(),
        "garbage".into(),
        good.replacen("1.", "2.", 1),
        good.replacen("1.", "0.", 1),
        good.replace("marketing:1", "marketing:2"),
        good.replace("marketing:1", "ads:1"),
        good.replace("marketing:1", "necessary:1"),
        format!("{good}~analytics:1"),
        format!("{good}."),
        format!("{good}{}", "~x:1".repeat(300)),
        good.replace(".a.", ".x."),
        good.replace(".a.", ".aa."),
    ];
    for v in &bad {
        let d = decide(&p, Some(v), &eu());
        assert_only_necessary_and_prompt(&d);
        assert!(
            matches!(d.status(), Status::Invalid(_)),
            "{v}: {:?}",
            d.status()
        );
    }
}

#[test]
fn categories_the_cookie_does_not_mention_are_refused() {
    let p = full();
    let cookie = format!("1.3.{}.{}.c.analytics:1", NOW.0, id());
    let d = decide(&p, Some(&cookie), &eu());
    assert_eq!(allowed(&d), ["necessary", "analytics"]);
}

// Regions.

#[test]
fn unknown_or_missing_region_is_opt_in() {
    let p = full();
    for region in [None, Some(""), Some("XX"), Some("ZZ-99"), Some("mars")] {
        let d = decide(&p, None, &ctx(region, false));
        assert_eq!(d.profile(), RegionProfile::OptIn, "{region:?}");
        assert_only_necessary_and_prompt(&d);
    }
}

#[test]
fn eea_uk_ch_br_and_quebec_are_opt_in_even_if_the_policy_says_opt_out() {
    // A policy that (wrongly) lists them as opt-out, parsed without validation: the law wins.
    let mut p = full();
    for code in ["DE", "FR", "UK", "GB", "CH", "BR", "CA-QC", "CA"] {
        p.regions.insert(code.into(), RegionProfile::OptOut);
    }
    for code in [
        "DE", "fr", "GB", "UK", "CH", "BR", "CA-QC", "ca-qc", "IE", "NO", "IS",
    ] {
        let d = decide(&p, None, &ctx(Some(code), false));
        assert_eq!(d.profile(), RegionProfile::OptIn, "{code}");
        assert_only_necessary_and_prompt(&d);
    }
    // Canada outside Quebec follows the policy.
    assert_eq!(p.profile_for(Some("CA-ON")), RegionProfile::OptOut);
}

#[test]
fn region_codes_are_trimmed_and_matched_exactly_first_then_by_country() {
    use consentry::region::requires_opt_in;
    use RegionProfile::{OptIn, OptOut};
    let mut p = full();
    p.regions.insert("US-NY".into(), OptIn);
    p.regions.insert("MX".into(), OptOut);
    p.regions.insert("DE".into(), OptOut);
    p.regions.insert("".into(), OptOut);
    p.regions.insert("DE\u{2003}".into(), OptOut);
    let cases = [
        (Some(" US-CA "), OptOut),
        (Some("\tus\n"), OptOut),
        (Some("\r\n us-ca\x0c"), OptOut),
        // Codes are ASCII: anything else is an unknown region (here opt-in), even one the
        // policy lists, and even around a known code.
        (Some("\u{3000}us\u{a0}"), OptIn),
        (Some("\u{200b}US"), OptIn),
        (Some("DE\u{2003}"), OptIn),
        (Some("U S"), OptIn),
        (Some("US-NY"), OptIn), // the exact code before the country
        (Some(" us-ny\n"), OptIn),
        (Some("us-ny-x"), OptOut),
        (Some("US-"), OptOut),
        (Some("-US"), OptOut), // country "", which this unvalidated policy lists
        (Some("mx"), OptOut),
        (Some(" \tde\n"), OptIn), // the law wins, after trimming
        (Some("ca-qc "), OptIn),
        (Some("Ca-On"), OptIn),
        (Some("é"), OptIn),
        (Some("\u{1680}"), OptIn),
        (None, OptIn),
    ];
    for (region, want) in cases {
        assert_eq!(p.profile_for(region), want, "{region:?}");
    }
    assert!(requires_opt_in(" de\t") && requires_opt_in("\nEEA-x "));
    assert!(!requires_opt_in("D E") && !requires_opt_in("\u{200b}DE"));
    // Nothing but white space is an unknown region: the default profile.
    p.default_region = OptOut;
    for region in [None, Some(""), Some(" \u{3000}\t")] {
        assert_eq!(p.profile_for(region), OptOut, "{region:?}");
    }
}

#[test]
fn us_states_follow_the_us_opt_out_profile() {
    let p = full();
    for code in ["US", "US-CA", "us-ny"] {
        let d = decide(&p, None, &ctx(Some(code), false));
        assert_eq!(d.profile(), RegionProfile::OptOut, "{code}");
        assert_eq!(
            allowed(&d),
            ["necessary", "functional", "analytics", "marketing"]
        );
        assert!(d.needs_prompt(), "opt-out shows a notice");
    }
}

// GPC.

#[test]
fn gpc_under_opt_in_denies_marketing_still_prompts_and_never_grants() {
    let p = full();
    let d = decide(&p, None, &ctx(Some("DE"), true));
    assert_only_necessary_and_prompt(&d);
    assert!(d.gpc_record(&p, NOW, id()).is_none());

    // A stored consent to marketing is overridden by GPC, the rest stands.
    let cookie = ConsentRecord::accept_all(&p, NOW, id()).encode();
    let d = decide(&p, Some(&cookie), &ctx(Some("DE"), true));
    assert_eq!(allowed(&d), ["necessary", "functional", "analytics"]);
    assert!(d.gpc_applied());
    assert!(!d.needs_prompt());

    // GPC adds nothing to a refusal.
    let cookie = ConsentRecord::reject_all(&p, NOW, id()).encode();
    let d = decide(&p, Some(&cookie), &ctx(None, true));
    assert_eq!(allowed(&d), ["necessary"]);
}

#[test]
fn gpc_under_opt_out_denies_marketing_without_prompt_and_is_remembered() {
    let p = full();
    let gpc = ctx(Some("US-CA"), true);
    let d = decide(&p, None, &gpc);
    assert_eq!(d.profile(), RegionProfile::OptOut);
    assert_eq!(allowed(&d), ["necessary", "functional", "analytics"]);
    assert!(d.gpc_applied());
    assert!(
        !d.needs_prompt(),
        "GPC opts out of sale/sharing without asking (R16)"
    );

    // The opt-out is stored, as a record that grants nothing.
    let rec = d.gpc_record(&p, NOW, id()).expect("a GPC record to store");
    assert_eq!(rec.method, Method::Gpc);
    assert!(rec.choices.iter().all(|(_, on)| !on), "{rec:?}");
    let cookie = rec.encode();

    // A later request without the signal keeps marketing denied (R16).
    let later = Context {
        now: Timestamp(NOW.0 + 10 * DAY),
        region: Some("US-CA"),
        gpc: false,
    };
    let d = decide(&p, Some(&cookie), &later);
    assert_eq!(d.status(), &Status::Valid);
    assert_eq!(allowed(&d), ["necessary", "functional", "analytics"]);
    assert!(!d.allows("marketing"));
    assert!(d.gpc_applied());
    assert!(!d.needs_prompt());
    assert!(
        d.gpc_record(&p, later.now, id()).is_none(),
        "already stored"
    );
}

#[test]
fn a_gpc_record_is_never_read_as_consent() {
    let p = full();
    // Even a tampered GPC record claiming grants grants nothing under opt-in (R17).
    let cookie = format!(
        "1.3.{}.{}.g.functional:1~analytics:1~marketing:1",
        NOW.0,
        id()
    );
    let d = decide(&p, Some(&cookie), &ctx(Some("FR"), false));
    assert_eq!(allowed(&d), ["necessary"]);
    assert!(d.needs_prompt(), "no real choice was made under opt-in");
    // Under opt-out it keeps marketing denied.
    let d = decide(&p, Some(&cookie), &ctx(Some("US"), false));
    assert!(!d.allows("marketing"));
}

#[test]
fn gpc_does_not_suppress_the_notice_when_it_denies_nothing() {
    // P4P has analytics only: GPC covers sale and sharing, not analytics.
    let p = common::example("p4p-packing");
    let d = decide(&p, None, &ctx(Some("US"), true));
    assert!(!d.gpc_applied());
    assert!(d.needs_prompt());
    assert!(d.gpc_record(&p, NOW, id()).is_none());
}

#[test]
fn sale_or_sharing_can_be_set_per_category() {
    let text = common::FULL.replace(
        r#""functional": { "lawful_basis": "consent" }"#,
        r#""functional": { "lawful_basis": "consent", "sale_or_sharing": true }"#,
    );
    let p = Policy::from_json(&text).unwrap();
    let d = decide(&p, None, &ctx(Some("US"), true));
    assert_eq!(allowed(&d), ["necessary", "analytics"]);
}

#[test]
fn a_policy_without_optional_categories_never_prompts() {
    for name in ["proecommerce", "packagetrack"] {
        let p = common::example(name);
        for gpc in [false, true] {
            let d = decide(&p, None, &ctx(None, gpc));
            assert_eq!(allowed(&d), ["necessary"]);
            assert!(!d.needs_prompt(), "{name}");
        }
        let d = decide(&p, Some("junk"), &ctx(None, false));
        assert!(!d.needs_prompt());
    }
}

#[test]
fn decide_is_pure_in_time() {
    let p = full();
    let cookie = ConsentRecord::accept_all(&p, NOW, id()).encode();
    let a = decide(&p, Some(&cookie), &eu());
    let b = decide(&p, Some(&cookie), &eu());
    assert_eq!(a, b);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn region() -> impl Strategy<Value = Option<&'static str>> {
        prop::sample::select(vec![
            None,
            Some("DE"),
            Some("US"),
            Some("US-CA"),
            Some("BR"),
            Some("XX"),
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 3000,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// GPC never grants anything (R17); necessary is always allowed; without a valid
        /// choice under opt-in, only necessary is.
        #[test]
        fn gpc_never_grants_and_opt_in_fails_closed(
            bits in any::<u8>(),
            m in 0usize..5,
            age_days in -2i64..400,
            rev_delta in -1i64..=1,
            region in region(),
            garbage in any::<bool>(),
        ) {
            let p = full();
            let methods = [Method::AcceptAll, Method::RejectAll, Method::Custom, Method::Gpc, Method::Withdrawal];
            let optional: Vec<String> = p.categories.optional().map(String::from).collect();
            let record = ConsentRecord::from_parts((i64::from(p.revision) + rev_delta) as u32, Timestamp(NOW.0 - age_days * DAY), id(), methods[m], optional.iter().enumerate().map(|(i, c)| (c.clone(), bits >> i & 1 == 1)).collect());
            let mut cookie = record.encode();
            if garbage {
                cookie.insert(3, '%');
            }
            let without = decide(&p, Some(&cookie), &ctx(region, false));
            let with = decide(&p, Some(&cookie), &ctx(region, true));
            for d in [&without, &with] {
                prop_assert!(d.allows("necessary"));
                prop_assert!(!d.allows("unknown"));
            }
            for c in with.allowed() {
                prop_assert!(without.allows(c), "GPC granted {}", c);
            }
            prop_assert!(!with.allows("marketing"));
            let consent = without.record().filter(|r| r.method != Method::Gpc);
            if without.profile() == RegionProfile::OptIn && consent.is_none() {
                prop_assert_eq!(allowed(&without), ["necessary"]);
                prop_assert!(without.needs_prompt());
            }
            if let Some(r) = consent {
                for c in &optional {
                    prop_assert_eq!(without.allows(c), r.granted(c));
                }
            }
        }
    }
}

#[test]
fn records_list_every_optional_category_in_policy_order() {
    let p = common::full();
    let t = NOW;
    let on = |r: &ConsentRecord| -> Vec<(String, bool)> { r.choices.clone() };
    let row = |v: [bool; 3]| -> Vec<(String, bool)> {
        ["functional", "analytics", "marketing"]
            .iter()
            .zip(v)
            .map(|(c, b)| (c.to_string(), b))
            .collect()
    };
    let r = ConsentRecord::new(
        &p,
        &["marketing", "necessary", "functional"],
        Method::Custom,
        t,
        id(),
    )
    .unwrap();
    assert_eq!(on(&r), row([true, false, true]));
    assert_eq!(
        (r.method, r.decided_at, r.id, r.revision),
        (Method::Custom, t, id(), 3)
    );
    assert_eq!(
        on(&ConsentRecord::new(&p, &[], Method::Custom, t, id()).unwrap()),
        row([false; 3])
    );
    assert_eq!(
        ConsentRecord::new(&p, &["analytics", "ads"], Method::Custom, t, id()),
        Err(consentry::ChoiceError::UnknownCategory("ads".into()))
    );
    let all = ConsentRecord::accept_all(&p, t, id());
    assert_eq!((on(&all), all.method), (row([true; 3]), Method::AcceptAll));
    let none = ConsentRecord::reject_all(&p, t, id());
    assert_eq!(
        (on(&none), none.method),
        (row([false; 3]), Method::RejectAll)
    );
    let gone = ConsentRecord::withdrawal(&p, t, id());
    assert_eq!(
        (on(&gone), gone.method),
        (row([false; 3]), Method::Withdrawal)
    );
}
