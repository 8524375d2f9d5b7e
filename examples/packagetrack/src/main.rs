//! PackageTrack Pro, modelled on its privacy policy: a mailroom's package list behind a sign-in,
//! with essential authentication and session cookies only. Nothing to consent to, so no banner,
//! and no request ever leaves the site.
//!
//! ```sh
//! cargo xtask web                          # the browser bundle, into pkg/ (consentry-server embeds it)
//! cargo run -p packagetrack -- --port 8082
//! ```
//!
//! Flags (or environment): `--addr IP:PORT`, `--port N` (`PORT`). Demo account:
//! `demo@packagetrack.test` / `demo`.
//!
//! consentry-server: `ConsentLayer` (outermost) drops any `Set-Cookie` the policy does not
//! declare, `CsrfLayer` protects the forms, and both cookies are `AuthCookie`s (`__Host-`,
//! HttpOnly, Secure, SameSite=Strict; the sign-in encrypted, the session id signed). The
//! browser bundle comes from the crate (feature `assets`): `assets_router` serves it at
//! `/consentry/<hash>/`, and `Assets::head` writes the page's gate, policy and module tags.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Form, Query, State};
use axum::http::header::COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use consentry_server::axum::{assets_router, ConsentLayer, CsrfLayer};
use consentry_server::{Assets, AuthCookie, AuthCookieError, Csrf, CsrfToken, Key, Keys, Policy};
use serde::Deserialize;

mod privacy_page;

/// The policy this site runs under (also embedded in every page for the browser module).
const POLICY_JSON: &str = include_str!("../../policies/packagetrack.json");
/// The browser bundle, served from the crate at `/consentry/<hash>/`.
static ASSETS: std::sync::LazyLock<Assets> = std::sync::LazyLock::new(Assets::new);
/// What every page's `<head>` carries for consentry: the gate, the policy tag (canonical JSON
/// and its hash, so receipts name the policy) and the module, with `integrity`.
static CONSENTRY_HEAD: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let policy = Policy::from_json(POLICY_JSON).expect("the policy file is valid");
    ASSETS.head(&policy, None, None)
});
const AUTH_COOKIE: &str = "__Host-PTP_AUTH";
const SESSION_COOKIE: &str = "__Host-PTP_SID";
/// Lifetime of the sign-in, as declared in the policy.
const AUTH_DAYS: u32 = 30;
const DEMO_ACCOUNT: (&str, &str) = ("demo@packagetrack.test", "demo");

/// The mailroom's packages: carrier, tracking number, recipient, status.
const PACKAGES: &[(&str, &str, &str, &str)] = &[
    (
        "UPS",
        "1Z999AA10123456784",
        "Dana Whitfield",
        "Waiting for pickup",
    ),
    ("FedEx", "794644790138", "Sam Okafor", "Picked up"),
    (
        "USPS",
        "9400111899223197428490",
        "Lee Marsh",
        "Waiting for pickup",
    ),
    (
        "DHL",
        "JD014600006281230101",
        "Ana Souza",
        "Returned to sender",
    ),
];

/// Settings from flags and environment.
struct Config {
    addr: SocketAddr,
}

impl Config {
    fn from_args(mut args: impl Iterator<Item = String>) -> Result<Config, String> {
        let mut port: u16 = match std::env::var("PORT") {
            Ok(p) => p
                .parse()
                .map_err(|_| format!("PORT={p:?} is not a port number"))?,
            Err(_) => 8082,
        };
        let mut addr = None;
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
                "-h" | "--help" => {
                    return Err("usage: packagetrack [--addr IP:PORT | --port N]".into())
                }
                other => return Err(format!("unknown argument {other:?} (try --help)")),
            }
        }
        Ok(Config {
            addr: addr.unwrap_or(SocketAddr::from(([127, 0, 0, 1], port))),
        })
    }
}

