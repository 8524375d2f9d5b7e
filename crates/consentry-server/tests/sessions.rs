//! Sessions over real HTTP, axum and actix-web: sign-in sets the cookie, the `Session`
//! extractor reads it, sign-out clears it, and the server (not the browser) ends values past
//! their lifetime, idle timeout or absolute timeout, or in the previous format.

#[macro_use]
mod common;

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine as _;
use common::*;
use consentry::Timestamp;
use consentry_server::{AuthCookie, Keys, SessionCookie};
use hmac::Mac as _;
use reqwest::header::SET_COOKIE;

/// The servers' clock for the `Session` extractor: fixed.
const NOW: Timestamp = Timestamp(1_790_000_000);
const IDLE: Duration = Duration::from_secs(600);

/// The settings the servers use; tests make cookies with the same settings at other times.
fn sessions() -> SessionCookie {
    SessionCookie::encrypted(keys(), "P4PMember")
        .unwrap()
        .idle_timeout(IDLE)
        .clock(|| NOW)
}

fn std_listener() -> std::net::TcpListener {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    l.set_nonblocking(true).unwrap();
    l
}

/// `/whoami-signed`: a signed `P4PMember` read with `AuthCookie::read_signed`, system clock.
fn whoami_signed<H: consentry_server::Headers + ?Sized>(headers: &H) -> (u16, String) {
    match AuthCookie::read_signed(&keys(), "P4PMember", headers) {
        Ok(Some(v)) => (200, v.into_value()),
        Ok(None) => (200, "-".into()),
        Err(e) => (401, e.to_string()),
    }
}

mod axum_server {
    use super::*;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::get;
    use axum::{Extension, Router};
    use consentry_server::Session;

    pub(crate) fn spawn() -> SocketAddr {
        let app = Router::new()
            .route(
                "/sign-in",
                get(|Extension(s): Extension<SessionCookie>| async move {
                    (s.issue("member-7").unwrap(), "in")
                }),
            )
            .route(
                "/me",
                get(|session: Session| async move {
                    (session.renewal(), session.value().to_owned())
                }),
            )
            .route(
                "/maybe",
                get(|session: Option<Session>| async move {
                    session.map_or("anonymous".to_owned(), Session::into_value)
                }),
            )
            .route(
                "/sign-out",
                get(|Extension(s): Extension<SessionCookie>| async move { (s.removal(), "out") }),
            )
            .route(
                "/whoami-signed",
                get(|h: HeaderMap| async move {
                    let (s, b) = whoami_signed(&h);
                    (StatusCode::from_u16(s).unwrap(), b)
                }),
            )
            .layer(Extension(sessions()));
        let listener = std_listener();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let l = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(l, app).await.unwrap();
            });
        });
        addr
    }
}

mod actix_server {
    use super::*;
    use actix_web::{web, App, HttpRequest, HttpResponse};
    use consentry_server::Session;

    pub(crate) fn spawn() -> SocketAddr {
        spawn_actix!({
            App::new()
                .app_data(sessions())
                .route(
                    "/sign-in",
                    web::get().to(|r: HttpRequest| async move {
                        let s = r.app_data::<SessionCookie>().unwrap();
                        HttpResponse::Ok()
                            .append_header(s.issue("member-7").unwrap())
                            .body("in")
                    }),
                )
                .route(
                    "/me",
                    web::get().to(|session: Session| async move {
                        let mut res = HttpResponse::Ok();
                        if let Some(renewed) = session.renewal() {
                            res.append_header(renewed);
                        }
                        res.body(session.into_value())
                    }),
                )
                .route(
                    "/maybe",
                    web::get().to(|session: Option<Session>| async move {
                        session.map_or("anonymous".to_owned(), Session::into_value)
                    }),
                )
                .route(
                    "/sign-out",
                    web::get().to(|r: HttpRequest| async move {
                        let s = r.app_data::<SessionCookie>().unwrap();
                        HttpResponse::Ok().append_header(s.removal()).body("out")
                    }),
                )
                .route(
                    "/whoami-signed",
                    web::get().to(|r: HttpRequest| async move {
                        let (s, b) = whoami_signed(r.headers());
                        HttpResponse::build(actix_web::http::StatusCode::from_u16(s).unwrap())
                            .body(b)
                    }),
                )
        })
    }
}

