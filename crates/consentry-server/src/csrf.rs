//! CSRF protection: a signed double-submit token bound to the session (OWASP), plus
//! `Origin` / `Sec-Fetch-Site` checks, for every state-changing request. `Origin` must be the
//! site's own origin (scheme, host and port) or one the settings allow.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use subtle::ConstantTimeEq;

use crate::keys::Keys;
use crate::name;
use crate::origin::Origin;
use crate::request::{cookie_value, Headers};
use crate::seal;

const DOMAIN: &[u8] = b"consentry-csrf-v1";

/// The cookie that carries the CSRF token. The Set-Cookie gate always lets it through
/// (declare it as a necessary, `security` cookie in the policy for the cookie table).
pub const CSRF_COOKIE: &str = "__Host-csrf";

/// Why a state-changing request was refused (sent as the 403 body).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CsrfRefusal {
    /// `Sec-Fetch-Site: cross-site` (or `same-site` from an origin not allowed).
    CrossSite,
    /// `Origin` is `null`, malformed, or neither the site's own origin (same scheme, host and
    /// port) nor an allowed origin.
    UntrustedOrigin,
    /// No token in the header or form field, or no token cookie.
    MissingToken,
    /// The token does not match the cookie, or is not signed for this session.
    BadToken,
    /// Neither an `Origin` header nor `Sec-Fetch-Site: same-origin`. [`Csrf::check`] lets
    /// such requests through to the token check; the receipts endpoint, which has no token,
    /// refuses them ([`ReceiptEndpoint`](crate::ReceiptEndpoint)).
    NoOrigin,
}

impl fmt::Display for CsrfRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CsrfRefusal::CrossSite => "cross-site request refused",
            CsrfRefusal::UntrustedOrigin => "request origin not allowed",
            CsrfRefusal::MissingToken => "CSRF token missing",
            CsrfRefusal::BadToken => "CSRF token invalid",
            CsrfRefusal::NoOrigin => "request origin missing",
        })
    }
}

impl std::error::Error for CsrfRefusal {}

/// The token for the current visitor, to put in forms (hidden field) or send in the header
/// from `fetch`.
#[derive(Clone)]
pub struct CsrfToken {
    token: String,
    field: String,
    /// Set when a freshly minted token is handed to a handler: only then does the response
    /// need the token cookie.
    used: Arc<AtomicBool>,
}

impl PartialEq for CsrfToken {
    fn eq(&self, other: &Self) -> bool {
        self.token == other.token && self.field == other.field
    }
}

impl Eq for CsrfToken {}

impl CsrfToken {
    /// Marks the token as handed out (adapters' extractors call this).
    pub(crate) fn mark_used(&self) {
        self.used.store(true, Ordering::Relaxed);
    }

    /// The token text.
    pub fn as_str(&self) -> &str {
        &self.token
    }

    /// `<input type="hidden" name="csrf_token" value="…">` for a form. The field name (see
    /// [`Csrf::field_name`]) and the token are escaped for an HTML attribute.
    ///
    /// ```
    /// use consentry_server::{Csrf, Key, Keys};
    /// let csrf = Csrf::new(Keys::new(Key::generate())).field_name("x\"><script>");
    /// let no_headers: &[(&str, &[u8])] = &[];
    /// let input = csrf.prepare(no_headers).token.hidden_input();
    /// assert!(input.starts_with(r#"<input type="hidden" name="x&quot;&gt;&lt;script&gt;" value=""#));
    /// ```
    pub fn hidden_input(&self) -> String {
        format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            consentry::escape_html(&self.field),
            consentry::escape_html(&self.token)
        )
    }
}

impl fmt::Debug for CsrfToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CsrfToken(..)")
    }
}

/// What a request needs before its handler runs.
///
/// `Debug` shows neither the token nor the cookie.
#[derive(Clone)]
pub struct CsrfPrepared {
    /// The token handlers can embed.
    pub token: CsrfToken,
    set_cookie: Option<String>,
}

