//! The P4P Packing site, modelled on p4p.pro4soft.com and its privacy policy: a public site with
//! a contact form and a member login, Google Analytics only after consent.
//!
//! ```sh
//! cargo xtask web                                     # builds the browser module into pkg/
//! cargo run -p p4p-packing -- --port 8080 --gtag-src /dev/gtag.js
//! ```
//!
//! Flags (or environment): `--addr IP:PORT`, `--port N` (`PORT`), `--pkg-dir DIR` (the built
//! npm package, served at `/consentry/`), `--gtag-src URL` (`GTAG_SRC`: load this instead of
//! Google's gtag.js; the example serves an offline stand-in at `/dev/gtag.js`).
//! `--trust-forwarded-proto`: behind a TLS-terminating proxy, read `X-Forwarded-Proto` (HSTS is
//! sent on HTTPS only).
//! Demo accounts: `demo@p4p.test` / `demo` (member), `admin@p4p.test` / `admin` (admin).
//!
//! consentry-server does the security work in three lines of `app()`: `ConsentLayer` (outermost)
//! drops every `Set-Cookie` the visitor's consent or the policy does not allow and adds HSTS,
//! `CsrfLayer` refuses forged form posts, `AuthCookie` makes the hardened auth cookies, and the
//! receipts route hands the browser's consent receipts to a `ReceiptSink`.

mod pages;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::header::{CONTENT_TYPE, COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use consentry::Policy;
use consentry_server::axum::{receipts, ConsentLayer, CsrfLayer};
use consentry_server::{
    AcceptedReceipt, AuthCookie, Consent, Consentry, Csrf, CsrfToken, Key, Keys, ReceiptEndpoint,
    ReceiptSink, SinkFuture, Stored,
};
use serde::Deserialize;
use tower_http::services::ServeDir;

/// The policy this site runs under (also embedded in every page for the browser module).
const POLICY_JSON: &str = include_str!("../../policies/p4p-packing.json");
/// The policy tag every page carries: canonical JSON and its hash, so receipts name the policy.
static POLICY_TAG: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let policy = Policy::from_json(POLICY_JSON).expect("the policy file is valid");
    consentry_server::policy_script_tag(&policy, None, None)
});
/// Google's gtag.js for this site's measurement id.
const GTAG_URL: &str = "https://www.googletagmanager.com/gtag/js?id=G-P4PDEMO";
const MEMBER_COOKIE: &str = "__Host-P4PMember";
const ADMIN_COOKIE: &str = "__Host-P4PAdmin";
const RECEIPTS_PATH: &str = "/consentry/receipts";

/// The demo accounts: email, password, admin?
const ACCOUNTS: &[(&str, &str, bool)] = &[
    ("demo@p4p.test", "demo", false),
    ("admin@p4p.test", "admin", true),
];

/// Who is signed in.
#[derive(Clone, Debug)]
struct Account {
    email: String,
    admin: bool,
}

/// Settings from flags and environment.
#[derive(Clone, Debug)]
struct Config {
    addr: SocketAddr,
    pkg_dir: PathBuf,
    gtag_src: String,
    trust_forwarded_proto: bool,
}

impl Config {
    fn from_args(mut args: impl Iterator<Item = String>) -> Result<Config, String> {
        let mut port: u16 = match std::env::var("PORT") {
            Ok(p) => p
                .parse()
                .map_err(|_| format!("PORT={p:?} is not a port number"))?,
            Err(_) => 8080,
        };
        let mut addr = None;
        let mut pkg_dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../pkg"));
        let mut gtag_src = std::env::var("GTAG_SRC").unwrap_or_else(|_| GTAG_URL.into());
        let mut trust_forwarded_proto = false;
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
            match flag.as_str() {
                "--addr" => addr = Some(value()?.parse().map_err(|e| format!("--addr: {e} (expected IP:PORT)"))?),
                "--port" => port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
                "--pkg-dir" => pkg_dir = value()?.into(),
                "--gtag-src" => gtag_src = value()?,
                "--trust-forwarded-proto" => trust_forwarded_proto = true,
                "-h" | "--help" => {
                    return Err("usage: p4p-packing [--addr IP:PORT | --port N] [--pkg-dir DIR] [--gtag-src URL] [--trust-forwarded-proto]".into())
                }
                other => return Err(format!("unknown argument {other:?} (try --help)")),
            }
        }
        Ok(Config {
            addr: addr.unwrap_or(SocketAddr::from(([127, 0, 0, 1], port))),
            pkg_dir,
            gtag_src,
            trust_forwarded_proto,
        })
    }
}

