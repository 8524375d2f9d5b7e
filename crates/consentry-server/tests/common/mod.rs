//! What the axum and actix-web test servers share: policies, keys, handler bodies, a raw
//! HTTP/1.1 client for malformed requests.

#![allow(dead_code, unreachable_pub)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use consentry::{ConsentId, ConsentRecord, Method, Policy, Receipt, ReceiptContext, Timestamp};
use consentry_server::{
    AcceptedReceipt, AuthCookie, Consent, Consentry, Csrf, Headers, Key, Keys, ReceiptEndpoint,
    ReceiptSink, SinkError, SinkFuture, Stored,
};

pub const P4P: &str = include_str!("../../policies/p4p-packing.json");

/// A policy with a marketing category (for GPC) and an opt-out region.
pub const MARKETING: &str = r#"{
  "revision": 3,
  "regions": { "US": "opt-out" },
  "categories": {
    "necessary": { "required": true, "lawful_basis": "contract" },
    "analytics": { "lawful_basis": "consent" },
    "marketing": { "lawful_basis": "consent" }
  },
  "services": [{
    "id": "ads", "category": "marketing", "provider": "Ads Inc", "purpose": "Advertising",
    "cookies": [{ "name": "_fbp", "max_age_days": 90 }]
  }, {
    "id": "google-analytics", "category": "analytics", "provider": "Google LLC", "purpose": "Traffic",
    "cookies": [{ "name": "_ga", "max_age_days": 395 }, { "name": "_ga_*", "max_age_days": 395 }]
  }],
  "cookies": [
    { "name": "__Host-P4PMember", "category": "necessary", "exemption": "authentication",
      "http_only": true, "same_site": "strict", "purpose": "Keeps you signed in" },
    { "name": "__Host-P4PAdmin", "category": "necessary", "exemption": "authentication",
      "http_only": true, "same_site": "strict", "purpose": "Admins" }
  ]
}"#;

pub fn policy(json: &str) -> Policy {
    Policy::from_json(json).expect("test policy is valid")
}

/// A fixed key for the tests: 64 distinct bytes from `seed` (weak keys are refused).
pub fn test_key(seed: u8) -> Key {
    let bytes: Vec<u8> = (0..64u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(seed))
        .collect();
    Key::try_from(&bytes[..]).unwrap()
}

pub fn old_key() -> Key {
    test_key(1)
}
pub fn current_key() -> Key {
    test_key(2)
}
pub fn retired_key() -> Key {
    test_key(3)
}

/// The server's keys: current plus one older accepted key.
pub fn keys() -> Keys {
    Keys::new(current_key()).with_older(old_key())
}

pub fn consentry(json: &str, trust_proxy: bool) -> Consentry {
    Consentry::new(policy(json))
        .region_header("x-region")
        .trust_forwarded_proto(trust_proxy)
}

/// An origin the CSRF settings allow besides the site's own.
pub const PARTNER_ORIGIN: &str = "https://partner.test";

/// The receipts routes of the test servers: the default endpoint, one recording the client's
/// IP address and user agent, one whose sink is down.
pub const RECEIPTS_PATH: &str = "/consentry/receipts";
pub const RECEIPTS_DETAILS_PATH: &str = "/consentry/receipts-details";
pub const RECEIPTS_DOWN_PATH: &str = "/consentry/receipts-down";

pub fn csrf() -> Csrf {
    Csrf::new(keys())
        .session_cookie("__Host-P4PMember")
        .exempt_path(RECEIPTS_PATH)
        .exempt_path(RECEIPTS_DETAILS_PATH)
        .exempt_path(RECEIPTS_DOWN_PATH)
        .allow_origin(PARTNER_ORIGIN)
}

/// The receipt endpoints' clock: fixed, so a test can tell the server's stamp from the
/// browser's `issued_at` (which the receipts below put 30 s earlier).
pub const RECEIPT_NOW: Timestamp = Timestamp(1_790_000_000);

