//! Issue 13, over real HTTP on 127.0.0.1, against axum and actix-web: every response that
//! leaves passes the Set-Cookie gate and gets HSTS (errors from middleware too); "is this
//! HTTPS" comes from the connection or the hop the trusted proxy wrote, never from what the
//! client wrote; cookies declared `http_only` / `same_site` are enforced; a dropped cookie the
//! app set is logged where a default subscriber shows it; a layer outside the consent layer is
//! past the gate (the documented misuse).

#[macro_use]
mod common;

use std::net::SocketAddr;
use std::sync::OnceLock;

use common::*;

/// A tracking cookie the app's own code sets (a server-side analytics integration).
const GA: &str = "_ga=GA1.2.secretvalue; Path=/; Max-Age=1000";

/// Cookies declared `http_only` and `same_site: strict` in the policy, sent without them.
fn weakened_cookies() -> Vec<String> {
    vec![
        "__Host-P4PMember=v1; Secure; Path=/; SameSite=Strict".to_owned(),
        "__Host-P4PAdmin=v2; HttpOnly; Secure; Path=/; SameSite=Lax".to_owned(),
    ]
}

/// A session cookie the policy does not declare (`__Host-Shop`).
fn undeclared_session_cookie() -> String {
    consentry_server::AuthCookie::signed(&keys(), "Shop", "user-1")
        .unwrap()
        .to_string()
}

mod axum_server {
    use super::*;
    use axum::body::Body;
    use axum::extract::Request;
    use axum::http::{HeaderValue, Response};
    use axum::middleware::{from_fn, Next};
    use axum::routing::{get, post};
    use axum::Router;
    use consentry_server::axum::{ConsentLayer, CsrfLayer};
    use consentry_server::CsrfToken;

    fn with_cookies(cookies: Vec<String>, status: u16, body: &'static str) -> Response<Body> {
        let mut b = Response::builder().status(status);
        for c in cookies {
            b = b.header("set-cookie", c);
        }
        b.body(Body::from(body)).unwrap()
    }

    /// Adds `_ga` to the answers to `path`.
    async fn add_ga(path: &'static str, req: Request, next: Next) -> Response<Body> {
        let hit = req.uri().path() == path;
        let mut res = next.run(req).await;
        if hit {
            res.headers_mut()
                .append("set-cookie", HeaderValue::from_static(GA));
        }
        res
    }

    pub(crate) fn spawn() -> SocketAddr {
        let app = Router::new()
            .route("/consent", get(|| async { "ok" }))
            .route("/form", get(|t: CsrfToken| async move { t.hidden_input() }))
            .route("/transfer", post(|| async { "transferred" }))
            .route(
                "/weakened",
                get(|| async { with_cookies(weakened_cookies(), 200, "set") }),
            )
            .route(
                "/login-undeclared",
                get(|| async { with_cookies(vec![undeclared_session_cookie()], 200, "in") }),
            )
            .route("/inner-cookie", get(|| async { "ok" }))
            .route("/outer-cookie", get(|| async { "ok" }))
            // A middleware inside the consent layer that answers by itself.
            .layer(from_fn(|req: Request, next: Next| async move {
                if req.uri().path() == "/middleware-error" {
                    return with_cookies(vec![GA.to_owned()], 500, "refused by a middleware");
                }
                next.run(req).await
            }))
            .layer(from_fn(|req, next| add_ga("/inner-cookie", req, next)))
            .layer(CsrfLayer::new(csrf()))
            .layer(ConsentLayer::with(consentry(P4P, true)))
            // The misuse the docs warn about: a layer outside the consent layer.
            .layer(from_fn(|req, next| add_ga("/outer-cookie", req, next)));
        spawn_axum(app)
    }
}

mod actix_server {
    use super::*;
    use actix_web::dev::Service as _;
    use actix_web::error::InternalError;
    use actix_web::{web, App, HttpResponse};
    use consentry_server::actix::{ConsentMiddleware, CsrfMiddleware};
    use consentry_server::CsrfToken;

    fn with_cookies(cookies: Vec<String>, body: &'static str) -> HttpResponse {
        let mut b = HttpResponse::Ok();
        for c in cookies {
            b.append_header(("set-cookie", c));
        }
        b.body(body)
    }