fn servers() -> [(&'static str, SocketAddr); 2] {
    static S: OnceLock<[(&'static str, SocketAddr); 2]> = OnceLock::new();
    *S.get_or_init(|| {
        [
            ("axum", axum_server::spawn()),
            ("actix", actix_server::spawn()),
        ]
    })
}

/// GET `path` with an optional `Cookie`: status, `Set-Cookie`s, body.
async fn get(addr: SocketAddr, path: &str, cookie: Option<&str>) -> (u16, Vec<String>, String) {
    let mut r = reqwest::Client::new().get(format!("http://{addr}{path}"));
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let res = r.send().await.expect("server answers");
    let status = res.status().as_u16();
    let set = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    (status, set, res.text().await.unwrap())
}

/// `name=value` of a cookie as the browser sends it back.
fn pair(c: &AuthCookie) -> String {
    format!("{}={}", c.name(), c.value())
}

fn set_cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn sign_in_sets_the_session_a_handler_reads_it_and_sign_out_clears_it() {
    for (fw, addr) in servers() {
        let (status, set, _) = get(addr, "/sign-in", None).await;
        assert_eq!(status, 200, "{fw}");
        assert_eq!(set.len(), 1, "{fw}: {set:?}");
        assert!(
            set[0].starts_with("__Host-P4PMember=")
                && set[0].ends_with("; HttpOnly; Secure; SameSite=Strict; Path=/"),
            "{fw}: {}",
            set[0]
        );
        let cookie = set_cookie_pair(&set[0]);
        assert!(!cookie.contains("member-7"), "{fw}: encrypted");

        let (status, set, body) = get(addr, "/me", Some(&cookie)).await;
        assert_eq!((status, body.as_str()), (200, "member-7"), "{fw}");
        assert!(set.is_empty(), "{fw}: fresh, no renewal: {set:?}");
        let (_, _, body) = get(addr, "/maybe", Some(&cookie)).await;
        assert_eq!(body, "member-7", "{fw}");

        let (_, set, _) = get(addr, "/sign-out", Some(&cookie)).await;
        assert_eq!(
            set,
            ["__Host-P4PMember=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"],
            "{fw}"
        );

        let (status, _, body) = get(addr, "/me", None).await;
        assert_eq!((status, body.as_str()), (401, "sign-in required"), "{fw}");
        let (status, _, body) = get(addr, "/maybe", None).await;
        assert_eq!((status, body.as_str()), (200, "anonymous"), "{fw}");
    }
}

#[tokio::test]
async fn session_idle_too_long_or_past_its_absolute_timeout_gets_401() {
    let at = |secs: i64| -> AuthCookie {
        // A fn pointer cannot capture: pick the clock by the offset.
        let s = match secs {
            -700 => sessions().clock(|| Timestamp(NOW.0 - 700)),
            -100 => sessions().clock(|| Timestamp(NOW.0 - 100)),
            _ => unreachable!(),
        };
        s.issue("member-7").unwrap()
    };
    let idle = at(-700); // 600 s idle timeout + 60 s skew passed
                         // Signed in 13 h ago (beyond the 12 h default), renewed 100 s ago: still over.
    let old = sessions().clock(|| Timestamp(NOW.0 - 13 * 3600));
    let first = old.issue("member-7").unwrap();
    let headers = pair(&first);
    let h: &[(&str, &[u8])] = &[("cookie", headers.as_bytes())];
    let read = old.read(h).unwrap().unwrap();
    let renewed = sessions()
        .clock(|| Timestamp(NOW.0 - 100))
        .renew(&read)
        .unwrap();
    let recent = at(-100);
    for (fw, addr) in servers() {
        for (what, c) in [("idle", &idle), ("absolute", &renewed)] {
            let (status, set, body) = get(addr, "/me", Some(&pair(c))).await;
            assert_eq!(
                (status, body.as_str()),
                (401, "sign-in required"),
                "{fw} {what}"
            );
            assert!(set.is_empty(), "{fw} {what}");
            let (_, _, body) = get(addr, "/maybe", Some(&pair(c))).await;
            assert_eq!(body, "anonymous", "{fw} {what}");
        }
        let (status, _, body) = get(addr, "/me", Some(&pair(&recent))).await;
        assert_eq!((status, body.as_str()), (200, "member-7"), "{fw}");
    }
}

#[tokio::test]
async fn session_is_renewed_once_a_quarter_of_the_idle_timeout_passed() {
    // Made 200 s before the server's now: more than 600 / 4.
    let c = sessions()
        .clock(|| Timestamp(NOW.0 - 200))
        .issue("member-7")
        .unwrap();
    for (fw, addr) in servers() {
        let (status, set, body) = get(addr, "/me", Some(&pair(&c))).await;
        assert_eq!((status, body.as_str()), (200, "member-7"), "{fw}");
        assert_eq!(set.len(), 1, "{fw}: {set:?}");
        assert!(set[0].starts_with("__Host-P4PMember="), "{fw}");
        assert!(
            set[0].ends_with("; HttpOnly; Secure; SameSite=Strict; Path=/"),
            "{fw}: {}",
            set[0]
        );
        // The renewed value reads, last seen now: no further renewal.
        let (status, set, _) = get(addr, "/me", Some(&set_cookie_pair(&set[0]))).await;
        assert_eq!(status, 200, "{fw}");
        assert!(set.is_empty(), "{fw}: {set:?}");
    }
}

#[tokio::test]
async fn a_one_second_persistent_value_is_refused_hours_later() {
    let hours_ago = SessionCookie::signed(keys(), "P4PMember")
        .unwrap()
        .persistent(Duration::from_secs(1))
        .clock(|| {
            Timestamp(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs() as i64
                    - 3 * 3600,
            )
        })
        .issue("member-7")
        .unwrap();
    assert_eq!(hours_ago.max_age(), Some(1));
    let fresh = AuthCookie::signed(&keys(), "P4PMember", "member-7")
        .unwrap()
        .persistent(Duration::from_secs(3600));
    for (fw, addr) in servers() {
        let (status, _, body) = get(addr, "/whoami-signed", Some(&pair(&hours_ago))).await;
        assert_eq!(
            (status, body.as_str()),
            (401, "auth cookie has expired"),
            "{fw}"
        );
        let (status, _, body) = get(addr, "/whoami-signed", Some(&pair(&fresh))).await;
        assert_eq!((status, body.as_str()), (200, "member-7"), "{fw}");
    }
}

/// A signed value as consentry 0.1.0 made it: HMAC over a domain, the name and the value.
fn format1_signed(key_seed: u8, name: &str, value: &str) -> String {
    let key_bytes: Vec<u8> = (0..64u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(key_seed))
        .collect();
    let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key_bytes[..32]).unwrap();
    m.update(b"consentry-auth-cookie-v1");
    for p in [name.as_bytes(), value.as_bytes()] {
        m.update(&(p.len() as u64).to_be_bytes());
        m.update(p);
    }
    let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(m.finalize().into_bytes());
    format!("{tag}{value}")
}

/// An encrypted value as consentry 0.1.0 made it: the `cookie` crate's private jar.
fn format1_encrypted(key_seed: u8, name: &str, value: &str) -> String {
    let key_bytes: Vec<u8> = (0..64u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(key_seed))
        .collect();
    let key = cookie::Key::from(&key_bytes[..]);
    let mut jar = cookie::CookieJar::new();
    jar.private_mut(&key)
        .add(cookie::Cookie::new(name.to_owned(), value.to_owned()));
    jar.get(name).unwrap().value().to_owned()
}

#[tokio::test]
async fn values_in_the_previous_format_are_refused() {
    // Seed 2 is the servers' current key (`common::current_key`).
    let signed = format1_signed(2, "__Host-P4PMember", "member-7");
    let encrypted = format1_encrypted(2, "__Host-P4PMember", "member-7");
    // Same key and name in today's format: accepted (so the refusal is the format's).
    let today = AuthCookie::signed(&Keys::new(current_key()), "P4PMember", "member-7").unwrap();
    for (fw, addr) in servers() {
        let (status, _, body) = get(
            addr,
            "/whoami-signed",
            Some(&format!("__Host-P4PMember={signed}")),
        )
        .await;
        assert_eq!(status, 401, "{fw}: {body}");
        let (status, _, _) = get(addr, "/whoami-signed", Some(&pair(&today))).await;
        assert_eq!(status, 200, "{fw}");
        let (status, _, body) =
            get(addr, "/me", Some(&format!("__Host-P4PMember={encrypted}"))).await;
        assert_eq!((status, body.as_str()), (401, "sign-in required"), "{fw}");
    }
}
