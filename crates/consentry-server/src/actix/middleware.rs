//! `ConsentMiddleware`: reads consent into the request, gates `Set-Cookie`, adds HSTS.

use std::cell::RefCell;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;

use actix_web::body::MessageBody;
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::error::InternalError;
use actix_web::http::header::{HeaderMap, HeaderValue, SET_COOKIE, STRICT_TRANSPORT_SECURITY};
use actix_web::HttpMessage as _;
use consentry::Policy;

use crate::config::Consentry;
use crate::consent::Consent;
use crate::hsts::HstsHeader;

/// Middleware that reads the visitor's [`Consent`] into the request (extract
/// it in handlers), drops each `Set-Cookie` the consent or the policy does not allow, and adds
/// HSTS on HTTPS. `wrap` it last so it is outermost and sees every cookie: a middleware
/// wrapped after it sets cookies past the gate (see [the order](super#order)).
///
/// Every response that leaves through it passes the gate and gets HSTS: a handler's, and the
/// response of an error an inner middleware returns (`Err(InternalError::from_response(..))`),
/// which it turns into that response, gated, and passes on as an error whose response it is.
///
/// HTTPS is detected from the server binding (`bind_rustls`/`bind_openssl`: the listener, not
/// the request), from the `X-Forwarded-Proto` value the proxy wrote when
/// [`Consentry::trust_forwarded_proto`] is on, or [`Consentry::assume_https`]; never from
/// `ConnectionInfo::scheme`, which believes any client's `Forwarded` / `X-Forwarded-Proto`,
/// nor from the request line. The same decision gives the scheme of the site's own origin to
/// a [`CsrfMiddleware`](super::CsrfMiddleware) inside this one, for its `Origin` check.
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use consentry::Policy;
/// use consentry_server::{actix::ConsentMiddleware, Consent};
///
/// let policy = Policy::from_json(include_str!("../../policies/p4p-packing.json"))?;
/// let app = App::new()
///     .route("/", web::get().to(|c: Consent| async move { HttpResponse::Ok().body(format!("{}", c.allows("analytics"))) }))
///     .wrap(ConsentMiddleware::new(policy));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct ConsentMiddleware {
    consentry: Consentry,
}

impl ConsentMiddleware {
    /// The middleware for a policy with default settings (see [`Consentry::new`]).
    pub fn new(policy: Policy) -> Self {
        ConsentMiddleware {
            consentry: Consentry::new(policy),
        }
    }

    /// The middleware for configured settings.
    pub fn with(consentry: Consentry) -> Self {
        ConsentMiddleware { consentry }
    }
}

impl<S, B> Transform<S, ServiceRequest> for ConsentMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = ConsentMiddlewareService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ConsentMiddlewareService {
            service: Rc::new(service),
            consentry: self.consentry.clone(),
            last: RefCell::new(None),
        }))
    }
}

/// The service [`ConsentMiddleware`] wraps around the app.
#[derive(Debug)]
pub struct ConsentMiddlewareService<S> {
    service: Rc<S>,
    consentry: Consentry,
    /// The last request's consent on this worker, reused for identical inputs.
    last: RefCell<Option<Consent>>,
}

type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

impl<S, B> Service<ServiceRequest> for ConsentMiddlewareService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<Result<ServiceResponse<B>, actix_web::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let consentry = self.consentry.clone();
        let tls = req.app_config().secure();
        let https = consentry.is_https(req.headers(), tls);
        let consent = consentry.consent_reusing(req.headers(), https, &mut self.last.borrow_mut());
        let hsts = consentry.hsts_if(https).map(HstsHeader::actix);
        req.extensions_mut().insert(consent.clone());
        let fut = self.service.call(req);
        Box::pin(async move {
            match fut.await {
                Ok(mut res) => {
                    finish(&consentry, &consent, hsts, res.headers_mut());
                    Ok(res)
                }
                // An inner middleware failed (a handler's error is a response already).
                // actix-web makes the error's response after every middleware has returned,
                // past the gate: make it here, gate it, and pass it on as the same error.
                Err(err) => {
                    let mut res = err.error_response();
                    finish(&consentry, &consent, hsts, res.headers_mut());
                    Err(InternalError::from_response(err, res).into())
                }
            }
        })
    }
}

/// Gates the response's `Set-Cookie` values and adds HSTS.
fn finish(
    consentry: &Consentry,
    consent: &Consent,
    hsts: Option<HeaderValue>,
    headers: &mut HeaderMap,
) {
    // Looked up once; `gate_response` walks the values twice.
    let set_cookies = headers.get_all(SET_COOKIE);
    let keep = consentry.gate_response(consent, || set_cookies.clone().map(HeaderValue::as_bytes));
    // Rebuilt only when a cookie is dropped; the others keep their order.
    if let Some(keep) = keep {
        let old = headers.remove(SET_COOKIE);
        for (i, v) in old.enumerate() {
            if keep.keeps(i) {
                headers.append(SET_COOKIE, v);
            }
        }
    }
    if let Some(h) = hsts {
        headers.insert(STRICT_TRANSPORT_SECURITY, h);
    }
}
