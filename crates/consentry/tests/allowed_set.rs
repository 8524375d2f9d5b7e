//! `decide_allowed` (the allocation-free path the server gate uses) answers exactly as `decide`.
#![cfg(feature = "json")]

mod common;

use consentry::{
    decide, decide_allowed, ConsentId, ConsentRecord, Context, Method, Policy, Timestamp,
};

const NOW: Timestamp = Timestamp(1_790_000_000);

fn policies() -> Vec<Policy> {
    let mut out = vec![common::full()];
    for json in [
        include_str!("../policies/p4p-packing.json"),
        include_str!("../policies/proecommerce.json"),
        include_str!("../policies/packagetrack.json"),
    ] {
        out.push(Policy::from_json(json).unwrap());
    }
    out
}

#[test]
fn agrees_with_decide_on_every_category() {
    for policy in policies() {
        let ids: Vec<String> = policy.categories.iter().map(|(c, _)| c.into()).collect();
        let optional: Vec<&str> = policy.categories.optional().collect();
        let id = ConsentId::from_random_bytes([3; 12]);
        let mut cookies: Vec<Option<String>> = vec![None, Some(String::new()), Some("1.x".into())];
        for (i, method) in [
            Method::AcceptAll,
            Method::RejectAll,
            Method::Custom,
            Method::Gpc,
        ]
        .into_iter()
        .enumerate()
        {
            let granted: Vec<&str> = optional.iter().copied().skip(i % 2).step_by(2).collect();
            let r = ConsentRecord::new(&policy, &granted, method, NOW, id).unwrap();
            cookies.push(Some(r.encode()));
            let mut stale = r.clone();
            stale.decided_at = Timestamp(NOW.0 - 400 * 86_400);
            cookies.push(Some(stale.encode()));
        }
        let accepted = ConsentRecord::accept_all(&policy, NOW, id).encode();
        cookies.push(Some(format!(
            "{accepted}~{}:1",
            optional.first().unwrap_or(&"x")
        )));
        for cookie in &cookies {
            for region in [None, Some("DE"), Some("us-ca"), Some("US"), Some("ca-qc")] {
                for gpc in [false, true] {
                    let ctx = Context {
                        now: NOW,
                        region,
                        gpc,
                    };
                    let d = decide(&policy, cookie.as_deref(), &ctx);
                    let set = decide_allowed(&policy, cookie.as_deref(), &ctx);
                    for c in ids.iter().map(String::as_str).chain(["unknown", ""]) {
                        assert_eq!(
                            set.allows(&policy, c),
                            d.allows(c),
                            "{c} {cookie:?} {region:?} {gpc}"
                        );
                    }
                }
            }
        }
    }
}
