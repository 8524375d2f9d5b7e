//! The receipts handler.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, Route};

use crate::receipts::ReceiptEndpoint;

/// A `POST` route that validates posted receipts and hands them to the endpoint's sink:
/// 204 stored, 400 malformed, 413 too large.
///
/// ```
/// use actix_web::App;
/// use consentry::{Policy, Receipt};
/// use consentry_server::{actix::receipts, ReceiptEndpoint};
/// let policy = Policy::from_json(include_str!("../../../../examples/policies/p4p-packing.json"))?;
/// let endpoint = ReceiptEndpoint::new(policy, |r: Receipt| { println!("{}", r.to_json()); Ok(()) });
/// let app = App::new().route("/consentry/receipts", receipts(endpoint));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn receipts(endpoint: ReceiptEndpoint) -> Route {
    web::post().to(move |req: HttpRequest, body: web::Payload| {
        let endpoint = endpoint.clone();
        async move {
            let declared = req
                .headers()
                .get("content-length")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let result = match declared {
                Some(n) if n > endpoint.max_bytes() as u64 => endpoint.handle(Some(n), b"").await,
                _ => match body.to_bytes_limited(endpoint.max_bytes()).await {
                    Ok(Ok(bytes)) => endpoint.handle(declared, &bytes).await,
                    Ok(Err(_)) => endpoint.handle(None, b"\xff").await,
                    Err(_) => endpoint.handle(Some(u64::MAX), b"").await,
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
