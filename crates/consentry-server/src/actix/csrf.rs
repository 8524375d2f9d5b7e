//! `CsrfMiddleware`: refuses state-changing requests that fail the CSRF checks.

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{HeaderValue, HOST, SET_COOKIE};
use actix_web::{web, HttpMessage as _, HttpResponse};

use crate::csrf::Csrf;
use crate::Consent;

/// Middleware that checks every state-changing request with [`Csrf::check`] (403 with a short
/// reason when refused), puts the visitor's [`CsrfToken`](crate::CsrfToken) in the request
/// for handlers, and sets the token cookie when it mints one. The token comes from the
/// header, or from the form field of a URL-encoded form body.
///
/// An `Origin` header must be the site's own origin: the request's `Host` with the scheme the
/// [`ConsentMiddleware`](super::ConsentMiddleware) around this one decided for HSTS (the
/// server binding, [`Consentry::trust_forwarded_proto`](crate::Consentry::trust_forwarded_proto),
/// [`Consentry::assume_https`](crate::Consentry::assume_https)), so `wrap` the
/// `ConsentMiddleware` after this one. Without it the scheme comes from the server binding
/// alone (`bind_rustls`/`bind_openssl`), and an HTTPS site behind a proxy would refuse its own
/// posts.
#[derive(Clone, Debug)]
pub struct CsrfMiddleware {
    csrf: Arc<Csrf>,
}

impl CsrfMiddleware {
    /// The middleware for these settings.
    pub fn new(csrf: Csrf) -> Self {
        CsrfMiddleware {
            csrf: Arc::new(csrf),
        }
    }
}

impl<S, B> Transform<S, ServiceRequest> for CsrfMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = CsrfMiddlewareService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CsrfMiddlewareService {
            service: Rc::new(service),
            csrf: self.csrf.clone(),
        }))
    }
}

/// The service [`CsrfMiddleware`] wraps around the app.
#[derive(Debug)]
pub struct CsrfMiddlewareService<S> {
    service: Rc<S>,
    csrf: Arc<Csrf>,
}

type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

impl<S, B> Service<ServiceRequest> for CsrfMiddlewareService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<Result<Self::Response, actix_web::Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let csrf = self.csrf.clone();
        let service = self.service.clone();
        Box::pin(async move {
            if csrf.is_exempt(req.path()) {
                return Ok(service.call(req).await?.map_into_left_body());
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
            let tls = req.app_config().secure();
            let https = req
                .extensions()
                .get::<Consent>()
                .map_or(tls, Consent::over_https);
            let prepared = csrf.prepare(req.headers());
            let method = req.method().as_str().to_owned();
            let mut form_token = None;
            if csrf.wants_form_token(&method, req.headers()) {
                match req.extract::<web::Bytes>().await {
                    Ok(body) => {
                        form_token = csrf.form_token(&body);
                        req.set_payload(Payload::from(body));
                    }
                    Err(_) => {
                        let res = HttpResponse::PayloadTooLarge().body("form too large");
                        return Ok(req.into_response(res).map_into_right_body());
                    }
                }
            }
            if let Err(refusal) = csrf.check(&method, req.headers(), form_token.as_deref(), https) {
                tracing::info!(%refusal, path = req.path(), "consentry: CSRF check refused a request");
                let res = HttpResponse::Forbidden()
                    .content_type("text/plain; charset=utf-8")
                    .body(refusal.to_string());
                return Ok(req.into_response(res).map_into_right_body());
            }
            req.extensions_mut().insert(prepared.token.clone());
            let mut res = service.call(req).await?;
            if let Some(v) = prepared
                .set_cookie()
                .and_then(|c| HeaderValue::try_from(c).ok())
            {
                res.headers_mut().append(SET_COOKIE, v);
            }
            Ok(res.map_into_left_body())
        })
    }
}
