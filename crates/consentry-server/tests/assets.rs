//! The `assets` feature over real HTTP on 127.0.0.1, axum and actix-web alike, each behind its
//! consent and CSRF layers with a receipts route under the same prefix: the bundle's bytes,
//! types, caching, gzip copies, integrity and 404s, and the `<head>` snippet.
//!
//! The crate cannot build with `assets` unless the bundle is built (`cargo xtask web`), so
//! these tests never run without it: the build fails first, naming the fix.

#[macro_use]
mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;

use base64::Engine as _;
use common::*;
use consentry_server::{Assets, Policy};
use sha2::{Digest, Sha384};

/// Where the bundle's files are served in the second server of each framework.
const OTHER_PREFIX: &str = "/static/consentry/";

/// A page with the snippet at `/`, the bundle at the default prefix, and one at `OTHER_PREFIX`
/// (a second server), for each framework.
#[derive(Clone, Copy, Debug)]
struct Servers {
    axum: SocketAddr,
    actix: SocketAddr,
    axum_other: SocketAddr,
    actix_other: SocketAddr,
}

fn servers() -> Servers {
    static S: OnceLock<Servers> = OnceLock::new();
    *S.get_or_init(|| {
        let other = Assets::at(OTHER_PREFIX).unwrap();
        Servers {
            axum: axum_server::spawn(Assets::new()),
            actix: actix_server::spawn(Assets::new()),
            axum_other: axum_server::spawn(other.clone()),
            actix_other: actix_server::spawn(other),
        }
    })
}

fn both() -> [(&'static str, SocketAddr); 2] {
    let s = servers();
    [("axum", s.axum), ("actix", s.actix)]
}

fn page_head(assets: &Assets) -> String {
    assets.head(&policy(P4P), Some("DE"), None)
}

mod axum_server {
    use super::*;
    use axum::response::Html;
    use axum::routing::get;
    use axum::Router;
    use consentry_server::axum::{assets_router, receipts, ConsentLayer, CsrfLayer};

    pub(crate) fn spawn(assets: Assets) -> SocketAddr {
        let head = page_head(&assets);
        let app = Router::new()
            .route("/", get(move || async move { Html(head) }))
            .route(RECEIPTS_PATH, receipts(receipt_endpoint(P4P)))
            .merge(assets_router(&assets))
            .layer(CsrfLayer::new(csrf()))
            .layer(ConsentLayer::with(consentry(P4P, true)));
        spawn_axum(app)
    }
}

mod actix_server {
    use super::*;
    use actix_web::{web, App, HttpResponse};
    use consentry_server::actix::{assets_service, receipts, ConsentMiddleware, CsrfMiddleware};

    pub(crate) fn spawn(assets: Assets) -> SocketAddr {
        let head = page_head(&assets);
        spawn_actix!({
            let head = head.clone();
            App::new()
                // Registered before the receipts route: it must not take that path.
                .service(assets_service(&assets))
                .route(
                    "/",
                    web::get().to(move || {
                        let head = head.clone();
                        async move { HttpResponse::Ok().body(head) }
                    }),
                )
                .route(RECEIPTS_PATH, receipts(receipt_endpoint(P4P)))
                .wrap(CsrfMiddleware::new(csrf()))
                .wrap(ConsentMiddleware::with(consentry(P4P, true)))
        })
    }
}

/// The folder the build took the bundle from (build.rs says which).
fn source_dir() -> PathBuf {
    PathBuf::from(env!("CONSENTRY_ASSETS_SOURCE"))
}

fn url(prefix: &str, file: &str) -> String {
    format!("{prefix}{}/{file}", Assets::bundle_hash())
}

fn sri(bytes: &[u8]) -> String {
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
    )
}

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

const FILES: [(&str, &str); 4] = [
    ("consentry-gate.js", "text/javascript; charset=utf-8"),
    ("consentry.js", "text/javascript; charset=utf-8"),
    ("consentry_bg.js", "text/javascript; charset=utf-8"),
    ("consentry_bg.wasm", "application/wasm"),
];

#[tokio::test]
async fn serves_every_file_as_built_with_its_type_immutable_caching_nosniff_and_no_cookie() {
    let names: Vec<&str> = Assets::files().iter().map(|a| a.name()).collect();
    assert_eq!(names, FILES.map(|f| f.0), "the bundle is these four files");
    for (fw, addr) in both() {
        for (file, content_type) in FILES {
            let res = get(addr, &url("/consentry/", file), &[]).await;
            assert_eq!(res.status(), 200, "{fw} {file}");
            assert_eq!(header(&res, "content-type"), content_type, "{fw} {file}");
            assert_eq!(
                header(&res, "cache-control"),
                "public, max-age=31536000, immutable",
                "{fw} {file}"
            );
            assert_eq!(header(&res, "x-content-type-options"), "nosniff");
            assert!(header(&res, "etag").starts_with('"'));
            assert!(
                res.headers().get("content-encoding").is_none(),
                "{fw} {file}: as is"
            );
            assert!(
                set_cookies(res.headers()).is_empty(),
                "{fw} {file}: no cookie"
            );
            let built = std::fs::read(source_dir().join(file)).expect("the bundle's source file");
            assert_eq!(
                res.bytes().await.unwrap(),
                built,
                "{fw} {file}: the built bytes"
            );
        }
    }
}