/// Every receipt the test sinks stored, both frameworks, every test: tests use their own ids.
pub static STORED: Mutex<Vec<AcceptedReceipt>> = Mutex::new(Vec::new());

/// A sink with the contract of the consent log: same receipt again is a duplicate, another
/// receipt under a stored id a conflict.
pub struct TestSink;

impl ReceiptSink for TestSink {
    fn store<'a>(&'a self, accepted: &'a AcceptedReceipt) -> SinkFuture<'a> {
        let mut stored = STORED.lock().unwrap();
        let id = accepted.receipt.receipt_id;
        let result = match stored.iter().find(|a| a.receipt.receipt_id == id) {
            Some(prev) if prev.receipt == accepted.receipt => Ok(Stored::Duplicate),
            Some(_) => Err(SinkError::Conflict),
            None => {
                stored.push(accepted.clone());
                Ok(Stored::New)
            }
        };
        Box::pin(std::future::ready(result))
    }
}

/// A sink whose store is down.
pub struct DownSink;

/// What [`DownSink`] fails with (the server must log it, and not send it).
pub const DOWN_ERROR: &str = "connection refused by db.internal:5432";

impl ReceiptSink for DownSink {
    fn store<'a>(&'a self, _: &'a AcceptedReceipt) -> SinkFuture<'a> {
        Box::pin(std::future::ready(Err(SinkError::Unavailable(
            DOWN_ERROR.into(),
        ))))
    }
}

/// What the test sinks stored under this receipt id.
pub fn stored(id: ConsentId) -> Vec<AcceptedReceipt> {
    STORED
        .lock()
        .unwrap()
        .iter()
        .filter(|a| a.receipt.receipt_id == id)
        .cloned()
        .collect()
}

pub fn receipt_endpoint(json: &str) -> ReceiptEndpoint {
    ReceiptEndpoint::new(policy(json), TestSink)
        .clock(|| RECEIPT_NOW)
        .allow_origin(PARTNER_ORIGIN)
}

pub fn receipt_endpoint_with_details(json: &str) -> ReceiptEndpoint {
    receipt_endpoint(json)
        .record_client_ip(true)
        .record_user_agent(true)
}

pub fn receipt_endpoint_down(json: &str) -> ReceiptEndpoint {
    ReceiptEndpoint::new(policy(json), DownSink).clock(|| RECEIPT_NOW)
}

/// A receipt as the browser module makes it, 30 s before [`RECEIPT_NOW`], with id `id`,
/// granting these optional categories.
pub fn receipt(json: &str, id: ConsentId, granted: &[&str], method: Method) -> Receipt {
    let p = policy(json);
    let hash = p.sha256_hex();
    let at = Timestamp(RECEIPT_NOW.0 - 30);
    let record = ConsentRecord::new(
        &p,
        granted,
        method,
        at,
        ConsentId::from_random_bytes([5; 12]),
    )
    .unwrap();
    let ctx = ReceiptContext::new(id, Some("DE"), "en", &hash);
    Receipt::new(&p, &record, &ctx)
}

// Handler bodies, shared by both frameworks (they only translate types).

pub fn consent_text(c: &Consent) -> String {
    format!(
        "analytics={} marketing={} gpc={} prompt={}",
        c.allows("analytics"),
        c.allows("marketing"),
        c.gpc(),
        c.needs_prompt()
    )
}

pub fn login_cookies() -> Vec<String> {
    let k = keys();
    vec![
        AuthCookie::signed(&k, "P4PMember", "member-7")
            .unwrap()
            .to_string(),
        AuthCookie::encrypted(&k, "P4PAdmin", "admin 1; root")
            .unwrap()
            .to_string(),
    ]
}

pub fn whoami<H: Headers + ?Sized>(headers: &H) -> (u16, String) {
    let k = keys();
    let member = AuthCookie::read_signed(&k, "P4PMember", headers);
    let admin = AuthCookie::read_encrypted(&k, "P4PAdmin", headers);
    match (member, admin) {
        (Ok(m), Ok(a)) => (
            200,
            format!(
                "member={} admin={}",
                m.map(|v| format!(
                    "{}{}",
                    v.value(),
                    if v.rotated() { "(rotated)" } else { "" }
                ))
                .unwrap_or_else(|| "-".into()),
                a.map(|v| v.into_value()).unwrap_or_else(|| "-".into())
            ),
        ),
        _ => (401, "invalid auth cookie".into()),
    }
}

