//! `CsrfLayer`: refuses state-changing requests that fail the CSRF checks.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::header::{HOST, SET_COOKIE};
use http::{HeaderValue, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use crate::csrf::Csrf;
use crate::Consent;

/// Largest URL-encoded form body read to find the token field.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// A layer that checks every state-changing request with [`Csrf::check`] (403 with a short
/// reason when refused), puts the visitor's [`CsrfToken`](crate::CsrfToken) in the request
/// for handlers, and sets the token cookie when it mints one. The token comes from the
/// header, or from the form field of a URL-encoded form body (read up to 64 KiB).
///
/// An `Origin` header must be the site's own origin: the request's `Host` with the scheme the
/// [`ConsentLayer`](super::ConsentLayer) around this layer decided for HSTS
/// ([`Consentry::trust_forwarded_proto`](crate::Consentry::trust_forwarded_proto),
/// [`Consentry::assume_https`](crate::Consentry::assume_https)), so add the `ConsentLayer`
/// after (outside) this one. Without it the scheme is `https` only for a request the app
/// marked with [`TlsConnection`](super::TlsConnection) (never for a request whose URI says
/// `https`: the client wrote that), and an HTTPS site behind a proxy would refuse its own
/// posts.
#[derive(Clone, Debug)]
pub struct CsrfLayer {
    csrf: Arc<Csrf>,
}

impl CsrfLayer {
    /// The layer for these settings.
    pub fn new(csrf: Csrf) -> Self {
        CsrfLayer {
            csrf: Arc::new(csrf),
        }
    }
}

impl<S> Layer<S> for CsrfLayer {
    type Service = CsrfService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CsrfService {
            inner,
            csrf: self.csrf.clone(),
        }
    }
}

/// The service [`CsrfLayer`] wraps around the app.
#[derive(Clone, Debug)]
pub struct CsrfService<S> {
    inner: S,
    csrf: Arc<Csrf>,
}

impl<S> Service<Request> for CsrfService<S>
where
    S: Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let csrf = self.csrf.clone();
        // The clone is ready-less; swap so the service that was polled ready handles this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            if csrf.is_exempt(req.uri().path()) {
                return inner.call(req).await;
            }
            // HTTP/2 requests carry the host in the URI (`:authority`), not in `Host`; the
            // origin check compares against `Host`.
            if !req.headers().contains_key(HOST) {
                if let Some(v) = req
                    .uri()
                    .authority()
                    .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
                {
                    req.headers_mut().insert(HOST, v);
                }
            }
            let tls = super::tls::over_tls(req.extensions());
            let https = req
                .extensions()
                .get::<Consent>()
                .map_or(tls, Consent::over_https);
            let prepared = csrf.prepare(req.headers());
            let method = req.method().as_str().to_owned();
            let mut form_token = None;
            if csrf.wants_form_token(&method, req.headers()) {
                let (parts, body) = req.into_parts();
                let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
                    return Ok((StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response());
                };
                form_token = csrf.form_token(&bytes);
                req = Request::from_parts(parts, Body::from(bytes));
            }
            if let Err(refusal) = csrf.check(&method, req.headers(), form_token.as_deref(), https) {
                tracing::info!(%refusal, path = req.uri().path(), "consentry: CSRF check refused a request");
                return Ok((StatusCode::FORBIDDEN, refusal.to_string()).into_response());
            }
            req.extensions_mut().insert(prepared.token.clone());
            let mut res = inner.call(req).await?;
            if let Some(v) = prepared
                .set_cookie()
                .and_then(|c| HeaderValue::try_from(c).ok())
            {
                res.headers_mut().append(SET_COOKIE, v);
            }
            Ok(res)
        })
    }
}
