//! The receipts route.

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::{post, MethodRouter};
use http::header::CONTENT_LENGTH;
use http::StatusCode;

use crate::receipts::ReceiptEndpoint;

/// A `POST` route that validates posted receipts and hands them to the endpoint's sink:
/// 204 stored, 400 malformed, 413 too large.
///
/// ```
/// use axum::Router;
/// use consentry::{Policy, Receipt};
/// use consentry_server::{axum::receipts, ReceiptEndpoint};
/// let policy = Policy::from_json(include_str!("../../../../examples/policies/p4p-packing.json"))?;
/// let endpoint = ReceiptEndpoint::new(policy, |r: Receipt| { println!("{}", r.to_json()); Ok(()) });
/// let app: Router = Router::new().route("/consentry/receipts", receipts(endpoint));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn receipts<S: Clone + Send + Sync + 'static>(endpoint: ReceiptEndpoint) -> MethodRouter<S> {
    post(move |req: Request| async move { handle(&endpoint, req).await })
}

async fn handle(endpoint: &ReceiptEndpoint, req: Request) -> Response {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let result = match declared {
        Some(n) if n > endpoint.max_bytes() as u64 => endpoint.handle(Some(n), b"").await,
        _ => match axum::body::to_bytes(req.into_body(), endpoint.max_bytes()).await {
            Ok(body) => endpoint.handle(declared, &body).await,
            Err(_) => endpoint.handle(Some(u64::MAX), b"").await,
        },
    };
    let status = StatusCode::from_u16(result.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, result.body).into_response()
}