/// What `/set-cookies` emits: analytics, marketing, undeclared and necessary cookies.
pub fn app_set_cookies() -> Vec<String> {
    let mut v = vec![
        "_ga=GA1.2.secretvalue; Path=/; Max-Age=1000".to_owned(),
        "_ga_XYZ=GS1.1; Path=/; Max-Age=1000".to_owned(),
        "_fbp=fb.1.2; Path=/; Max-Age=1000".to_owned(),
        "tracker=abc; Path=/".to_owned(),
    ];
    v.push(
        AuthCookie::signed(&keys(), "P4PMember", "member-7")
            .unwrap()
            .to_string(),
    );
    v
}

/// What `/ordered` emits: cookies the gate drops (undeclared, not granted) at the start, in
/// the middle and at the end, around cookies that pass (necessary, a deletion, and analytics
/// when granted). The gate must keep the survivors byte for byte and in this order.
pub fn ordered_set_cookies() -> Vec<String> {
    vec![
        "tracker=abc; Path=/".to_owned(),
        AuthCookie::signed(&keys(), "P4PMember", "member-7")
            .unwrap()
            .to_string(),
        "_ga=GA1.2.secretvalue; Path=/; Max-Age=1000".to_owned(),
        "_fbp=fb.1.2; Path=/; Max-Age=1000".to_owned(),
        "_ga_OLD=; Path=/; Max-Age=0".to_owned(),
        "_ga_XYZ=GS1.1; Path=/; Max-Age=1000".to_owned(),
        "other=1; Path=/".to_owned(),
    ]
}

/// The consent cookie a response sets when the visitor has just granted analytics.
pub fn analytics_consent_set_cookie(json: &str) -> String {
    format!(
        "consentry={}; Path=/; Max-Age=31536000",
        consent_value(json, &["analytics"])
    )
}

pub fn now() -> Timestamp {
    Timestamp(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    )
}

/// A valid consent cookie value under a policy granting these categories.
pub fn consent_value(json: &str, granted: &[&str]) -> String {
    let p = policy(json);
    ConsentRecord::new(
        &p,
        granted,
        consentry::Method::Custom,
        now(),
        ConsentId::from_random_bytes([4; 12]),
    )
    .unwrap()
    .encode()
}

/// A raw HTTP/1.1 exchange: status code and body (`None` if the server closed without an
/// answer).
pub fn raw_get(addr: SocketAddr, path: &str, extra_headers: &[u8]) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n").into_bytes();
    req.extend_from_slice(extra_headers);
    req.extend_from_slice(b"Connection: close\r\n\r\n");
    s.write_all(&req).ok()?;
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.get(9..12)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

