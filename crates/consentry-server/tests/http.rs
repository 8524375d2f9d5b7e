//! Real axum and actix-web servers on 127.0.0.1, driven by a real HTTP client (reqwest) and,
//! for malformed headers, raw TCP. Every behaviour is checked against both frameworks.

#[macro_use]
mod common;

use std::net::SocketAddr;
use std::sync::OnceLock;

use common::*;
use consentry::{ConsentId, Method, ReceiptEvent, Timestamp};
use consentry_server::MAX_USER_AGENT_BYTES;

#[derive(Clone, Copy, Debug)]
struct Servers {
    /// p4p-packing policy, X-Forwarded-Proto trusted.
    p4p: SocketAddr,
    /// Marketing policy, X-Forwarded-Proto not trusted.
    marketing: SocketAddr,
}

mod axum_server {
    use super::*;
    use axum::body::Body;
    use axum::extract::Request;
    use axum::http::{HeaderMap, Response, StatusCode};
    use axum::routing::{get, post};
    use axum::Router;
    use consentry_server::axum::{receipts, ConsentLayer, CsrfLayer};
    use consentry_server::{AuthCookie, Consent, CsrfToken};

    fn with_cookies(cookies: Vec<String>, body: &str) -> Response<Body> {
        let mut b = Response::builder();
        for c in cookies {
            b = b.header("set-cookie", c);
        }
        b.body(Body::from(body.to_owned())).unwrap()
    }

    fn app(json: &'static str, trust: bool) -> Router {
        Router::new()
            .route(
                "/consent",
                get(|c: Consent| async move { consent_text(&c) }),
            )
            .route(
                "/gtag",
                get(|c: Consent| async move {
                    c.gtag_snippet("G-TEST1", None)
                        .unwrap_or_else(|| "none".into())
                }),
            )
            .route(
                "/login",
                get(|| async { with_cookies(login_cookies(), "in") }),
            )
            .route(
                "/logout",
                get(|| async { (AuthCookie::removal("P4PMember").unwrap(), "out") }),
            )
            .route(
                "/whoami",
                get(|h: HeaderMap| async move {
                    let (s, b) = whoami(&h);
                    (StatusCode::from_u16(s).unwrap(), b)
                }),
            )
            .route(
                "/set-cookies",
                get(|| async { with_cookies(app_set_cookies(), "set") }),
            )
            .route(
                "/ordered",
                get(|| async { with_cookies(ordered_set_cookies(), "set") }),
            )
            .route(
                "/ordered-consent",
                get(move || async move {
                    let mut c = ordered_set_cookies();
                    c.push(analytics_consent_set_cookie(json));
                    with_cookies(c, "set")
                }),
            )
            .route(
                "/ordered-kept",
                get(|| async { with_cookies(ordered_kept(), "set") }),
            )
            .route("/form", get(|t: CsrfToken| async move { t.hidden_input() }))
            .route("/transfer", post(|_r: Request| async { "transferred" }))
            .route(RECEIPTS_PATH, receipts(receipt_endpoint(json)))
            .route(
                RECEIPTS_DETAILS_PATH,
                receipts(receipt_endpoint_with_details(json)),
            )
            .route(RECEIPTS_DOWN_PATH, receipts(receipt_endpoint_down(json)))
            .layer(CsrfLayer::new(csrf()))
            .layer(ConsentLayer::with(consentry(json, trust)))
    }

    pub(crate) fn spawn(json: &'static str, trust: bool) -> SocketAddr {
        spawn_axum(app(json, trust))
    }
}

mod actix_server {
    use super::*;
    use actix_web::{web, App, HttpRequest, HttpResponse};
    use consentry_server::actix::{receipts, ConsentMiddleware, CsrfMiddleware};
    use consentry_server::{AuthCookie, Consent, CsrfToken};

    fn with_cookies(cookies: Vec<String>, body: &'static str) -> HttpResponse {
        let mut b = HttpResponse::Ok();
        for c in cookies {
            b.append_header(("set-cookie", c));
        }
        b.body(body)
    }

    pub(crate) fn spawn(json: &'static str, trust: bool) -> SocketAddr {
        spawn_actix!({
            App::new()
                .route(
                    "/consent",
                    web::get().to(|c: Consent| async move { consent_text(&c) }),
                )
                .route(
                    "/gtag",
                    web::get().to(|c: Consent| async move {
                        c.gtag_snippet("G-TEST1", None)
                            .unwrap_or_else(|| "none".into())
                    }),
                )
                .route(
                    "/login",
                    web::get().to(|| async { with_cookies(login_cookies(), "in") }),
                )
                .route(
                    "/logout",
                    web::get().to(|| async {
                        HttpResponse::Ok()
                            .append_header(AuthCookie::removal("P4PMember").unwrap())
                            .body("out")
                    }),
                )
                .route(
                    "/whoami",
                    web::get().to(|r: HttpRequest| async move {
                        let (s, b) = whoami(r.headers());
                        HttpResponse::build(actix_web::http::StatusCode::from_u16(s).unwrap())
                            .body(b)
                    }),
                )
                .route(
                    "/set-cookies",
                    web::get().to(|| async { with_cookies(app_set_cookies(), "set") }),
                )
                .route(
                    "/ordered",
                    web::get().to(|| async { with_cookies(ordered_set_cookies(), "set") }),
                )
                .route(
                    "/ordered-consent",
                    web::get().to(move || async move {
                        let mut c = ordered_set_cookies();
                        c.push(analytics_consent_set_cookie(json));
                        with_cookies(c, "set")
                    }),
                )
                .route(
                    "/ordered-kept",
                    web::get().to(|| async { with_cookies(ordered_kept(), "set") }),
                )
                .route(
                    "/form",
                    web::get().to(|t: CsrfToken| async move { t.hidden_input() }),
                )
                .route("/transfer", web::post().to(|| async { "transferred" }))
                .route(RECEIPTS_PATH, receipts(receipt_endpoint(json)))
                .route(
                    RECEIPTS_DETAILS_PATH,
                    receipts(receipt_endpoint_with_details(json)),
                )
                .route(RECEIPTS_DOWN_PATH, receipts(receipt_endpoint_down(json)))
                .wrap(CsrfMiddleware::new(csrf()))
                .wrap(ConsentMiddleware::with(consentry(json, trust)))
        })
    }
}

