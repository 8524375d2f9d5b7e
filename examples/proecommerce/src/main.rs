//! The ProEcommerce shop, modelled on proecommerce.com and its privacy policy: strictly necessary
//! cookies only (a session cookie and a CSRF token), so there is nothing to consent to and no
//! banner, just a short cookie notice. The browser gate and module are still loaded, to show
//! that they stay quiet on such a site.
//!
//! ```sh
//! cargo xtask web                          # the browser bundle, into pkg/ (consentry-server embeds it)
//! cargo run -p proecommerce -- --port 8081
//! ```
//!
//! Flags (or environment): `--addr IP:PORT`, `--port N` (`PORT`).
//!
//! consentry-server in `main()`: `ConsentMiddleware` (outermost) drops every `Set-Cookie` the
//! policy does not declare (try `/promo`), `CsrfMiddleware` refuses forms without the session's
//! token, and the session cookie is an `AuthCookie` (`__Host-`, HttpOnly, Secure,
//! SameSite=Strict, signed). The browser bundle comes from the crate (feature `assets`):
//! `assets_service` serves it at `/consentry/<hash>/`, and `Assets::head` writes each page's
//! gate, policy and module tags.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderValue, COOKIE, LOCATION, SET_COOKIE};
use actix_web::{get, post, web, App, HttpRequest, HttpResponse, HttpServer};
use consentry::Policy;
use consentry_server::actix::{assets_service, ConsentMiddleware, CsrfMiddleware};
use consentry_server::{Assets, AuthCookie, Csrf, CsrfToken, Key, Keys};
use serde::Deserialize;

mod privacy_page;

/// The policy this site runs under (also embedded in every page for the browser module).
const POLICY_JSON: &str = include_str!("../../policies/proecommerce.json");
/// The browser bundle, served from the crate at `/consentry/<hash>/`.
static ASSETS: std::sync::LazyLock<Assets> = std::sync::LazyLock::new(Assets::new);
/// What every page's `<head>` carries for consentry: the gate, the policy tag (canonical JSON
/// and its hash, so receipts name the policy) and the module, with `integrity`.
static CONSENTRY_HEAD: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let policy = Policy::from_json(POLICY_JSON).expect("the policy file is valid");
    ASSETS.head(&policy, None, None)
});
const SESSION_COOKIE: &str = "__Host-PROE_SID";

/// The catalogue: id, name, price in cents.
const PRODUCTS: &[(&str, &str, u32)] = &[
    ("starter", "Billing Starter plan (1 month)", 1_900),
    ("pro", "Billing Pro plan (1 month)", 4_900),
    ("domain", "Domain registration (.com, 1 year)", 1_299),
    ("hosting", "Managed hosting (1 month)", 2_500),
];

/// Shared state of the shop: the policy, the keys, and each session's basket.
struct Shop {
    policy: Policy,
    /// Keys for the session cookie and CSRF tokens. A real shop loads them from its secret
    /// store (`COOKIE_KEY`, read by `Keys::from_env`), with older keys in `COOKIE_KEY_OLD` while rotating.
    keys: Keys,
    /// Session id -> basket. In memory for the example; a real shop uses a store whose
    /// sessions expire.
    baskets: Mutex<HashMap<String, Vec<String>>>,
}

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
            Err(_) => 8081,
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
                    return Err("usage: proecommerce [--addr IP:PORT | --port N]".into())
                }
                other => return Err(format!("unknown argument {other:?} (try --help)")),
            }
        }
        Ok(Config {
            addr: addr.unwrap_or(SocketAddr::from(([127, 0, 0, 1], port))),
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
    let keys = Keys::new(Key::generate());
    let shop = web::Data::new(Shop {
        policy: policy.clone(),
        keys: keys.clone(),
        baskets: Mutex::new(HashMap::new()),
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shop.clone())
            .service(home)
            .service(basket)
            .service(basket_add)
            .service(checkout)
            .service(promo)
            .service(privacy)
            .service(assets_service(&ASSETS))
            // Tokens are bound to the session cookie, which `start_session` puts on every request.
            .wrap(CsrfMiddleware::new(
                Csrf::new(keys.clone()).session_cookie(SESSION_COOKIE),
            ))
            .wrap_fn(start_session)
            .wrap(ConsentMiddleware::new(policy.clone())) // outermost: sees every Set-Cookie
    })
    .workers(2)
    .bind(config.addr)
    .map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!(
                "cannot listen on {}: {e} (choose another port with --port N)",
                config.addr
            ),
        )
    })?;
    for addr in server.addrs() {
        println!("ProEcommerce listening on http://{addr}");
    }
    server.run().await
}

