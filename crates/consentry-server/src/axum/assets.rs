//! The bundle's route.

use axum::body::Body;
use axum::extract::Path;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use http::header::{ACCEPT_ENCODING, IF_NONE_MATCH};
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::assets::Assets;

/// The route serving the browser bundle at `<prefix><hash>/<file>` (`GET` and `HEAD`; see
/// [`Assets`] for the answers): merge it into the app. It sets no cookie, and works inside the
/// [`ConsentLayer`](super::ConsentLayer) and the [`CsrfLayer`](super::CsrfLayer) (a `GET`
/// needs no token). Other paths under the prefix are left to the app (its other routes, such
/// as the receipts route, or its fallback).
///
/// ```
/// use axum::{response::Html, routing::get, Router};
/// use consentry_server::axum::{assets_router, ConsentLayer};
/// use consentry_server::{Assets, Policy};
/// let policy = Policy::from_json(include_str!("../../policies/packagetrack.json"))?;
/// let assets = Assets::new();
/// let head = assets.head(&policy, None, None);
/// let app: Router = Router::new()
///     .route("/", get(move || async move { Html(format!("<!doctype html><head>{head}</head>")) }))
///     .merge(assets_router(&assets))
///     .layer(ConsentLayer::new(policy));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn assets_router<S: Clone + Send + Sync + 'static>(assets: &Assets) -> Router<S> {
    let path = format!("{}{{hash}}/{{file}}", assets.prefix());
    Router::new().route(
        &path,
        get(
            |Path((hash, file)): Path<(String, String)>, headers: HeaderMap| async move {
                let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
                let answer =
                    Assets::answer(&hash, &file, header(IF_NONE_MATCH), header(ACCEPT_ENCODING));
                let mut res = Response::new(Body::from(answer.body()));
                *res.status_mut() =
                    StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::NOT_FOUND);
                for (name, value) in answer.headers() {
                    res.headers_mut()
                        .insert(name, HeaderValue::from_static(value));
                }
                res
            },
        ),
    )
}
