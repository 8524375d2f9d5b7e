//! Extractors and response parts.

use std::convert::Infallible;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, IntoResponseParts, Response, ResponseParts};
use http::header::SET_COOKIE;
use http::request::Parts;
use http::{HeaderValue, StatusCode};

use crate::auth_cookie::{AuthCookie, AuthCookieError};
use crate::consent::Consent;
use crate::csrf::CsrfToken;
use crate::session::{Session, SessionCookie, SessionRejection};

/// Extracts the signed-in visitor's [`Session`] with the [`SessionCookie`] settings the app
/// added as an extension (`.layer(Extension(session_cookie))`); answers 401 without a valid
/// session (500 without the extension). See [the module docs](super#sessions).
impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = SessionRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<SessionCookie>()
            .ok_or(SessionRejection::NotConfigured)?
            .session(&parts.headers)
    }
}

/// `Option<Session>`: `None` for a visitor without a valid session, never a 401 (still 500
/// when the [`SessionCookie`] extension is missing).
impl<S: Send + Sync> OptionalFromRequestParts<S> for Session {
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <Session as FromRequestParts<S>>::from_request_parts(parts, state).await {
            Ok(session) => Ok(Some(session)),
            Err(SessionRejection::NotConfigured) => Err(SessionRejection::NotConfigured),
            Err(_) => Ok(None),
        }
    }
}

/// 401 `sign-in required` (500 when not configured, and logged).
impl IntoResponse for SessionRejection {
    fn into_response(self) -> Response {
        if self == SessionRejection::NotConfigured {
            tracing::error!("{self}");
        }
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::UNAUTHORIZED);
        (status, self.body()).into_response()
    }
}

/// Extracts the visitor's consent; needs [`ConsentLayer`](super::ConsentLayer) (500 without).
impl<S: Send + Sync> FromRequestParts<S> for Consent {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Consent>().cloned().ok_or((
            StatusCode::INTERNAL_SERVER_ERROR,
            "consentry: ConsentLayer is not installed on this route",
        ))
    }
}

/// Extracts the CSRF token to embed in the page; needs [`CsrfLayer`](super::CsrfLayer).
impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CsrfToken>()
            .cloned()
            .inspect(CsrfToken::mark_used)
            .ok_or((
                StatusCode::INTERNAL_SERVER_ERROR,
                "consentry: CsrfLayer is not installed on this route",
            ))
    }
}

/// Adds the cookie's `Set-Cookie` header: return `(auth_cookie, body)` from a handler.
impl IntoResponseParts for AuthCookie {
    type Error = Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        // Names are tokens and values cookie-octets or base64: always a valid header value.
        if let Ok(v) = HeaderValue::try_from(self.to_string()) {
            res.headers_mut().append(SET_COOKIE, v);
        }
        Ok(res)
    }
}

/// A failure to make an auth cookie is a server error (500); the reason is logged, not sent.
impl IntoResponse for AuthCookieError {
    fn into_response(self) -> Response {
        tracing::error!(error = %self, "consentry: could not make an auth cookie");
        (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
    }
}