impl fmt::Debug for CsrfPrepared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrfPrepared")
            .field("token", &self.token)
            .field(
                "set_cookie",
                &self.set_cookie.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl CsrfPrepared {
    /// The `Set-Cookie` value to add to the response: only when a new token was minted and
    /// a handler took it (extracted it, or called [`CsrfPrepared::set_cookie_now`]).
    pub fn set_cookie(&self) -> Option<&str> {
        if self.token.used.load(Ordering::Relaxed) {
            self.set_cookie.as_deref()
        } else {
            None
        }
    }

    /// The `Set-Cookie` value whether or not a handler took the token (`None` when the
    /// request's cookie is still valid).
    pub fn set_cookie_now(&self) -> Option<&str> {
        self.token.mark_used();
        self.set_cookie.as_deref()
    }
}

/// CSRF settings.
///
/// For every state-changing request ([`Csrf::check`]): `Sec-Fetch-Site` must not be
/// `cross-site`; an `Origin` header must be the site's own origin — same scheme, host and port
/// as the request (`Host` header, HTTPS or not) — or one added with [`Csrf::allow_origin`]; and
/// the token must match. So an `https://shop.test` site refuses posts from
/// `http://shop.test` (a page a network attacker can serve in plain text) and from
/// `https://shop.test:8443`. Default ports are filled in: `https://shop.test:443` is
/// `https://shop.test`.
///
/// ```
/// use consentry_server::{Csrf, CsrfRefusal, Key, Keys};
///
/// let csrf = Csrf::new(Keys::new(Key::generate())).session_cookie("__Host-session");
/// let first: &[(&str, &[u8])] = &[("cookie", b"__Host-session=abc")];
/// let prepared = csrf.prepare(first);
/// let set_cookie = prepared.set_cookie_now().unwrap();    // goes on the response
/// assert!(set_cookie.starts_with("__Host-csrf="));
///
/// // The form posts the token back, the browser sends the cookie.
/// let cookie = format!("__Host-session=abc; {}", set_cookie.split(';').next().unwrap());
/// let post: &[(&str, &[u8])] = &[
///     ("cookie", cookie.as_bytes()),
///     ("x-csrf-token", prepared.token.as_str().as_bytes()),
///     ("sec-fetch-site", b"same-origin"),
/// ];
/// assert_eq!(csrf.check("POST", post, None, true), Ok(()));
///
/// let cross: &[(&str, &[u8])] = &[("sec-fetch-site", b"cross-site")];
/// assert_eq!(csrf.check("POST", cross, None, true), Err(CsrfRefusal::CrossSite));
/// assert_eq!(csrf.check("GET", cross, None, true), Ok(()));
/// ```
#[derive(Clone, Debug)]
pub struct Csrf {
    keys: Keys,
    cookie: String,
    exempt: Vec<String>,
    header: String,
    field: String,
    session_cookie: Option<String>,
    allowed_origins: Vec<Origin>,
}

/// Methods that must not change state, so pass without checks.
pub fn is_safe_method(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE")
}

impl Csrf {
    /// Tokens signed with these keys, cookie `__Host-csrf`, header `x-csrf-token`, form field
    /// `csrf_token`, not bound to a session until [`Csrf::session_cookie`] is set.
    pub fn new(keys: Keys) -> Self {
        Csrf {
            keys,
            cookie: CSRF_COOKIE.into(),
            exempt: Vec::new(),
            header: "x-csrf-token".into(),
            field: "csrf_token".into(),
            session_cookie: None,
            allowed_origins: Vec::new(),
        }
    }

    /// Binds tokens to the value of this cookie (the session or auth cookie, full name such
    /// as `__Host-session`): a token minted for one session fails for another.
    pub fn session_cookie(mut self, full_name: &str) -> Self {
        self.session_cookie = Some(full_name.to_owned());
        self
    }

    /// Also accepts requests from this origin, e.g. a sibling subdomain. Write the full
    /// origin, scheme and host and, when not the default, port (`https://shop.example.com`,
    /// `https://shop.example.com:8443`); an `Origin` header matches it only with the same
    /// scheme, host and port. The site's own origin is always accepted.
    ///
    /// ```
    /// use consentry_server::{Csrf, CsrfRefusal, Key, Keys};
    ///
    /// let csrf = Csrf::new(Keys::new(Key::generate())).allow_origin("https://shop.example.com");
    /// let from = |origin: &'static str| -> Vec<(&'static str, &'static [u8])> {
    ///     vec![("host", b"www.example.com"), ("origin", origin.as_bytes())]
    /// };
    /// // Allowed origins pass the origin check (here the token check refuses next).
    /// let h = from("https://shop.example.com:443");
    /// assert_eq!(csrf.check("POST", &h[..], None, true), Err(CsrfRefusal::MissingToken));
    /// for other in ["http://shop.example.com", "https://shop.example.com:8443"] {
    ///     let h = from(other);
    ///     assert_eq!(csrf.check("POST", &h[..], None, true), Err(CsrfRefusal::UntrustedOrigin));
    /// }
    /// ```
    ///
    /// # Panics
    ///
    /// When `origin` is not an `http` or `https` origin (a host without a scheme, a path,
    /// user info): a mistake in the settings, reported when the settings are built. One
    /// trailing `/` is tolerated.
    pub fn allow_origin(mut self, origin: &str) -> Self {
        self.allowed_origins
            .push(Origin::from_setting("Csrf::allow_origin", origin));
        self
    }

    /// Skips the checks for requests to this exact path, e.g. the receipts endpoint the
    /// browser module posts to with `sendBeacon` (which cannot add a header).
    pub fn exempt_path(mut self, path: &str) -> Self {
        self.exempt.push(path.to_owned());
        self
    }

    /// Is this path exempt from the checks?
    pub fn is_exempt(&self, path: &str) -> bool {
        self.exempt.iter().any(|p| p == path)
    }

    /// Uses another request header for the token (lowercase).
    pub fn header_name(mut self, name: &str) -> Self {
        self.header = name.to_ascii_lowercase();
        self
    }

    /// Uses another form field for the token.
    pub fn field_name(mut self, name: &str) -> Self {
        self.field = name.to_owned();
        self
    }

    /// The form field name.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The header name.
    pub fn header(&self) -> &str {
        &self.header
    }

    fn session<'a, H: Headers + ?Sized>(&self, headers: &'a H) -> &'a str {
        match &self.session_cookie {
            Some(name) => cookie_value(headers, name)
                .ok()
                .flatten()
                .unwrap_or_default(),
            None => "",
        }
    }

    fn verifies(&self, session: &str, token: &str) -> bool {
        let Some((nonce, tag)) = token.split_once('.') else {
            return false;
        };
        !nonce.is_empty()
            && seal::verify_tag(
                &self.keys,
                DOMAIN,
                &[session.as_bytes(), nonce.as_bytes()],
                tag,
            )
            .is_some()
    }

    fn mint(&self, session: &str) -> String {
        let mut nonce = [0u8; 18];
        if getrandom::getrandom(&mut nonce).is_err() {
            tracing::error!("consentry: no randomness for a CSRF token; state-changing requests will be refused");
            return String::new();
        }
        let nonce = URL_SAFE_NO_PAD.encode(nonce);
        let tag = seal::tag(
            self.keys.current(),
            DOMAIN,
            &[session.as_bytes(), nonce.as_bytes()],
        );
        format!("{nonce}.{tag}")
    }

    /// The token for this request: the one in its cookie if that is valid for the session,
    /// otherwise a new one with the `Set-Cookie` to send.
    pub fn prepare<H: Headers + ?Sized>(&self, headers: &H) -> CsrfPrepared {
        let session = self.session(headers);
        if let Ok(Some(existing)) = cookie_value(headers, &self.cookie) {
            if self.verifies(session, existing) {
                return CsrfPrepared {
                    token: CsrfToken {
                        token: existing.to_owned(),
                        field: self.field.clone(),
                        used: Arc::default(),
                    },
                    set_cookie: None,
                };
            }
        }
        let token = self.mint(session);
        let set_cookie = (!token.is_empty()).then(|| {
            debug_assert!(name::check_token(&self.cookie).is_ok());
            format!(
                "{}={token}; HttpOnly; Secure; SameSite=Strict; Path=/",
                self.cookie
            )
        });
        CsrfPrepared {
            token: CsrfToken {
                token,
                field: self.field.clone(),
                used: Arc::default(),
            },
            set_cookie,
        }
    }

    /// Would [`Csrf::check`] need the form field, i.e. is this an unsafe request without the
    /// header whose body is a URL-encoded form? Adapters then read the body.
    pub fn wants_form_token<H: Headers + ?Sized>(&self, method: &str, headers: &H) -> bool {
        !is_safe_method(method)
            && headers.first(&self.header).is_none()
            && headers.first("content-type").is_some_and(|v| {
                let v = v.split(|b| *b == b';').next().unwrap_or(b"").trim_ascii();
                v.eq_ignore_ascii_case(b"application/x-www-form-urlencoded")
            })
    }

    /// The token field from a URL-encoded form body.
    pub fn form_token(&self, body: &[u8]) -> Option<String> {
        body.split(|b| *b == b'&')
            .find_map(|pair| {
                let (k, v) = match pair.iter().position(|b| *b == b'=') {
                    Some(i) => (&pair[..i], &pair[i + 1..]),
                    None => (pair, &b""[..]),
                };
                (percent_decode(k)? == self.field.as_bytes()).then(|| percent_decode(v))?
            })
            .and_then(|v| String::from_utf8(v).ok())
    }

    /// Checks a request. Safe methods always pass. For others: `Sec-Fetch-Site` must not be
    /// `cross-site` (nor `same-site` unless the `Origin` is allowed), `Origin` when present
    /// must be the site's own origin or an allowed one, and the token from the header (or
    /// `form_token`) must equal the cookie's and be signed for this session, compared in
    /// constant time.
    ///
    /// The site's own origin is `https` when `https` is true, otherwise `http`, with the host
    /// and port of the `Host` header. Pass what [`Consentry::is_https`](crate::Consentry::is_https)
    /// says for the request, so the origin check agrees with HSTS; the axum and actix-web
    /// adapters do. An `Origin` that is not an `http`/`https` origin (`null`, garbage, a
    /// path), or a request without `Host`, fails with [`CsrfRefusal::UntrustedOrigin`].
    ///
    /// ```
    /// use consentry_server::{Consentry, Csrf, CsrfRefusal, Key, Keys};
    ///
    /// let policy = consentry::Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// let consentry = Consentry::new(policy).trust_forwarded_proto(true); // behind a TLS proxy
    /// let csrf = Csrf::new(Keys::new(Key::generate()));
    /// let post = |origin: &'static str| -> Vec<(&'static str, &'static [u8])> {
    ///     vec![("host", b"shop.test"), ("x-forwarded-proto", b"https"), ("origin", origin.as_bytes())]
    /// };
    /// for (origin, origin_check) in [
    ///     ("https://shop.test", true),
    ///     ("https://shop.test:443", true),
    ///     ("http://shop.test", false),       // another scheme
    ///     ("https://shop.test:8443", false), // another port
    /// ] {
    ///     let h = post(origin);
    ///     let https = consentry.is_https(&h[..], false);
    ///     // Without a token the request fails anyway; the error says which check refused it.
    ///     let passed_origin = csrf.check("POST", &h[..], None, https) == Err(CsrfRefusal::MissingToken);
    ///     assert_eq!(passed_origin, origin_check, "{origin}");
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check<H: Headers + ?Sized>(
        &self,
        method: &str,
        headers: &H,
        form_token: Option<&str>,
        https: bool,
    ) -> Result<(), CsrfRefusal> {
        if is_safe_method(method) {
            return Ok(());
        }
        check_origin(headers, https, &self.allowed_origins, OriginRequired::No)?;
        let submitted = match headers.first(&self.header) {
            Some(h) => std::str::from_utf8(h).ok().map(|s| s.trim().to_owned()),
            None => form_token.map(str::to_owned),
        };
        let cookie = cookie_value(headers, &self.cookie).ok().flatten();
        let cookie = cookie.map(str::to_owned);
        let (Some(submitted), Some(cookie)) = (submitted, cookie) else {
            return Err(CsrfRefusal::MissingToken);
        };
        if submitted.is_empty() || cookie.is_empty() {
            return Err(CsrfRefusal::MissingToken);
        }
        let same = submitted.len() == cookie.len()
            && bool::from(submitted.as_bytes().ct_eq(cookie.as_bytes()));
        if same && self.verifies(self.session(headers), &submitted) {
            Ok(())
        } else {
            Err(CsrfRefusal::BadToken)
        }
    }
}

