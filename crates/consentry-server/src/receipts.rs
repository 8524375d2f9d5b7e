//! The receipts endpoint: checks the receipts the browser posts, stamps them with the server's
//! time and hands them to a [`ReceiptSink`].

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use consentry::receipt::MAX_RECEIPT_BYTES;
use consentry::{Policy, Receipt, Timestamp};

use crate::config::system_now;
use crate::csrf::{check_origin, OriginRequired};
use crate::origin::Origin;
use crate::request::Headers;

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
    ///
    /// ```
    /// use consentry::{Receipt, Timestamp};
    /// use consentry_server::AcceptedReceipt;
    /// # let policy = consentry::Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// # let hash = policy.sha256_hex();
    /// # let record = consentry::ConsentRecord::accept_all(&policy, Timestamp(1_790_000_000), consentry::ConsentId::from_random_bytes([1; 12]));
    /// # let ctx = consentry::ReceiptContext::new(consentry::ConsentId::from_random_bytes([2; 12]), None, "en", &hash);
    /// let receipt: Receipt = Receipt::new(&policy, &record, &ctx);
    /// let accepted = AcceptedReceipt::new(receipt, Timestamp(1_790_000_005));
    /// assert_eq!(accepted.client_ip, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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

/// The response to a posted receipt: a status code and a short, fixed, plain-text reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptResponse {
    /// 204 stored (or stored before), 400 malformed or not believable, 403 not posted by the
    /// site's own pages, 409 another receipt has this id, 413 too large, 503 the sink cannot
    /// store it now.
    pub status: u16,
    /// Short reason (empty on success). Never parser details or the sink's error.
    pub body: String,
}

impl ReceiptResponse {
    fn new(status: u16, body: impl Into<String>) -> Self {
        ReceiptResponse {
            status,
            body: body.into(),
        }
    }

    fn refused(status: u16, reason: impl Into<String>) -> Self {
        let response = ReceiptResponse::new(status, reason);
        tracing::info!(status, reason = %response.body, "consentry: receipt refused");
        response
    }

    /// 413, for a body over [`MAX_RECEIPT_BYTES`] (adapters stop reading there).
    pub(crate) fn too_large() -> Self {
        ReceiptResponse::refused(
            413,
            format!("receipt larger than {MAX_RECEIPT_BYTES} bytes"),
        )
    }
}

/// The longest `User-Agent` kept, in bytes, when the app records it.
pub const MAX_USER_AGENT_BYTES: usize = 256;

/// The clock skew allowed by default between a receipt's `issued_at` and the server's time.
pub const DEFAULT_MAX_CLOCK_SKEW: Duration = Duration::from_secs(10 * 60);

/// The receipts endpoint: the browser module posts each consent decision's receipt here (with
/// `sendBeacon`), and the endpoint decides what to believe before it hands the receipt to a
/// [`ReceiptSink`].
///
/// A post is refused, and never reaches the sink, when
///
/// - it was not sent by the site's own pages (403): `Sec-Fetch-Site: cross-site`, or
///   `same-site` from an origin not allowed; an `Origin` other than the site's own (scheme,
///   host, port: the same check as [`Csrf::check`](crate::Csrf::check)) or one added with
///   [`ReceiptEndpoint::allow_origin`]; or neither `Origin` nor `Sec-Fetch-Site: same-origin`
///   (browsers send `Origin` on every `POST`, `sendBeacon` too). The route is exempt from the
///   CSRF token check ([`Csrf::exempt_path`](crate::Csrf::exempt_path)), since `sendBeacon`
///   cannot carry a token: this check stands in for it;
/// - it is larger than [`MAX_RECEIPT_BYTES`] (413);
/// - it is not a receipt (400 `malformed receipt`), or does not [`verify`](Receipt::verify)
///   against the policy and a known policy hash (400);
/// - its claims are not believable ([`Receipt::check_claims`], 400): `issued_at` further than
///   [`ReceiptEndpoint::max_clock_skew`] from the server's clock, a validity longer than the
///   policy's `consent_max_age_days`, or a receipt contradicting itself (GPC granting sale or
///   sharing, `given` granting nothing, a refusal or withdrawal granting something).
///
/// Accepted receipts are stamped with the server's time (`received_at`) and, only when the app
/// opts in, the client's IP address and `User-Agent`; then the sink decides: [`Stored::New`] or
/// [`Stored::Duplicate`] answer 204, [`SinkError::Conflict`] 409, [`SinkError::Unavailable`]
/// 503 (logged with `tracing::error!`).
///
/// The framework routes ([`axum::receipts`](crate::axum::receipts),
/// [`actix::receipts`](crate::actix::receipts)) call [`ReceiptEndpoint::handle`]; other
/// frameworks can too.
///
/// ```
/// use consentry::{ConsentId, ConsentRecord, Policy, Receipt, ReceiptContext, Timestamp};
/// use consentry_server::ReceiptEndpoint;
/// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
/// let hash = policy.sha256_hex();
/// let endpoint = ReceiptEndpoint::new(policy.clone(), |r: Receipt| { println!("{}", r.to_json()); Ok(()) })
///     .clock(|| Timestamp(1_790_000_060));
/// let record = ConsentRecord::accept_all(&policy, Timestamp(1_790_000_000), ConsentId::from_random_bytes([1; 12]));
/// let ctx = ReceiptContext::new(ConsentId::from_random_bytes([2; 12]), Some("DE"), "en", &hash);
/// let body = Receipt::new(&policy, &record, &ctx).to_json();
///
/// let own_page: &[(&str, &[u8])] = &[("host", b"shop.test"), ("origin", b"https://shop.test")];
/// let other_site: &[(&str, &[u8])] = &[("host", b"shop.test"), ("origin", b"https://evil.test")];
/// let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// rt.block_on(async {
///     assert_eq!(endpoint.handle(own_page, true, None, body.as_bytes()).await.status, 204);
///     assert_eq!(endpoint.handle(other_site, true, None, body.as_bytes()).await.status, 403);
///     let malformed = endpoint.handle(own_page, true, None, b"{").await;
///     assert_eq!((malformed.status, malformed.body.as_str()), (400, "malformed receipt"));
///     assert_eq!(endpoint.handle(own_page, true, None, &[b' '; 9000]).await.status, 413);
/// });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ReceiptEndpoint {
    policy: Arc<Policy>,
    known_hashes: Arc<Vec<String>>,
    sink: Arc<dyn ReceiptSink>,
    allowed_origins: Arc<Vec<Origin>>,
    max_clock_skew: Duration,
    record_client_ip: bool,
    record_user_agent: bool,
    clock: fn() -> Timestamp,
}

