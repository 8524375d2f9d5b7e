//! The P4P Packing site, modelled on p4p.pro4soft.com and its privacy policy: a public site with
//! a contact form and a member login, Google Analytics only after consent.
//!
//! ```sh
//! cargo xtask web                                     # the browser bundle, into pkg/ (consentry-server embeds it)
//! cargo run -p p4p-packing -- --port 8080 --gtag-src /dev/gtag.js
//! ```
//!
//! Flags (or environment): `--addr IP:PORT`, `--port N` (`PORT`), `--gtag-src URL` (`GTAG_SRC`:
//! load this instead of Google's gtag.js; the example serves an offline stand-in at
//! `/dev/gtag.js`).
//! `--trust-forwarded-proto`: behind a TLS-terminating proxy, read `X-Forwarded-Proto` (HSTS is
//! sent on HTTPS only).
//! `--region-header NAME` (`REGION_HEADER`): behind a CDN that sets the visitor's country in a
//! header on every request, replacing any the visitor sent (Cloudflare: `CF-IPCountry`), take
//! the region from it. The policy says `"US": "opt-out"`: visitors from the US get Google
//! Analytics on until they switch it off, everyone else (and anyone without a usable header:
//! missing, malformed, sent twice) is asked first. The server decides with that region and
//! writes it into the page for the browser module (`data-region`). Without the flag every
//! visitor is asked first. To try it locally: `curl -H 'CF-IPCountry: US'`, or a browser
//! extension that sets the header.
//! `--data-dir DIR` (`P4P_DATA_DIR`; default `target/p4p-data` of this workspace): the consent
//! log `DIR/consent-log.db` (SQLite) and the key that signs its checkpoints
//! (`DIR/records-signing.key`, made on first start; its public half beside it as
//! `records-signing.pub` and served at `/.well-known/consentry-records.pub`).
//! `--database-url URL` (`DATABASE_URL`): keep the log in PostgreSQL instead.
//! Demo accounts: `demo@p4p.test` / `demo` (member), `admin@p4p.test` / `admin` (admin).
//!
//! consentry-server does the security work in three lines of `app()`: `ConsentLayer` (outermost)
//! drops every `Set-Cookie` the visitor's consent or the policy does not allow and adds HSTS,
//! `CsrfLayer` refuses forged form posts, `AuthCookie` makes the hardened auth cookies, and the
//! receipts route hands the browser's consent receipts to a `ReceiptSink`: here the
//! consentry-records log, which `/privacy` reads back to show visitors their own consent records
//! (found by the consent id in their consent cookie) and `/privacy/records.json` exports with
//! proofs. The browser bundle comes from the crate (feature `assets`): `assets_router` serves it
//! at `/consentry/<hash>/` beside the receipts route, and `Assets::head` writes each page's
//! gate, policy and module tags.

mod pages;
mod records;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use consentry::Policy;
use consentry_records::ConsentLog;
use consentry_server::axum::{assets_router, receipts, ConsentLayer, CsrfLayer};
use consentry_server::{
    Assets, AuthCookie, Consent, Consentry, Csrf, CsrfToken, Key, Keys, PolicyTag, ReceiptEndpoint,
};
use serde::Deserialize;

