//! Issue 13, defect 8, over real HTTP on 127.0.0.1, against axum and actix-web: over HTTPS the
//! consent cookie is read only as `__Host-consentry`, which no other host can set, so a plain
//! `consentry` cookie a sibling subdomain planted (`Domain=.example.com`) grants nothing to a
//! first-time visitor; a duplicated one fails closed; the Set-Cookie gate passes the consent
//! cookie the app sets under either name; clearing deletes the name in use and the stale one.
//!
//! HTTPS is the value the trusted proxy wrote in `X-Forwarded-Proto` (the servers trust one
//! hop), as in `hardening.rs`; without it the request is plain HTTP (development).

#[macro_use]
mod common;

use std::net::SocketAddr;
use std::sync::OnceLock;

use common::*;

/// A tracking cookie the app sets beside the consent cookie; it passes only when the consent
/// this response sets (read under the request's name) grants analytics.
const GA: &str = "_ga=GA1.2.secretvalue; Path=/; Max-Age=1000";

/// What `/choose-host` sets: the consent cookie under its HTTPS name, granting analytics, and
/// `_ga`.
fn choose_host() -> Vec<String> {
    vec![
        format!(
            "__Host-consentry={}; Path=/; Max-Age=1000; SameSite=Lax; Secure",
            consent_value(P4P, &["analytics"])
        ),
        GA.to_owned(),
    ]
}

/// What `/choose-plain` sets: the same under the plain name.
fn choose_plain() -> Vec<String> {
    vec![
        format!(
            "consentry={}; Path=/; Max-Age=1000; SameSite=Lax",
            consent_value(P4P, &["analytics"])
        ),
        GA.to_owned(),
    ]
}

/// What `/withdraw` sets: the deletion of the consent cookie under the name this request read
/// it from, and of the stale consent cookies, as an app writes them.
fn withdraw(c: &consentry_server::Consent) -> Vec<String> {
    let https = c.over_https();
    let mut v = vec![consentry::clear_consent_cookie(c.policy(), https)];
    consentry::clear_stale_consent_cookies(c.policy(), https, &mut v);
    v
}

mod axum_server {
    use super::*;
    use axum::body::Body;
    use axum::http::Response;
    use axum::routing::get;
    use axum::Router;
    use consentry_server::axum::ConsentLayer;
    use consentry_server::Consent;

    fn with_cookies(cookies: Vec<String>) -> Response<Body> {
        let mut b = Response::builder();
        for c in cookies {
            b = b.header("set-cookie", c);
        }
        b.body(Body::from("set")).unwrap()
    }

    pub(crate) fn spawn() -> SocketAddr {
        let app = Router::new()
            .route(
                "/consent",
                get(|c: Consent| async move { consent_text(&c) }),
            )
            .route(
                "/choose-host",
                get(|| async { with_cookies(choose_host()) }),
            )
            .route(
                "/choose-plain",
                get(|| async { with_cookies(choose_plain()) }),
            )
            .route(
                "/withdraw",
                get(|c: Consent| async move { with_cookies(withdraw(&c)) }),
            )
            .layer(ConsentLayer::with(consentry(P4P, true)));
        spawn_axum(app)
    }
}

mod actix_server {
    use super::*;
    use actix_web::{web, App, HttpResponse};
    use consentry_server::actix::ConsentMiddleware;
    use consentry_server::Consent;

    fn with_cookies(cookies: Vec<String>) -> HttpResponse {
        let mut b = HttpResponse::Ok();
        for c in cookies {
            b.append_header(("set-cookie", c));
        }
        b.body("set")
    }

    pub(crate) fn spawn() -> SocketAddr {
        spawn_actix!({
            App::new()
                .route(
                    "/consent",
                    web::get().to(|c: Consent| async move { consent_text(&c) }),
                )
                .route(
                    "/choose-host",
                    web::get().to(|| async { with_cookies(choose_host()) }),
                )
                .route(
                    "/choose-plain",
                    web::get().to(|| async { with_cookies(choose_plain()) }),
                )
                .route(
                    "/withdraw",
                    web::get().to(|c: Consent| async move { with_cookies(withdraw(&c)) }),
                )
                .wrap(ConsentMiddleware::with(consentry(P4P, true)))
        })
    }
}

