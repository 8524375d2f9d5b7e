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
//! Demo accounts: `demo@p4p.test` / `demo` (member), `admin@p4p.test` / `admin` (admin).

mod pages;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use consentry::Policy;
use serde::Deserialize;
use tower_http::services::ServeDir;

/// The policy this site runs under (also embedded in every page for the browser module).
const POLICY_JSON: &str = include_str!("../../policies/p4p-packing.json");
/// Google's gtag.js for this site's measurement id.
const GTAG_URL: &str = "https://www.googletagmanager.com/gtag/js?id=G-P4PDEMO";
const MEMBER_COOKIE: &str = "__Host-P4PMember";
const ADMIN_COOKIE: &str = "__Host-P4PAdmin";

/// Who is signed in.
#[derive(Clone, Debug)]
struct Account {
    email: String,
    admin: bool,
}

/// The demo accounts: email, password, admin?
const ACCOUNTS: &[(&str, &str, bool)] = &[
    ("demo@p4p.test", "demo", false),
    ("admin@p4p.test", "admin", true),
];

/// Settings from flags and environment.
#[derive(Clone, Debug)]
struct Config {
    addr: SocketAddr,
    pkg_dir: PathBuf,
    gtag_src: String,
}

impl Config {
    fn from_args(args: impl Iterator<Item = String>) -> Result<Config, String> {
        let mut ip = [127, 0, 0, 1].into();
        let mut port: u16 = match std::env::var("PORT") {
            Ok(p) => p
                .parse()
                .map_err(|_| format!("PORT={p:?} is not a port number"))?,
            Err(_) => 8080,
        };
        let mut addr = None;
        let mut pkg_dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../pkg"));
        let mut gtag_src = std::env::var("GTAG_SRC").unwrap_or_else(|_| GTAG_URL.into());
        let mut args = args;
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
            match flag.as_str() {
                "--addr" => addr = Some(value()?.parse().map_err(|e| format!("--addr: {e} (expected IP:PORT)"))?),
                "--port" => port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
                "--ip" => ip = value()?.parse().map_err(|e| format!("--ip: {e}"))?,
                "--pkg-dir" => pkg_dir = value()?.into(),
                "--gtag-src" => gtag_src = value()?,
                "-h" | "--help" => return Err("usage: p4p-packing [--addr IP:PORT | --port N] [--pkg-dir DIR] [--gtag-src URL]".into()),
                other => return Err(format!("unknown argument {other:?} (try --help)")),
            }
        }
        Ok(Config {
            addr: addr.unwrap_or(SocketAddr::new(ip, port)),
            pkg_dir,
            gtag_src,
        })
    }
}

/// Shared state of the site.
struct Site {
    policy: Policy,
    config: Config,
    /// Signed-in sessions: random token (the auth cookie's value) -> account.
    sessions: Mutex<HashMap<String, Account>>,
}

type AppState = Arc<Site>;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
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
        sessions: Mutex::new(HashMap::new()),
    });
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("p4p-packing: cannot listen on {addr}: {e}");
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
    let pkg = ServeDir::new(&site.config.pkg_dir);
    Router::new()
        .route("/", get(home))
        .route("/contact", get(contact_form).post(contact_send))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/account", get(account))
        .route("/privacy", get(privacy))
        .route("/consentry/receipts", post(receipt))
        .route("/dev/gtag.js", get(gtag_stand_in))
        .route("/dev/collect", get(collect).post(collect))
        .nest_service("/consentry", pkg)
        .with_state(site)
}

// --- pages ------------------------------------------------------------------------------------

async fn home(State(site): State<AppState>, headers: HeaderMap) -> Html<String> {
    let user = site.current_user(&headers);
    site.page("Home", user.as_ref(), pages::HOME)
}

async fn contact_form(State(site): State<AppState>, headers: HeaderMap) -> Html<String> {
    let user = site.current_user(&headers);
    site.page("Contact", user.as_ref(), pages::CONTACT)
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
    Form(form): Form<ContactForm>,
) -> Html<String> {
    let user = site.current_user(&headers);
    tracing::info!(chars = form.message.len(), "contact form received");
    let body = format!(
        "<h1>Thank you, {}</h1><p>We will answer at <strong>{}</strong>.</p>",
        pages::escape(&form.name),
        pages::escape(&form.email)
    );
    site.page("Contact", user.as_ref(), &body)
}

