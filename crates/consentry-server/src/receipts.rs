//! The receipts endpoint: validates receipts the browser posts and hands them to the app.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use consentry::receipt::MAX_RECEIPT_BYTES;
use consentry::{Policy, Receipt, Timestamp};

/// A receipt the endpoint accepted, as the server knows it: the browser's receipt, checked, and
/// what the server itself saw.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AcceptedReceipt {
    /// The receipt as posted (it passed every check of the endpoint).
    pub receipt: Receipt,
    /// When the server received it (unix seconds, UTC), stamped by the server.
    pub received_at: Timestamp,
    /// The client's IP address, only when the app opted in
    /// ([`ReceiptEndpoint::record_client_ip`]); `None` otherwise.
    pub client_ip: Option<String>,
    /// The `User-Agent` header, only when the app opted in
    /// ([`ReceiptEndpoint::record_user_agent`]); `None` otherwise.
    pub user_agent: Option<String>,
}

impl AcceptedReceipt {
    /// A receipt received at `received_at`, with no client details.
    pub fn new(receipt: Receipt, received_at: Timestamp) -> Self {
        AcceptedReceipt {
            receipt,
            received_at,
            client_ip: None,
            user_agent: None,
        }
    }
}

/// What a sink did with a receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    /// Stored now.
    New,
    /// The same receipt (same id, same content) was stored before: nothing changed.
    Duplicate,
}

/// Why a sink did not store a receipt.
#[derive(Debug)]
#[non_exhaustive]
pub enum SinkError {
    /// A different receipt with the same id is already stored (the endpoint answers 409).
    Conflict,
    /// The store cannot take it now (database down, disk full…): the endpoint answers 503 and
    /// logs the error; the browser keeps its consent cookie.
    Unavailable(Box<dyn std::error::Error + Send + Sync>),
}

impl std::fmt::Display for SinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SinkError::Conflict => f.write_str("another receipt with this id is already stored"),
            SinkError::Unavailable(e) => write!(f, "receipt store unavailable: {e}"),
        }
    }
}

impl std::error::Error for SinkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SinkError::Conflict => None,
            SinkError::Unavailable(e) => Some(&**e),
        }
    }
}

/// The future a [`ReceiptSink`] returns.
pub type SinkFuture<'a> = Pin<Box<dyn Future<Output = Result<Stored, SinkError>> + Send + 'a>>;

/// Where accepted receipts go: the consent log of `consentry-records`, or the app's own store.
/// Async: the endpoint awaits it on the request's task, so it must not block the thread.
pub trait ReceiptSink: Send + Sync + 'static {
    /// Stores one accepted receipt. The same receipt stored twice must be [`Stored::Duplicate`];
    /// another receipt under an id already stored, [`SinkError::Conflict`].
    fn store<'a>(&'a self, receipt: &'a AcceptedReceipt) -> SinkFuture<'a>;
}

/// A plain function or closure is a sink that never blocks (e.g. one that logs, or sends to a
/// channel): `Ok` is [`Stored::New`], `Err` is [`SinkError::Unavailable`].
impl<F> ReceiptSink for F
where
    F: Fn(Receipt) -> Result<(), Box<dyn std::error::Error + Send + Sync>> + Send + Sync + 'static,
{
    fn store<'a>(&'a self, receipt: &'a AcceptedReceipt) -> SinkFuture<'a> {
        let result = self(receipt.receipt.clone())
            .map(|()| Stored::New)
            .map_err(SinkError::Unavailable);
        Box::pin(std::future::ready(result))
    }
}

/// The response to a posted receipt: a status code and a short plain-text body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptResponse {
    /// 204 stored, 400 malformed or not for this policy, 413 too large, 500 sink failed.
    pub status: u16,
    /// Short reason (empty on success).
    pub body: String,
}

/// Validates posted receipts: at most [`MAX_RECEIPT_BYTES`] (413), JSON of the core
/// [`Receipt`] schema that verifies against the policy and a known policy hash (400).
///
/// ```
/// use consentry::{ConsentId, ConsentRecord, Policy, Receipt, ReceiptContext, Timestamp};
/// use consentry_server::ReceiptEndpoint;
/// let policy = Policy::from_json(include_str!("../../../examples/policies/p4p-packing.json"))?;
/// let hash = policy.sha256_hex();
/// let endpoint = ReceiptEndpoint::new(policy.clone(), |r: Receipt| { println!("{}", r.to_json()); Ok(()) });
/// let record = ConsentRecord::accept_all(&policy, Timestamp(1_790_000_000), ConsentId::from_random_bytes([1; 12]));
/// let ctx = ReceiptContext { receipt_id: ConsentId::from_random_bytes([2; 12]), jurisdiction: Some("DE"), language: "en", policy_sha256: &hash };
/// let body = Receipt::new(&policy, &record, &ctx).to_json();
/// assert_eq!(endpoint.handle(None, body.as_bytes()).status, 204);
/// assert_eq!(endpoint.handle(None, b"{}").status, 400);
/// assert_eq!(endpoint.handle(Some(1 << 20), b"").status, 413);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ReceiptEndpoint {
    policy: Arc<Policy>,
    known_hashes: Arc<Vec<String>>,
    sink: Arc<dyn ReceiptSink>,
}

impl std::fmt::Debug for ReceiptEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptEndpoint")
            .field("known_hashes", &self.known_hashes)
            .finish_non_exhaustive()
    }
}

impl ReceiptEndpoint {
    /// Accepts receipts for this policy (its current hash) and stores them in `sink`.
    pub fn new(policy: impl Into<Arc<Policy>>, sink: impl ReceiptSink) -> Self {
        let policy = policy.into();
        let hash = policy.sha256_hex();
        ReceiptEndpoint {
            policy,
            known_hashes: Arc::new(vec![hash]),
            sink: Arc::new(sink),
        }
    }

    /// Also accepts receipts naming an earlier policy hash (a banner still open while the
    /// policy file changed).
    pub fn accept_hash(mut self, sha256_hex: &str) -> Self {
        Arc::make_mut(&mut self.known_hashes).push(sha256_hex.to_ascii_lowercase());
        self
    }

    /// The largest body accepted.
    pub fn max_bytes(&self) -> usize {
        MAX_RECEIPT_BYTES
    }

    /// Handles one posted body. `content_length` is the declared length, if any, checked
    /// before the body is read.
    pub async fn handle(&self, content_length: Option<u64>, body: &[u8]) -> ReceiptResponse {
        let too_big = |n: u64| n > MAX_RECEIPT_BYTES as u64;
        if content_length.is_some_and(too_big) || too_big(body.len() as u64) {
            return ReceiptResponse {
                status: 413,
                body: format!("receipt larger than {MAX_RECEIPT_BYTES} bytes"),
            };
        }
        let receipt = match Receipt::from_json(body) {
            Ok(r) => r,
            Err(e) => {
                return ReceiptResponse {
                    status: 400,
                    body: format!("malformed receipt: {e}"),
                }
            }
        };
        let known: Vec<&str> = self.known_hashes.iter().map(String::as_str).collect();
        if let Err(e) = receipt.verify(&self.policy, &known) {
            return ReceiptResponse {
                status: 400,
                body: e.to_string(),
            };
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let accepted = AcceptedReceipt::new(receipt, Timestamp(now));
        match self.sink.store(&accepted).await {
            Ok(_) => ReceiptResponse {
                status: 204,
                body: String::new(),
            },
            Err(e) => {
                tracing::error!(error = %e, "consentry: receipt sink failed");
                ReceiptResponse {
                    status: 500,
                    body: "could not store receipt".into(),
                }
            }
        }
    }
}