/// Shared state: the policy and the cookie keys. A real deployment loads the keys from its
/// secret store (`COOKIE_KEY`, read by `Keys::from_env`), with older ones in `COOKIE_KEY_OLD` while rotating.
struct Tracker {
    policy: Policy,
    keys: Keys,
}

type AppState = Arc<Tracker>;

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
            eprintln!("packagetrack: {e}");
            std::process::exit(2);
        }
    };
    let policy =
        Policy::from_json(POLICY_JSON).expect("examples/policies/packagetrack.json is valid");
    let keys = Keys::new(Key::generate());
    let csrf = Csrf::new(keys.clone()).session_cookie(SESSION_COOKIE);
    let state = Arc::new(Tracker {
        policy: policy.clone(),
        keys,
    });
    let app = Router::new()
        .route("/", get(|| async { Redirect::to("/packages") }))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/packages", get(packages))
        .route("/privacy", get(privacy))
        .merge(assets_router(&ASSETS))
        .with_state(state)
        .layer(CsrfLayer::new(csrf))
        .layer(ConsentLayer::new(policy)); // outermost: sees every Set-Cookie
    let listener = match tokio::net::TcpListener::bind(config.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "packagetrack: cannot listen on {}: {e} (choose another port with --port N)",
                config.addr
            );
            std::process::exit(1);
        }
    };
    println!(
        "PackageTrack Pro listening on http://{}",
        listener.local_addr().unwrap_or(config.addr)
    );
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("packagetrack: {e}");
        std::process::exit(1);
    }
}

#[derive(Deserialize)]
struct LoginQuery {
    #[serde(default)]
    failed: bool,
}

async fn login_form(Query(q): Query<LoginQuery>, token: CsrfToken) -> Html<String> {
    let error = if q.failed {
        r#"<p class="error" role="alert">Wrong email or password.</p>"#
    } else {
        ""
    };
    Html(page(
        "Sign in",
        None,
        &token,
        &format!(
            r#"<h1>Sign in</h1>{error}
<form method="post" action="/login">{}
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p><label><input type="checkbox" name="remember" value="1"> Keep me signed in for {AUTH_DAYS} days</label></p>
<p><button type="submit">Sign in</button></p>
</form>
<p>Demo account: <code>demo@packagetrack.test</code> / <code>demo</code>.</p>"#,
            token.hidden_input()
        ),
    ))
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    /// The unticked "Keep me signed in" box: the visitor's opt-in to the persistent sign-in
    /// cookie the policy declares `remember_me`.
    #[serde(default)]
    remember: Option<String>,
}

/// Signs in: the sign-in cookie holds the account (encrypted); the session cookie a fresh
/// signed session id. The sign-in cookie lives the 30 days the policy declares only when the
/// visitor ticked "Keep me signed in" (`remember_me`: their opt-in, WP29 Opinion 04/2012 exempts
/// only session-length sign-in); otherwise it is a session cookie.
async fn login(
    State(state): State<AppState>,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    if !(form.email.trim().eq_ignore_ascii_case(DEMO_ACCOUNT.0) && form.password == DEMO_ACCOUNT.1)
    {
        return Ok(Redirect::to("/login?failed=true").into_response());
    }
    let mut auth = AuthCookie::encrypted(&state.keys, AUTH_COOKIE, DEMO_ACCOUNT.0)?;
    if form.remember.is_some() {
        auth = auth.persistent(Duration::from_secs(u64::from(AUTH_DAYS) * 86_400));
    }
    let session = AuthCookie::signed(&state.keys, SESSION_COOKIE, &random_token())?;
    Ok((auth, session, Redirect::to("/packages")).into_response())
}

async fn logout() -> Result<Response, AppError> {
    Ok((
        AuthCookie::removal(AUTH_COOKIE)?,
        AuthCookie::removal(SESSION_COOKIE)?,
        Redirect::to("/login"),
    )
        .into_response())
}

