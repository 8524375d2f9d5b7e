//! Issue 16, point 4, over real HTTP on 127.0.0.1, against axum and actix-web: the region comes
//! from a header the site's CDN sets (`CF-IPCountry` here, `Consentry::region_header`); the
//! server decides under that region's profile, its Set-Cookie gate follows the same profile,
//! and the page gets the same hint as the policy tag's `data-region` for the browser module.
//! A header that is missing, malformed or sent twice (the visitor's own beside the CDN's) gives
//! no hint: the opt-in profile.

#[macro_use]
mod common;

use std::net::SocketAddr;
use std::sync::OnceLock;

use common::*;
use consentry_server::{Consent, Consentry, PolicyTag};

/// A tracking cookie the app sets without any consent cookie: only an opt-out profile lets it
/// through before a choice.
const GA: &str = "_ga=GA1.2.regionvalue; Path=/; Max-Age=1000";

fn settings() -> Consentry {
    consentry(MARKETING, true).region_header("CF-IPCountry")
}

fn tag() -> &'static PolicyTag {
    static TAG: OnceLock<PolicyTag> = OnceLock::new();
    TAG.get_or_init(|| PolicyTag::new(&policy(MARKETING)))
}

/// The page's answer: the decision, the region, and the policy tag written with that region.
fn page(c: &Consent) -> String {
    format!(
        "{} region={}\n{}",
        consent_text(c),
        c.region().unwrap_or("none"),
        tag().render(c.region(), None)
    )
}

mod axum_server {
    use super::*;
    use axum::routing::get;
    use axum::Router;
    use consentry_server::axum::ConsentLayer;

    pub(crate) fn spawn() -> SocketAddr {
        let app = Router::new()
            .route("/page", get(|c: Consent| async move { page(&c) }))
            .route("/set-ga", get(|| async { ([("set-cookie", GA)], "set") }))
            .layer(ConsentLayer::with(settings()));
        spawn_axum(app)
    }
}

mod actix_server {
    use super::*;
    use actix_web::{web, App, HttpResponse};
    use consentry_server::actix::ConsentMiddleware;

    pub(crate) fn spawn() -> SocketAddr {
        spawn_actix!({
            App::new()
                .route("/page", web::get().to(|c: Consent| async move { page(&c) }))
                .route(
                    "/set-ga",
                    web::get().to(|| async {
                        HttpResponse::Ok()
                            .append_header(("set-cookie", GA))
                            .body("set")
                    }),
                )
                .wrap(ConsentMiddleware::with(settings()))
        })
    }
}

fn servers() -> [(&'static str, SocketAddr); 2] {
    static S: OnceLock<[(&'static str, SocketAddr); 2]> = OnceLock::new();
    *S.get_or_init(|| {
        [
            ("axum", axum_server::spawn()),
            ("actix", actix_server::spawn()),
        ]
    })
}

/// A request over HTTPS (the trusted proxy says so) with these extra header lines, each sent
/// as its own line (a repeated name is two lines).
async fn request(addr: SocketAddr, path: &str, lines: &[(&str, &str)]) -> reqwest::Response {
    let mut r = client()
        .get(format!("http://{addr}{path}"))
        .header("x-forwarded-proto", "https");
    for (k, v) in lines {
        r = r.header(*k, *v);
    }
    let res = r.send().await.expect("server answers");
    assert_eq!(res.status(), 200);
    res
}

async fn page_with(addr: SocketAddr, lines: &[(&str, &str)]) -> (String, String) {
    let text = request(addr, "/page", lines).await.text().await.unwrap();
    let (decision, tag) = text.split_once('\n').expect("two lines");
    (decision.to_owned(), tag.to_owned())
}

#[tokio::test]
async fn a_us_visitor_gets_the_opt_out_profile_and_the_page_the_same_region() {
    for (fw, addr) in servers() {
        let (decision, tag) = page_with(addr, &[("cf-ipcountry", "US")]).await;
        assert_eq!(
            decision, "analytics=true marketing=true gpc=false prompt=true region=US",
            "{fw}: optional categories start on, the banner shows as a notice"
        );
        assert!(tag.contains(r#" data-region="US">{"#), "{fw}: {tag}");
        // With GPC, sale and sharing (marketing) stay off without asking; analytics follows
        // the profile.
        let (decision, _) = page_with(addr, &[("cf-ipcountry", "US"), ("sec-gpc", "1")]).await;
        assert_eq!(
            decision, "analytics=true marketing=false gpc=true prompt=false region=US",
            "{fw}"
        );
    }
}

#[tokio::test]
async fn an_eu_visitor_and_a_visitor_without_a_hint_are_asked_first() {
    for (fw, addr) in servers() {
        let (decision, tag) = page_with(addr, &[("cf-ipcountry", "DE")]).await;
        assert_eq!(
            decision, "analytics=false marketing=false gpc=false prompt=true region=DE",
            "{fw}"
        );
        assert!(tag.contains(r#" data-region="DE">{"#), "{fw}");
        // Cloudflare's "unknown" is a code of no region: the default, opt-in.
        let (decision, _) = page_with(addr, &[("cf-ipcountry", "XX")]).await;
        assert_eq!(
            decision, "analytics=false marketing=false gpc=false prompt=true region=XX",
            "{fw}"
        );
        let (decision, tag) = page_with(addr, &[]).await;
        assert_eq!(
            decision, "analytics=false marketing=false gpc=false prompt=true region=none",
            "{fw}"
        );
        assert!(!tag.contains("data-region"), "{fw}: no hint, no attribute");
    }
}

#[tokio::test]
async fn a_forged_or_malformed_region_header_gives_no_hint() {
    let opt_in = "analytics=false marketing=false gpc=false prompt=true region=none";
    for (fw, addr) in servers() {
        // The visitor's own header beside the CDN's, in either order, or twice the same.
        for lines in [
            &[("cf-ipcountry", "US"), ("cf-ipcountry", "DE")][..],
            &[("cf-ipcountry", "DE"), ("cf-ipcountry", "US")][..],
            &[("cf-ipcountry", "US"), ("cf-ipcountry", "US")][..],
            &[("cf-ipcountry", "US, DE")][..],
            &[("cf-ipcountry", "US\"><script>")][..],
            &[("cf-ipcountry", "")][..],
            &[("cf-ipcountry", "US-CA-SAN-FRANCISCO")][..],
        ] {
            let (decision, tag) = page_with(addr, lines).await;
            assert_eq!(decision, opt_in, "{fw}: {lines:?}");
            assert!(!tag.contains("data-region"), "{fw}: {lines:?}");
        }
    }
}

#[tokio::test]
async fn the_set_cookie_gate_follows_the_region_profile() {
    for (fw, addr) in servers() {
        let set = |lines: &'static [(&'static str, &'static str)]| async move {
            set_cookies(request(addr, "/set-ga", lines).await.headers())
        };
        assert_eq!(
            names(&set(&[("cf-ipcountry", "US")]).await),
            ["_ga"],
            "{fw}: opt-out lets analytics start"
        );
        assert!(
            set(&[("cf-ipcountry", "DE")]).await.is_empty(),
            "{fw}: opt-in drops _ga before consent"
        );
        assert!(
            set(&[("cf-ipcountry", "US"), ("cf-ipcountry", "DE")])
                .await
                .is_empty(),
            "{fw}: a forged second header gives no hint: dropped"
        );
    }
}