/// Shared state of the site.
struct Site {
    policy: Policy,
    config: Config,
    /// Keys for the auth cookies and CSRF tokens. A real site loads them from its secret store
    /// (`COOKIE_KEY`, read by `Keys::from_env`), with older keys in `COOKIE_KEY_OLD` while rotating.
    keys: Keys,
}

type AppState = Arc<Site>;

/// Where the consent receipts posted by the browser module go: here, the log.
struct LogReceipts;

impl ReceiptSink for LogReceipts {
    fn store<'a>(&'a self, accepted: &'a AcceptedReceipt) -> SinkFuture<'a> {
        tracing::info!(receipt = %accepted.receipt.to_json(), "consent receipt");
        Box::pin(std::future::ready(Ok(Stored::New)))
    }
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(std::env::var_os("NO_COLOR").is_none())
        .init();
    let config = match Config::from_args(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("p4p-packing: {e}");
            std::process::exit(2);
        }
    };
    let policy =
        Policy::from_json(POLICY_JSON).expect("examples/policies/p4p-packing.json is valid");
    if !config.pkg_dir.join("consentry.js").exists() {
        tracing::warn!(pkg_dir = %config.pkg_dir.display(), "consentry.js not found: run `cargo xtask web` first, or pass --pkg-dir");
    }
    let addr = config.addr;
    let site = Arc::new(Site {
        policy,
        config,
        keys: Keys::new(Key::generate()),
    });
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "p4p-packing: cannot listen on {addr}: {e} (choose another port with --port N)"
            );
            std::process::exit(1);
        }
    };
    println!(
        "P4P Packing listening on http://{}",
        listener.local_addr().unwrap_or(addr)
    );
    if let Err(e) = axum::serve(listener, app(site)).await {
        eprintln!("p4p-packing: {e}");
        std::process::exit(1);
    }
}

fn app(site: AppState) -> Router {
    let consentry = Consentry::new(site.policy.clone())
        .trust_forwarded_proto(site.config.trust_forwarded_proto);
    // Tokens are bound to the member's sign-in; the beacons (receipts, analytics stand-in) carry none.
    let csrf = Csrf::new(site.keys.clone())
        .session_cookie(MEMBER_COOKIE)
        .exempt_path(RECEIPTS_PATH)
        .exempt_path("/dev/collect");
    let receipt_endpoint = ReceiptEndpoint::new(site.policy.clone(), LogReceipts);
    Router::new()
        .route("/", get(home))
        .route("/contact", get(contact_form).post(contact_send))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/account", get(account))
        .route("/privacy", get(privacy))
        .route(RECEIPTS_PATH, receipts(receipt_endpoint))
        .route("/dev/gtag.js", get(gtag_stand_in))
        .route("/dev/collect", get(collect).post(collect))
        .nest_service("/consentry", ServeDir::new(&site.config.pkg_dir))
        .with_state(site)
        .layer(CsrfLayer::new(csrf))
        .layer(ConsentLayer::with(consentry)) // outermost: sees every Set-Cookie
}

// --- pages ------------------------------------------------------------------------------------

async fn home(State(site): State<AppState>, headers: HeaderMap, token: CsrfToken) -> Html<String> {
    site.page("Home", &headers, &token, pages::HOME)
}

async fn contact_form(
    State(site): State<AppState>,
    headers: HeaderMap,
    token: CsrfToken,
) -> Html<String> {
    site.page(
        "Contact",
        &headers,
        &token,
        &pages::contact(&token.hidden_input()),
    )
}

#[derive(Deserialize)]
struct ContactForm {
    name: String,
    email: String,
    message: String,
}

async fn contact_send(
    State(site): State<AppState>,
    headers: HeaderMap,
    token: CsrfToken,
    Form(form): Form<ContactForm>,
) -> Html<String> {
    tracing::info!(chars = form.message.len(), "contact form received");
    let body = format!(
        "<h1>Thank you, {}</h1><p>We will answer at <strong>{}</strong>.</p>",
        pages::escape(&form.name),
        pages::escape(&form.email)
    );
    site.page("Contact", &headers, &token, &body)
}

#[derive(Deserialize)]
struct LoginQuery {
    #[serde(default)]
    failed: bool,
}