fn servers() -> [(&'static str, Servers); 2] {
    static S: OnceLock<[(&'static str, Servers); 2]> = OnceLock::new();
    *S.get_or_init(|| {
        capture_logs();
        [
            (
                "axum",
                Servers {
                    p4p: axum_server::spawn(P4P, true),
                    marketing: axum_server::spawn(MARKETING, false),
                },
            ),
            (
                "actix",
                Servers {
                    p4p: actix_server::spawn(P4P, true),
                    marketing: actix_server::spawn(MARKETING, false),
                },
            ),
        ]
    })
}

#[tokio::test]
async fn every_auth_cookie_carries_the_hardened_attributes() {
    for (fw, s) in servers() {
        let res = get(s.p4p, "/login", &[]).await;
        let cookies = set_cookies(res.headers());
        assert_eq!(cookies.len(), 2, "{fw}: {cookies:?}");
        for c in &cookies {
            assert!(c.starts_with("__Host-"), "{fw}: {c}");
            let attrs: Vec<&str> = c.split("; ").skip(1).collect();
            assert_eq!(
                attrs,
                ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"],
                "{fw}: {c}"
            );
            assert!(!c.to_ascii_lowercase().contains("domain"), "{fw}: {c}");
        }
        // And they read back.
        let cookie_header = cookies
            .iter()
            .map(|c| c.split(';').next().unwrap())
            .collect::<Vec<_>>()
            .join("; ");
        let res = get(s.p4p, "/whoami", &[("cookie", cookie_header)]).await;
        assert_eq!(res.status(), 200, "{fw}");
        assert_eq!(
            res.text().await.unwrap(),
            "member=member-7 admin=admin 1; root",
            "{fw}"
        );
    }
}

#[tokio::test]
async fn removal_cookie_deletes_with_same_name_and_path() {
    for (fw, s) in servers() {
        let res = get(s.p4p, "/logout", &[]).await;
        let cookies = set_cookies(res.headers());
        assert_eq!(
            cookies,
            ["__Host-P4PMember=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"],
            "{fw}"
        );
    }
}

#[tokio::test]
async fn refuses_tampered_moved_and_retired_values_and_reads_older_keys() {
    use consentry_server::{AuthCookie, Keys};
    let member = |keys: &Keys| AuthCookie::signed(keys, "P4PMember", "member-7").unwrap();
    let current = member(&keys());
    let old = member(&Keys::new(old_key()));
    let retired = member(&Keys::new(retired_key()));
    let admin_old = AuthCookie::encrypted(&Keys::new(old_key()), "P4PAdmin", "a").unwrap();
    let admin_retired = AuthCookie::encrypted(&Keys::new(retired_key()), "P4PAdmin", "a").unwrap();
    let tampered = current.value().replace("member-7", "member-8");
    let cases = [
        (
            format!("__Host-P4PMember={}", current.value()),
            200,
            "member=member-7 admin=-",
        ),
        (
            format!("__Host-P4PMember={}", old.value()),
            200,
            "member=member-7(rotated) admin=-",
        ),
        (
            format!("__Host-P4PAdmin={}", admin_old.value()),
            200,
            "member=- admin=a",
        ),
        (format!("__Host-P4PMember={}", retired.value()), 401, ""),
        (
            format!("__Host-P4PAdmin={}", admin_retired.value()),
            401,
            "",
        ),
        (format!("__Host-P4PMember={tampered}"), 401, ""),
        // A value moved to another cookie name.
        (format!("__Host-P4PAdmin={}", current.value()), 401, ""),
        (format!("__Host-P4PMember={}", admin_old.value()), 401, ""),
        // Sent twice (cookie tossing): refused.
        (
            format!(
                "__Host-P4PMember={0}; __Host-P4PMember={0}",
                current.value()
            ),
            401,
            "",
        ),
    ];
    for (fw, s) in servers() {
        for (cookie, status, body) in &cases {
            let res = get(s.p4p, "/whoami", &[("cookie", cookie.clone())]).await;
            assert_eq!(res.status().as_u16(), *status, "{fw}: {cookie}");
            if *status == 200 {
                assert_eq!(res.text().await.unwrap(), *body, "{fw}: {cookie}");
            }
        }
    }
}

type Headers = Vec<(&'static str, String)>;

async fn post(addr: SocketAddr, headers: &[(&str, String)], body: Option<String>) -> (u16, String) {
    let mut r = client().post(format!("http://{addr}/transfer"));
    for (k, v) in headers {
        r = r.header(*k, v);
    }
    if let Some(b) = body {
        r = r
            .header("content-type", "application/x-www-form-urlencoded")
            .body(b);
    }
    let res = r.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn csrf_accepts_same_site_post_with_token() {
    for (fw, s) in servers() {
        let (cookies, token) = csrf_token(s.p4p).await;
        let origin = format!("http://{}", s.p4p);
        let ok = post(
            s.p4p,
            &[
                ("cookie", cookies.clone()),
                ("x-csrf-token", token.clone()),
                ("origin", origin.clone()),
                ("sec-fetch-site", "same-origin".into()),
            ],
            None,
        )
        .await;
        assert_eq!(ok, (200, "transferred".into()), "{fw}");
        // A form with the hidden field.
        let form = post(
            s.p4p,
            &[("cookie", cookies.clone()), ("origin", origin)],
            Some(format!("amount=5&csrf_token={token}")),
        )
        .await;
        assert_eq!(form, (200, "transferred".into()), "{fw}");
        // Safe methods pass without anything.
        assert_eq!(
            get(
                s.p4p,
                "/consent",
                &[("sec-fetch-site", "cross-site".into())]
            )
            .await
            .status(),
            200
        );
    }
}

#[tokio::test]
async fn csrf_refuses_cross_site_and_missing_or_wrong_tokens() {
    for (fw, s) in servers() {
        let (cookies, token) = csrf_token(s.p4p).await;
        let with = |extra: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
            let mut h = vec![("cookie", cookies.clone()), ("x-csrf-token", token.clone())];
            h.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
            h
        };
        let cases: Vec<(Headers, Option<String>, &str)> = vec![
            (
                with(&[("sec-fetch-site", "cross-site")]),
                None,
                "cross-site request refused",
            ),
            (
                with(&[("origin", "https://evil.example")]),
                None,
                "request origin not allowed",
            ),
            (
                with(&[("origin", "null")]),
                None,
                "request origin not allowed",
            ),
            (
                vec![("cookie", cookies.clone())],
                None,
                "CSRF token missing",
            ),
            (
                vec![("x-csrf-token", token.clone())],
                None,
                "CSRF token missing",
            ),
            (
                vec![
                    ("cookie", cookies.clone()),
                    ("x-csrf-token", format!("{token}x")),
                ],
                None,
                "CSRF token invalid",
            ),
            // The same token under another session.
            (
                vec![
                    (
                        "cookie",
                        format!("__Host-P4PMember=other; __Host-csrf={token}"),
                    ),
                    ("x-csrf-token", token.clone()),
                ],
                None,
                "CSRF token invalid",
            ),
            (
                vec![("cookie", cookies.clone())],
                Some("amount=5".into()),
                "CSRF token missing",
            ),
        ];
        for (headers, body, reason) in cases {
            let got = post(s.p4p, &headers, body).await;
            assert_eq!(got, (403, reason.to_owned()), "{fw}: {headers:?}");
        }
    }
}

/// POSTs /transfer with the session, a valid CSRF token and these headers, any bytes (HTTP/1.1
/// carries them as they are): (status, body).
async fn post_with_token(addr: SocketAddr, headers: &[(&str, &[u8])]) -> (u16, String) {
    let (cookies, token) = csrf_token(addr).await;
    let mut r = client()
        .post(format!("http://{addr}/transfer"))
        .header("cookie", cookies)
        .header("x-csrf-token", token);
    for (k, v) in headers {
        let v =
            reqwest::header::HeaderValue::from_bytes(v).expect("a header value HTTP/1.1 can carry");
        r = r.header(*k, v);
    }
    let res = r.send().await.expect("server answers");
    (res.status().as_u16(), res.text().await.unwrap())
}

/// Status and body of an answer.
type Outcome = (u16, &'static str);

const TRANSFERRED: Outcome = (200, "transferred");
const UNTRUSTED_ORIGIN: Outcome = (403, "request origin not allowed");

/// A port on 127.0.0.1 other than the server's.
fn other_port(addr: SocketAddr) -> u16 {
    if addr.port() == 65535 {
        65534
    } else {
        addr.port() + 1
    }
}

#[tokio::test]
async fn csrf_refuses_an_origin_of_another_scheme_or_port() {
    for (fw, s) in servers() {
        // The p4p servers trust X-Forwarded-Proto: with `https` the site is https://127.0.0.1:PORT.
        let site = s.p4p;
        let other = other_port(site);
        let cases = [
            (Some("https"), format!("https://{site}"), TRANSFERRED),
            // A network attacker's plain-text page on the same host name.
            (Some("https"), format!("http://{site}"), UNTRUSTED_ORIGIN),
            // Another service on the same host.
            (
                Some("https"),
                format!("https://127.0.0.1:{other}"),
                UNTRUSTED_ORIGIN,
            ),
            (
                Some("https"),
                format!("https://localhost:{}", site.port()),
                UNTRUSTED_ORIGIN,
            ),
            // Without the proxy's header the site is plain HTTP.
            (None, format!("http://{site}"), TRANSFERRED),
            (None, format!("https://{site}"), UNTRUSTED_ORIGIN),
            (None, format!("http://127.0.0.1:{other}"), UNTRUSTED_ORIGIN),
        ];
        for (proto, origin, want) in &cases {
            let mut h: Vec<(&str, &[u8])> = vec![("origin", origin.as_bytes())];
            if let Some(p) = proto {
                h.push(("x-forwarded-proto", p.as_bytes()));
            }
            let got = post_with_token(site, &h).await;
            assert_eq!((got.0, got.1.as_str()), *want, "{fw}: {proto:?} {origin}");
        }
    }
}

#[tokio::test]
async fn csrf_accepts_the_default_port_written_out() {
    for (fw, s) in servers() {
        let cases = [
            (
                "shop.test",
                Some("https"),
                "https://shop.test:443",
                TRANSFERRED,
            ),
            ("shop.test", Some("https"), "https://shop.test", TRANSFERRED),
            (
                "shop.test:443",
                Some("https"),
                "https://shop.test",
                TRANSFERRED,
            ),
            (
                "shop.test:443",
                Some("https"),
                "https://shop.test:443",
                TRANSFERRED,
            ),
            ("SHOP.test", Some("https"), "https://shop.TEST", TRANSFERRED),
            (
                "shop.test",
                Some("https"),
                "http://shop.test",
                UNTRUSTED_ORIGIN,
            ),
            (
                "shop.test",
                Some("https"),
                "http://shop.test:443",
                UNTRUSTED_ORIGIN,
            ),
            (
                "shop.test",
                Some("https"),
                "https://shop.test:8443",
                UNTRUSTED_ORIGIN,
            ),
            (
                "shop.test:8443",
                Some("https"),
                "https://shop.test",
                UNTRUSTED_ORIGIN,
            ),
            ("shop.test", None, "http://shop.test:80", TRANSFERRED),
            ("shop.test:80", None, "http://shop.test", TRANSFERRED),
            ("shop.test", None, "https://shop.test:443", UNTRUSTED_ORIGIN),
            ("shop.test", None, "https://shop.test", UNTRUSTED_ORIGIN),
        ];
        for (host, proto, origin, want) in cases {
            let mut h: Vec<(&str, &[u8])> =
                vec![("host", host.as_bytes()), ("origin", origin.as_bytes())];
            if let Some(p) = proto {
                h.push(("x-forwarded-proto", p.as_bytes()));
            }
            let got = post_with_token(s.p4p, &h).await;
            assert_eq!(
                (got.0, got.1.as_str()),
                want,
                "{fw}: Host {host}, {proto:?}, Origin {origin}"
            );
        }
    }
}

#[tokio::test]
async fn csrf_takes_the_scheme_only_from_a_trusted_proxy() {
    for (fw, s) in servers() {
        // The marketing servers do not trust X-Forwarded-Proto: a client's claim changes nothing.
        let site = s.marketing;
        let https = format!("https://{site}");
        let http = format!("http://{site}");
        let spoofed: &[u8] = b"https";
        let got = post_with_token(
            site,
            &[("origin", https.as_bytes()), ("x-forwarded-proto", spoofed)],
        )
        .await;
        assert_eq!((got.0, got.1.as_str()), UNTRUSTED_ORIGIN, "{fw}");
        let got = post_with_token(
            site,
            &[("origin", http.as_bytes()), ("x-forwarded-proto", spoofed)],
        )
        .await;
        assert_eq!((got.0, got.1.as_str()), TRANSFERRED, "{fw}");
    }
}

#[tokio::test]
async fn csrf_allowed_origins_need_the_same_scheme_and_port() {
    assert_eq!(PARTNER_ORIGIN, "https://partner.test");
    let same_site = "same-site";
    let cases: [(&str, Option<&str>, Outcome); 6] = [
        ("https://partner.test", Some(same_site), TRANSFERRED),
        ("https://partner.test:443", Some(same_site), TRANSFERRED),
        ("https://partner.test", None, TRANSFERRED),
        (
            "http://partner.test",
            Some(same_site),
            (403, "cross-site request refused"),
        ),
        ("http://partner.test", None, UNTRUSTED_ORIGIN),
        ("https://partner.test:8443", None, UNTRUSTED_ORIGIN),
    ];
    for (fw, s) in servers() {
        for (origin, fetch_site, want) in cases {
            let mut h: Vec<(&str, &[u8])> = vec![
                ("origin", origin.as_bytes()),
                ("x-forwarded-proto", b"https"),
            ];
            if let Some(v) = fetch_site {
                h.push(("sec-fetch-site", v.as_bytes()));
            }
            let got = post_with_token(s.p4p, &h).await;
            assert_eq!(
                (got.0, got.1.as_str()),
                want,
                "{fw}: {origin} {fetch_site:?}"
            );
        }
    }
}

#[tokio::test]
async fn csrf_refuses_malformed_origin_and_host_headers_with_403() {
    for (fw, s) in servers() {
        let site = s.p4p;
        let port = site.port();
        let bad_origins: Vec<Vec<u8>> = [
            String::new(),
            "null".into(),
            "https://".into(),
            "https://:443".into(),
            format!("https://{site}/"),
            format!("https://{site}/transfer"),
            format!("https://{site}?x"),
            format!("https://user@{site}"),
            format!("https://{site}:{port}"),
            "https://127.0.0.1:".into(),
            "https://127.0.0.1:99999".into(),
            "https://127.0.0.1:-1".into(),
            "https://127.0.0.1:0x1bb".into(),
            "https://[::1".into(),
            "https://[127.0.0.1]".into(),
            format!("ftp://{site}"),
            format!("https:{site}"),
            format!("//{site}"),
            site.to_string(),
            format!("https://{site}, https://evil.test"),
            format!("https://{}", "a".repeat(6000)),
        ]
        .into_iter()
        .map(String::into_bytes)
        .chain([
            b"\xff\xfe".to_vec(),
            [b"https://".as_slice(), site.to_string().as_bytes(), b"\xff"].concat(),
            [
                b"https://127.0.0.1\xc2\x85:".as_slice(),
                port.to_string().as_bytes(),
            ]
            .concat(),
        ])
        .collect();
        for origin in &bad_origins {
            let h: [(&str, &[u8]); 2] = [("origin", origin), ("x-forwarded-proto", b"https")];
            let got = post_with_token(site, &h).await;
            let shown = String::from_utf8_lossy(&origin[..origin.len().min(80)]).into_owned();
            assert_eq!(
                (got.0, got.1.as_str()),
                UNTRUSTED_ORIGIN,
                "{fw}: Origin {shown:?}"
            );
        }
        // A good Origin with a Host that is no host.
        let good = format!("https://{site}");
        for host in [
            &b"127.0.0.1:99999"[..],
            b"127.0.0.1:",
            b"\xff",
            b"https://127.0.0.1",
            b"[::1",
        ] {
            let h: [(&str, &[u8]); 3] = [
                ("host", host),
                ("origin", good.as_bytes()),
                ("x-forwarded-proto", b"https"),
            ];
            let got = post_with_token(site, &h).await;
            let shown = String::from_utf8_lossy(host).into_owned();
            assert_eq!(got.0, 403, "{fw}: Host {shown:?} -> {got:?}");
        }
        // And the server still serves.
        let got = post_with_token(
            site,
            &[("origin", good.as_bytes()), ("x-forwarded-proto", b"https")],
        )
        .await;
        assert_eq!((got.0, got.1.as_str()), TRANSFERRED, "{fw}");
    }
}

#[tokio::test]
async fn gate_drops_analytics_without_consent_and_keeps_it_with_consent() {
    for (fw, s) in servers() {
        // No consent: only the necessary auth cookie survives; undeclared `tracker` dropped.
        let res = get(s.p4p, "/set-cookies", &[]).await;
        assert_eq!(
            names(&set_cookies(res.headers())),
            ["__Host-P4PMember"],
            "{fw}"
        );
        // Analytics granted: _ga and _ga_XYZ pass; _fbp (undeclared in p4p) and tracker do not.
        let consent = format!("consentry={}", consent_value(P4P, &["analytics"]));
        let res = get(s.p4p, "/set-cookies", &[("cookie", consent)]).await;
        assert_eq!(
            names(&set_cookies(res.headers())),
            ["__Host-P4PMember", "_ga", "_ga_XYZ"],
            "{fw}"
        );
        // Refused: dropped again.
        let refused = format!("consentry={}", consent_value(P4P, &[]));
        let res = get(s.p4p, "/set-cookies", &[("cookie", refused)]).await;
        assert_eq!(
            names(&set_cookies(res.headers())),
            ["__Host-P4PMember"],
            "{fw}"
        );
    }
}

/// The cookies of [`ordered_set_cookies`] that pass with analytics granted.
fn ordered_kept() -> Vec<String> {
    let all = ordered_set_cookies();
    [1, 2, 4, 5].iter().map(|&i| all[i].clone()).collect()
}

#[tokio::test]
async fn gate_keeps_the_survivors_exactly_and_in_order() {
    let all = ordered_set_cookies();
    let pick = |idx: &[usize]| idx.iter().map(|&i| all[i].clone()).collect::<Vec<_>>();
    let granted = format!("consentry={}", consent_value(P4P, &["analytics"]));
    let refused = format!("consentry={}", consent_value(P4P, &[]));
    for (fw, s) in servers() {
        // No consent: the first, middle and last drops go; necessary and the deletion stay.
        let res = get(s.p4p, "/ordered", &[]).await;
        assert_eq!(set_cookies(res.headers()), pick(&[1, 4]), "{fw}");
        // Analytics granted: the analytics cookies come back in their places.
        let res = get(s.p4p, "/ordered", &[("cookie", granted.clone())]).await;
        assert_eq!(set_cookies(res.headers()), pick(&[1, 2, 4, 5]), "{fw}");
        // The response itself grants analytics (set last): it decides for the earlier cookies.
        let mut want = pick(&[1, 2, 4, 5]);
        want.push(analytics_consent_set_cookie(P4P));
        for request in [vec![], vec![("cookie", refused.clone())]] {
            let res = get(s.p4p, "/ordered-consent", &request).await;
            assert_eq!(set_cookies(res.headers()), want, "{fw}: {request:?}");
        }
        // Nothing to drop: the headers pass untouched.
        let res = get(s.p4p, "/ordered-kept", &[("cookie", granted.clone())]).await;
        assert_eq!(set_cookies(res.headers()), ordered_kept(), "{fw}");
        let res = get(s.p4p, "/ordered-kept", &[]).await;
        assert_eq!(set_cookies(res.headers()), pick(&[1, 4]), "{fw}");
    }
}

#[tokio::test]
async fn gate_logs_name_and_reason_but_never_the_value() {
    for (fw, s) in servers() {
        let res = get(s.p4p, "/set-cookies", &[]).await;
        assert_eq!(res.status(), 200, "{fw}");
    }
    let logs = logs();
    assert!(logs.contains("dropped Set-Cookie"), "{logs}");
    assert!(
        logs.contains("cookie=\"_ga\"") || logs.contains("cookie=_ga"),
        "{logs}"
    );
    assert!(logs.contains("category `analytics` not granted"), "{logs}");
    assert!(logs.contains("cookie not declared in the policy"), "{logs}");
    assert!(
        !logs.contains("secretvalue") && !logs.contains("GA1.2"),
        "{logs}"
    );
}

#[tokio::test]
async fn gpc_denies_marketing() {
    for (fw, s) in servers() {
        let all = format!(
            "consentry={}",
            consent_value(MARKETING, &["analytics", "marketing"])
        );
        let res = get(s.marketing, "/set-cookies", &[("cookie", all.clone())]).await;
        assert_eq!(
            names(&set_cookies(res.headers())),
            ["__Host-P4PMember", "_fbp", "_ga", "_ga_XYZ"],
            "{fw}"
        );
        let gpc = [("cookie", all.clone()), ("sec-gpc", "1".into())];
        let res = get(s.marketing, "/set-cookies", &gpc).await;
        assert_eq!(
            names(&set_cookies(res.headers())),
            ["__Host-P4PMember", "_ga", "_ga_XYZ"],
            "{fw}"
        );
        let text = get(s.marketing, "/consent", &gpc)
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(
            text, "analytics=true marketing=false gpc=true prompt=false",
            "{fw}"
        );
        // Opt-out region: marketing on by default, off with GPC.
        let us = [("x-region", "US".to_owned())];
        let text = get(s.marketing, "/consent", &us)
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(
            text, "analytics=true marketing=true gpc=false prompt=true",
            "{fw}"
        );
        let us_gpc = [("x-region", "US".to_owned()), ("sec-gpc", "1".into())];
        let text = get(s.marketing, "/consent", &us_gpc)
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(
            text, "analytics=true marketing=false gpc=true prompt=false",
            "{fw}"
        );
    }
}

#[tokio::test]
async fn gtag_snippet_only_with_analytics_consent() {
    for (fw, s) in servers() {
        assert_eq!(
            get(s.p4p, "/gtag", &[]).await.text().await.unwrap(),
            "none",
            "{fw}"
        );
        let consent = format!("consentry={}", consent_value(P4P, &["analytics"]));
        let body = get(s.p4p, "/gtag", &[("cookie", consent)])
            .await
            .text()
            .await
            .unwrap();
        assert!(body.contains("gtag/js?id=G-TEST1"), "{fw}: {body}");
        let default = body.find("gtag('consent','default'").unwrap();
        let update = body.find("gtag('consent','update'").unwrap();
        let config = body.find("gtag('config'").unwrap();
        assert!(default < update && update < config, "{fw}: {body}");
    }
}

#[tokio::test]
async fn hsts_only_over_https() {
    for (fw, s) in servers() {
        let plain = get(s.p4p, "/consent", &[]).await;
        assert!(
            plain.headers().get("strict-transport-security").is_none(),
            "{fw}"
        );
        // Behind a trusted proxy that terminated TLS.
        let https = get(s.p4p, "/consent", &[("x-forwarded-proto", "https".into())]).await;
        assert_eq!(
            https.headers().get("strict-transport-security").unwrap(),
            "max-age=31536000; includeSubDomains",
            "{fw}"
        );
        // The same header from a client when the proxy is not trusted: ignored.
        let spoofed = get(
            s.marketing,
            "/consent",
            &[("x-forwarded-proto", "https".into())],
        )
        .await;
        assert!(
            spoofed.headers().get("strict-transport-security").is_none(),
            "{fw}"
        );
    }
}

// --- receipts: the server decides what is true ----------------------------------------------

/// A receipt id for one test (`test`) and framework (`fw`, its index in `servers()`), so tests
/// running side by side and the two frameworks never share a receipt in the test sink.
fn receipt_id(test: u8, case: u8, fw: usize) -> ConsentId {
    let mut bytes = [test; 12];
    bytes[10] = case;
    bytes[11] = fw as u8;
    ConsentId::from_random_bytes(bytes)
}

/// The `Origin` of the site's own pages (the servers are plain HTTP on 127.0.0.1).
fn own_origin(addr: SocketAddr) -> Vec<(&'static str, String)> {
    vec![("origin", format!("http://{addr}"))]
}

async fn post_receipt(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, String)],
    body: impl Into<reqwest::Body>,
) -> (u16, String) {
    let mut r = client().post(format!("http://{addr}{path}"));
    for (k, v) in headers {
        r = r.header(*k, v);
    }
    let res = r
        .header("content-type", "text/plain;charset=UTF-8")
        .body(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn receipt_from_the_sites_own_page_is_stored_with_the_servers_time() {
    for (i, (fw, s)) in servers().into_iter().enumerate() {
        let id = receipt_id(1, 0, i);
        let r = receipt(P4P, id, &["analytics"], Method::Custom);
        let mut headers = own_origin(s.p4p);
        headers.push(("user-agent", "Mozilla/5.0 (X11; Linux x86_64)".into()));
        let res = post_receipt(s.p4p, RECEIPTS_PATH, &headers, r.to_json()).await;
        assert_eq!(res, (204, String::new()), "{fw}");
        let got = stored(id);
        assert_eq!(got.len(), 1, "{fw}");
        assert_eq!(got[0].receipt, r, "{fw}");
        // Stamped by the server's clock, not taken from the browser's issued_at.
        assert_eq!(got[0].received_at, RECEIPT_NOW, "{fw}");
        assert_ne!(got[0].receipt.issued_at, RECEIPT_NOW, "{fw}");
        // No IP address or user agent unless the app opts in.
        assert_eq!(got[0].client_ip, None, "{fw}");
        assert_eq!(got[0].user_agent, None, "{fw}");

        // `Sec-Fetch-Site: same-origin` without `Origin` is the site's own page too.
        let id = receipt_id(1, 1, i);
        let r = receipt(P4P, id, &[], Method::RejectAll);
        let same_origin = [("sec-fetch-site", "same-origin".to_owned())];
        let res = post_receipt(s.p4p, RECEIPTS_PATH, &same_origin, r.to_json()).await;
        assert_eq!(res.0, 204, "{fw}: {}", res.1);
        assert_eq!(stored(id).len(), 1, "{fw}");
    }
}

#[tokio::test]
async fn receipts_refuse_claims_the_server_cannot_believe_with_400() {
    const YEAR: i64 = 365 * 86_400;
    type Edit = fn(&mut consentry::Receipt);
    /// A receipt made by the core (policy, granted, method), then edited, and the reason the
    /// server gives.
    type Case = (
        &'static str,
        &'static str,
        &'static [&'static str],
        Method,
        Edit,
        &'static str,
    );
    fn grant_all(r: &mut consentry::Receipt) {
        for p in &mut r.purposes {
            p.granted = true;
        }
    }
    // (case, policy, granted, method, edit, reason)
    let cases: [Case; 12] = [
        (
            "issued_at 0",
            P4P,
            &["analytics"],
            Method::Custom,
            |r| {
                r.issued_at = Timestamp(0);
                r.expires_at = Timestamp(86_400);
            },
            "receipt issued_at is too far from the server's time",
        ),
        (
            "issued_at negative",
            P4P,
            &["analytics"],
            Method::Custom,
            |r| {
                r.issued_at = Timestamp(-5);
                r.expires_at = Timestamp(86_400);
            },
            "receipt issued_at is too far from the server's time",
        ),
        (
            "issued_at a year ahead",
            P4P,
            &["analytics"],
            Method::Custom,
            |r| {
                r.issued_at = Timestamp(RECEIPT_NOW.0 + YEAR);
                r.expires_at = Timestamp(RECEIPT_NOW.0 + YEAR + 86_400);
            },
            "receipt issued_at is too far from the server's time",
        ),
        (
            "issued_at 11 minutes ago",
            P4P,
            &["analytics"],
            Method::Custom,
            |r| {
                r.issued_at = Timestamp(RECEIPT_NOW.0 - 660);
                r.expires_at = Timestamp(RECEIPT_NOW.0 + 86_400);
            },
            "receipt issued_at is too far from the server's time",
        ),
        (
            "valid 100 years",
            P4P,
            &["analytics"],
            Method::Custom,
            |r| {
                r.expires_at = Timestamp(r.issued_at.0 + 100 * YEAR);
            },
            "receipt validity is longer than the policy's consent lifetime",
        ),
        (
            "gpc granting every purpose",
            MARKETING,
            &[],
            Method::Gpc,
            |r| {
                grant_all(r);
                r.event = ReceiptEvent::Given;
            },
            "a GPC receipt cannot grant a sale or sharing purpose",
        ),
        (
            "given, nothing optional granted",
            P4P,
            &[],
            Method::Custom,
            |r| {
                r.event = ReceiptEvent::Given;
            },
            "receipt event `given` grants no optional purpose",
        ),
        (
            "refused, analytics granted",
            P4P,
            &["analytics"],
            Method::Custom,
            |r| {
                r.event = ReceiptEvent::Refused;
            },
            "a refusal receipt cannot grant an optional purpose",
        ),
        (
            "reject_all, analytics granted",
            P4P,
            &[],
            Method::RejectAll,
            |r| {
                grant_all(r);
                r.event = ReceiptEvent::Given;
            },
            "a refusal receipt cannot grant an optional purpose",
        ),
        (
            "withdrawal granting",
            P4P,
            &[],
            Method::Withdrawal,
            grant_all,
            "a withdrawal receipt cannot grant an optional purpose",
        ),
        (
            "withdrawn granting",
            P4P,
            &["analytics"],
            Method::Custom,
            |r| {
                r.event = ReceiptEvent::Withdrawn;
            },
            "a withdrawal receipt cannot grant an optional purpose",
        ),
        (
            "withdrawal, event refused",
            P4P,
            &[],
            Method::Withdrawal,
            |r| {
                r.event = ReceiptEvent::Refused;
            },
            "receipt method `withdrawal` needs event `withdrawn`",
        ),
    ];
    for (i, (fw, s)) in servers().into_iter().enumerate() {
        for (case, (name, json, granted, method, edit, reason)) in cases.iter().enumerate() {
            let addr = if *json == P4P { s.p4p } else { s.marketing };
            let id = receipt_id(2, case as u8, i);
            let mut r = receipt(json, id, granted, *method);
            edit(&mut r);
            let res = post_receipt(addr, RECEIPTS_PATH, &own_origin(addr), r.to_json()).await;
            assert_eq!(res, (400, (*reason).to_owned()), "{fw}: {name}");
            assert!(stored(id).is_empty(), "{fw}: {name} reached the sink");
        }
        // The control: the same receipts unedited are stored.
        let id = receipt_id(2, 99, i);
        let ok = receipt(MARKETING, id, &[], Method::Gpc);
        let res = post_receipt(
            s.marketing,
            RECEIPTS_PATH,
            &own_origin(s.marketing),
            ok.to_json(),
        )
        .await;
        assert_eq!(res.0, 204, "{fw}: {}", res.1);
    }
}

#[tokio::test]
async fn receipts_refuse_posts_not_from_the_sites_own_pages_with_403() {
    for (i, (fw, s)) in servers().into_iter().enumerate() {
        let own = format!("http://{}", s.p4p);
        let cases: Vec<(&str, Headers)> = vec![
            ("no Origin, no Sec-Fetch-Site", vec![]),
            (
                "Sec-Fetch-Site none, no Origin",
                vec![("sec-fetch-site", "none".into())],
            ),
            ("another site", vec![("origin", "https://evil.test".into())]),
            ("null origin", vec![("origin", "null".into())]),
            (
                "another port",
                vec![("origin", format!("http://127.0.0.1:{}", other_port(s.p4p)))],
            ),
            (
                "another scheme",
                vec![("origin", format!("https://{}", s.p4p))],
            ),
            (
                "cross-site with our Origin",
                vec![
                    ("origin", own.clone()),
                    ("sec-fetch-site", "cross-site".into()),
                ],
            ),
            (
                "same-site, Origin not allowed",
                vec![
                    ("origin", own.clone()),
                    ("sec-fetch-site", "same-site".into()),
                ],
            ),
            (
                "cross-site, no Origin",
                vec![("sec-fetch-site", "cross-site".into())],
            ),
        ];
        for (case, (name, headers)) in cases.into_iter().enumerate() {
            let id = receipt_id(3, case as u8, i);
            let r = receipt(P4P, id, &["analytics"], Method::AcceptAll);
            let (status, body) = post_receipt(s.p4p, RECEIPTS_PATH, &headers, r.to_json()).await;
            assert_eq!(status, 403, "{fw}: {name}: {body}");
            assert!(stored(id).is_empty(), "{fw}: {name} reached the sink");
        }
        // An origin the endpoint allows, from a sibling site.
        let id = receipt_id(3, 99, i);
        let r = receipt(P4P, id, &["analytics"], Method::AcceptAll);
        let partner = [
            ("origin", PARTNER_ORIGIN.to_owned()),
            ("sec-fetch-site", "same-site".to_owned()),
        ];
        let res = post_receipt(s.p4p, RECEIPTS_PATH, &partner, r.to_json()).await;
        assert_eq!(res.0, 204, "{fw}: {}", res.1);
    }
}

#[tokio::test]
async fn receipts_take_https_from_the_consent_layer_like_the_csrf_check() {
    for (i, (fw, s)) in servers().into_iter().enumerate() {
        let https_page = |addr: SocketAddr| {
            vec![
                ("origin", format!("https://{addr}")),
                ("x-forwarded-proto", "https".to_owned()),
            ]
        };
        // p4p trusts X-Forwarded-Proto: its own pages are https://.
        let id = receipt_id(4, 0, i);
        let r = receipt(P4P, id, &["analytics"], Method::Custom);
        let res = post_receipt(s.p4p, RECEIPTS_PATH, &https_page(s.p4p), r.to_json()).await;
        assert_eq!(res.0, 204, "{fw}: {}", res.1);
        let id = receipt_id(4, 1, i);
        let r = receipt(P4P, id, &["analytics"], Method::Custom);
        let behind_proxy = [
            ("origin", format!("http://{}", s.p4p)),
            ("x-forwarded-proto", "https".to_owned()),
        ];
        let res = post_receipt(s.p4p, RECEIPTS_PATH, &behind_proxy, r.to_json()).await;
        assert_eq!(
            res.0, 403,
            "{fw}: an http:// page posting to an https:// site"
        );
        assert!(stored(id).is_empty(), "{fw}");
        // The marketing server does not: a client cannot claim https.
        let id = receipt_id(4, 2, i);
        let r = receipt(MARKETING, id, &["analytics"], Method::Custom);
        let res = post_receipt(
            s.marketing,
            RECEIPTS_PATH,
            &https_page(s.marketing),
            r.to_json(),
        )
        .await;
        assert_eq!(res.0, 403, "{fw}: {}", res.1);
        assert!(stored(id).is_empty(), "{fw}");
    }
}

#[tokio::test]
async fn receipts_that_are_not_receipts_get_400_malformed_receipt() {
    for (fw, s) in servers() {
        let whole = receipt(P4P, receipt_id(5, 0, 0), &["analytics"], Method::Custom).to_json();
        for bad in [
            "{not json".to_owned(),
            "{\"not\":\"a receipt\"}".to_owned(),
            "[]".to_owned(),
            String::new(),
            whole[..whole.len() / 2].to_owned(),
            whole.replace("\"custom\"", "\"telepathy\""),
            format!("{whole} trailing"),
        ] {
            let res = post_receipt(s.p4p, RECEIPTS_PATH, &own_origin(s.p4p), bad.clone()).await;
            assert_eq!(res, (400, "malformed receipt".to_owned()), "{fw}: {bad:?}");
        }
        let other_policy = receipt(MARKETING, receipt_id(5, 1, 0), &[], Method::RejectAll);
        let res = post_receipt(
            s.p4p,
            RECEIPTS_PATH,
            &own_origin(s.p4p),
            other_policy.to_json(),
        )
        .await;
        assert_eq!(
            res,
            (
                400,
                "receipt names a policy hash this server does not know".to_owned()
            ),
            "{fw}"
        );
    }
}

#[tokio::test]
async fn receipts_over_the_size_limit_get_413() {
    for (fw, s) in servers() {
        let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(9 * 1024));
        let res = post_receipt(s.p4p, RECEIPTS_PATH, &own_origin(s.p4p), huge).await;
        assert_eq!(res.0, 413, "{fw}");
        // Chunked, no Content-Length: the limit holds while reading.
        let chunk = "x".repeat(4096);
        let mut body = String::new();
        for _ in 0..3 {
            body.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
        }
        body.push_str("0\r\n\r\n");
        let req = format!(
            "POST {RECEIPTS_PATH} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{body}",
            addr = s.p4p
        );
        assert_eq!(raw_status(s.p4p, req.as_bytes()), Some(413), "{fw}");
    }
}

/// The status of a raw HTTP/1.1 exchange.
fn raw_status(addr: SocketAddr, request: &[u8]) -> Option<u16> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .ok()?;
    s.write_all(request).ok()?;
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).get(9..12)?.parse().ok()
}

#[tokio::test]
async fn receipt_posted_twice_is_stored_once_and_another_with_its_id_gets_409() {
    for (i, (fw, s)) in servers().into_iter().enumerate() {
        let id = receipt_id(6, 0, i);
        let r = receipt(P4P, id, &["analytics"], Method::Custom);
        for _ in 0..2 {
            let res = post_receipt(s.p4p, RECEIPTS_PATH, &own_origin(s.p4p), r.to_json()).await;
            assert_eq!(res, (204, String::new()), "{fw}");
        }
        assert_eq!(stored(id).len(), 1, "{fw}");
        let other = receipt(P4P, id, &[], Method::RejectAll);
        let res = post_receipt(s.p4p, RECEIPTS_PATH, &own_origin(s.p4p), other.to_json()).await;
        assert_eq!(
            res,
            (409, "a different receipt with this id exists".to_owned()),
            "{fw}"
        );
        let kept = stored(id);
        assert_eq!(kept.len(), 1, "{fw}");
        assert_eq!(kept[0].receipt, r, "{fw}");
    }
}

#[tokio::test]
async fn receipts_get_503_and_the_error_is_logged_when_the_sink_is_unavailable() {
    for (i, (fw, s)) in servers().into_iter().enumerate() {
        let id = receipt_id(7, 0, i);
        let r = receipt(P4P, id, &["analytics"], Method::Custom);
        let res = post_receipt(s.p4p, RECEIPTS_DOWN_PATH, &own_origin(s.p4p), r.to_json()).await;
        assert_eq!(
            res,
            (503, "consent log unavailable, try again later".to_owned()),
            "{fw}"
        );
        assert!(stored(id).is_empty(), "{fw}");
        let logs = logs();
        assert!(
            logs.lines()
                .any(|l| l.contains("ERROR") && l.contains(DOWN_ERROR)),
            "{fw}: {logs}"
        );
    }
}

#[tokio::test]
async fn receipts_record_ip_and_user_agent_only_when_the_app_opts_in() {
    for (i, (fw, s)) in servers().into_iter().enumerate() {
        let id = receipt_id(8, 0, i);
        let r = receipt(P4P, id, &["analytics"], Method::Custom);
        let mut headers = own_origin(s.p4p);
        // A tab and a C1 control (U+0085) are removed; the rest is cut to 256 bytes.
        let ua = format!("Mozilla/5.0\t(X11)\u{85} {}", "a".repeat(400));
        let mut r_builder = client().post(format!("http://{}{RECEIPTS_DETAILS_PATH}", s.p4p));
        headers.push(("content-type", "text/plain".into()));
        for (k, v) in &headers {
            r_builder = r_builder.header(*k, v);
        }
        let res = r_builder
            .header(
                "user-agent",
                reqwest::header::HeaderValue::from_bytes(ua.as_bytes()).unwrap(),
            )
            .body(r.to_json())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204, "{fw}");
        let got = stored(id);
        assert_eq!(got.len(), 1, "{fw}");
        assert_eq!(got[0].client_ip.as_deref(), Some("127.0.0.1"), "{fw}");
        let kept = got[0].user_agent.clone().unwrap();
        assert_eq!(kept.len(), MAX_USER_AGENT_BYTES, "{fw}");
        assert!(kept.starts_with("Mozilla/5.0(X11) aaa"), "{fw}: {kept}");
        // The default endpoint on the same server records neither.
        let id = receipt_id(8, 1, i);
        let r = receipt(P4P, id, &["analytics"], Method::Custom);
        let mut headers = own_origin(s.p4p);
        headers.push(("user-agent", "Mozilla/5.0".into()));
        let res = post_receipt(s.p4p, RECEIPTS_PATH, &headers, r.to_json()).await;
        assert_eq!(res.0, 204, "{fw}");
        let got = stored(id);
        assert_eq!(
            (got[0].client_ip.as_deref(), got[0].user_agent.as_deref()),
            (None, None),
            "{fw}"
        );
    }
}