/// Does [`check_origin`] refuse a request that shows no origin at all?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OriginRequired {
    /// No: the token check decides (CSRF).
    No,
    /// Yes: without `Origin` or `Sec-Fetch-Site: same-origin` the request is refused
    /// (receipts, which carry no token; browsers send `Origin` on every `POST`).
    Yes,
}

/// The `Sec-Fetch-Site` and `Origin` checks of a state-changing request, shared by
/// [`Csrf::check`] and the receipts endpoint. `Sec-Fetch-Site: cross-site` is refused, and
/// `same-site` unless the `Origin` is allowed; an `Origin` header must be the site's own origin
/// (`Host`, `https` or not) or an allowed one.
pub(crate) fn check_origin<H: Headers + ?Sized>(
    headers: &H,
    https: bool,
    allowed: &[Origin],
    required: OriginRequired,
) -> Result<(), CsrfRefusal> {
    // Outer `Some`: the header is there; inner `None`: it is not an origin (fails closed).
    let origin = headers.first("origin").map(Origin::parse);
    let origin_allowed = matches!(&origin, Some(Some(o)) if allowed.contains(o));
    let fetch_site = headers.first("sec-fetch-site").map(<[u8]>::trim_ascii);
    match fetch_site {
        Some(b"cross-site") => return Err(CsrfRefusal::CrossSite),
        Some(b"same-site") if !origin_allowed => return Err(CsrfRefusal::CrossSite),
        _ => {}
    }
    match &origin {
        Some(origin) => {
            let site = headers
                .first("host")
                .and_then(|h| Origin::of_site(h, https));
            let same_origin = matches!((origin, &site), (Some(o), Some(s)) if o == s);
            if !(same_origin || origin_allowed) {
                return Err(CsrfRefusal::UntrustedOrigin);
            }
        }
        None if required == OriginRequired::Yes && fetch_site != Some(b"same-origin") => {
            return Err(CsrfRefusal::NoOrigin);
        }
        None => {}
    }
    Ok(())
}

