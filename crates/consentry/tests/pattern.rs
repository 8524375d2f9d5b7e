//! `Pattern` matching agrees with a plain backtracking reference, on small alphabets where
//! wildcards interact the most.

use consentry::Pattern;
use proptest::prelude::*;

/// The textbook definition: `*` matches any run of characters, everything else itself.
fn reference(p: &[char], t: &[char]) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some(('*', rest)) => (0..=t.len()).any(|i| reference(rest, &t[i..])),
        Some((c, rest)) => t.first() == Some(c) && reference(rest, &t[1..]),
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 5_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn matches_like_the_reference(p in "[ab*]{0,8}", t in "[ab]{0,10}") {
        let pc: Vec<char> = p.chars().collect();
        let tc: Vec<char> = t.chars().collect();
        prop_assert_eq!(Pattern::new(p.as_str()).matches(&t), reference(&pc, &tc), "{} on {}", p, t);
    }

    #[test]
    fn matches_like_the_reference_with_unicode(p in "[aé_*]{0,6}", t in "[aé_]{0,8}") {
        let pc: Vec<char> = p.chars().collect();
        let tc: Vec<char> = t.chars().collect();
        prop_assert_eq!(Pattern::new(p.as_str()).matches(&t), reference(&pc, &tc));
    }

    #[test]
    fn prefix_is_the_text_before_the_first_star(p in "[ab*]{0,8}") {
        let pat = Pattern::new(p.as_str());
        prop_assert_eq!(pat.prefix(), p.split('*').next().unwrap());
        prop_assert_eq!(pat.is_wildcard(), p.contains('*'));
        prop_assert_eq!(pat.matches_everything(), p.chars().all(|c| c == '*'));
    }
}

#[test]
fn cookie_name_patterns() {
    let ga = Pattern::new("_ga_*");
    assert!(ga.matches("_ga_"));
    assert!(ga.matches("_ga_G1234"));
    assert!(!ga.matches("_ga"));
    assert!(!ga.matches("x_ga_1"));
    assert!(
        !Pattern::new("_ga").matches("_GA"),
        "cookie names are case-sensitive"
    );
    assert!(Pattern::new("*_sid").matches("app_sid"));
    assert!(!Pattern::new("*_sid").matches("app_sid2"));
}

#[test]
fn long_inputs_do_not_blow_up() {
    let p = Pattern::new(format!("{}b", "a*".repeat(50)));
    let t = "a".repeat(100_000);
    let start = std::time::Instant::now();
    assert!(!p.matches(&t));
    assert!(start.elapsed().as_secs_f64() < 2.0, "{:?}", start.elapsed());
}