/// The policy this site runs under (also embedded in every page for the browser module).
const POLICY_JSON: &str = include_str!("../../policies/p4p-packing.json");
/// The browser bundle, served from the crate at `/consentry/<hash>/`.
static ASSETS: std::sync::LazyLock<Assets> = std::sync::LazyLock::new(Assets::new);
/// The policy tag every page's `<head>` carries (canonical JSON and its hash, so receipts name
/// the policy), prepared once; each page adds the visitor's region hint.
static POLICY_TAG: std::sync::LazyLock<PolicyTag> = std::sync::LazyLock::new(|| {
    PolicyTag::new(&Policy::from_json(POLICY_JSON).expect("the policy file is valid"))
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
    gtag_src: String,
    trust_forwarded_proto: bool,
    /// The CDN's header with the visitor's country, if the site is behind one that sets it.
    region_header: Option<String>,
    /// Holds the SQLite log and the checkpoint signing key.
    data_dir: PathBuf,
    /// A PostgreSQL URL for the log instead of the SQLite file.
    database_url: Option<String>,
}

const USAGE: &str =
    "usage: p4p-packing [--addr IP:PORT | --port N] [--gtag-src URL] [--trust-forwarded-proto]
                   [--region-header NAME] [--data-dir DIR] [--database-url URL]

  --region-header NAME the visitor's country from this header, which the site's CDN sets on
                       every request (e.g. CF-IPCountry); env REGION_HEADER. Only behind such
                       a CDN: the visitor can send any other header. Default: no region, so
                       every visitor is asked first

  --data-dir DIR       consent log (DIR/consent-log.db) and checkpoint signing key
                       (DIR/records-signing.key, made on first start); env P4P_DATA_DIR,
                       default: target/p4p-data of this workspace
  --database-url URL   keep the consent log in PostgreSQL (postgres://...); env DATABASE_URL";

impl Config {
    fn from_args(mut args: impl Iterator<Item = String>) -> Result<Config, String> {
        let mut port: u16 = match std::env::var("PORT") {
            Ok(p) => p
                .parse()
                .map_err(|_| format!("PORT={p:?} is not a port number"))?,
            Err(_) => 8080,
        };
        let mut addr = None;
        let mut gtag_src = std::env::var("GTAG_SRC").unwrap_or_else(|_| GTAG_URL.into());
        let mut trust_forwarded_proto = false;
        let mut region_header = std::env::var("REGION_HEADER")
            .ok()
            .filter(|h| !h.is_empty());
        let mut data_dir = std::env::var_os("P4P_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/p4p-data").into()
            });
        let mut database_url = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty());
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
            match flag.as_str() {
                "--addr" => {
                    addr = Some(
                        value()?
                            .parse()
                            .map_err(|e| format!("--addr: {e} (expected IP:PORT)"))?,
                    )
                }
                "--port" => port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
                "--gtag-src" => gtag_src = value()?,
                "--trust-forwarded-proto" => trust_forwarded_proto = true,
                "--region-header" => region_header = Some(value()?),
                "--data-dir" => data_dir = value()?.into(),
                "--database-url" => database_url = Some(value()?),
                "-h" | "--help" => return Err(USAGE.into()),
                other => return Err(format!("unknown argument {other:?} (try --help)")),
            }
        }
        Ok(Config {
            addr: addr.unwrap_or(SocketAddr::from(([127, 0, 0, 1], port))),
            gtag_src,
            trust_forwarded_proto,
            region_header,
            data_dir,
            database_url,
        })
    }
}

/// Shared state of the site.
struct Site {
    policy: Policy,
    /// The settings of `gtag('config', …)` that keep Google Analytics' cookies to the 395 days
    /// the policy declares for `_ga` (gtag.js would set two years, renewed on every page).
    gtag_config: String,
    /// The policy with the server settings: region header, trusted proxy.
    consentry: Consentry,
    config: Config,
    /// Keys for the auth cookies and CSRF tokens. A real site loads them from its secret store
    /// (`COOKIE_KEY`, read by `Keys::from_env`), with older keys in `COOKIE_KEY_OLD` while rotating.
    keys: Keys,
    /// The consent log the receipts endpoint stores into.
    log: ConsentLog,
    /// The public key that checks the log's checkpoints, base64.
    log_public_key: String,
}

