//! The receipts endpoint: validates receipts the browser posts and hands them to the app.

use std::sync::Arc;

use consentry::receipt::MAX_RECEIPT_BYTES;
use consentry::{Policy, Receipt};

/// Where valid receipts go. The app implements it (a database, a log, a queue). Called on the
/// request's task: keep it quick, or hand the receipt to a background worker.
pub trait ReceiptSink: Send + Sync + 'static {
    /// Stores one verified receipt. An error answers 500 to the browser.
    fn store(&self, receipt: Receipt) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;
}

impl<F> ReceiptSink for F
where
    F: Fn(Receipt) -> Result<(), Box<dyn std::error::Error + Send + Sync>> + Send + Sync + 'static,
{
    fn store(&self, receipt: Receipt) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self(receipt)
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
    pub fn handle(&self, content_length: Option<u64>, body: &[u8]) -> ReceiptResponse {
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
        match self.sink.store(receipt) {
            Ok(()) => ReceiptResponse {
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