#[test]
fn malformed_cookie_headers_read_as_no_consent_and_server_keeps_serving() {
    let headers = malformed_cookie_headers(P4P, "consentry");
    assert!(headers.len() >= 200, "only {} cases", headers.len());
    eprintln!("{} malformed Cookie headers per server", headers.len());
    for (fw, s) in servers() {
        // Control: a valid cookie over the same raw client does grant.
        let valid = format!("consentry={}", consent_value(P4P, &["analytics"]));
        let (status, body) = raw_get(s.p4p, "/consent", &cookie_line(valid.as_bytes())).unwrap();
        assert_eq!(
            (status, body.as_str()),
            (200, "analytics=true marketing=false gpc=false prompt=false"),
            "{fw}"
        );
        for h in &headers {
            let got = raw_get(s.p4p, "/consent", &cookie_line(h));
            let shown = format!("{:?}", String::from_utf8_lossy(&h[..h.len().min(120)]));
            let (status, body) = got.unwrap_or_else(|| panic!("{fw}: no answer for {shown:?}"));
            assert_eq!(status, 200, "{fw}: {shown:?}");
            assert!(
                body.starts_with("analytics=false marketing=false gpc=false"),
                "{fw}: {shown:?} -> {body}"
            );
            // Set-Cookie gate with the same header: tracking cookies still dropped.
            let (status, _) = raw_get(s.p4p, "/set-cookies", &cookie_line(h)).unwrap();
            assert_eq!(status, 200, "{fw}: {shown:?}");
        }
        // C0 controls never reach the app: the HTTP parser refuses them. The server still serves.
        for c in [b'\0', 0x01, 0x1b, 0x7f] {
            let mut h = b"consentry=1.1.".to_vec();
            h.push(c);
            let got = raw_get(s.p4p, "/consent", &cookie_line(&h));
            assert_ne!(got.map(|g| g.0), Some(200), "{fw}: control {c:#x} accepted");
        }
        let (status, body) = raw_get(s.p4p, "/consent", b"").unwrap();
        assert_eq!(
            (status, body.as_str()),
            (200, "analytics=false marketing=false gpc=false prompt=true"),
            "{fw}"
        );
    }
}
