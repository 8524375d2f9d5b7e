//! The actix-web 4 adapter: [`ConsentMiddleware`], [`CsrfMiddleware`], extractors, auth cookie
//! helpers and the receipts handler.
//!
//! ```no_run
//! use actix_web::{web, App, HttpResponse, HttpServer};
//! use consentry::Policy;
//! use consentry_server::actix::{receipts, ConsentMiddleware, CsrfMiddleware};
//! use consentry_server::{AuthCookie, Consent, Csrf, CsrfToken, Keys, ReceiptEndpoint};
//!
//! async fn page(consent: Consent, token: CsrfToken) -> HttpResponse {
//!     let gtag = consent.gtag_snippet("G-ABC123", None).unwrap_or_default();
//!     HttpResponse::Ok().body(format!("<form method=post>{}</form>{gtag}", token.hidden_input()))
//! }
//!
//! async fn login(keys: web::Data<Keys>) -> actix_web::Result<HttpResponse> {
//!     let cookie = AuthCookie::encrypted(&keys, "session", "user-42")
//!         .map_err(actix_web::error::ErrorInternalServerError)?;
//!     Ok(HttpResponse::Ok().append_header(cookie).body("signed in"))
//! }
//!
//! # async fn run(policy: Policy) -> Result<(), Box<dyn std::error::Error>> {
//! // COOKIE_KEY: base64 of 64 random bytes (`head -c 64 /dev/urandom | base64 -w0`);
//! // COOKIE_KEY_OLD: older keys still accepted while rotating (optional, comma-separated).
//! let keys = Keys::from_env("COOKIE_KEY")?;
//! let endpoint = ReceiptEndpoint::new(policy.clone(), |r: consentry::Receipt| { println!("{}", r.to_json()); Ok(()) });
//! HttpServer::new(move || {
//!     App::new()
//!         .app_data(web::Data::new(keys.clone()))
//!         .route("/", web::get().to(page))
//!         .route("/login", web::post().to(login))
//!         .route("/consentry/receipts", receipts(endpoint.clone()))
//!         .wrap(CsrfMiddleware::new(Csrf::new(keys.clone()).exempt_path("/consentry/receipts")))
//!         .wrap(ConsentMiddleware::new(policy.clone())) // outermost: wrapped last
//! })
//! .bind(("127.0.0.1", 8080))?
//! .run()
//! .await?;
//! # Ok(()) }
//! ```
//!
//! # Sessions
//!
//! Put the [`SessionCookie`](crate::SessionCookie) settings in the app data; a handler that
//! takes a [`Session`](crate::Session) gets the signed-in visitor or answers `401`;
//! `Option<Session>` is `None` instead.
//!
//! ```no_run
//! use std::time::Duration;
//! use actix_web::{web, App, HttpResponse, HttpServer};
//! use consentry_server::{Keys, Session, SessionCookie};
//!
//! async fn sign_in(sessions: web::Data<SessionCookie>) -> actix_web::Result<HttpResponse> {
//!     // … after checking the password:
//!     let cookie = sessions.issue("user-42").map_err(actix_web::error::ErrorInternalServerError)?;
//!     Ok(HttpResponse::Ok().append_header(cookie).body("signed in"))
//! }
//!
//! async fn account(session: Session) -> HttpResponse {
//!     let mut res = HttpResponse::Ok();
//!     if let Some(renewed) = session.renewal() { // idle timeout, key rotation
//!         res.append_header(renewed);
//!     }
//!     res.body(format!("signed in as {}", session.value()))
//! }
//!
//! async fn home(session: Option<Session>) -> String {
//!     session.map_or("welcome".into(), |s| format!("welcome back, {}", s.value()))
//! }
//!
//! async fn sign_out(sessions: web::Data<SessionCookie>) -> HttpResponse {
//!     HttpResponse::Ok().append_header(sessions.removal()).body("signed out")
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let sessions = SessionCookie::encrypted(Keys::from_env("COOKIE_KEY")?, "session")?
//!     .idle_timeout(Duration::from_secs(30 * 60));
//! HttpServer::new(move || {
//!     App::new()
//!         .app_data(web::Data::new(sessions.clone()))
//!         .route("/", web::get().to(home))
//!         .route("/account", web::get().to(account))
//!         .route("/sign-in", web::post().to(sign_in))
//!         .route("/sign-out", web::post().to(sign_out))
//! })
//! .bind(("127.0.0.1", 8080))?
//! .run()
//! .await?;
//! # Ok(()) }
//! ```
//!
//! ## Order
//!
//! With actix-web the middleware wrapped last is the outermost. [`ConsentMiddleware`] must be
//! wrapped last: it gates every `Set-Cookie` of the responses that pass through it (handler
//! responses, and the response of an error an inner middleware returns), but a middleware
//! wrapped after it runs after the gate, and a cookie it sets reaches the browser without
//! consent. Wrap everything that sets cookies (actix-session's `SessionMiddleware`, the
//! [`CsrfMiddleware`]) before it. This misuse cannot be detected at run time (nothing in
//! actix-web lets a middleware see what an outer one does to the response), so it is only
//! documented:
//!
//! ```ignore
//! // Wrong: the session middleware is outside the consent middleware; its cookie is never gated.
//! App::new().service(page).wrap(ConsentMiddleware::new(policy)).wrap(session_middleware)
//! // Right:
//! App::new().service(page).wrap(session_middleware).wrap(ConsentMiddleware::new(policy))
//! ```
//!
//! ## Check the session cookie is declared, at start-up
//!
//! The gate drops a cookie the policy does not declare, a session cookie too: sign-in would
//! answer 200 and set nothing (the drop is logged at `WARN`). Check the names before the
//! server starts with [`Consentry::expect_cookies`](crate::Consentry::expect_cookies), which
//! fails with the name and the fix:
//!
//! ```
//! use consentry::Policy;
//! use consentry_server::{actix::ConsentMiddleware, Consentry};
//!
//! let policy = Policy::from_json(include_str!("../../policies/p4p-packing.json"))?;
//! // Checked once, before `HttpServer::new`; the factory clones the checked settings.
//! let consentry = Consentry::new(policy.clone()).expect_cookies(["__Host-P4PMember"])?;
//! let app = move || actix_web::App::new().wrap(ConsentMiddleware::with(consentry.clone()));
//! // An AuthCookie named "session" is sent as `__Host-session`, which this policy lacks:
//! let err = Consentry::new(policy).expect_cookies(["__Host-session"]).unwrap_err();
//! assert!(err.to_string().contains("declare it in the policy's \"cookies\""));
//! # let _ = app;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## HTTPS
//!
//! Whether a request is HTTPS (HSTS, the CSRF origin's scheme) comes from the listener
//! (`req.app_config().secure()`: `bind_rustls` / `bind_openssl`), never from the request or
//! `ConnectionInfo::scheme` (which reads `Forwarded` / `X-Forwarded-Proto` from any client).
//! Behind a proxy use [`Consentry::trust_forwarded_proto`](crate::Consentry::trust_forwarded_proto).