/// At least 200 malformed `Cookie` header values (as raw bytes) that must all read as no
/// consent: huge, invalid UTF-8, control characters the HTTP parsers let through (tab, C1
/// controls), duplicate names, truncated values, future versions and revisions.
pub fn malformed_cookie_headers(json: &str, name: &str) -> Vec<Vec<u8>> {
    let p = policy(json);
    let valid =
        ConsentRecord::accept_all(&p, now(), ConsentId::from_random_bytes([4; 12])).encode();
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut push = |v: Vec<u8>| out.push(v);
    // Truncated at every length, except right before the coverage field: that is a value
    // written without it, which is read as before (consentry::codec, "Coverage").
    let legacy = valid.rsplit_once('.').unwrap().0;
    for n in 0..valid.len() {
        if valid[..n] != *legacy {
            push(format!("{name}={}", &valid[..n]).into_bytes());
        }
    }
    // Duplicate names (even of valid values: ambiguous, fail closed).
    push(format!("{name}={valid}; {name}={valid}").into_bytes());
    push(format!("{name}={valid};{name}=x").into_bytes());
    push(format!("{name}=; {name}={valid}").into_bytes());
    push(format!("a=1; {name}={valid}; b=2; {name}={valid}").into_bytes());
    // Future format versions and revisions.
    let rest = valid.split_once('.').unwrap().1;
    for v in ["2", "9", "10", "99999999999999999999", "0", "-1", "", "x"] {
        push(format!("{name}={v}.{rest}").into_bytes());
    }
    let after_rev = rest.split_once('.').unwrap().1;
    for r in ["99", "4", "4294967296", "-3", "", "3x"] {
        push(format!("{name}=1.{r}.{after_rev}").into_bytes());
    }
    // Invalid UTF-8 and C1 controls in and around the value.
    for bad in [
        &b"\xff"[..],
        b"\xfe\xff",
        b"\xc3",
        b"\xc3\x28",
        b"\xe2\x82",
        b"\xf0\x9f\x8d",
        b"\xed\xa0\x80",
        b"\xc0\xaf",
        b"\x80",
        b"\xc2\x85",
        b"\xc2\x9f",
        b"\x9b",
    ] {
        let mut v = format!("{name}=").into_bytes();
        v.extend_from_slice(bad);
        v.extend_from_slice(valid.as_bytes());
        push(v.clone());
        let mut w = format!("{name}={valid}").into_bytes();
        w.extend_from_slice(bad);
        push(w);
        let mut x = format!("{name}=").into_bytes();
        x.extend_from_slice(&valid.as_bytes()[..10]);
        x.extend_from_slice(bad);
        x.extend_from_slice(&valid.as_bytes()[10..]);
        push(x);
    }
    // Tabs and odd separators.
    push(format!("{name}=\t{valid}\tjunk").into_bytes());
    push(format!("{name}={}\t{}", &valid[..8], &valid[8..]).into_bytes());
    push(format!("{name}=\"{valid}").into_bytes());
    push(format!("{name}={valid}\"").into_bytes());
    push(format!("{name}={valid},x=1").into_bytes());
    push(format!("{name}={}", valid.replace('.', ",")).into_bytes());
    push(format!("{name}={}", valid.replace(':', "=")).into_bytes());
    push(format!("{name}={valid}~").into_bytes());
    push(format!("{name}={}", valid.to_uppercase()).into_bytes());
    push(format!("{name}={valid}.extra.fields").into_bytes());
    push(format!("{name}={valid}~marketing:1~marketing:1").into_bytes());
    push(format!("{name}={valid}~unknown:1").into_bytes());
    push(format!("{name}={}", valid.replace(":1", ":2")).into_bytes());
    push(format!("{name}={}", valid.replace(":1", ":")).into_bytes());
    push(b";;;;".to_vec());
    push(b"=".to_vec());
    push(name.as_bytes().to_vec());
    push(format!("={valid}").into_bytes());
    push(format!("{name} {valid}").into_bytes());
    push(format!("{}={valid}", name.to_uppercase()).into_bytes());
    push(format!("{name}x={valid}").into_bytes());
    push(format!("x{name}={valid}").into_bytes());
    // Huge.
    for n in [1_000, 4_000, 7_000] {
        push(format!("{name}={}", "a".repeat(n)).into_bytes());
        push(format!("{name}={valid}{}", "7".repeat(n)).into_bytes());
        push(format!("{}; {name}={}", "x=y; ".repeat(n / 5), "1.".repeat(n / 2)).into_bytes());
        push(format!("{name}={}", "~analytics:1".repeat(n / 12)).into_bytes());
    }
    // Random printable garbage, deterministic.
    let mut seed: u32 = 0x1234_5678;
    for _ in 0..80 {
        let mut v = format!("{name}=").into_bytes();
        for _ in 0..64 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            v.push(0x20 + (seed % 95) as u8);
        }
        push(v);
    }
    out
}

