//! The bundle's resource.

use actix_web::http::header::{ACCEPT_ENCODING, IF_NONE_MATCH};
use actix_web::http::StatusCode;
use actix_web::{guard, web, HttpRequest, HttpResponse, Resource};

use crate::assets::Assets;

/// The resource serving the browser bundle at `<prefix><hash>/<file>` (`GET` and `HEAD`; see
/// [`Assets`] for the answers): register it with `App::service`. It sets no cookie, and works
/// inside the [`ConsentMiddleware`](super::ConsentMiddleware) and the
/// [`CsrfMiddleware`](super::CsrfMiddleware) (a `GET` needs no token). It matches only paths of
/// two segments under the prefix, so other paths there (the receipts route) stay the app's,
/// whatever the order of registration.
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use consentry_server::actix::{assets_service, ConsentMiddleware};
/// use consentry_server::{Assets, Policy};
/// let policy = Policy::from_json(include_str!("../../policies/packagetrack.json"))?;
/// let assets = Assets::new();
/// let head = assets.head(&policy, None, None);
/// let app = App::new()
///     .route("/", web::get().to(move || {
///         let page = format!("<!doctype html><head>{head}</head>");
///         async move { HttpResponse::Ok().content_type("text/html; charset=utf-8").body(page) }
///     }))
///     .service(assets_service(&assets))
///     .wrap(ConsentMiddleware::new(policy));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn assets_service(assets: &Assets) -> Resource {
    web::resource(format!("{}{{hash}}/{{file}}", assets.prefix()))
        .guard(guard::Any(guard::Get()).or(guard::Head()))
        .to(|req: HttpRequest| async move {
            let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
            let info = req.match_info();
            let answer = Assets::answer(
                info.get("hash").unwrap_or_default(),
                info.get("file").unwrap_or_default(),
                header(IF_NONE_MATCH),
                header(ACCEPT_ENCODING),
            );
            let mut res = HttpResponse::build(
                StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::NOT_FOUND),
            );
            for header in answer.headers() {
                res.insert_header(header);
            }
            res.body(answer.body())
        })
}