/// The servers: p4p-packing policy, `X-Forwarded-Proto` trusted (one proxy hop).
fn servers() -> [(&'static str, SocketAddr); 2] {
    static S: OnceLock<[(&'static str, SocketAddr); 2]> = OnceLock::new();
    *S.get_or_init(|| {
        [
            ("axum", axum_server::spawn()),
            ("actix", actix_server::spawn()),
        ]
    })
}

/// `/consent`'s answer for a request with these `Cookie` header lines, over HTTPS (the proxy
/// says so) or plain HTTP.
async fn consent_with(addr: SocketAddr, cookie_lines: &[String], https: bool) -> String {
    let mut r = client().get(format!("http://{addr}/consent"));
    for c in cookie_lines {
        r = r.header("cookie", c);
    }
    if https {
        r = r.header("x-forwarded-proto", "https");
    }
    let res = r.send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

async fn set_cookies_of(addr: SocketAddr, path: &str, https: bool) -> Vec<String> {
    let headers = if https {
        vec![("x-forwarded-proto", "https".to_owned())]
    } else {
        vec![]
    };
    set_cookies(get(addr, path, &headers).await.headers())
}

const GRANTED: &str = "analytics=true marketing=false gpc=false prompt=false";
const NOTHING: &str = "analytics=false marketing=false gpc=false prompt=true";
const REFUSED: &str = "analytics=false marketing=false gpc=false prompt=false";

fn granted() -> String {
    consent_value(P4P, &["analytics"])
}

#[tokio::test]
async fn a_plain_consent_cookie_planted_on_an_https_site_grants_nothing() {
    // What a sibling subdomain can plant with `Domain=.example.com`: a valid consent value
    // under the plain name. The first-time visitor is asked.
    let planted = [format!("consentry={}", granted())];
    for (fw, addr) in servers() {
        assert_eq!(consent_with(addr, &planted, true).await, NOTHING, "{fw}");
        // Plain HTTP (development on localhost): the plain name is the one in use.
        assert_eq!(consent_with(addr, &planted, false).await, GRANTED, "{fw}");
    }
}

#[tokio::test]
async fn the_host_prefixed_consent_cookie_is_read_over_https_only() {
    let host = [format!("__Host-consentry={}", granted())];
    for (fw, addr) in servers() {
        assert_eq!(consent_with(addr, &host, true).await, GRANTED, "{fw}");
        // Browsers never send a `__Host-` cookie over plain HTTP; the server does not read one.
        assert_eq!(consent_with(addr, &host, false).await, NOTHING, "{fw}");
    }
}

#[tokio::test]
async fn beside_the_host_prefixed_cookie_a_planted_plain_one_changes_nothing() {
    let refused = consent_value(P4P, &[]);
    for (fw, addr) in servers() {
        // The visitor refused; a planted grant under the plain name does not override it.
        let lines = [format!(
            "consentry={}; __Host-consentry={refused}",
            granted()
        )];
        assert_eq!(consent_with(addr, &lines, true).await, REFUSED, "{fw}");
        // And the other way round: the visitor's grant stands beside a planted refusal.
        let lines = [format!(
            "__Host-consentry={}; consentry={refused}",
            granted()
        )];
        assert_eq!(consent_with(addr, &lines, true).await, GRANTED, "{fw}");
    }
}

#[tokio::test]
async fn a_duplicated_consent_cookie_still_fails_closed() {
    let v = granted();
    for (fw, addr) in servers() {
        for (lines, https) in [
            (
                vec![format!("__Host-consentry={v}; __Host-consentry={v}")],
                true,
            ),
            (
                vec![
                    format!("__Host-consentry={v}"),
                    format!("__Host-consentry={v}"),
                ],
                true,
            ),
            (vec![format!("consentry={v}; consentry={v}")], false),
            (
                vec![format!("consentry={v}"), format!("consentry={v}")],
                false,
            ),
        ] {
            // Present but unreadable: no consent, and the banner asks.
            assert_eq!(
                consent_with(addr, &lines, https).await,
                NOTHING,
                "{fw}: {lines:?}"
            );
        }
    }
}

/// The Set-Cookie lines `path` answers with, checked against `want` made just before and just
/// after the request: the consent value holds the time in seconds, which may tick in between.
async fn assert_sets(
    fw: &str,
    addr: SocketAddr,
    path: &str,
    https: bool,
    want: impl Fn() -> Vec<String>,
) {
    let before = want();
    let got = set_cookies_of(addr, path, https).await;
    let after = want();
    assert!(
        got == before || got == after,
        "{fw} {path} https={https}: {got:?}, want {after:?}"
    );
}

#[tokio::test]
async fn the_gate_passes_the_consent_cookie_the_app_sets_under_either_name() {
    for (fw, addr) in servers() {
        // Over HTTPS the `__Host-` cookie is the consent this response sets: `_ga` passes too.
        assert_sets(fw, addr, "/choose-host", true, choose_host).await;
        // Over HTTPS a plain-named consent cookie passes the gate (it is consentry's own),
        // but it is not what the next HTTPS request reads, so it grants nothing now: `_ga` is
        // dropped.
        assert_sets(fw, addr, "/choose-plain", true, || {
            choose_plain()[..1].to_vec()
        })
        .await;
        // Over plain HTTP it is the other way round.
        assert_sets(fw, addr, "/choose-plain", false, choose_plain).await;
        assert_sets(fw, addr, "/choose-host", false, || {
            choose_host()[..1].to_vec()
        })
        .await;
    }
}

#[tokio::test]
async fn clearing_deletes_the_name_in_use_and_the_stale_plain_one() {
    for (fw, addr) in servers() {
        assert_eq!(
            set_cookies_of(addr, "/withdraw", true).await,
            [
                "__Host-consentry=; Path=/; Max-Age=0; SameSite=Lax; Secure",
                "consentry=; Path=/; Max-Age=0",
            ],
            "{fw}"
        );
        assert_eq!(
            set_cookies_of(addr, "/withdraw", false).await,
            ["consentry=; Path=/; Max-Age=0; SameSite=Lax"],
            "{fw}"
        );
    }
}