async fn packages(State(state): State<AppState>, headers: HeaderMap, token: CsrfToken) -> Response {
    let Some(user) = state.user(&headers) else {
        return Redirect::to("/login").into_response();
    };
    let mut rows = String::new();
    for (carrier, tracking, recipient, status) in PACKAGES {
        rows.push_str(&format!("<tr><td>{carrier}</td><td><code>{tracking}</code></td><td>{recipient}</td><td>{status}</td></tr>"));
    }
    let body = format!(
        r#"<h1>Packages</h1>
<table id="packages"><thead><tr><th>Carrier</th><th>Tracking number</th><th>Recipient</th><th>Status</th></tr></thead>
<tbody>{rows}</tbody></table>"#
    );
    Html(page("Packages", Some(&user), &token, &body)).into_response()
}

async fn privacy(
    State(state): State<AppState>,
    headers: HeaderMap,
    token: CsrfToken,
) -> Html<String> {
    let user = state.user(&headers);
    // The seed's policy in full (docs/seeds.md), corrected, with the notice generated from the
    // policy file in place of its cookie paragraph.
    let body = privacy_page::body(&state.policy.notice_html());
    Html(page("Privacy policy", user.as_deref(), &token, &body))
}

impl Tracker {
    /// The signed-in account: from a sign-in cookie that decrypts under our keys, with a
    /// session cookie that verifies.
    fn user(&self, headers: &HeaderMap) -> Option<String> {
        AuthCookie::verify_signed(
            &self.keys,
            SESSION_COOKIE,
            &cookie(headers, SESSION_COOKIE)?,
        )
        .ok()?;
        Some(
            AuthCookie::decrypt(&self.keys, AUTH_COOKIE, &cookie(headers, AUTH_COOKIE)?)
                .ok()?
                .into_value(),
        )
    }
}

/// An auth cookie that could not be made (a bug in this site, not the visitor's fault): 500.
struct AppError(AuthCookieError);

impl From<AuthCookieError> for AppError {
    fn from(e: AuthCookieError) -> Self {
        AppError(e)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        tracing::error!(error = %self.0, "could not build an auth cookie");
        (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
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

fn random_token() -> String {
    let mut bytes = [0u8; 24];
    getrandom::getrandom(&mut bytes).expect("the OS random source works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

use consentry::escape_html as escape;

/// A whole page, with consentry's embed contract in `<head>`.
fn page(title: &str, user: Option<&str>, token: &CsrfToken, body: &str) -> String {
    let account = match user {
        Some(email) => format!(
            r#"<span id="user">{}</span><form method="post" action="/logout">{}<button type="submit">Sign out</button></form>"#,
            escape(email),
            token.hidden_input()
        ),
        None => r#"<a href="/login">Sign in</a>"#.into(),
    };
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · PackageTrack Pro</title>
{consentry_head}
<style>{STYLE}</style>
</head>
<body>
<header><a class="brand" href="/packages">PackageTrack Pro</a><nav><a href="/packages">Packages</a><a href="/privacy">Privacy</a>{account}</nav></header>
<main>
{body}
</main>
<footer>Essential cookies only: sign-in and session. <a href="/privacy">Privacy policy</a></footer>
</body>
</html>
"#,
        title = escape(title),
        consentry_head = *CONSENTRY_HEAD,
    )
}

const STYLE: &str = "body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1d2327}\
header{display:flex;justify-content:space-between;align-items:center;padding:.8rem 2rem;background:#0f5132;color:#fff}\
header a{color:#fff}nav{display:flex;gap:1rem;align-items:center}nav form{margin:0}.brand{font-weight:700;text-decoration:none}\
main{max-width:56rem;margin:2rem auto;padding:0 1.5rem}label{display:block;margin:.5rem 0 .2rem}input{font:inherit;padding:.3rem}\
.error{color:#a00}footer{border-top:1px solid #ddd;padding:.5rem 2rem;font-size:.9rem}\
table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:.3rem .5rem;text-align:left}";