/// Makes sure every request has a session before the CSRF check and the handlers run: a
/// visitor without a valid session cookie gets a new one, put into this request's `Cookie`
/// header and set on the response.
fn start_session<S, B>(
    mut req: ServiceRequest,
    srv: &S,
) -> impl std::future::Future<Output = Result<ServiceResponse<B>, actix_web::Error>>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let shop = req.app_data::<web::Data<Shop>>().cloned();
    let page = !req.path().starts_with(ASSETS.prefix()); // the bundle needs no session
    let mut new_cookie = None;
    if let Some(shop) = shop.filter(|shop| page && shop.session_id(req.headers()).is_none()) {
        match shop.new_session() {
            Ok(cookie) => {
                // The request's other cookies stay; a stale session cookie goes.
                let mut header = format!("{}={}", cookie.name(), cookie.value());
                for pair in cookie_pairs(req.headers()).filter(|(name, _)| *name != SESSION_COOKIE)
                {
                    header.push_str(&format!("; {}={}", pair.0, pair.1));
                }
                if let Ok(v) = HeaderValue::from_str(&header) {
                    req.headers_mut().insert(COOKIE, v);
                }
                new_cookie = HeaderValue::from_str(&cookie.to_string()).ok();
            }
            Err(e) => tracing::error!(error = %e, "could not build the session cookie"),
        }
    }
    let fut = srv.call(req);
    async move {
        let mut res = fut.await?;
        if let Some(v) = new_cookie {
            res.headers_mut().append(SET_COOKIE, v);
        }
        Ok(res)
    }
}

// --- pages ------------------------------------------------------------------------------------