impl std::fmt::Debug for ReceiptEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptEndpoint")
            .field("known_hashes", &self.known_hashes)
            .field("allowed_origins", &self.allowed_origins)
            .field("max_clock_skew", &self.max_clock_skew)
            .field("record_client_ip", &self.record_client_ip)
            .field("record_user_agent", &self.record_user_agent)
            .finish_non_exhaustive()
    }
}

impl ReceiptEndpoint {
    /// Accepts receipts for this policy (its current hash) and stores them in `sink`; clock
    /// skew [`DEFAULT_MAX_CLOCK_SKEW`], the site's own origin only, no client details
    /// recorded.
    ///
    /// ```
    /// use consentry::{Policy, Receipt};
    /// use consentry_server::ReceiptEndpoint;
    /// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// let endpoint = ReceiptEndpoint::new(policy, |r: Receipt| { println!("{}", r.to_json()); Ok(()) });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(policy: impl Into<Arc<Policy>>, sink: impl ReceiptSink) -> Self {
        let policy = policy.into();
        let hash = policy.sha256_hex();
        ReceiptEndpoint {
            policy,
            known_hashes: Arc::new(vec![hash]),
            sink: Arc::new(sink),
            allowed_origins: Arc::default(),
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
            record_client_ip: false,
            record_user_agent: false,
            clock: system_now,
        }
    }

    /// Also accepts receipts naming an earlier policy hash (a banner still open while the
    /// policy file changed).
    ///
    /// ```
    /// # use consentry::{Policy, Receipt};
    /// # use consentry_server::ReceiptEndpoint;
    /// # let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// let endpoint = ReceiptEndpoint::new(policy, |_: Receipt| Ok(()))
    ///     .accept_hash("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn accept_hash(mut self, sha256_hex: &str) -> Self {
        Arc::make_mut(&mut self.known_hashes).push(sha256_hex.to_ascii_lowercase());
        self
    }

    /// How far a receipt's `issued_at` may be from the server's clock, either way (default
    /// [`DEFAULT_MAX_CLOCK_SKEW`], ten minutes). Visitors' clocks are wrong by minutes; a
    /// receipt claiming a time further off is refused with 400.
    ///
    /// ```
    /// # use consentry::{Policy, Receipt};
    /// # use consentry_server::ReceiptEndpoint;
    /// # let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// use std::time::Duration;
    /// let endpoint = ReceiptEndpoint::new(policy, |_: Receipt| Ok(()))
    ///     .max_clock_skew(Duration::from_secs(120));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_clock_skew(mut self, skew: Duration) -> Self {
        self.max_clock_skew = skew;
        self
    }

    /// Also accepts posts from this origin (pages of a sibling site sharing the consent log),
    /// written in full like [`Csrf::allow_origin`](crate::Csrf::allow_origin):
    /// `https://shop.example.com`, with the port when not the default. The site's own origin
    /// is always accepted.
    ///
    /// ```
    /// # use consentry::{Policy, Receipt};
    /// # use consentry_server::ReceiptEndpoint;
    /// # let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// let endpoint = ReceiptEndpoint::new(policy, |_: Receipt| Ok(()))
    ///     .allow_origin("https://shop.example.com");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Panics
    ///
    /// When `origin` is not an `http` or `https` origin (a mistake in the settings).
    pub fn allow_origin(mut self, origin: &str) -> Self {
        Arc::make_mut(&mut self.allowed_origins).push(Origin::from_setting(
            "ReceiptEndpoint::allow_origin",
            origin,
        ));
        self
    }

    /// Records the client's IP address with each receipt ([`AcceptedReceipt::client_ip`]).
    /// Off by default: no IP address is stored unless the app opts in (and has a lawful basis
    /// for it). The adapters take it from the connection (axum: the
    /// `ConnectInfo<SocketAddr>` extension, present when the app is served with
    /// `into_make_service_with_connect_info::<SocketAddr>()`; actix-web: the peer address),
    /// never from `X-Forwarded-For`.
    ///
    /// ```
    /// # use consentry::{Policy, Receipt};
    /// # use consentry_server::ReceiptEndpoint;
    /// # let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// let endpoint = ReceiptEndpoint::new(policy, |_: Receipt| Ok(())).record_client_ip(true);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_client_ip(mut self, on: bool) -> Self {
        self.record_client_ip = on;
        self
    }

    /// Records the `User-Agent` header with each receipt ([`AcceptedReceipt::user_agent`]),
    /// control characters removed and cut to [`MAX_USER_AGENT_BYTES`]. Off by default: no user
    /// agent is stored unless the app opts in.
    ///
    /// ```
    /// # use consentry::{Policy, Receipt};
    /// # use consentry_server::ReceiptEndpoint;
    /// # let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// let endpoint = ReceiptEndpoint::new(policy, |_: Receipt| Ok(())).record_user_agent(true);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_user_agent(mut self, on: bool) -> Self {
        self.record_user_agent = on;
        self
    }

    /// Replaces the clock that stamps `received_at` and that `issued_at` is checked against
    /// (tests, replays). Default: the system clock.
    ///
    /// ```
    /// # use consentry::{Policy, Receipt, Timestamp};
    /// # use consentry_server::ReceiptEndpoint;
    /// # let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// let endpoint = ReceiptEndpoint::new(policy, |_: Receipt| Ok(())).clock(|| Timestamp(1_790_000_000));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn clock(mut self, now: fn() -> Timestamp) -> Self {
        self.clock = now;
        self
    }

    /// The largest body accepted, [`MAX_RECEIPT_BYTES`]: adapters read no more.
    pub fn max_bytes(&self) -> usize {
        MAX_RECEIPT_BYTES
    }

    /// The checks made before the body is read: the origin (403) and a declared
    /// `Content-Length` over [`ReceiptEndpoint::max_bytes`] (413). `https` says whether the
    /// request counts as HTTPS, as for [`Csrf::check`](crate::Csrf::check): pass what
    /// [`Consentry::is_https`](crate::Consentry::is_https) says (the adapters take it from the
    /// consent layer).
    ///
    /// ```
    /// # use consentry::{Policy, Receipt};
    /// # use consentry_server::ReceiptEndpoint;
    /// # let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// let endpoint = ReceiptEndpoint::new(policy, |_: Receipt| Ok(()));
    /// let h: &[(&str, &[u8])] = &[("host", b"shop.test"), ("origin", b"https://shop.test"), ("content-length", b"100000")];
    /// assert_eq!(endpoint.check_headers(h, true).unwrap_err().status, 413);
    /// assert_eq!(endpoint.check_headers(h, false).unwrap_err().status, 403); // http:// site
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_headers<H: Headers + ?Sized>(
        &self,
        headers: &H,
        https: bool,
    ) -> Result<(), ReceiptResponse> {
        if let Err(refusal) =
            check_origin(headers, https, &self.allowed_origins, OriginRequired::Yes)
        {
            return Err(ReceiptResponse::refused(403, refusal.to_string()));
        }
        let declared = headers
            .first("content-length")
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_RECEIPT_BYTES as u64) {
            return Err(ReceiptResponse::too_large());
        }
        Ok(())
    }

    /// Everything but the sink, at the time `now`: [`ReceiptEndpoint::check_headers`], the
    /// body's size, schema, [`Receipt::verify`] and [`Receipt::check_claims`]; the accepted
    /// receipt stamped with `now` and the client details the app opted in to, or the
    /// refusal to send.
    ///
    /// ```
    /// # use consentry::{Policy, Receipt, Timestamp};
    /// # use consentry_server::ReceiptEndpoint;
    /// # let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// let endpoint = ReceiptEndpoint::new(policy, |_: Receipt| Ok(()));
    /// let h: &[(&str, &[u8])] = &[("sec-fetch-site", b"same-origin")];
    /// let refused = endpoint.accept_at(Timestamp(1_790_000_000), h, true, None, b"{\"version\":1}").unwrap_err();
    /// assert_eq!((refused.status, refused.body.as_str()), (400, "malformed receipt"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn accept_at<H: Headers + ?Sized>(
        &self,
        now: Timestamp,
        headers: &H,
        https: bool,
        client_ip: Option<IpAddr>,
        body: &[u8],
    ) -> Result<AcceptedReceipt, ReceiptResponse> {
        self.check_headers(headers, https)?;
        if body.len() > MAX_RECEIPT_BYTES {
            return Err(ReceiptResponse::too_large());
        }
        // The parser's message (paths, line and column) is not for the client.
        let receipt = Receipt::from_json(body)
            .map_err(|_| ReceiptResponse::refused(400, "malformed receipt"))?;
        let known: Vec<&str> = self.known_hashes.iter().map(String::as_str).collect();
        receipt
            .verify(&self.policy, &known)
            .and_then(|()| receipt.check_claims(&self.policy, now, self.max_clock_skew))
            .map_err(|e| ReceiptResponse::refused(400, e.to_string()))?;
        let mut accepted = AcceptedReceipt::new(receipt, now);
        if self.record_client_ip {
            accepted.client_ip = client_ip.map(|ip| ip.to_string());
        }
        if self.record_user_agent {
            accepted.user_agent = headers.first("user-agent").and_then(clean_user_agent);
        }
        Ok(accepted)
    }

    /// Handles one post: [`ReceiptEndpoint::accept_at`] at the endpoint's clock, then the
    /// sink, awaited. `headers` are the request's, `https` whether it counts as HTTPS (see
    /// [`ReceiptEndpoint::check_headers`]), `client_ip` the peer's address if known (kept only
    /// with [`ReceiptEndpoint::record_client_ip`]), `body` the posted bytes.
    ///
    /// See [`ReceiptEndpoint`] for an example.
    pub async fn handle<H: Headers + ?Sized>(
        &self,
        headers: &H,
        https: bool,
        client_ip: Option<IpAddr>,
        body: &[u8],
    ) -> ReceiptResponse {
        match self.accept_at((self.clock)(), headers, https, client_ip, body) {
            Ok(accepted) => self.store(&accepted).await,
            Err(refused) => refused,
        }
    }

    /// Hands an accepted receipt to the sink and answers for it.
    async fn store(&self, accepted: &AcceptedReceipt) -> ReceiptResponse {
        match self.sink.store(accepted).await {
            Ok(Stored::New | Stored::Duplicate) => ReceiptResponse::new(204, ""),
            Err(SinkError::Conflict) => {
                ReceiptResponse::refused(409, "a different receipt with this id exists")
            }
            Err(e) => {
                tracing::error!(error = %e, "consentry: the receipt sink could not store a receipt");
                ReceiptResponse::new(503, "consent log unavailable, try again later")
            }
        }
    }
}

