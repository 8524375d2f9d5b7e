//! The Set-Cookie gate on any header value, for a visitor without consent and one who
//! accepted everything.
//!
//! - `Consentry::gate` (its cookie index) and `check_set_cookie` (`Policy::cookie_for`) agree.
//! - The name it reports is the trimmed text before the first `=`; no name means dropped as
//!   malformed.
//! - Consent only adds: what passes without consent passes with it.
//! - Without consent only the consent and CSRF cookies, necessary cookies, deletions and (when
//!   the policy says so) undeclared cookies pass.
#![no_main]

use consentry::policy::UndeclaredCookies;
use consentry::{ConsentId, ConsentRecord};
use consentry_fuzz::{policies, servers, trim_wsp, NOW};
use consentry_server::{check_set_cookie, GateReason, GateVerdict, CSRF_COOKIE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, header)) = data.split_first() else {
        return;
    };
    let which = usize::from(pick) % policies().len();
    let (policy, server) = (&policies()[which], &servers()[which]);

    let none = server.consent(&[][..], false);
    let all = ConsentRecord::accept_all(policy, NOW, ConsentId::from_random_bytes([7; 12]));
    let all_cookie = format!("{}={}", policy.cookie_name, all.encode());
    let all = server.consent(&[("cookie", all_cookie.as_bytes())][..], false);
    assert!(policy.categories.optional().all(|c| all.allows(c)));

    let mut kept = [false; 2];
    for (i, consent) in [&none, &all].into_iter().enumerate() {
        let (name, verdict) = check_set_cookie(policy, consent, header);
        assert_eq!(
            server.gate(consent, header),
            verdict.keeps(),
            "index and cookie_for disagree"
        );
        match &name {
            None => assert_eq!(verdict, GateVerdict::Drop(GateReason::Malformed)),
            Some(name) => {
                let first = header.split(|b| *b == b';').next().unwrap_or_default();
                let eq = first
                    .iter()
                    .position(|b| *b == b'=')
                    .expect("a name needs `=`");
                assert_eq!(trim_wsp(&first[..eq]), name.as_bytes());
                assert!(!name.is_empty());
            }
        }
        kept[i] = verdict.keeps();
    }
    assert!(
        !kept[0] || kept[1],
        "passes without consent, dropped with it"
    );

    if kept[0] {
        let name = check_set_cookie(policy, &none, header)
            .0
            .expect("kept has a name");
        let lower = String::from_utf8_lossy(header).to_ascii_lowercase();
        // consentry's own consent cookie, under either of its names (`__Host-` over HTTPS).
        let allowed = policy.is_consent_cookie(&name)
            || name == CSRF_COOKIE
            || policy
                .cookie_for(&name)
                .is_some_and(|c| policy.is_required(c.category))
            || (policy.cookie_for(&name).is_none()
                && policy.undeclared_cookies != UndeclaredCookies::Drop)
            || lower.contains("max-age")
            || lower.contains("expires");
        assert!(allowed, "{name} passes without consent");
    }
});