#[tokio::test]
async fn gzip_copies_go_to_clients_that_accept_gzip_and_decode_to_the_same_bytes() {
    for (fw, addr) in both() {
        for (file, content_type) in FILES {
            let path = url("/consentry/", file);
            let res = get(addr, &path, &[("accept-encoding", "br, gzip".to_owned())]).await;
            assert_eq!(res.status(), 200, "{fw} {file}");
            assert_eq!(header(&res, "content-encoding"), "gzip", "{fw} {file}");
            assert_eq!(header(&res, "content-type"), content_type);
            assert_eq!(header(&res, "vary"), "accept-encoding");
            assert!(header(&res, "etag").ends_with("-gz\""));
            let gz = res.bytes().await.unwrap();
            let mut plain = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain)
                .unwrap();
            let built = std::fs::read(source_dir().join(file)).unwrap();
            assert_eq!(plain, built, "{fw} {file}: decodes to the built bytes");
            assert!(gz.len() < built.len(), "{fw} {file}: smaller");

            let refused = get(addr, &path, &[("accept-encoding", "gzip;q=0".to_owned())]).await;
            assert!(
                refused.headers().get("content-encoding").is_none(),
                "{fw} {file}"
            );
            assert_eq!(refused.bytes().await.unwrap(), built);
        }
    }
}

/// The `src` and `integrity` of each `<script src=…>` of a snippet.
fn scripts(head: &str) -> Vec<(String, String)> {
    head.split("<script")
        .skip(1)
        .filter_map(|tag| {
            let attr = |name: &str| {
                let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
                Some(tag[start..start + tag[start..].find('"')?].to_owned())
            };
            Some((attr("src")?, attr("integrity")?))
        })
        .collect()
}

#[tokio::test]
async fn integrity_attributes_are_the_sha384_of_the_served_bytes() {
    for (fw, addr) in both() {
        let page = get(addr, "/", &[]).await.text().await.unwrap();
        let tags = scripts(&page);
        assert_eq!(
            tags.len(),
            2,
            "{fw}: gate and loader carry src and integrity"
        );
        assert_eq!(tags[0].0, url("/consentry/", "consentry-gate.js"));
        assert_eq!(tags[1].0, url("/consentry/", "consentry.js"));
        for (src, integrity) in tags {
            let bytes = get(addr, &src, &[]).await.bytes().await.unwrap();
            assert_eq!(integrity, sri(&bytes), "{fw} {src}");
        }
    }
    for a in Assets::files() {
        assert_eq!(a.integrity(), sri(a.bytes()), "{}", a.name());
    }
}

#[tokio::test]
async fn another_hash_or_file_is_404_and_not_cached() {
    let hash = Assets::bundle_hash();
    let stale = if hash == "0000000000" {
        "1111111111"
    } else {
        "0000000000"
    };
    for (fw, addr) in both() {
        for path in [
            format!("/consentry/{stale}/consentry.js"),
            format!("/consentry/{hash}/consentry.css"),
            format!("/consentry/{hash}/package.json"),
            format!("/consentry/{hash}/README.md"),
        ] {
            let res = get(addr, &path, &[]).await;
            assert_eq!(res.status(), 404, "{fw} {path}");
            assert_eq!(header(&res, "cache-control"), "no-store", "{fw} {path}");
            assert!(set_cookies(res.headers()).is_empty());
        }
        // Not of the route's shape: the app's own 404.
        for path in [
            "/consentry/consentry.js".to_owned(),
            format!("/consentry/{hash}/"),
            format!("/consentry/{hash}/check/consentry_check.js"),
            format!("/consentry/{hash}/../Cargo.toml"),
        ] {
            assert_eq!(get(addr, &path, &[]).await.status(), 404, "{fw} {path}");
        }
    }
}

