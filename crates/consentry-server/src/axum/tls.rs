//! `TlsConnection`: how an app that terminates TLS itself tells the consent layer.

/// A request extension saying the request came on a TLS connection. The app inserts it, from
/// the code that accepts TLS connections, when it terminates TLS itself and serves the same
/// [`Router`](axum::Router) on plain HTTP too (when it only serves TLS,
/// [`Consentry::assume_https`](crate::Consentry::assume_https) is simpler).
///
/// An axum request does not say whether its connection was TLS. Its URI's scheme is no
/// answer: it is what the client wrote, `https` in an absolute-form request line
/// (`GET https://shop.example/ HTTP/1.1`) sent over plain TCP, or in HTTP/2's `:scheme`.
/// So [`ConsentLayer`](super::ConsentLayer), [`CsrfLayer`](super::CsrfLayer) and the
/// [`receipts`](super::receipts) route take HTTPS from this extension,
/// [`Consentry::assume_https`](crate::Consentry::assume_https), or a trusted proxy's
/// `X-Forwarded-Proto` ([`Consentry::trust_forwarded_proto`](crate::Consentry::trust_forwarded_proto)),
/// never from the request.
///
/// Add it outside the consent layer, on the app served by the TLS listener only:
///
/// ```
/// use axum::{routing::get, Extension, Router};
/// use consentry::Policy;
/// use consentry_server::axum::{ConsentLayer, TlsConnection};
///
/// let policy = Policy::from_json(include_str!("../../policies/p4p-packing.json"))?;
/// let site: Router = Router::new()
///     .route("/", get(|| async { "hello" }))
///     .layer(ConsentLayer::new(policy));
/// let for_the_tls_listener = site.clone().layer(Extension(TlsConnection));
/// let for_the_plain_listener = site; // no HSTS, `http://` origin for the CSRF check
/// # let _ = (for_the_tls_listener, for_the_plain_listener);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TlsConnection;

/// Did the app mark this request's connection as TLS?
pub(crate) fn over_tls(extensions: &http::Extensions) -> bool {
    extensions.get::<TlsConnection>().is_some()
}