/// The `User-Agent` as recorded: lossy UTF-8, control characters removed, at most
/// [`MAX_USER_AGENT_BYTES`] (cut on a character boundary); `None` when nothing is left.
fn clean_user_agent(raw: &[u8]) -> Option<String> {
    let mut out = String::new();
    for c in String::from_utf8_lossy(raw)
        .chars()
        .filter(|c| !c.is_control())
    {
        if out.len() + c.len_utf8() > MAX_USER_AGENT_BYTES {
            break;
        }
        out.push(c);
    }
    let out = out.trim();
    (!out.is_empty()).then(|| out.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agent_loses_control_characters_and_is_cut() {
        assert_eq!(
            clean_user_agent(b"Mozilla/5.0\t(X11)\x07 \xc2\x85ok").as_deref(),
            Some("Mozilla/5.0(X11) ok")
        );
        assert_eq!(clean_user_agent(b"\x01\x02 \t"), None);
        let long = "\u{e9}".repeat(300);
        let cut = clean_user_agent(long.as_bytes()).unwrap();
        assert_eq!(cut.len(), MAX_USER_AGENT_BYTES);
        assert!(cut.chars().all(|c| c == '\u{e9}'));
        let odd = "a".to_owned() + &"\u{e9}".repeat(300);
        assert_eq!(clean_user_agent(odd.as_bytes()).unwrap().len(), 255);
        assert!(clean_user_agent(b"\xff\xfe").is_some());
    }
}