#[tokio::test]
async fn head_has_the_headers_and_no_body_and_if_none_match_gives_304() {
    let wasm = &Assets::files()[3];
    for (fw, addr) in both() {
        let path = url("/consentry/", "consentry_bg.wasm");
        let res = client()
            .head(format!("http://{addr}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{fw}");
        assert_eq!(header(&res, "content-type"), "application/wasm");
        assert_eq!(header(&res, "etag"), wasm.etag());
        assert!(
            res.bytes().await.unwrap().is_empty(),
            "{fw}: HEAD has no body"
        );

        let res = get(addr, &path, &[("if-none-match", wasm.etag().to_owned())]).await;
        assert_eq!(res.status(), 304, "{fw}");
        assert_eq!(header(&res, "cache-control"), Assets::CACHE_CONTROL);
        assert!(res.bytes().await.unwrap().is_empty());

        let res = get(addr, &path, &[("if-none-match", "\"other\"".to_owned())]).await;
        assert_eq!(res.status(), 200, "{fw}");
    }
}

#[tokio::test]
async fn other_methods_are_refused_and_the_receipts_route_under_the_prefix_still_answers() {
    for (fw, addr) in both() {
        let res = client()
            .post(format!(
                "http://{addr}{}",
                url("/consentry/", "consentry.js")
            ))
            .header("origin", format!("http://{addr}"))
            .body("x")
            .send()
            .await
            .unwrap();
        assert!(
            [403, 404, 405].contains(&res.status().as_u16()),
            "{fw}: POST {}",
            res.status()
        );
        assert_ne!(
            res.bytes().await.unwrap().len(),
            Assets::files()[1].bytes().len()
        );
        // Reached the receipts endpoint (which refuses this body), not a 404 or 405.
        let res = client()
            .post(format!("http://{addr}{RECEIPTS_PATH}"))
            .header("origin", format!("http://{addr}"))
            .header("content-type", "text/plain")
            .body("not a receipt")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{fw}: receipts route");
    }
}

#[tokio::test]
async fn a_custom_prefix_moves_the_urls_and_the_routes() {
    let s = servers();
    let assets = Assets::at(OTHER_PREFIX).unwrap();
    for (fw, addr) in [("axum", s.axum_other), ("actix", s.actix_other)] {
        let page = get(addr, "/", &[]).await.text().await.unwrap();
        assert_eq!(page, page_head(&assets));
        for (src, integrity) in scripts(&page) {
            assert!(src.starts_with(OTHER_PREFIX), "{fw} {src}");
            let res = get(addr, &src, &[]).await;
            assert_eq!(res.status(), 200, "{fw} {src}");
            assert_eq!(integrity, sri(&res.bytes().await.unwrap()));
        }
        let old = get(addr, &url("/consentry/", "consentry.js"), &[]).await;
        assert_eq!(old.status(), 404, "{fw}: not at the default prefix");
    }
    assert_eq!(
        assets.url("consentry_bg.wasm").unwrap(),
        url(OTHER_PREFIX, "consentry_bg.wasm")
    );
    assert_eq!(assets.url("consentry.css"), None);
}

#[test]
fn the_head_snippet_is_gate_policy_module_in_order_and_escapes_what_it_is_given() {
    let policy: Policy = policy(P4P);
    let assets = Assets::new();
    let gate = &Assets::files()[0];
    let loader = &Assets::files()[1];
    let head = assets.head(&policy, Some(r#"D"E<"#), Some(r#"n&"><1"#));
    let lines: Vec<&str> = head.lines().collect();
    assert_eq!(lines.len(), 3, "{head}");
    assert_eq!(
        lines[0],
        format!(
            r#"<script src="{}" integrity="{}" nonce="n&amp;&quot;&gt;&lt;1"></script>"#,
            url("/consentry/", "consentry-gate.js"),
            gate.integrity()
        )
    );
    assert_eq!(
        lines[1],
        consentry_server::policy_script_tag(&policy, Some(r#"D"E<"#), Some(r#"n&"><1"#))
    );
    assert!(lines[1].contains(r#" data-region="D&quot;E&lt;" nonce="n&amp;&quot;&gt;&lt;1">{"#));
    assert_eq!(
        lines[2],
        format!(
            r#"<script type="module" async src="{}" integrity="{}" nonce="n&amp;&quot;&gt;&lt;1"></script>"#,
            url("/consentry/", "consentry.js"),
            loader.integrity()
        )
    );
    // Every tag is closed once, and nothing given can open another.
    assert_eq!(head.matches("<script").count(), 3);
    assert_eq!(head.matches("</script>").count(), 3);

    let plain = assets.head(&policy, None, None);
    assert!(!plain.contains("nonce=") && !plain.contains("data-region="));
    assert!(
        !plain.contains("crossorigin"),
        "same origin: SRI needs no CORS"
    );
}

#[test]
fn the_preload_links_are_the_glue_as_a_module_and_the_wasm_as_the_loaders_fetch() {
    let assets = Assets::at(OTHER_PREFIX).expect("a good prefix");
    let glue = &Assets::files()[2];
    let links = assets.preload(Some(r#"n&"><1"#));
    let lines: Vec<&str> = links.lines().collect();
    assert_eq!(lines.len(), 2, "{links}");
    assert_eq!(
        lines[0],
        format!(
            r#"<link rel="modulepreload" href="{}" integrity="{}" nonce="n&amp;&quot;&gt;&lt;1">"#,
            url(OTHER_PREFIX, "consentry_bg.js"),
            glue.integrity()
        )
    );
    assert_eq!(
        lines[1],
        format!(
            r#"<link rel="preload" href="{}" as="fetch" crossorigin>"#,
            url(OTHER_PREFIX, "consentry_bg.wasm")
        )
    );
    assert!(!assets.preload(None).contains("nonce="));
}
