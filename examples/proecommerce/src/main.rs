//! The ProEcommerce shop, modelled on proecommerce.com and its privacy policy: strictly necessary
//! cookies only (a session cookie and a CSRF token), so there is nothing to consent to and no
//! banner, just a short cookie notice. The browser gate and module are still loaded, to show
//! that they stay quiet on such a site.
//!
//! ```sh
//! cargo xtask web                          # builds the browser module into pkg/
//! cargo run -p proecommerce -- --port 8081
//! ```
//!
//! Flags (or environment): `--addr IP:PORT`, `--port N` (`PORT`), `--pkg-dir DIR` (the built
//! npm package, served at `/consentry/`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header::LOCATION;
use actix_web::{get, post, web, App, HttpRequest, HttpResponse, HttpServer};
use consentry::Policy;
use serde::Deserialize;

/// The policy this site runs under (also embedded in every page for the browser module).
const POLICY_JSON: &str = include_str!("../../policies/proecommerce.json");
const SESSION_COOKIE: &str = "__Host-PROE_SID";

/// The catalogue: id, name, price in cents.
const PRODUCTS: &[(&str, &str, u32)] = &[
    ("starter", "Billing Starter plan (1 month)", 1_900),
    ("pro", "Billing Pro plan (1 month)", 4_900),
    ("domain", "Domain registration (.com, 1 year)", 1_299),
    ("hosting", "Managed hosting (1 month)", 2_500),
];

/// One visitor's session: the basket and the token every form must send back.
#[derive(Clone, Debug, Default)]
struct Session {
    basket: Vec<String>,
    csrf: String,
}

/// Shared state of the shop.
struct Shop {
    policy: Policy,
    sessions: Mutex<HashMap<String, Session>>,
}

/// Settings from flags and environment.
struct Config {
    addr: SocketAddr,
    pkg_dir: PathBuf,
}

impl Config {
    fn from_args(mut args: impl Iterator<Item = String>) -> Result<Config, String> {
        let mut port: u16 = match std::env::var("PORT") {
            Ok(p) => p
                .parse()
                .map_err(|_| format!("PORT={p:?} is not a port number"))?,
            Err(_) => 8081,
        };
        let mut addr = None;
        let mut pkg_dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../pkg"));
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
                "--pkg-dir" => pkg_dir = value()?.into(),
                "-h" | "--help" => {
                    return Err(
                        "usage: proecommerce [--addr IP:PORT | --port N] [--pkg-dir DIR]".into(),
                    )
                }
                other => return Err(format!("unknown argument {other:?} (try --help)")),
            }
        }
        Ok(Config {
            addr: addr.unwrap_or(SocketAddr::from(([127, 0, 0, 1], port))),
            pkg_dir,
        })
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let config = match Config::from_args(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("proecommerce: {e}");
            std::process::exit(2);
        }
    };
    let policy =
        Policy::from_json(POLICY_JSON).expect("examples/policies/proecommerce.json is valid");
    let shop = web::Data::new(Shop {
        policy,
        sessions: Mutex::new(HashMap::new()),
    });
    let pkg_dir = config.pkg_dir.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shop.clone())
            .service(home)
            .service(basket)
            .service(basket_add)
            .service(checkout)
            .service(promo)
            .service(privacy)
            .service(actix_files::Files::new("/consentry", &pkg_dir))
    })
    .workers(2)
    .bind(config.addr)?;
    for addr in server.addrs() {
        println!("ProEcommerce listening on http://{addr}");
    }
    server.run().await
}

// --- pages ------------------------------------------------------------------------------------

