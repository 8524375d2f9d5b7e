//! The receipts handler.

use actix_web::http::StatusCode;
use actix_web::{web, HttpMessage as _, HttpRequest, HttpResponse, Route};

use crate::receipts::{ReceiptEndpoint, ReceiptResponse};
use crate::request::WithHost;
use crate::Consent;

/// A `POST` route for the receipts the browser module posts: runs every check of
/// [`ReceiptEndpoint`] (403 not from the site's own pages, 413 too large, 400 malformed or
/// not believable), stamps the server's time and awaits the endpoint's sink (204 stored or
/// stored before, 409 another receipt has this id, 503 the sink cannot store it now).
///
/// The site's own origin, which `Origin` must match, is the `Host` with the scheme the
/// [`ConsentMiddleware`](super::ConsentMiddleware) around the route decided for HSTS
/// ([`Consentry::is_https`](crate::Consentry::is_https): the server binding,
/// [`Consentry::trust_forwarded_proto`](crate::Consentry::trust_forwarded_proto),
/// [`Consentry::assume_https`](crate::Consentry::assume_https)), exactly as for the
/// [`CsrfMiddleware`](super::CsrfMiddleware); without a `ConsentMiddleware`, from the server
/// binding alone, so an HTTPS site behind a proxy would refuse its own receipts. Exempt the
/// route from the `CsrfMiddleware` ([`Csrf::exempt_path`](crate::Csrf::exempt_path)):
/// `sendBeacon` carries no token.
///
/// With [`ReceiptEndpoint::record_client_ip`], the address is the connection's peer address.
///
/// ```
/// use actix_web::App;
/// use consentry::{Policy, Receipt};
/// use consentry_server::actix::{receipts, ConsentMiddleware, CsrfMiddleware};
/// use consentry_server::{Csrf, Key, Keys, ReceiptEndpoint};
/// let policy = Policy::from_json(include_str!("../../policies/p4p-packing.json"))?;
/// let endpoint = ReceiptEndpoint::new(policy.clone(), |r: Receipt| { println!("{}", r.to_json()); Ok(()) });
/// let app = App::new()
///     .route("/consentry/receipts", receipts(endpoint))
///     .wrap(CsrfMiddleware::new(Csrf::new(Keys::new(Key::generate())).exempt_path("/consentry/receipts")))
///     .wrap(ConsentMiddleware::new(policy));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn receipts(endpoint: ReceiptEndpoint) -> Route {
    web::post().to(move |req: HttpRequest, body: web::Payload| {
        let endpoint = endpoint.clone();
        async move {
            let tls = req.app_config().secure();
            let https = req
                .extensions()
                .get::<Consent>()
                .map_or(tls, Consent::over_https);
            let client_ip = req.peer_addr().map(|a| a.ip());
            let headers = WithHost {
                headers: req.headers(),
                authority: req.uri().authority().map(|a| a.as_str().as_bytes()),
            };
            let result = match endpoint.check_headers(&headers, https) {
                Err(refused) => refused,
                Ok(()) => match body.to_bytes_limited(endpoint.max_bytes()).await {
                    Ok(Ok(bytes)) => endpoint.handle(&headers, https, client_ip, &bytes).await,
                    // The body broke off: what arrived is not a receipt.
                    Ok(Err(_)) => endpoint.handle(&headers, https, client_ip, b"").await,
                    Err(_) => ReceiptResponse::too_large(),
                },
            };
            let status =
                StatusCode::from_u16(result.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            HttpResponse::build(status)
                .content_type("text/plain; charset=utf-8")
                .body(result.body)
        }
    })
}
