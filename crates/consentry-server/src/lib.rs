//! # consentry-server
//!
//! consentry on the server: auth cookies that cannot be set insecurely, CSRF protection, the
//! visitor's consent read and enforced on every response, HSTS, and a receipts endpoint, as
//! middleware for axum and actix-web.
//!
//! **axum** (feature `axum`): the layer goes outermost, so it sees every `Set-Cookie` (see
//! "Things to know" for what that means for other middleware).
//!
//! ```ignore
//! let policy = consentry::Policy::from_json(&std::fs::read_to_string("policy.json")?)?;
//! let app = Router::new().route("/", get(page)).layer(consentry_server::axum::ConsentLayer::new(policy));
//! ```
//!
//! **actix-web** (feature `actix`): `wrap` it last, so it is outermost.
//!
//! ```ignore
//! let policy = consentry::Policy::from_json(&std::fs::read_to_string("policy.json")?)?;
//! App::new().service(page).wrap(consentry_server::actix::ConsentMiddleware::new(policy))
//! ```
//!
//! | feature | default | adds |
//! |---|---|---|
//! | `axum` | no | [`axum::ConsentLayer`] (tower), [`axum::CsrfLayer`], extractors for [`Consent`], [`CsrfToken`] and [`Session`] (401 rejection, `Option<Session>`), `IntoResponseParts` for [`AuthCookie`], the [`axum::receipts`] route (axum 0.8; turns on axum's `tokio` feature, for `ConnectInfo`) |
//! | `actix` | no | [`actix::ConsentMiddleware`], [`actix::CsrfMiddleware`], `FromRequest` for [`Consent`], [`CsrfToken`] and [`Session`], `append_header(auth_cookie)` and [`actix::add_auth_cookie`], the [`actix::receipts`] route (actix-web 4) |
//! | `assets` | no | the browser bundle embedded in the crate, so a Rust site needs no npm: [`Assets`] serves the gate, the loader, its glue and the wasm at `/consentry/<hash>/…` (immutable caching, right content types) and writes the whole `<head>` snippet with `integrity` ([`Assets::head`]); with `axum`, `axum::assets_router`; with `actix`, `actix::assets_service`. Building it needs the bundle: see below |
//!
//! One dependency is enough: the types of the `consentry` core an app needs are re-exported
//! ([`Policy`], [`Receipt`], [`ConsentRecord`], [`Timestamp`], [`ConsentId`], …), and the whole
//! core is [`consentry`](mod@consentry).
//!
//! ```
//! use consentry_server::{Policy, Receipt, Timestamp};
//! let policy = Policy::from_json(include_str!("../policies/packagetrack.json"))?;
//! # let _: Option<(Receipt, Timestamp)> = None;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Without features the crate is the framework-free logic the adapters share: every type
//! works on `&str`, bytes and the small [`Headers`] trait, so another framework can use it.
//!
//! | piece | type |
//! |---|---|
//! | auth and session cookies: `__Host-`, `HttpOnly`, `Secure`, `SameSite=Strict`, `Path=/`, signed or encrypted, name-bound, key rotation, lifetime, idle and absolute timeouts checked on the server | [`AuthCookie`], [`Keys`], [`Key`] |
//! | the signed-in visitor in a handler: settings, extractors (401 without a valid session), renewal | [`SessionCookie`], [`Session`] |
//! | CSRF: signed double-submit token bound to the session, `Origin` (scheme, host, port) / `Sec-Fetch-Site` | [`Csrf`], [`CsrfToken`] |
//! | the visitor's consent (consent cookie, `Sec-GPC`, region hint from the CDN's header), gtag snippet | [`Consentry::consent`], [`Consent`], [`Consentry::region_header`] |
//! | the Set-Cookie gate | [`check_set_cookie`], [`Consentry::gate`] |
//! | HSTS, only over HTTPS | [`Hsts`], [`Consentry::hsts_for`] |
//! | receipts posted by the browser: same-origin posts only, believable claims (server clock, consent lifetime, no self-contradiction), stamped with the server's time, awaited async sink (204 stored or duplicate, 409 conflict, 503 unavailable), IP and user agent only on opt-in | [`ReceiptEndpoint`], [`ReceiptSink`], [`AcceptedReceipt`] |
//! | the policy tag for the page (canonical JSON, `data-sha256` for receipts, the region hint) | [`policy_script_tag`], [`PolicyTag`] |
//!
//! ## The browser bundle from the crate (feature `assets`)
//!
//! ```ignore
//! let assets = consentry_server::Assets::new(); // at /consentry/<hash>/
//! let head = assets.head(&policy, region, nonce); // into every page's <head>, first
//! // per request, the policy tag prepared once and the region the server read:
//! let head = assets.head_with(&tag, consentry.region(&headers).as_deref(), nonce);
//! // and, when consent.needs_prompt(), assets.preload(nonce) after it
//! // axum:      Router::new().route("/", get(page)).merge(consentry_server::axum::assets_router(&assets))
//! // actix-web: App::new().service(page).service(consentry_server::actix::assets_service(&assets))
//! ```
//!
//! [`Assets::head`] writes the gate, the policy tag ([`policy_script_tag`]) and the module,
//! with a CSP `nonce` on each when given. The gate and the loader carry `integrity` (SHA-384,
//! Subresource Integrity); the glue and the wasm, which the loader loads itself by relative
//! URL, have no `integrity` check: they are pinned by their content-hashed, immutable URL on
//! the same origin. [`Assets::preload`] loads those two with the page for a visitor who has not
//! chosen yet, so the banner shows sooner (the glue's `modulepreload` has `integrity`). All four are served under one folder named by a hash of all of them
//! (the loader finds the others by fixed name beside itself), `Cache-Control: public,
//! max-age=31536000, immutable`, `X-Content-Type-Options: nosniff`; another hash is a `404`.
//! Each file is also embedded compressed (gzip -9, at build time) and sent so to clients that
//! accept gzip: a first visit downloads about 26.6 KB instead of 58 KB, a returning visitor
//! 3.9 KB (gate and loader), measured 2026-12-03 (`cargo xtask bench`); a compression middleware of the app
//! (tower-http's `CompressionLayer`, actix-web's `Compress`) leaves those responses as they
//! are. There is no CSS file: the banner's style is in the wasm.
//!
//! The bytes are embedded at build time from the folder in `CONSENTRY_ASSETS_DIR` when it is
//! set (e.g. `node_modules/consentry/` of the same version); otherwise the published crate
//! embeds the bundle its package carries in `assets/`, nothing to do. Built from the consentry
//! repository, the crate takes the workspace's `pkg/` (built by `cargo xtask web`) instead and
//! never its `assets/` (a copy `cargo xtask release-check` makes for the package, which could be
//! stale there): run `cargo xtask web` before building anything with the feature (the examples
//! use it). Without the files the build fails and says so.
//!
//! ## Things to know
//!
//! - Keys: 64 random bytes, base64 in the environment: `head -c 64 /dev/urandom | base64 -w0`
//!   (or `openssl rand -base64 64`), loaded with [`Keys::from_env`] (`COOKIE_KEY`, older keys
//!   for rotation in `COOKIE_KEY_OLD`, comma-separated). Weak keys (all bytes equal, few
//!   distinct bytes, wrong length) are refused with a [`KeyError`].
//! - Auth cookie values carry their times (format 2): the server refuses a value past its
//!   `persistent` lifetime, a session cookie [`DEFAULT_SESSION_TIMEOUT`] (12 h) after sign-in
//!   unless [`AuthCookie::absolute_timeout`] / [`SessionCookie::absolute_timeout`] says
//!   otherwise, and a value idle longer than its idle timeout, with [`AUTH_CLOCK_SKEW`] (60 s)
//!   of slack. With an idle timeout, send [`Session::renewal`] (or [`AuthCookie::renew`] when
//!   [`Verified::needs_renewal`]) with each response.
//! - **Upgrading from 0.1.0**: auth cookie values made by 0.1.0 (format 1, no times) are
//!   refused (fail closed): every visitor signs in once more.
//! - The Set-Cookie gate drops every cookie the policy does not declare (unless the policy's
//!   `undeclared_cookies` says `warn` or `allow`), and logs it at `WARN` with the fix. Declare
//!   your auth and session cookies (e.g. `__Host-session`, category `necessary`, exemption
//!   `authentication`, `http_only`, `same_site: strict`), or sign-in answers 200 and the
//!   browser gets no cookie. Check it when the server starts:
//!   [`Consentry::expect_cookies`]`(["__Host-session"])?` fails with the name and the fix.
//!   The consent cookie and consentry's CSRF cookie ([`CSRF_COOKIE`], `__Host-csrf`) always
//!   pass; declare `__Host-csrf` too (necessary, `security`) so the cookie table lists it.
//! - A declaration is enforced: a cookie declared `http_only` sent without `HttpOnly`, or
//!   declared `same_site: strict` sent with a laxer `SameSite` or none, is dropped and logged
//!   at `ERROR` naming the cookie and the attribute ([`GateReason::MissingHttpOnly`],
//!   [`GateReason::WrongSameSite`]). [`AuthCookie`] always sets both.
//! - Order: the consent layer must be the outermost. It sees, gates and adds HSTS to every
//!   response that passes through it (with actix-web also the response of an error an inner
//!   middleware returns), but nothing runs after the outermost middleware, so a cookie a
//!   layer outside it adds reaches the browser ungated: session middleware, cookie managers
//!   (tower-cookies' `CookieManagerLayer`, actix-session's `SessionMiddleware`) and anything
//!   else that sets cookies go inside (with axum: `.layer()` them before the consent layer;
//!   with actix-web: `.wrap()` them before it). Neither framework lets the layer see what
//!   an outer one does, so this misuse is not detected at run time; the tests pin it down
//!   (`tests/hardening.rs`).
//! - The consent cookie over HTTPS is `__Host-consentry` (`__Host-` + the policy's
//!   `cookie_name`), which only this host can set: a plain `consentry` cookie on an HTTPS
//!   request (a sibling subdomain can plant one with `Domain=.example.com`) grants nothing, a
//!   duplicated one reads as no consent. Over plain HTTP (development) it is `consentry`. A
//!   policy with `cookie_domain` shares the consent across subdomains under the plain name and
//!   gives this protection up. **Upgrading**: a visitor whose consent was stored under the
//!   plain name on an HTTPS site is asked once more. [`Consent::over_https`] gives the
//!   `secure` to pass to `ConsentRecord::set_cookie` / `clear_consent_cookie` when the app
//!   writes the consent cookie itself.
//! - HTTPS (for HSTS, the CSRF origin and the consent cookie's name) comes from the
//!   connection, never from the request:
//!   with actix-web the listener (`bind_rustls` / `bind_openssl`), with axum the
//!   [`axum::TlsConnection`] extension the app inserts on its TLS listener; or from
//!   [`Consentry::assume_https`]; or, behind a proxy, from the `X-Forwarded-Proto` value the
//!   proxy wrote ([`Consentry::trust_forwarded_proto`]: the rightmost value across all header
//!   lines, or the n-th from the right with [`Consentry::trusted_proxy_hops`]). The request
//!   URI's scheme (`GET https://… HTTP/1.1` over plain TCP), actix-web's
//!   `ConnectionInfo::scheme` and the `Forwarded` header are never read.
//! - Cookies being deleted (`Max-Age=0`, `Expires` in the past) always pass.
//! - The consent decision is made lazily, on the first `allows` or when a `Set-Cookie` needs
//!   it.
//! - CSRF tokens come from the `x-csrf-token` header or, for URL-encoded forms, the
//!   `csrf_token` field. Multipart forms must send the header. Exempt endpoints that cannot
//!   carry a token (the receipts endpoint, which `sendBeacon` posts to) with
//!   [`Csrf::exempt_path`].
//! - The receipts route does its own `Origin` check, the same as the CSRF check's (site's own
//!   origin or one given to [`ReceiptEndpoint::allow_origin`]; `Sec-Fetch-Site: cross-site`
//!   refused), and also refuses a post showing neither `Origin` nor
//!   `Sec-Fetch-Site: same-origin`: it is exempt from the CSRF token check only because
//!   `sendBeacon` cannot carry a token. It takes `https` from the consent layer around it, like
//!   the CSRF layer, so keep the consent layer outermost.
//! - The receipts endpoint stores no IP address or user agent unless the app opts in
//!   ([`ReceiptEndpoint::record_client_ip`], [`ReceiptEndpoint::record_user_agent`]). With axum,
//!   the IP address needs `into_make_service_with_connect_info::<SocketAddr>()`; the `axum`
//!   feature turns on axum's `tokio` feature for `ConnectInfo`.
//! - The CSRF `Origin` check compares the full origin, scheme, host and port (default ports
//!   filled in), with the site's own: the `Host` header, and `https` exactly when the request
//!   counts as HTTPS for HSTS ([`Consentry::is_https`]). Behind a TLS-terminating proxy turn on
//!   [`Consentry::trust_forwarded_proto`] (or [`Consentry::assume_https`]) and keep the consent
//!   layer outside the CSRF layer, or the site refuses posts from its own `https://` pages.
//!   Origins given to [`Csrf::allow_origin`] are full origins too.
//!
//! ## Google Analytics (and other tags): which way
//!
//! Two ways work; use the first unless the second fits better.
//!
//! - **Recommended: inert markup and the browser module.** Put the tag in the page as
//!   `<script type="text/plain" data-consent="analytics" …>` (the `consentry` browser module
//!   releases it once the visitor allows `analytics`). It needs no server round-trip after the visitor chooses (the tag
//!   starts on the same page, at the click), and the page is the same for every visitor, so
//!   it can be cached by a CDN or the browser.
//!
//!   ```html
//!   <script type="text/plain" data-consent="analytics" async
//!           src="https://www.googletagmanager.com/gtag/js?id=G-XXXX"></script>
//!   <script type="text/plain" data-consent="analytics">
//!     window.dataLayer = window.dataLayer || [];
//!     function gtag() { dataLayer.push(arguments); }
//!     gtag("js", new Date());
//!     gtag("config", "G-XXXX", {"cookie_expires":34128000,"cookie_update":false});
//!   </script>
//!   ```
//!
//!   The `config` settings keep Google Analytics' cookies to the lifetime the policy declares
//!   for `_ga` (here 395 days), not renewed; write them from the policy with
//!   [`consentry::consent_mode::gtag_config`]. Without them gtag.js sets two years.
//!
//! - **[`Consent::gtag_snippet`] on the server** renders the tag into the page only when the
//!   visitor already allowed analytics. It fits pages that are rendered per visitor and never
//!   cached (`Cache-Control: private` at least), sites that do not load the browser module on
//!   some pages (server-rendered admin or checkout pages), and a strict Content-Security-Policy
//!   with per-response nonces (it takes the nonce). The tag then starts only on the next page
//!   load after the visitor chooses. Never serve its output from a shared cache: one
//!   visitor's consent would decide for the next.
#![deny(missing_docs)]
// docs.rs (`--cfg docsrs`, nightly): each feature-gated item says which feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth_cookie;
mod config;
mod consent;
mod cookie_index;
mod csrf;
mod gate;
mod hsts;
mod keys;
mod name;
mod origin;
mod policy_tag;
mod receipts;
mod request;
mod scan;
mod seal;
mod session;