async fn login_form(
    State(site): State<AppState>,
    headers: HeaderMap,
    token: CsrfToken,
    Query(q): Query<LoginQuery>,
) -> Html<String> {
    let error = if q.failed {
        r#"<p class="error" role="alert">Wrong email or password.</p>"#
    } else {
        ""
    };
    site.page(
        "Sign in",
        &headers,
        &token,
        &pages::login(error, &token.hidden_input()),
    )
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
}

/// Signs in: the member cookie (and the admin cookie for admins) carries the account's email,
/// encrypted and bound to the cookie's name by `AuthCookie`.
async fn login(
    State(site): State<AppState>,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let Some(&(email, _, admin)) = ACCOUNTS
        .iter()
        .find(|(e, p, _)| e.eq_ignore_ascii_case(form.email.trim()) && *p == form.password)
    else {
        return Ok(Redirect::to("/login?failed=true").into_response());
    };
    let member = AuthCookie::encrypted(&site.keys, MEMBER_COOKIE, email)?;
    let to_account = Redirect::to("/account");
    Ok(if admin {
        (
            member,
            AuthCookie::encrypted(&site.keys, ADMIN_COOKIE, email)?,
            to_account,
        )
            .into_response()
    } else {
        (member, to_account).into_response()
    })
}

async fn logout() -> Result<Response, AppError> {
    Ok((
        AuthCookie::removal(MEMBER_COOKIE)?,
        AuthCookie::removal(ADMIN_COOKIE)?,
        Redirect::to("/"),
    )
        .into_response())
}

async fn account(State(site): State<AppState>, headers: HeaderMap, token: CsrfToken) -> Response {
    match site.current_user(&headers) {
        Some(user) => site
            .page(
                "Your account",
                &headers,
                &token,
                &pages::account(&user.email, user.admin),
            )
            .into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

/// The privacy policy, with the cookie table generated from the policy file and the visitor's
/// current choice as the server reads it from the consent cookie.
async fn privacy(
    State(site): State<AppState>,
    headers: HeaderMap,
    token: CsrfToken,
    consent: Consent,
) -> Html<String> {
    let choice = if consent.needs_prompt() {
        "not made yet"
    } else if consent.allows("analytics") {
        "Google Analytics allowed"
    } else {
        "Google Analytics refused"
    };
    site.page(
        "Privacy policy",
        &headers,
        &token,
        &pages::privacy(&site.policy.cookie_table_html(), choice),
    )
}

// --- the offline gtag.js stand-in ----------------------------------------------------------------

async fn gtag_stand_in() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("gtag-stand-in.js"),
    )
}

async fn collect(Query(hit): Query<HashMap<String, String>>) -> StatusCode {
    let get = |k: &str| hit.get(k).map(String::as_str).unwrap_or("");
    tracing::info!(
        tid = get("tid"),
        event = get("en"),
        page = get("dl"),
        "gtag stand-in: analytics hit"
    );
    StatusCode::NO_CONTENT
}

// --- helpers ----------------------------------------------------------------------------------

impl Site {
    /// The signed-in account, from a member cookie that decrypts under our keys.
    fn current_user(&self, headers: &HeaderMap) -> Option<Account> {
        let email =
            AuthCookie::decrypt(&self.keys, MEMBER_COOKIE, &cookie(headers, MEMBER_COOKIE)?)
                .ok()?
                .into_value();
        let (email, _, can_admin) = ACCOUNTS.iter().find(|a| a.0 == email)?;
        let admin = *can_admin
            && cookie(headers, ADMIN_COOKIE)
                .and_then(|v| AuthCookie::decrypt(&self.keys, ADMIN_COOKIE, &v).ok())
                .is_some_and(|v| v.value() == *email);
        Some(Account {
            email: (*email).into(),
            admin,
        })
    }

    fn page(
        &self,
        title: &str,
        headers: &HeaderMap,
        token: &CsrfToken,
        body: &str,
    ) -> Html<String> {
        let user = self.current_user(headers);
        let head = pages::Head {
            title,
            policy_tag: &POLICY_TAG,
            gtag_src: &self.config.gtag_src,
        };
        Html(pages::layout(
            &head,
            user.as_ref().map(|u| u.email.as_str()),
            &token.hidden_input(),
            body,
        ))
    }
}

/// The value of a request cookie.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
}

/// An auth cookie that could not be made (a bug in this site, not the visitor's fault): 500.
struct AppError(consentry_server::AuthCookieError);

impl From<consentry_server::AuthCookieError> for AppError {
    fn from(e: consentry_server::AuthCookieError) -> Self {
        AppError(e)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        tracing::error!(error = %self.0, "could not build an auth cookie");
        (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
    }
}
