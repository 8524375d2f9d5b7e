//! Real axum and actix-web servers on 127.0.0.1, driven by a real HTTP client (reqwest) and,
//! for malformed headers, raw TCP. Every behaviour is checked against both frameworks.

mod common;

use std::net::SocketAddr;
use std::sync::OnceLock;

use common::*;
use reqwest::header::{HeaderMap as ReqHeaders, SET_COOKIE};

#[derive(Clone, Copy, Debug)]
struct Servers {
    /// p4p-packing policy, X-Forwarded-Proto trusted.
    p4p: SocketAddr,
    /// Marketing policy, X-Forwarded-Proto not trusted.
    marketing: SocketAddr,
}

fn std_listener() -> std::net::TcpListener {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    l.set_nonblocking(true).unwrap();
    l
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
            .route("/consentry/receipts", receipts(receipt_endpoint(json)))
            .layer(CsrfLayer::new(csrf()))
            .layer(ConsentLayer::with(consentry(json, trust)))
    }

    pub(crate) fn spawn(json: &'static str, trust: bool) -> SocketAddr {
        let listener = std_listener();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let l = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(l, app(json, trust)).await.unwrap();
            });
        });
        addr
    }
}

mod actix_server {
    use super::*;
    use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
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
        let listener = std_listener();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                HttpServer::new(move || {
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
                                HttpResponse::build(
                                    actix_web::http::StatusCode::from_u16(s).unwrap(),
                                )
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
                        .route("/consentry/receipts", receipts(receipt_endpoint(json)))
                        .wrap(CsrfMiddleware::new(csrf()))
                        .wrap(ConsentMiddleware::with(consentry(json, trust)))
                })
                .workers(1)
                .listen(listener)
                .unwrap()
                .run()
                .await
                .unwrap();
            });
        });
        addr
    }
}

/// Everything the servers log, for checking what drops reveal.
static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn servers() -> [(&'static str, Servers); 2] {
    static S: OnceLock<[(&'static str, Servers); 2]> = OnceLock::new();
    *S.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_writer(|| LogWriter)
            // Plain text whatever the terminal: the assertions read `cookie="_ga"`.
            .with_ansi(false)
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
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

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

fn set_cookies(h: &ReqHeaders) -> Vec<String> {
    h.get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn names(cookies: &[String]) -> Vec<String> {
    let mut n: Vec<String> = cookies
        .iter()
        .map(|c| c.split('=').next().unwrap().to_owned())
        .collect();
    n.sort();
    n
}

async fn get(addr: SocketAddr, path: &str, headers: &[(&str, String)]) -> reqwest::Response {
    let mut r = client().get(format!("http://{addr}{path}"));
    for (k, v) in headers {
        r = r.header(*k, v);
    }
    r.send().await.expect("server answers")
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

/// GET /form with a session; returns (cookie header to send back, token).
async fn csrf_token(addr: SocketAddr) -> (String, String) {
    let session = format!(
        "__Host-P4PMember={}",
        consentry_server::AuthCookie::signed(&keys(), "P4PMember", "member-7")
            .unwrap()
            .value()
    );
    let res = get(addr, "/form", &[("cookie", session.clone())]).await;
    assert_eq!(res.status(), 200);
    let csrf_cookie = set_cookies(res.headers())
        .into_iter()
        .find(|c| c.starts_with("__Host-csrf="))
        .expect("csrf cookie set");
    assert!(csrf_cookie.ends_with("; HttpOnly; Secure; SameSite=Strict; Path=/"));
    let body = res.text().await.unwrap();
    let token = body
        .split("value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_owned();
    assert_eq!(
        csrf_cookie.split(';').next().unwrap(),
        format!("__Host-csrf={token}")
    );
    (format!("{session}; __Host-csrf={token}"), token)
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
    let logs = String::from_utf8(LOGS.lock().unwrap().clone()).unwrap();
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

#[tokio::test]
async fn receipts_are_validated_and_stored() {
    for (fw, s) in servers() {
        let url = format!("http://{}/consentry/receipts", s.p4p);
        let body = receipt_json(P4P);
        let res = client().post(&url).body(body.clone()).send().await.unwrap();
        assert_eq!(res.status(), 204, "{fw}");
        assert!(RECEIPTS.lock().unwrap().iter().any(|r| r == &body), "{fw}");
        let res = client()
            .post(&url)
            .body("{\"not\":\"a receipt\"}")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{fw}");
        // A receipt for another policy (unknown hash).
        let other = client()
            .post(&url)
            .body(receipt_json(MARKETING))
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 400, "{fw}");
        let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(9 * 1024));
        let res = client().post(&url).body(huge).send().await.unwrap();
        assert_eq!(res.status(), 413, "{fw}");
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
