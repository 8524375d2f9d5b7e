//! `Timestamp::to_rfc3339` agrees with the `time` crate.

use consentry::Timestamp;
use proptest::prelude::*;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years RFC 3339 can write.
const MIN: i64 = -62_167_219_200;
const MAX: i64 = 253_402_300_799;

fn reference(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .unwrap()
        .format(&Rfc3339)
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 20_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn matches_the_time_crate_for_any_year_0_to_9999(secs in MIN..=MAX) {
        prop_assert_eq!(Timestamp(secs).to_rfc3339(), reference(secs));
    }

    #[test]
    fn matches_the_time_crate_around_now(secs in 0i64..4_102_444_800) {
        prop_assert_eq!(Timestamp(secs).to_rfc3339(), reference(secs));
    }
}

#[test]
fn matches_the_time_crate_at_edges() {
    let days = |d: i64| d * 86_400;
    for secs in [
        MIN,
        MAX,
        0,
        -1,
        1,
        951_782_400,    // 2000-02-29
        951_868_799,    // 2000-02-29T23:59:59
        -2_203_891_200, // 1900-03-01
        days(-719_468), // 0000-03-01
        4_107_542_400,  // 2100-03-01
        1_795_513_699,
        1_790_000_000 + days(182),
    ] {
        assert_eq!(Timestamp(secs).to_rfc3339(), reference(secs), "{secs}");
    }
    // Every day boundary across four centuries (leap years, century rules).
    let mut t = days(-146_097);
    while t < days(2 * 146_097) {
        assert_eq!(Timestamp(t).to_rfc3339(), reference(t), "{t}");
        assert_eq!(Timestamp(t - 1).to_rfc3339(), reference(t - 1), "{}", t - 1);
        t += days(1);
    }
}

#[test]
fn never_panics_outside_the_rfc_3339_range() {
    for secs in [i64::MIN, i64::MIN + 1, MIN - 1, MAX + 1, i64::MAX] {
        let s = Timestamp(secs).to_rfc3339();
        assert!(s.ends_with('Z'), "{s}");
    }
}

#[test]
fn plus_days_saturates() {
    assert_eq!(Timestamp(0).plus_days(1), Timestamp(86_400));
    assert_eq!(Timestamp(i64::MAX).plus_days(1), Timestamp(i64::MAX));
}