#[cfg(feature = "assets")]
mod assets;
mod csrf;
mod extract;
mod middleware;
mod receipts;

#[cfg(feature = "assets")]
pub use assets::assets_service;
pub use csrf::{CsrfMiddleware, CsrfMiddlewareService};
pub use extract::add_auth_cookie;
pub use middleware::{ConsentMiddleware, ConsentMiddlewareService};
pub use receipts::receipts;

use actix_web::http::header::{HeaderMap, HeaderName, COOKIE};

use crate::request::Headers;

static SEC_GPC: HeaderName = HeaderName::from_static("sec-gpc");
static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
static SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// The `HeaderName` for a name consentry asks for on every request. actix-web parses a `&str`
/// name on each lookup, and copies one that is not a standard header (`sec-gpc`) into a new
/// allocation.
fn known(name: &str) -> Option<&'static HeaderName> {
    match name {
        "cookie" => Some(&COOKIE),
        "sec-gpc" => Some(&SEC_GPC),
        "x-forwarded-proto" => Some(&X_FORWARDED_PROTO),
        "sec-fetch-site" => Some(&SEC_FETCH_SITE),
        _ => None,
    }
}

impl Headers for HeaderMap {
    fn each<'a>(&'a self, name: &str, f: &mut dyn FnMut(&'a [u8])) {
        let values = match known(name) {
            Some(known) => self.get_all(known),
            None => self.get_all(name),
        };
        for v in values {
            f(v.as_bytes());
        }
    }

    fn first(&self, name: &str) -> Option<&[u8]> {
        match known(name) {
            Some(known) => self.get(known),
            None => self.get(name),
        }
        .map(|v| v.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_are_the_names_asked_for() {
        for name in ["cookie", "sec-gpc", "x-forwarded-proto", "sec-fetch-site"] {
            assert_eq!(known(name).map(HeaderName::as_str), Some(name));
        }
        assert!(known("x-geo").is_none());
        let mut map = HeaderMap::new();
        map.insert(SEC_GPC.clone(), "1".parse().unwrap());
        map.insert(HeaderName::from_static("x-geo"), "DE".parse().unwrap());
        assert_eq!(Headers::first(&map, "sec-gpc"), Some(&b"1"[..]));
        assert_eq!(Headers::first(&map, "x-geo"), Some(&b"DE"[..]));
    }
}