type AppState = Arc<Site>;

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
    let records = match records::open(&config.data_dir, config.database_url.as_deref()).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("p4p-packing: {e}");
            eprintln!(
                "p4p-packing: not starting without a consent log (see --data-dir, --database-url)"
            );
            std::process::exit(1);
        }
    };
    let addr = config.addr;
    let log = records.log.clone();
    let mut consentry =
        Consentry::new(policy.clone()).trust_forwarded_proto(config.trust_forwarded_proto);
    if let Some(name) = &config.region_header {
        if axum::http::HeaderName::from_bytes(name.as_bytes()).is_err() {
            eprintln!("p4p-packing: --region-header {name:?} is not a header name");
            std::process::exit(2);
        }
        consentry = consentry.region_header(name);
    }
    let gtag_config = consentry::consent_mode::gtag_config(&policy).unwrap_or_else(|| "{}".into());
    let site = Arc::new(Site {
        policy,
        gtag_config,
        consentry,
        config,
        keys: Keys::new(Key::generate()),
        log: records.log,
        log_public_key: records.public_key,
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
    println!(
        "Consent log: {} (checkpoint key: {})",
        log.describe(),
        site.config.data_dir.join(records::KEY_FILE).display()
    );
    let served = axum::serve(listener, app(site))
        .with_graceful_shutdown(shutdown_signal())
        .await;
    // Everything stored is durable already; the checkpoint makes it provable without the key.
    records::checkpoint_rest(&log).await;
    if let Err(e) = served {
        eprintln!("p4p-packing: {e}");
        std::process::exit(1);
    }
}

/// Ctrl-C, or SIGTERM (what service managers and the tests send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

fn app(site: AppState) -> Router {
    let consentry = site.consentry.clone();
    // Tokens are bound to the member's sign-in; the beacons (receipts, analytics stand-in) carry none.
    let csrf = Csrf::new(site.keys.clone())
        .session_cookie(MEMBER_COOKIE)
        .exempt_path(RECEIPTS_PATH)
        .exempt_path("/dev/collect");
    let receipt_endpoint = ReceiptEndpoint::new(
        site.policy.clone(),
        records::LoggedReceipts(site.log.clone()),
    );
    Router::new()
        .route("/", get(home))
        .route("/contact", get(contact_form).post(contact_send))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/account", get(account))
        .route("/privacy", get(privacy))
        .route("/privacy/records.json", get(privacy_records_json))
        .route(records::PUBLIC_KEY_PATH, get(log_public_key))
        .route(RECEIPTS_PATH, receipts(receipt_endpoint))
        .route("/dev/gtag.js", get(gtag_stand_in))
        .route("/dev/collect", get(collect).post(collect))
        .merge(assets_router(&ASSETS))
        .with_state(site)
        .layer(CsrfLayer::new(csrf))
        .layer(ConsentLayer::with(consentry)) // outermost: sees every Set-Cookie
}

// --- pages ------------------------------------------------------------------------------------

async fn home(
    State(site): State<AppState>,
    headers: HeaderMap,
    token: CsrfToken,
    consent: Consent,
) -> Html<String> {
    site.page("Home", &headers, &token, &consent, pages::HOME)
}

async fn contact_form(
    State(site): State<AppState>,
    headers: HeaderMap,
    token: CsrfToken,
    consent: Consent,
) -> Html<String> {
    site.page(
        "Contact",
        &headers,
        &token,
        &consent,
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
    consent: Consent,
    Form(form): Form<ContactForm>,
) -> Html<String> {
    tracing::info!(chars = form.message.len(), "contact form received");
    let body = format!(
        "<h1>Thank you, {}</h1><p>We will answer at <strong>{}</strong>.</p>",
        pages::escape(&form.name),
        pages::escape(&form.email)
    );
    site.page("Contact", &headers, &token, &consent, &body)
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
    consent: Consent,
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
        &consent,
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

async fn account(
    State(site): State<AppState>,
    headers: HeaderMap,
    token: CsrfToken,
    consent: Consent,
) -> Response {
    match site.current_user(&headers) {
        Some(user) => site
            .page(
                "Your account",
                &headers,
                &token,
                &consent,
                &pages::account(&user.email, user.admin),
            )
            .into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

/// The privacy policy, with the cookie and tracking notice generated from the policy file, the visitor's
/// current choice as the server reads it from the consent cookie, and the visitor's own consent
/// records from the log.
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
    let held = match consent_id(&consent) {
        None => None,
        Some(id) => Some(site.log.records_of(&id).await.map_err(|e| {
            tracing::error!(error = %e, "consent log: cannot read a visitor's records");
        })),
    };
    let records = match &held {
        None => pages::Records::NoConsentId,
        Some(Err(())) => pages::Records::Unavailable,
        Some(Ok(list)) => pages::Records::Found(list),
    };
    site.page(
        "Privacy policy",
        &headers,
        &token,
        &consent,
        &pages::privacy(
            &site.policy.notice_html(),
            choice,
            &pages::consent_records(&records),
        ),
    )
}

/// The visitor's own consent records with their inclusion proofs (GDPR Art. 15), as
/// consentry-records exports them. The subject is only ever the consent id of the visitor's own
/// consent cookie, never a parameter: nobody can ask for someone else's records.
async fn privacy_records_json(State(site): State<AppState>, consent: Consent) -> Response {
    let Some(id) = consent_id(&consent) else {
        return (
            StatusCode::NOT_FOUND,
            "no consent cookie: no consent records\n",
        )
            .into_response();
    };
    match site.log.export(&id).await {
        Ok(export) => match serde_json::to_string_pretty(&export) {
            Ok(json) => (
                [
                    (CONTENT_TYPE, "application/json"),
                    (CACHE_CONTROL, "no-store"),
                    (
                        CONTENT_DISPOSITION,
                        "attachment; filename=\"consent-records.json\"",
                    ),
                ],
                json,
            )
                .into_response(),
            Err(e) => {
                tracing::error!(error = %e, "cannot serialise an export");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
            }
        },
        Err(e) => {
            tracing::error!(error = %e, "consent log: cannot export a visitor's records");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "consent records unavailable, try again later\n",
            )
                .into_response()
        }
    }
}

/// The consent id of the visitor's consent cookie, when it holds a valid record.
fn consent_id(consent: &Consent) -> Option<String> {
    consent
        .decision()
        .record()
        .map(|r| r.id.as_str().to_owned())
}

/// The public key that checks the log's checkpoints, for auditors and for visitors checking
/// their export (`consentry-records check-proof`).
async fn log_public_key(State(site): State<AppState>) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{}\n", site.log_public_key),
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
        consent: &Consent,
        body: &str,
    ) -> Html<String> {
        let user = self.current_user(headers);
        // The region the server decides with (from the CDN's header) goes to the browser module;
        // a visitor who will see the banner gets the module preloaded with the page. `consent`
        // is what the consent layer decided for this request (its extractor).
        let mut consentry = ASSETS.head_with(&POLICY_TAG, consent.region(), None);
        if consent.needs_prompt() {
            consentry.push('\n');
            consentry.push_str(&ASSETS.preload(None));
        }
        let head = pages::Head {
            title,
            consentry: &consentry,
            gtag_src: &self.config.gtag_src,
            gtag_config: &self.gtag_config,
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