    pub(crate) fn spawn() -> SocketAddr {
        spawn_actix!({
            App::new()
                .route("/consent", web::get().to(|| async { "ok" }))
                .route(
                    "/form",
                    web::get().to(|t: CsrfToken| async move { t.hidden_input() }),
                )
                .route("/transfer", web::post().to(|| async { "transferred" }))
                .route(
                    "/weakened",
                    web::get().to(|| async { with_cookies(weakened_cookies(), "set") }),
                )
                .route(
                    "/login-undeclared",
                    web::get()
                        .to(|| async { with_cookies(vec![undeclared_session_cookie()], "in") }),
                )
                .route("/inner-cookie", web::get().to(|| async { "ok" }))
                .route("/outer-cookie", web::get().to(|| async { "ok" }))
                // A middleware inside the consent middleware that fails with a
                // response of its own.
                .wrap_fn(|req, srv| {
                    let refuse = req.path() == "/middleware-error";
                    let fut = srv.call(req);
                    async move {
                        if refuse {
                            let res = HttpResponse::InternalServerError()
                                .append_header(("set-cookie", GA))
                                .body("refused by a middleware");
                            return Err(InternalError::from_response("refused", res).into());
                        }
                        fut.await
                    }
                })
                .wrap_fn(|req, srv| {
                    let hit = req.path() == "/inner-cookie";
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        if hit {
                            res.headers_mut()
                                .append(actix_web::http::header::SET_COOKIE, GA.parse().unwrap());
                        }
                        Ok(res)
                    }
                })
                .wrap(CsrfMiddleware::new(csrf()))
                .wrap(ConsentMiddleware::with(consentry(P4P, true)))
                // The misuse the docs warn about: wrapped after (outside) the consent
                // middleware.
                .wrap_fn(|req, srv| {
                    let hit = req.path() == "/outer-cookie";
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        if hit {
                            res.headers_mut()
                                .append(actix_web::http::header::SET_COOKIE, GA.parse().unwrap());
                        }
                        Ok(res)
                    }
                })
        })
    }
}