#[get("/")]
async fn home(shop: web::Data<Shop>, req: HttpRequest) -> HttpResponse {
    let (sid, session, new) = shop.session(&req);
    let mut list = String::from(r#"<h1>Shop</h1><ul class="products">"#);
    for (id, name, cents) in PRODUCTS {
        list.push_str(&format!(
            r#"<li><span>{name}</span> <strong>{}</strong>
<form method="post" action="/basket/add"><input type="hidden" name="csrf_token" value="{csrf}"><input type="hidden" name="product" value="{id}"><button type="submit">Add to basket</button></form></li>"#,
            price(*cents),
            csrf = session.csrf,
        ));
    }
    list.push_str("</ul>");
    page_response(&sid, new, &page("Shop", &list, session.basket.len()))
}

#[get("/basket")]
async fn basket(shop: web::Data<Shop>, req: HttpRequest) -> HttpResponse {
    let (sid, session, new) = shop.session(&req);
    let mut body = String::from("<h1>Your basket</h1>");
    if session.basket.is_empty() {
        body.push_str(r#"<p>Your basket is empty. <a href="/">Go shopping</a>.</p>"#);
    } else {
        body.push_str(r#"<ul id="basket">"#);
        let mut total = 0;
        for (_, name, cents) in session
            .basket
            .iter()
            .filter_map(|id| PRODUCTS.iter().find(|p| p.0 == id))
        {
            total += cents;
            body.push_str(&format!("<li>{name} — {}</li>", price(*cents)));
        }
        body.push_str(&format!(
            r#"</ul><p>Total: <strong id="total">{}</strong></p>
<h2>Checkout</h2>
<form method="post" action="/checkout"><input type="hidden" name="csrf_token" value="{}">
<label for="name">Name</label><input id="name" name="name" required>
<label for="email">Email</label><input id="email" name="email" type="email" required>
<p>Payment is handled by Stripe; we never see your card number.</p>
<button type="submit">Place order</button></form>"#,
            price(total),
            session.csrf
        ));
    }
    page_response(&sid, new, &page("Basket", &body, session.basket.len()))
}

#[derive(Deserialize)]
struct AddForm {
    #[serde(default)]
    csrf_token: String,
    product: String,
}

#[post("/basket/add")]
async fn basket_add(
    shop: web::Data<Shop>,
    req: HttpRequest,
    form: web::Form<AddForm>,
) -> HttpResponse {
    let Some(sid) = shop.check_csrf(&req, &form.csrf_token) else {
        return forbidden();
    };
    if !PRODUCTS.iter().any(|p| p.0 == form.product) {
        return HttpResponse::BadRequest().body("no such product");
    }
    shop.update(&sid, |s| s.basket.push(form.product.clone()));
    HttpResponse::SeeOther()
        .insert_header((LOCATION, "/basket"))
        .finish()
}

#[derive(Deserialize)]
struct CheckoutForm {
    #[serde(default)]
    csrf_token: String,
    name: String,
    email: String,
}

#[post("/checkout")]
async fn checkout(
    shop: web::Data<Shop>,
    req: HttpRequest,
    form: web::Form<CheckoutForm>,
) -> HttpResponse {
    let Some(sid) = shop.check_csrf(&req, &form.csrf_token) else {
        return forbidden();
    };
    let mut items = 0;
    shop.update(&sid, |s| items = std::mem::take(&mut s.basket).len());
    let body = format!(
        r#"<h1 id="order-placed">Thank you, {}</h1><p>Your order of {items} item(s) is placed; the invoice goes to <strong>{}</strong>.</p>"#,
        escape(&form.name),
        escape(&form.email)
    );
    html(page("Order placed", &body, 0))
}

/// A marketing link that tries to set a tracking cookie this shop's policy does not declare.
/// The Set-Cookie gate drops it: it never reaches the browser.
#[get("/promo")]
async fn promo() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, "/"))
        .cookie(
            Cookie::build("promo_ref", "spring-newsletter")
                .path("/")
                .max_age(actix_web::cookie::time::Duration::days(30))
                .finish(),
        )
        .finish()
}

