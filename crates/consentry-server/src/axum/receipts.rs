//! The receipts route.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, MethodRouter};
use http::StatusCode;

use crate::receipts::{ReceiptEndpoint, ReceiptResponse};
use crate::request::WithHost;
use crate::Consent;

/// A `POST` route for the receipts the browser module posts: runs every check of
/// [`ReceiptEndpoint`] (403 not from the site's own pages, 413 too large, 400 malformed or
/// not believable), stamps the server's time and awaits the endpoint's sink (204 stored or
/// stored before, 409 another receipt has this id, 503 the sink cannot store it now).
///
/// The site's own origin, which `Origin` must match, is the `Host` with the scheme the
/// [`ConsentLayer`](super::ConsentLayer) around the route decided for HSTS
/// ([`Consentry::is_https`](crate::Consentry::is_https): TLS,
/// [`Consentry::trust_forwarded_proto`](crate::Consentry::trust_forwarded_proto),
/// [`Consentry::assume_https`](crate::Consentry::assume_https)), exactly as for the
/// [`CsrfLayer`](super::CsrfLayer); without a `ConsentLayer`, from the
/// [`TlsConnection`](super::TlsConnection) extension alone, so an HTTPS site behind a proxy
/// would refuse its own receipts. Exempt the route from the
/// `CsrfLayer` ([`Csrf::exempt_path`](crate::Csrf::exempt_path)): `sendBeacon` carries no token.
///
/// With [`ReceiptEndpoint::record_client_ip`], the address comes from the
/// `ConnectInfo<SocketAddr>` extension: serve the app with
/// `into_make_service_with_connect_info::<SocketAddr>()`.
///
/// ```
/// use axum::Router;
/// use consentry::{Policy, Receipt};
/// use consentry_server::axum::{receipts, ConsentLayer, CsrfLayer};
/// use consentry_server::{Csrf, Key, Keys, ReceiptEndpoint};
/// let policy = Policy::from_json(include_str!("../../policies/p4p-packing.json"))?;
/// let endpoint = ReceiptEndpoint::new(policy.clone(), |r: Receipt| { println!("{}", r.to_json()); Ok(()) });
/// let app: Router = Router::new()
///     .route("/consentry/receipts", receipts(endpoint))
///     .layer(CsrfLayer::new(Csrf::new(Keys::new(Key::generate())).exempt_path("/consentry/receipts")))
///     .layer(ConsentLayer::new(policy));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn receipts<S: Clone + Send + Sync + 'static>(endpoint: ReceiptEndpoint) -> MethodRouter<S> {
    post(move |req: Request| async move { handle(&endpoint, req).await })
}

async fn handle(endpoint: &ReceiptEndpoint, req: Request) -> Response {
    let tls = super::tls::over_tls(req.extensions());
    let https = req
        .extensions()
        .get::<Consent>()
        .map_or(tls, Consent::over_https);
    let client_ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let (parts, body) = req.into_parts();
    let headers = WithHost {
        headers: &parts.headers,
        authority: parts.uri.authority().map(|a| a.as_str().as_bytes()),
    };
    if let Err(refused) = endpoint.check_headers(&headers, https) {
        return respond(refused);
    }
    let result = match axum::body::to_bytes(body, endpoint.max_bytes()).await {
        Ok(body) => endpoint.handle(&headers, https, client_ip, &body).await,
        // Over the limit (or the body broke off): read no more.
        Err(_) => ReceiptResponse::too_large(),
    };
    respond(result)
}

fn respond(result: ReceiptResponse) -> Response {
    let status = StatusCode::from_u16(result.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, result.body).into_response()
}