/// The `Cookie:` header line for raw requests.
pub fn cookie_line(value: &[u8]) -> Vec<u8> {
    let mut line = b"Cookie: ".to_vec();
    line.extend_from_slice(value);
    line.extend_from_slice(b"\r\n");
    line
}

// Servers, clients and logs, shared by the HTTP test files.

/// A listener on a free port of 127.0.0.1, for a server started on its own thread.
pub fn std_listener() -> std::net::TcpListener {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    l.set_nonblocking(true).unwrap();
    l
}

/// Serves an actix-web app on its own thread (and actix system), one worker, on a free port
/// of 127.0.0.1; returns its address. The argument is the app factory's body (`App::new()…`),
/// run once per worker; what it uses from outside is moved in (`Clone` or `Copy`).
macro_rules! spawn_actix {
    ($app:expr) => {{
        let listener = std_listener();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                actix_web::HttpServer::new(move || $app)
                    .workers(1)
                    .listen(listener)
                    .unwrap()
                    .run()
                    .await
                    .unwrap();
            });
        });
        addr
    }};
}

/// Serves an axum app on its own thread (and runtime), with `ConnectInfo`.
pub fn spawn_axum(app: axum::Router) -> SocketAddr {
    let listener = std_listener();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).unwrap();
            let app = app.into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(l, app).await.unwrap();
        });
    });
    addr
}

/// Everything the servers log, for checking what drops reveal.
static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends this test binary's logs, `INFO` and up, to [`logs`]. Call before starting servers.
pub fn capture_logs() {
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(|| LogWriter)
        // Plain text whatever the terminal: the assertions read `cookie="_ga"`.
        .with_ansi(false)
        .finish();
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// What the servers have logged so far.
pub fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

pub fn set_cookies(h: &reqwest::header::HeaderMap) -> Vec<String> {
    h.get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

pub fn names(cookies: &[String]) -> Vec<String> {
    let mut n: Vec<String> = cookies
        .iter()
        .map(|c| c.split('=').next().unwrap().to_owned())
        .collect();
    n.sort();
    n
}

pub async fn get(addr: SocketAddr, path: &str, headers: &[(&str, String)]) -> reqwest::Response {
    let mut r = client().get(format!("http://{addr}{path}"));
    for (k, v) in headers {
        r = r.header(*k, v);
    }
    r.send().await.expect("server answers")
}

/// GET /form with a session; returns (cookie header to send back, token).
pub async fn csrf_token(addr: SocketAddr) -> (String, String) {
    let session = format!(
        "__Host-P4PMember={}",
        AuthCookie::signed(&keys(), "P4PMember", "member-7")
            .unwrap()
            .value()
    );
    let res = get(addr, "/form", &[("cookie", session.clone())]).await;
    assert_eq!(res.status(), 200);
    let csrf_cookie = set_cookies(res.headers())
        .into_iter()
        .find(|c| c.starts_with("__Host-csrf="))
        .expect("csrf cookie set");
    assert!(csrf_cookie.ends_with("; HttpOnly; Secure; SameSite=Strict; Path=/"));
    let body = res.text().await.unwrap();
    let token = body
        .split("value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_owned();
    assert_eq!(
        csrf_cookie.split(';').next().unwrap(),
        format!("__Host-csrf={token}")
    );
    (format!("{session}; __Host-csrf={token}"), token)
}

/// One raw HTTP/1.1 exchange over tokio's `TcpStream`, the request written byte for byte (an
/// absolute-form request line, repeated headers): the whole answer as text.
pub async fn raw_exchange(addr: SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    s.write_all(request).await.expect("write the request");
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out))
        .await
        .expect("the server answers within 10 s")
        .expect("read the answer");
    String::from_utf8_lossy(&out).into_owned()
}

/// The status code of a raw answer.
pub fn raw_status_of(answer: &str) -> u16 {
    answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// The values of one header in a raw answer (name matched case-insensitively).
pub fn raw_header<'a>(answer: &'a str, name: &str) -> Vec<&'a str> {
    let head = answer.split("\r\n\r\n").next().unwrap_or("");
    head.lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .collect()
}