#[derive(Deserialize)]
struct LoginQuery {
    #[serde(default)]
    failed: bool,
}

async fn login_form(
    State(site): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Html<String> {
    let user = site.current_user(&headers);
    let error = if q.failed {
        r#"<p class="error" role="alert">Wrong email or password.</p>"#
    } else {
        ""
    };
    site.page("Sign in", user.as_ref(), &pages::login(error))
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
}

async fn login(State(site): State<AppState>, Form(form): Form<LoginForm>) -> Response {
    let Some(&(email, _, admin)) = ACCOUNTS
        .iter()
        .find(|(e, p, _)| e.eq_ignore_ascii_case(form.email.trim()) && *p == form.password)
    else {
        return Redirect::to("/login?failed=true").into_response();
    };
    let token = random_token();
    site.sessions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(
            token.clone(),
            Account {
                email: email.into(),
                admin,
            },
        );
    let mut response = Redirect::to("/account").into_response();
    let h = response.headers_mut();
    h.append(SET_COOKIE, auth_cookie(MEMBER_COOKIE, &token));
    if admin {
        h.append(SET_COOKIE, auth_cookie(ADMIN_COOKIE, &token));
    }
    response
}

async fn logout(State(site): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, MEMBER_COOKIE) {
        site.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&token);
    }
    let mut response = Redirect::to("/").into_response();
    for name in [MEMBER_COOKIE, ADMIN_COOKIE] {
        response.headers_mut().append(
            SET_COOKIE,
            HeaderValue::from_str(&format!(
                "{name}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict"
            ))
            .expect("ascii"),
        );
    }
    response
}

async fn account(State(site): State<AppState>, headers: HeaderMap) -> Response {
    match site.current_user(&headers) {
        Some(user) => site
            .page(
                "Your account",
                Some(&user),
                &pages::account(&user.email, user.admin),
            )
            .into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

async fn privacy(State(site): State<AppState>, headers: HeaderMap) -> Html<String> {
    let user = site.current_user(&headers);
    site.page(
        "Privacy policy",
        user.as_ref(),
        &pages::privacy(&site.policy.cookie_table_html()),
    )
}

// --- consent receipts and the offline gtag.js stand-in -----------------------------------------

async fn receipt(State(site): State<AppState>, body: axum::body::Bytes) -> StatusCode {
    if body.len() > consentry::receipt::MAX_RECEIPT_BYTES {
        return StatusCode::PAYLOAD_TOO_LARGE;
    }
    let hash = site.policy.sha256_hex();
    match consentry::receipt::Receipt::from_json(&body) {
        Ok(r) if r.verify(&site.policy, &[hash.as_str()]).is_ok() => {
            tracing::info!(receipt = %r.to_json(), "consent receipt");
            StatusCode::NO_CONTENT
        }
        _ => StatusCode::BAD_REQUEST,
    }
}

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
    fn current_user(&self, headers: &HeaderMap) -> Option<Account> {
        let token = cookie(headers, MEMBER_COOKIE)?;
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&token)
            .cloned()
    }

    fn page(&self, title: &str, user: Option<&Account>, body: &str) -> Html<String> {
        Html(pages::layout(
            &pages::Head {
                title,
                policy_json: POLICY_JSON,
                gtag_src: &self.config.gtag_src,
            },
            user.map(|u| u.email.as_str()),
            body,
        ))
    }
}

/// A hardened auth cookie: `__Host-` prefix, HttpOnly, Secure, SameSite=Strict, session lifetime.
fn auth_cookie(name: &str, value: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Secure; HttpOnly; SameSite=Strict"
    ))
    .expect("ascii")
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

fn random_token() -> String {
    let mut bytes = [0u8; 24];
    getrandom::getrandom(&mut bytes).expect("the OS random source works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