/// The servers: p4p-packing policy, `X-Forwarded-Proto` trusted (one proxy hop), CSRF on.
fn servers() -> [(&'static str, SocketAddr); 2] {
    static S: OnceLock<[(&'static str, SocketAddr); 2]> = OnceLock::new();
    *S.get_or_init(|| {
        capture_logs();
        [
            ("axum", axum_server::spawn()),
            ("actix", actix_server::spawn()),
        ]
    })
}

const HSTS: &str = "max-age=31536000; includeSubDomains";

fn hsts(res: &reqwest::Response) -> Option<&str> {
    res.headers()
        .get("strict-transport-security")
        .map(|v| v.to_str().unwrap())
}

/// The log lines at `WARN` or `ERROR` (levels a default subscriber shows) that mention `what`.
fn loud_lines_about(what: &str) -> Vec<String> {
    logs()
        .lines()
        .filter(|l| l.contains(what) && (l.contains(" WARN ") || l.contains(" ERROR ")))
        .map(str::to_owned)
        .collect()
}

// --- 1. every response that leaves passes the gate and gets HSTS ----------------------------

#[tokio::test]
async fn a_response_made_by_a_middleware_error_passes_the_gate_and_gets_hsts() {
    for (fw, addr) in servers() {
        let res = get(
            addr,
            "/middleware-error",
            &[("x-forwarded-proto", "https".into())],
        )
        .await;
        assert_eq!(res.status(), 500, "{fw}");
        assert_eq!(hsts(&res), Some(HSTS), "{fw}");
        assert_eq!(set_cookies(res.headers()), Vec::<String>::new(), "{fw}");
        assert_eq!(res.text().await.unwrap(), "refused by a middleware", "{fw}");
    }
}

// --- 2. the request-target the client wrote does not make a request HTTPS ------------------

#[tokio::test]
async fn an_absolute_form_https_request_target_over_plain_tcp_gets_no_hsts() {
    for (fw, addr) in servers() {
        let answer = raw_exchange(
            addr,
            format!(
                "GET https://{addr}/consent HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
        .await;
        assert_eq!(raw_status_of(&answer), 200, "{fw}: {answer}");
        assert_eq!(
            raw_header(&answer, "strict-transport-security"),
            Vec::<&str>::new(),
            "{fw}: {answer}"
        );
    }
}

#[tokio::test]
async fn csrf_refuses_an_https_origin_on_plain_http_even_with_an_absolute_form_target() {
    for (fw, addr) in servers() {
        let (cookies, token) = csrf_token(addr).await;
        let request = |origin: &str| {
            format!(
                "POST https://{addr}/transfer HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\n\
                 Cookie: {cookies}\r\nX-CSRF-Token: {token}\r\nContent-Length: 0\r\n\
                 Connection: close\r\n\r\n"
            )
        };
        let answer = raw_exchange(addr, request(&format!("https://{addr}")).as_bytes()).await;
        assert_eq!(raw_status_of(&answer), 403, "{fw}: {answer}");
        assert!(
            answer.ends_with("request origin not allowed"),
            "{fw}: {answer}"
        );
        // The site's real origin still passes in absolute form.
        let answer = raw_exchange(addr, request(&format!("http://{addr}")).as_bytes()).await;
        assert_eq!(raw_status_of(&answer), 200, "{fw}: {answer}");
    }
}

// --- 3. X-Forwarded-Proto: only the value the trusted proxy appended -----------------------

#[tokio::test]
async fn forwarded_proto_counts_only_the_value_the_proxy_appended() {
    for (fw, addr) in servers() {
        // (header lines as the proxy passes them on, HTTPS?)
        let cases: [(&[&str], bool); 7] = [
            (&["https"], true),
            (&["http"], false),
            // The client wrote `https`, the proxy (plain HTTP) appended `http`.
            (&["https, http"], false),
            (&["https", "http"], false),
            (&["https,http"], false),
            (&["http, https"], true),
            (&["http", "https"], true),
        ];
        for (lines, https) in cases {
            let mut r = client().get(format!("http://{addr}/consent"));
            for l in lines {
                r = r.header("x-forwarded-proto", *l);
            }
            let res = r.send().await.unwrap();
            assert_eq!(hsts(&res).is_some(), https, "{fw}: {lines:?}");
        }
    }
}

#[tokio::test]
async fn csrf_takes_the_scheme_from_the_value_the_proxy_appended() {
    for (fw, addr) in servers() {
        for (proto, origin_scheme, status) in [
            ("https, http", "https", 403),
            ("https, http", "http", 200),
            ("http, https", "https", 200),
        ] {
            let (cookies, token) = csrf_token(addr).await;
            let res = client()
                .post(format!("http://{addr}/transfer"))
                .header("cookie", cookies)
                .header("x-csrf-token", token)
                .header("origin", format!("{origin_scheme}://{addr}"))
                .header("x-forwarded-proto", proto)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), status, "{fw}: {proto} / {origin_scheme}");
        }
    }
}

// --- 4. declared attributes are enforced -------------------------------------------------

#[tokio::test]
async fn a_cookie_without_its_declared_http_only_or_same_site_is_dropped_and_logged_as_an_error() {
    for (fw, addr) in servers() {
        let res = get(addr, "/weakened", &[]).await;
        assert_eq!(res.status(), 200, "{fw}");
        assert_eq!(set_cookies(res.headers()), Vec::<String>::new(), "{fw}");
    }
    let member = loud_lines_about("__Host-P4PMember");
    assert!(
        member
            .iter()
            .any(|l| l.contains(" ERROR ") && l.contains("HttpOnly")),
        "{member:?}"
    );
    let admin = loud_lines_about("__Host-P4PAdmin");
    assert!(
        admin
            .iter()
            .any(|l| l.contains(" ERROR ") && l.contains("SameSite=Strict")),
        "{admin:?}"
    );
    assert!(!logs().contains("v1") && !logs().contains("v2"));
}

// --- 5. order: a layer outside the consent layer is past the gate -------------------------

#[tokio::test]
async fn a_cookie_added_inside_the_consent_layer_is_gated_and_one_added_outside_is_not() {
    for (fw, addr) in servers() {
        let inner = get(addr, "/inner-cookie", &[]).await;
        assert_eq!(set_cookies(inner.headers()), Vec::<String>::new(), "{fw}");
        // The documented misuse: nothing runs after the outermost middleware, so nothing can
        // take the cookie back. This is why the consent layer must be the outermost.
        let outer = get(addr, "/outer-cookie", &[]).await;
        assert_eq!(set_cookies(outer.headers()), vec![GA.to_owned()], "{fw}");
    }
}

// --- 6. a dropped session cookie is not silent --------------------------------------------

#[tokio::test]
async fn an_undeclared_session_cookie_is_dropped_with_a_warning_naming_it_and_the_fix() {
    for (fw, addr) in servers() {
        let res = get(addr, "/login-undeclared", &[]).await;
        assert_eq!(res.status(), 200, "{fw}");
        assert_eq!(set_cookies(res.headers()), Vec::<String>::new(), "{fw}");
    }
    let lines = loud_lines_about("__Host-Shop");
    assert_eq!(lines.len(), 2, "one a framework: {lines:?}");
    for l in &lines {
        assert!(l.contains("declare it in the policy"), "{l}");
    }
}