#[get("/")]
async fn home(shop: web::Data<Shop>, req: HttpRequest, token: CsrfToken) -> HttpResponse {
    let mut list = String::from(r#"<h1>Shop</h1><ul class="products">"#);
    for (id, name, cents) in PRODUCTS {
        list.push_str(&format!(
            r#"<li><span>{name}</span> <strong>{}</strong>
<form method="post" action="/basket/add">{}<input type="hidden" name="product" value="{id}"><button type="submit">Add to basket</button></form></li>"#,
            price(*cents),
            token.hidden_input(),
        ));
    }
    list.push_str("</ul>");
    html(page("Shop", &list, shop.basket(&req).len()))
}

#[get("/basket")]
async fn basket(shop: web::Data<Shop>, req: HttpRequest, token: CsrfToken) -> HttpResponse {
    let items = shop.basket(&req);
    let mut body = String::from("<h1>Your basket</h1>");
    if items.is_empty() {
        body.push_str(r#"<p>Your basket is empty. <a href="/">Go shopping</a>.</p>"#);
    } else {
        body.push_str(r#"<ul id="basket">"#);
        let mut total = 0;
        for (_, name, cents) in items
            .iter()
            .filter_map(|id| PRODUCTS.iter().find(|p| p.0 == id))
        {
            total += cents;
            body.push_str(&format!("<li>{name} — {}</li>", price(*cents)));
        }
        body.push_str(&format!(
            r#"</ul><p>Total: <strong id="total">{}</strong></p>
<h2>Checkout</h2>
<form method="post" action="/checkout">{}
<label for="name">Name</label><input id="name" name="name" required>
<label for="email">Email</label><input id="email" name="email" type="email" required>
<p>Payment is handled by Stripe; we never see your card number.</p>
<button type="submit">Place order</button></form>"#,
            price(total),
            token.hidden_input()
        ));
    }
    html(page("Basket", &body, items.len()))
}

/// The form field `csrf_token` is checked by `CsrfMiddleware` before this runs.
#[derive(Deserialize)]
struct AddForm {
    product: String,
}

#[post("/basket/add")]
async fn basket_add(
    shop: web::Data<Shop>,
    req: HttpRequest,
    form: web::Form<AddForm>,
) -> HttpResponse {
    if !PRODUCTS.iter().any(|p| p.0 == form.product) {
        return HttpResponse::BadRequest().body("no such product");
    }
    shop.update_basket(&req, |b| b.push(form.product.clone()));
    HttpResponse::SeeOther()
        .insert_header((LOCATION, "/basket"))
        .finish()
}

#[derive(Deserialize)]
struct CheckoutForm {
    name: String,
    email: String,
}

#[post("/checkout")]
async fn checkout(
    shop: web::Data<Shop>,
    req: HttpRequest,
    form: web::Form<CheckoutForm>,
) -> HttpResponse {
    let mut items = 0;
    shop.update_basket(&req, |b| items = std::mem::take(b).len());
    let body = format!(
        r#"<h1 id="order-placed">Thank you, {}</h1><p>Your order of {items} item(s) is placed; the invoice goes to <strong>{}</strong>.</p>"#,
        escape(&form.name),
        escape(&form.email)
    );
    html(page("Order placed", &body, 0))
}

/// A marketing link that tries to set a tracking cookie this shop's policy does not declare.
/// `ConsentMiddleware` drops it (and logs why): it never reaches the browser.
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
async fn privacy(shop: web::Data<Shop>, req: HttpRequest) -> HttpResponse {
    // The seed's policy in full (docs/seeds.md), corrected, with the notice generated from the
    // policy file in place of its cookie paragraph.
    let body = privacy_page::body(&shop.policy.notice_html());
    html(page("Privacy policy", &body, shop.basket(&req).len()))
}

// --- sessions ---------------------------------------------------------------------------------

impl Shop {
    /// The session id from a session cookie that verifies under our keys and names a live session.
    fn session_id(&self, headers: &HeaderMap) -> Option<String> {
        let (_, value) = cookie_pairs(headers).find(|(name, _)| *name == SESSION_COOKIE)?;
        let sid = AuthCookie::verify_signed(&self.keys, SESSION_COOKIE, value)
            .ok()?
            .into_value();
        self.baskets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&sid)
            .then_some(sid)
    }

    /// A new, empty session and its cookie.
    fn new_session(&self) -> Result<AuthCookie, consentry_server::AuthCookieError> {
        let mut bytes = [0u8; 18];
        getrandom::getrandom(&mut bytes).expect("the OS random source works");
        let sid: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let cookie = AuthCookie::signed(&self.keys, SESSION_COOKIE, &sid)?;
        self.baskets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(sid, Vec::new());
        Ok(cookie)
    }

    fn basket(&self, req: &HttpRequest) -> Vec<String> {
        let sid = self.session_id(req.headers());
        let baskets = self.baskets.lock().unwrap_or_else(|e| e.into_inner());
        sid.and_then(|sid| baskets.get(&sid).cloned())
            .unwrap_or_default()
    }

    fn update_basket(&self, req: &HttpRequest, f: impl FnOnce(&mut Vec<String>)) {
        if let Some(sid) = self.session_id(req.headers()) {
            if let Some(b) = self
                .baskets
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_mut(&sid)
            {
                f(b);
            }
        }
    }
}

/// The `name=value` pairs of a request's `Cookie` headers. (Read by hand rather than with
/// `HttpRequest::cookie`, which caches its parse: `start_session` changes the header.)
fn cookie_pairs(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(COOKIE)
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

fn price(cents: u32) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

use consentry::escape_html as escape;

/// A whole page, with consentry's embed contract in `<head>` and the cookie notice.
fn page(title: &str, body: &str, basket_items: usize) -> String {
    format!(
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · ProEcommerce</title>
{consentry_head}
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
        consentry_head = *CONSENTRY_HEAD,
    )
}

const STYLE: &str = "body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#14171a}\
header{display:flex;justify-content:space-between;padding:.8rem 2rem;background:#2d1b69;color:#fff}\
header a{color:#fff;margin-left:1rem}.brand{font-weight:700;margin:0;text-decoration:none}\
main{max-width:48rem;margin:2rem auto;padding:0 1.5rem}.products li{margin:.6rem 0}.products form{display:inline}\
label{display:block;margin:.5rem 0 .2rem}input{font:inherit;padding:.3rem}\
footer{border-top:1px solid #ddd;padding:.5rem 2rem;font-size:.9rem;color:#444}\
table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:.3rem .5rem;text-align:left}";