fn percent_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' => {
                // Two hex digits exactly: `from_str_radix` alone would also take `+4` or `-0`.
                let hex = s.get(i + 1..i + 3)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::test_key;

    const NO_HEADERS: &[(&str, &[u8])] = &[];

    fn csrf() -> Csrf {
        Csrf::new(Keys::new(test_key(5))).session_cookie("__Host-session")
    }

    fn token_for(c: &Csrf, session: &str) -> String {
        let cookie = format!("__Host-session={session}");
        let h: &[(&str, &[u8])] = &[("cookie", cookie.as_bytes())];
        c.prepare(h).token.as_str().to_owned()
    }

    fn post(
        c: &Csrf,
        session: &str,
        cookie_tok: &str,
        sent: Option<&str>,
        extra: &[(&str, &[u8])],
    ) -> Result<(), CsrfRefusal> {
        let cookie = format!("__Host-session={session}; __Host-csrf={cookie_tok}");
        let mut h: Vec<(&str, &[u8])> = vec![("cookie", cookie.as_bytes()), ("host", b"app.test")];
        if let Some(s) = sent {
            h.push(("x-csrf-token", s.as_bytes()));
        }
        h.extend_from_slice(extra);
        c.check("POST", &h[..], None, true)
    }

    #[test]
    fn accepts_matching_token_for_the_session() {
        let c = csrf();
        let t = token_for(&c, "s1");
        assert_eq!(
            post(&c, "s1", &t, Some(&t), &[("origin", b"https://app.test")]),
            Ok(())
        );
    }

    #[test]
    fn rejects_token_of_another_session() {
        let c = csrf();
        let t = token_for(&c, "s1");
        assert_eq!(
            post(&c, "s2", &t, Some(&t), &[]),
            Err(CsrfRefusal::BadToken)
        );
    }

    #[test]
    fn rejects_mismatch_missing_and_forged() {
        let c = csrf();
        let t = token_for(&c, "s1");
        let u = token_for(&c, "s1");
        assert_eq!(
            post(&c, "s1", &t, Some(&u), &[]),
            Err(CsrfRefusal::BadToken)
        );
        assert_eq!(
            post(&c, "s1", &t, None, &[]),
            Err(CsrfRefusal::MissingToken)
        );
        assert_eq!(
            post(&c, "s1", "abc.def", Some("abc.def"), &[]),
            Err(CsrfRefusal::BadToken)
        );
    }

    #[test]
    fn rejects_post_from_untrusted_origin() {
        let c = csrf();
        let t = token_for(&c, "s1");
        assert_eq!(
            post(&c, "s1", &t, Some(&t), &[("origin", b"https://evil.test")]),
            Err(CsrfRefusal::UntrustedOrigin)
        );
        assert_eq!(
            post(&c, "s1", &t, Some(&t), &[("origin", b"null")]),
            Err(CsrfRefusal::UntrustedOrigin)
        );
        assert_eq!(
            post(&c, "s1", &t, Some(&t), &[("sec-fetch-site", b"same-site")]),
            Err(CsrfRefusal::CrossSite)
        );
        let c = c.allow_origin("https://www.app.test");
        assert_eq!(
            post(
                &c,
                "s1",
                &t,
                Some(&t),
                &[
                    ("sec-fetch-site", b"same-site"),
                    ("origin", b"https://www.app.test")
                ]
            ),
            Ok(())
        );
    }

    #[test]
    fn rejects_origin_of_another_scheme_or_port() {
        let c = csrf();
        let t = token_for(&c, "s1");
        let check = |https: bool, host: &[u8], origin: &[u8]| {
            let cookie = format!("__Host-session=s1; __Host-csrf={t}");
            let h: &[(&str, &[u8])] = &[
                ("cookie", cookie.as_bytes()),
                ("x-csrf-token", t.as_bytes()),
                ("host", host),
                ("origin", origin),
            ];
            c.check("POST", h, None, https)
        };
        let refused = Err(CsrfRefusal::UntrustedOrigin);
        assert_eq!(check(true, b"app.test", b"https://app.test"), Ok(()));
        assert_eq!(check(true, b"app.test", b"https://app.test:443"), Ok(()));
        assert_eq!(check(true, b"app.test:443", b"https://app.test"), Ok(()));
        assert_eq!(check(true, b"app.test", b"http://app.test"), refused);
        assert_eq!(check(true, b"app.test", b"https://app.test:8443"), refused);
        assert_eq!(
            check(true, b"app.test:8443", b"https://app.test:8443"),
            Ok(())
        );
        assert_eq!(check(false, b"app.test", b"http://app.test:80"), Ok(()));
        assert_eq!(check(false, b"app.test", b"https://app.test"), refused);
        // No usable Host: no own origin to match.
        assert_eq!(check(true, b"", b"https://app.test"), refused);
        assert_eq!(check(true, b"\xff", b"https://app.test"), refused);
        assert_eq!(check(true, b"app.test", b"https://app.test\xff"), refused);
    }

    #[test]
    fn allowed_origins_are_full_origins() {
        let c = csrf().allow_origin(" HTTPS://Shop.App.Test/ ");
        let t = token_for(&c, "s1");
        let from = |origin: &'static [u8]| {
            post(
                &c,
                "s1",
                &t,
                Some(&t),
                &[("origin", origin), ("sec-fetch-site", b"same-site")],
            )
        };
        assert_eq!(from(b"https://shop.app.test"), Ok(()));
        assert_eq!(from(b"https://shop.app.test:443"), Ok(()));
        assert_eq!(from(b"http://shop.app.test"), Err(CsrfRefusal::CrossSite));
        assert_eq!(
            from(b"https://shop.app.test:8443"),
            Err(CsrfRefusal::CrossSite)
        );
    }

    #[test]
    #[should_panic(expected = "not an origin")]
    fn allow_origin_refuses_a_host_without_scheme() {
        let _ = csrf().allow_origin("shop.app.test");
    }

    #[test]
    fn hidden_input_escapes_the_field_name() {
        let c = csrf().field_name("a\"><script>alert('x')</script>&");
        let input = c.prepare(NO_HEADERS).token.hidden_input();
        let name = input
            .split("name=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap();
        assert_eq!(
            name,
            "a&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"
        );
        assert!(!input.contains("<script>"), "{input}");
        // Normal names are unchanged.
        let input = csrf()
            .field_name("my_token-2")
            .prepare(NO_HEADERS)
            .token
            .hidden_input();
        assert!(input.starts_with("<input type=\"hidden\" name=\"my_token-2\" value=\""));
        assert!(input.ends_with("\">"));
    }

    #[test]
    fn debug_hides_token_and_cookie() {
        let p = csrf().prepare(NO_HEADERS);
        let cookie = p.set_cookie_now().unwrap().to_owned();
        let token = p.token.as_str().to_owned();
        let debug = format!("{p:?}");
        assert_eq!(
            debug,
            "CsrfPrepared { token: CsrfToken(..), set_cookie: Some(\"<redacted>\") }"
        );
        assert!(!debug.contains(&token) && !debug.contains(&cookie));
    }

    #[test]
    fn reads_the_form_field() {
        let c = csrf();
        assert_eq!(
            c.form_token(b"a=1&csrf_token=x.y%2Dz&b"),
            Some("x.y-z".into())
        );
        assert_eq!(c.form_token(b"a=1"), None);
        assert_eq!(c.form_token(b"csrf_token=%zz"), None);
    }
}
