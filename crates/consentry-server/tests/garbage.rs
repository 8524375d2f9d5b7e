//! Bad input never panics: random and hostile bytes through every parser the server runs on
//! request data (Cookie headers, Set-Cookie values, CSRF tokens and forms, receipts).

use consentry::{Policy, Receipt};
use consentry_server::{check_set_cookie, AuthCookie, Consentry, Csrf, Key, Keys, ReceiptEndpoint};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Bytes biased towards the characters the parsers split on.
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        const SPECIAL: &[u8] = b";=,.~:\"\\ \t%-_0123456789abcxyzAQ";
        let len = (self.next() as usize) % (max + 1);
        (0..len)
            .map(|_| {
                let r = self.next();
                if r % 3 == 0 {
                    (r >> 8) as u8
                } else {
                    SPECIAL[(r >> 8) as usize % SPECIAL.len()]
                }
            })
            .collect()
    }
}

#[test]
fn parsers_never_panic_on_random_bytes() {
    let policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
    let consentry = Consentry::new(policy.clone()).region_header("x-region");
    let keys = Keys::new(Key::generate());
    let csrf = Csrf::new(keys.clone())
        .session_cookie("__Host-session")
        .allow_origin("https://partner.test");
    let trusting = consentry.clone().trust_forwarded_proto(true);
    let endpoint = ReceiptEndpoint::new(policy, |_r: Receipt| Ok(())).record_user_agent(true);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for i in 0..20_000 {
        let a = rng.bytes(if i % 100 == 0 { 5000 } else { 120 });
        let b = rng.bytes(80);
        let mut cookie = b"consentry=1.1.".to_vec();
        cookie.extend_from_slice(&a);
        let headers: &[(&str, &[u8])] = &[
            ("cookie", &cookie),
            ("cookie", &a),
            ("sec-gpc", &b),
            ("x-region", &b),
            ("origin", &a),
            ("host", &b),
            ("sec-fetch-site", &b),
            ("x-csrf-token", &a),
            ("content-type", b"application/x-www-form-urlencoded"),
            ("x-forwarded-proto", &b),
        ];
        let consent = consentry.consent(headers, i % 3 == 0);
        assert!(!consent.allows("analytics") || consent.decision().record().is_some());
        let _ = consent.gtag_snippet("G-1", None);
        let _ = consentry.gate(&consent, &a);
        let _ = check_set_cookie(consentry.policy(), &consent, &cookie);
        let _ = consentry.consent_after(&consent, [&a[..], &cookie[..]]);
        let _ = consentry.hsts_for(headers, false);
        let _ = csrf.prepare(headers);
        let _ = csrf.form_token(&a);
        let https = trusting.is_https(headers, i % 2 == 0);
        let _ = csrf.check("POST", headers, std::str::from_utf8(&b).ok(), https);
        // Origin-shaped garbage: scheme and host, then hostile bytes.
        let mut origin = b"https://127.0.0.1".to_vec();
        origin.extend_from_slice(&b);
        let near: &[(&str, &[u8])] = &[("origin", &origin), ("host", &a[..a.len().min(40)])];
        assert_ne!(csrf.check("POST", near, None, https), Ok(()));
        let _ = endpoint.accept_at(consentry::Timestamp(i), headers, https, None, &a);
        // From the site's own page, so the body reaches the receipt parser and checks.
        let own: &[(&str, &[u8])] = &[("sec-fetch-site", b"same-origin"), ("user-agent", &a)];
        let _ = endpoint.accept_at(consentry::Timestamp(i), own, https, None, &a);
        if let Ok(s) = std::str::from_utf8(&a) {
            let _ = AuthCookie::verify_signed(&keys, "session", s);
            let _ = AuthCookie::decrypt(&keys, "session", s);
            let _ = AuthCookie::signed(&keys, s, "v");
            let _ = AuthCookie::encrypted(&keys, "session", s);
            let _ = AuthCookie::removal(s);
        }
        let _ = AuthCookie::read_signed(&keys, "session", headers);
        let _ = AuthCookie::read_encrypted(&keys, "session", headers);
    }
}