#[cfg(feature = "actix")]
pub mod actix;
#[cfg(feature = "assets")]
mod assets;
#[cfg(feature = "axum")]
pub mod axum;

pub use consentry;
pub use consentry::{
    ConsentId, ConsentRecord, Method, Policy, PolicyError, Receipt, ReceiptContext, ReceiptEvent,
    Timestamp,
};

#[cfg(feature = "assets")]
pub use assets::{Asset, AssetAnswer, Assets, AssetsPrefixError};
pub use auth_cookie::{
    AuthCookie, AuthCookieError, Verified, AUTH_CLOCK_SKEW, DEFAULT_SESSION_TIMEOUT, MAX_LIFETIME,
    MAX_NAME_VALUE_BYTES,
};
pub use config::{Consentry, ExpectCookieError};
pub use consent::Consent;
pub use csrf::{is_safe_method, Csrf, CsrfPrepared, CsrfRefusal, CsrfToken, CSRF_COOKIE};
pub use gate::{check_set_cookie, GateReason, GateVerdict};
pub use hsts::Hsts;
pub use keys::{Key, KeyError, Keys, KEY_LEN};
pub use name::{NameError, HOST_PREFIX};
pub use policy_tag::{policy_script_tag, PolicyTag};
pub use receipts::{
    AcceptedReceipt, ReceiptEndpoint, ReceiptResponse, ReceiptSink, SinkError, SinkFuture, Stored,
    DEFAULT_MAX_CLOCK_SKEW, MAX_USER_AGENT_BYTES,
};
pub use request::Headers;
pub use session::{Session, SessionCookie, SessionRejection};

/// The README's examples, compiled and run as doc tests so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
