//! Extractors and auth cookie helpers.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::error::ErrorInternalServerError;
use actix_web::http::header::{
    HeaderName, HeaderValue, InvalidHeaderValue, TryIntoHeaderPair, SET_COOKIE,
};
use actix_web::http::StatusCode;
use actix_web::{
    web, FromRequest, HttpMessage as _, HttpRequest, HttpResponse, HttpResponseBuilder,
    ResponseError,
};

use crate::auth_cookie::AuthCookie;
use crate::consent::Consent;
use crate::csrf::CsrfToken;
use crate::session::{Session, SessionCookie, SessionRejection};

/// Extracts the signed-in visitor's [`Session`] with the [`SessionCookie`] settings in the
/// app data (`.app_data(session_cookie)` or `.app_data(web::Data::new(session_cookie))`);
/// answers 401 without a valid session (500 without the settings). `Option<Session>` is
/// `None` instead of an error. See [the module docs](super#sessions).
impl FromRequest for Session {
    type Error = SessionRejection;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let config = req.app_data::<SessionCookie>().or_else(|| {
            req.app_data::<web::Data<SessionCookie>>()
                .map(|d| d.get_ref())
        });
        ready(match config {
            Some(config) => config.session(req.headers()),
            None => Err(SessionRejection::NotConfigured),
        })
    }
}

/// 401 `sign-in required` (500 when not configured, and logged).
impl ResponseError for SessionRejection {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::UNAUTHORIZED)
    }

    fn error_response(&self) -> HttpResponse {
        if *self == SessionRejection::NotConfigured {
            tracing::error!("{self}");
        }
        HttpResponse::build(self.status_code()).body(self.body())
    }
}

/// Extracts the visitor's consent; needs [`ConsentMiddleware`](super::ConsentMiddleware)
/// (500 without).
impl FromRequest for Consent {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(req.extensions().get::<Consent>().cloned().ok_or_else(|| {
            ErrorInternalServerError("consentry: ConsentMiddleware is not installed on this route")
        }))
    }
}

/// Extracts the CSRF token to embed in the page; needs [`CsrfMiddleware`](super::CsrfMiddleware).
impl FromRequest for CsrfToken {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<CsrfToken>()
                .cloned()
                .inspect(CsrfToken::mark_used)
                .ok_or_else(|| {
                    ErrorInternalServerError(
                        "consentry: CsrfMiddleware is not installed on this route",
                    )
                }),
        )
    }
}

/// `HttpResponse::Ok().append_header(auth_cookie)` adds its `Set-Cookie`.
impl TryIntoHeaderPair for AuthCookie {
    type Error = InvalidHeaderValue;

    fn try_into_pair(self) -> Result<(HeaderName, HeaderValue), Self::Error> {
        Ok((SET_COOKIE, HeaderValue::try_from(self.to_string())?))
    }
}

/// Adds an auth cookie's `Set-Cookie` to a response being built.
///
/// ```
/// use actix_web::HttpResponse;
/// use consentry_server::{actix::add_auth_cookie, AuthCookie, Key, Keys};
/// let keys = Keys::new(Key::generate());
/// let mut res = HttpResponse::Ok();
/// add_auth_cookie(&mut res, &AuthCookie::signed(&keys, "session", "u1")?);
/// let res = res.finish();
/// assert!(res.headers().get("set-cookie").unwrap().to_str()?.starts_with("__Host-session="));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn add_auth_cookie(res: &mut HttpResponseBuilder, cookie: &AuthCookie) {
    res.append_header(cookie.clone());
}
