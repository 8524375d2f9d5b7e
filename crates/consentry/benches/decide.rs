//! Time of `consentry::decide`, the core of every request the server layer handles.
//!
//! `cargo bench -p consentry --bench decide -- --warm-up-time 0.3 --measurement-time 1`

use std::hint::black_box;
use std::time::Duration;

use consentry::{decide, ConsentId, ConsentRecord, Context, Policy, Timestamp};
use criterion::Criterion;

const POLICY: &str = include_str!("../policies/p4p-packing.json");

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    let policy = Policy::from_json(POLICY).expect("example policy");
    let now = Timestamp(1_790_000_000);
    let accepted =
        ConsentRecord::accept_all(&policy, now, ConsentId::from_random_bytes([7; 12])).encode();
    let cases: [(&str, Option<&str>, Option<&str>); 5] = [
        ("no cookie", None, None),
        ("accepted", Some(&accepted), None),
        ("accepted, region de", Some(&accepted), Some("de")),
        ("accepted, region US-CA", Some(&accepted), Some("US-CA")),
        ("garbage", Some("1.x.%%%"), Some("US")),
    ];
    let mut group = c.benchmark_group("decide");
    for (name, cookie, region) in cases {
        let ctx = Context {
            now,
            region,
            gpc: false,
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                let d = decide(black_box(&policy), black_box(cookie), black_box(&ctx));
                black_box(d.allows("analytics"))
            })
        });
    }
    group.finish();
    c.final_summary();
}
