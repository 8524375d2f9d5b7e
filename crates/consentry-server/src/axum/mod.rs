//! The axum 0.8 adapter: [`ConsentLayer`], [`CsrfLayer`], extractors and the receipts route.
//!
//! ```no_run
//! use axum::{extract::State, routing::{get, post}, Router};
//! use consentry::Policy;
//! use consentry_server::axum::{receipts, ConsentLayer, CsrfLayer};
//! use consentry_server::{AuthCookie, Consent, Csrf, CsrfToken, Keys, ReceiptEndpoint};
//!
//! async fn page(consent: Consent, token: CsrfToken) -> String {
//!     let gtag = consent.gtag_snippet("G-ABC123", None).unwrap_or_default();
//!     format!("<form method=post action=/login>{}</form>{gtag}", token.hidden_input())
//! }
//!
//! async fn login(State(keys): State<Keys>) -> Result<(AuthCookie, &'static str), consentry_server::AuthCookieError> {
//!     Ok((AuthCookie::encrypted(&keys, "session", "user-42")?, "signed in"))
//! }
//!
//! # fn app(policy: Policy) -> Result<Router, consentry_server::KeyError> {
//! // COOKIE_KEY: base64 of 64 random bytes (`head -c 64 /dev/urandom | base64 -w0`);
//! // COOKIE_KEY_OLD: older keys still accepted while rotating (optional, comma-separated).
//! let keys = Keys::from_env("COOKIE_KEY")?;
//! let endpoint = ReceiptEndpoint::new(policy.clone(), |r: consentry::Receipt| { println!("{}", r.to_json()); Ok(()) });
//! let app = Router::new()
//!     .route("/", get(page))
//!     .route("/login", post(login))
//!     .route("/consentry/receipts", receipts(endpoint))
//!     .layer(CsrfLayer::new(Csrf::new(keys.clone()).session_cookie("__Host-session").exempt_path("/consentry/receipts")))
//!     .layer(ConsentLayer::new(policy)) // outermost: added last
//!     .with_state(keys);
//! # Ok(app) }
//! ```
//!
//! # Sessions
//!
//! Add the [`SessionCookie`](crate::SessionCookie) settings as an extension; a handler that
//! takes a [`Session`](crate::Session) gets the signed-in visitor or answers `401`;
//! `Option<Session>` is `None` instead.
//!
//! ```no_run
//! use std::time::Duration;
//! use axum::{routing::{get, post}, Extension, Router};
//! use consentry_server::{AuthCookie, AuthCookieError, Keys, Session, SessionCookie};
//!
//! async fn sign_in(Extension(sessions): Extension<SessionCookie>) -> Result<(AuthCookie, &'static str), AuthCookieError> {
//!     // … after checking the password:
//!     Ok((sessions.issue("user-42")?, "signed in"))
//! }
//!
//! async fn account(session: Session) -> (Option<AuthCookie>, String) {
//!     // `renewal()` is Some when the cookie needs re-issuing (idle timeout, key rotation).
//!     (session.renewal(), format!("signed in as {}", session.value()))
//! }
//!
//! async fn home(session: Option<Session>) -> String {
//!     session.map_or("welcome".into(), |s| format!("welcome back, {}", s.value()))
//! }
//!
//! async fn sign_out(Extension(sessions): Extension<SessionCookie>) -> (AuthCookie, &'static str) {
//!     (sessions.removal(), "signed out")
//! }
//!
//! # fn app() -> Result<Router, Box<dyn std::error::Error>> {
//! let sessions = SessionCookie::encrypted(Keys::from_env("COOKIE_KEY")?, "session")?
//!     .idle_timeout(Duration::from_secs(30 * 60));
//! let app = Router::new()
//!     .route("/", get(home))
//!     .route("/account", get(account))
//!     .route("/sign-in", post(sign_in))
//!     .route("/sign-out", post(sign_out))
//!     .layer(Extension(sessions));
//! # Ok(app) }
//! ```
//!
//! ## Order
//!
//! With axum the layer added last is the outermost. [`ConsentLayer`] must be added last: it
//! gates every `Set-Cookie` of the responses that pass through it, but a layer added after it
//! runs after the gate, and a cookie it sets reaches the browser without consent. Add
//! everything that sets cookies (session layers, tower-cookies' `CookieManagerLayer`, the
//! [`CsrfLayer`]) before it. This misuse cannot be detected at run time (nothing in tower lets
//! a layer see what an outer one does to the response), so it is only documented:
//!
//! ```ignore
//! // Wrong: the session layer is outside the consent layer; its cookie is never gated.
//! Router::new().route("/", get(page)).layer(ConsentLayer::new(policy)).layer(session_layer);
//! // Right:
//! Router::new().route("/", get(page)).layer(session_layer).layer(ConsentLayer::new(policy));
//! ```
//!
//! ## Check the session cookie is declared, at start-up
//!
//! The gate drops a cookie the policy does not declare, a session cookie too: sign-in would
//! answer 200 and set nothing (the drop is logged at `WARN`). Check the names when the app
//! starts with [`Consentry::expect_cookies`](crate::Consentry::expect_cookies), which fails
//! with the name and the fix:
//!
//! ```
//! use consentry::Policy;
//! use consentry_server::{axum::ConsentLayer, Consentry};
//!
//! let policy = Policy::from_json(include_str!("../../policies/p4p-packing.json"))?;
//! let layer = ConsentLayer::with(
//!     Consentry::new(policy.clone()).expect_cookies(["__Host-P4PMember", "__Host-P4PAdmin"])?,
//! );
//! // An AuthCookie named "session" is sent as `__Host-session`, which this policy lacks:
//! let err = Consentry::new(policy).expect_cookies(["__Host-session"]).unwrap_err();
//! assert!(err.to_string().contains("declare it in the policy's \"cookies\""));
//! # let _ = layer;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## HTTPS
//!
//! Whether a request is HTTPS (HSTS, the CSRF origin's scheme) never comes from the request
//! URI, which the client writes. Behind a proxy use
//! [`Consentry::trust_forwarded_proto`](crate::Consentry::trust_forwarded_proto); terminating
//! TLS in the app, [`Consentry::assume_https`](crate::Consentry::assume_https) or the
//! [`TlsConnection`] extension.

#[cfg(feature = "assets")]
mod assets;
mod csrf;
mod extract;
mod layer;
mod receipts;
mod tls;

#[cfg(feature = "assets")]
pub use assets::assets_router;
pub use csrf::{CsrfLayer, CsrfService};
pub use layer::{ConsentLayer, ConsentService, ResponseFuture};
pub use receipts::receipts;
pub use tls::TlsConnection;

use http::header::{HeaderName, COOKIE};
use http::HeaderMap;

const SEC_GPC: HeaderName = HeaderName::from_static("sec-gpc");

use crate::request::Headers;

impl Headers for HeaderMap {
    fn each<'a>(&'a self, name: &str, f: &mut dyn FnMut(&'a [u8])) {
        // The names consentry asks for on every request, without parsing them each time.
        let values = match name {
            "cookie" => self.get_all(COOKIE),
            _ => self.get_all(name),
        };
        for v in values {
            f(v.as_bytes());
        }
    }

    fn first(&self, name: &str) -> Option<&[u8]> {
        let v = match name {
            "cookie" => self.get(COOKIE),
            "sec-gpc" => self.get(SEC_GPC),
            _ => self.get(name),
        };
        v.map(|v| v.as_bytes())
    }
}