#[get("/privacy")]
async fn privacy(shop: web::Data<Shop>) -> HttpResponse {
    let body = format!(
        r#"<h1>Privacy policy</h1>
<p>We collect only the data needed to run your account and provide the service. We do not sell
your personal data. Payments go straight to Stripe; we never see full card numbers.</p>
<h2>Cookies</h2>
<p>We only use strictly necessary cookies. There are no analytics, advertising or social-media
tracking cookies on this site, so we do not ask for consent.</p>
{}"#,
        shop.policy.cookie_table_html()
    );
    html(page("Privacy policy", &body, 0))
}

// --- helpers ----------------------------------------------------------------------------------

impl Shop {
    /// The visitor's session, created when the request has none (or an unknown one).
    fn session(&self, req: &HttpRequest) -> (String, Session, bool) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sid) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()) {
            if let Some(s) = sessions.get(&sid) {
                return (sid, s.clone(), false);
            }
        }
        let sid = random_token();
        let session = Session {
            basket: Vec::new(),
            csrf: random_token(),
        };
        sessions.insert(sid.clone(), session.clone());
        (sid, session, true)
    }

    /// The session id when the form's token matches the session's, else `None`.
    fn check_csrf(&self, req: &HttpRequest, token: &str) -> Option<String> {
        let sid = req.cookie(SESSION_COOKIE)?.value().to_string();
        let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let expected = &sessions.get(&sid)?.csrf;
        (!token.is_empty() && constant_time_eq(expected.as_bytes(), token.as_bytes()))
            .then_some(sid)
    }

    fn update(&self, sid: &str, f: impl FnOnce(&mut Session)) {
        if let Some(s) = self
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(sid)
        {
            f(s);
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn forbidden() -> HttpResponse {
    HttpResponse::Forbidden()
        .content_type("text/plain; charset=utf-8")
        .body("403 Forbidden: missing or wrong CSRF token")
}

/// A page response that also sets the session cookie when the session is new.
fn page_response(sid: &str, new: bool, body: &str) -> HttpResponse {
    let mut r = HttpResponse::Ok();
    r.content_type("text/html; charset=utf-8");
    if new {
        r.cookie(
            Cookie::build(SESSION_COOKIE, sid.to_string())
                .path("/")
                .secure(true)
                .http_only(true)
                .same_site(SameSite::Strict)
                .finish(),
        );
    }
    r.body(body.to_string())
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

fn price(cents: u32) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn random_token() -> String {
    let mut bytes = [0u8; 24];
    getrandom::getrandom(&mut bytes).expect("the OS random source works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A whole page, with consentry's embed contract in `<head>` and the cookie notice.
fn page(title: &str, body: &str, basket_items: usize) -> String {
    format!(
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · ProEcommerce</title>
<script src="/consentry/consentry-gate.js"></script>
<script type="application/json" id="consentry-policy">{policy}</script>
<script type="module" src="/consentry/consentry.js"></script>
<style>{STYLE}</style>
</head>
<body>
<header><a class="brand" href="/">ProEcommerce</a><nav><a href="/">Shop</a><a href="/basket">Basket (<span id="basket-count">{basket_items}</span>)</a><a href="/privacy">Privacy</a></nav></header>
<main>
{body}
</main>
<footer>
<p class="cookie-notice" id="cookie-notice">We only use strictly necessary cookies (your session and a security token). No analytics or advertising. <a href="/privacy">Privacy policy</a></p>
</footer>
</body>
</html>
"##,
        title = escape(title),
        policy = POLICY_JSON.replace("</", "<\\/"),
    )
}

const STYLE: &str = "body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#14171a}\
header{display:flex;justify-content:space-between;padding:.8rem 2rem;background:#2d1b69;color:#fff}\
header a{color:#fff;margin-left:1rem}.brand{font-weight:700;margin:0;text-decoration:none}\
main{max-width:48rem;margin:2rem auto;padding:0 1.5rem}.products li{margin:.6rem 0}.products form{display:inline}\
label{display:block;margin:.5rem 0 .2rem}input{font:inherit;padding:.3rem}\
footer{border-top:1px solid #ddd;padding:.5rem 2rem;font-size:.9rem;color:#444}\
table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:.3rem .5rem;text-align:left}";
