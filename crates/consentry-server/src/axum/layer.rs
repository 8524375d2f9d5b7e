//! `ConsentLayer`: reads consent into the request, gates `Set-Cookie`, adds HSTS.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use consentry::Policy;
use http::header::{Entry, SET_COOKIE, STRICT_TRANSPORT_SECURITY};
use http::{HeaderValue, Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use crate::config::Consentry;
use crate::consent::Consent;
use crate::hsts::HstsHeader;

/// A tower layer that, for every request, reads the visitor's [`Consent`] into the request
/// extensions (extract it in handlers), and on the way out drops each `Set-Cookie` the
/// consent or the policy does not allow and adds HSTS on HTTPS. Add it last (outermost) so it
/// sees the cookies of every inner layer: a layer added after it sets cookies past the gate
/// (see [the order](super#order)).
///
/// HSTS needs to know the request came over HTTPS. An axum request does not say whether its
/// connection was TLS, and its URI's scheme is what the client wrote (an absolute-form
/// `GET https://… HTTP/1.1` over plain TCP), so it is never read. Instead: behind a
/// TLS-terminating proxy use [`Consentry::trust_forwarded_proto`]; when the process only
/// serves TLS, [`Consentry::assume_https`]; when it serves both, insert
/// [`TlsConnection`](super::TlsConnection) on the TLS listener's requests. Build the layer
/// with [`ConsentLayer::with`]. The same decision gives the scheme of the site's own origin to
/// a [`CsrfLayer`](super::CsrfLayer) inside this layer, for its `Origin` check.
///
/// ```
/// use axum::{routing::get, Router};
/// use consentry::Policy;
/// use consentry_server::{axum::ConsentLayer, Consent};
///
/// let policy = Policy::from_json(include_str!("../../policies/p4p-packing.json"))?;
/// let app: Router = Router::new()
///     .route("/", get(|consent: Consent| async move { format!("analytics: {}", consent.allows("analytics")) }))
///     .layer(ConsentLayer::new(policy));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct ConsentLayer {
    consentry: Consentry,
}

impl ConsentLayer {
    /// The layer for a policy with default settings (see [`Consentry::new`]).
    pub fn new(policy: Policy) -> Self {
        ConsentLayer {
            consentry: Consentry::new(policy),
        }
    }

    /// The layer for configured settings.
    pub fn with(consentry: Consentry) -> Self {
        ConsentLayer { consentry }
    }
}

impl From<Consentry> for ConsentLayer {
    fn from(consentry: Consentry) -> Self {
        ConsentLayer { consentry }
    }
}

impl<S> Layer<S> for ConsentLayer {
    type Service = ConsentService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ConsentService {
            inner,
            consentry: self.consentry.clone(),
            last: None,
        }
    }
}

/// The service [`ConsentLayer`] wraps around the app.
#[derive(Clone, Debug)]
pub struct ConsentService<S> {
    inner: S,
    consentry: Consentry,
    /// The last request's consent, reused for identical inputs (see `consent_reusing`).
    /// Services are cloned per connection, so this is per connection.
    last: Option<Consent>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ConsentService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let tls = super::tls::over_tls(req.extensions());
        let https = self.consentry.is_https(req.headers(), tls);
        let consent = self
            .consentry
            .consent_reusing(req.headers(), https, &mut self.last);
        let hsts = self.consentry.hsts_if(https).map(HstsHeader::http);
        req.extensions_mut().insert(consent.clone());
        ResponseFuture {
            inner: self.inner.call(req),
            state: Some(State {
                consentry: self.consentry.clone(),
                consent,
                hsts,
            }),
        }
    }
}

struct State {
    consentry: Consentry,
    consent: Consent,
    hsts: Option<HeaderValue>,
}

pin_project_lite::pin_project! {
    /// Response future of [`ConsentService`].
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        state: Option<State>,
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut res = ready!(this.inner.poll(cx))?;
        if let Some(state) = this.state.take() {
            finish(state, res.headers_mut());
        }
        Poll::Ready(Ok(res))
    }
}

fn finish(state: State, headers: &mut http::HeaderMap) {
    // Looked up once; `gate_response` walks the values twice.
    let set_cookies = headers.get_all(SET_COOKIE);
    let keep = state.consentry.gate_response(&state.consent, || {
        set_cookies.iter().map(HeaderValue::as_bytes)
    });
    // Rebuilt only when a cookie is dropped, in place: the kept values are taken out (a
    // placeholder left behind) and put back in order, replacing all the old ones.
    if let Some(keep) = keep {
        if let Entry::Occupied(mut entry) = headers.entry(SET_COOKIE) {
            let mut kept = Vec::new();
            for (i, v) in entry.iter_mut().enumerate() {
                if keep.keeps(i) {
                    kept.push(std::mem::replace(v, HeaderValue::from_static("")));
                }
            }
            let mut kept = kept.into_iter();
            match kept.next() {
                Some(first) => {
                    entry.insert(first);
                    kept.for_each(|v| entry.append(v));
                }
                None => {
                    entry.remove();
                }
            }
        }
    }
    if let Some(hsts) = state.hsts {
        headers.insert(STRICT_TRANSPORT_SECURITY, hsts);
    }
}
