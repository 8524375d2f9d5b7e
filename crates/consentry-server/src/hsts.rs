//! `Strict-Transport-Security`, sent only over HTTPS.

use std::fmt;

/// The `Strict-Transport-Security` header a [`Consentry`](crate::Consentry) adds to HTTPS
/// responses. Default: `max-age=31536000; includeSubDomains`.
///
/// ```
/// use consentry_server::Hsts;
/// assert_eq!(Hsts::default().header_value(), "max-age=31536000; includeSubDomains");
/// assert_eq!(Hsts::default().preload().header_value(),
///            "max-age=31536000; includeSubDomains; preload");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hsts {
    max_age: u64,
    include_subdomains: bool,
    preload: bool,
}

impl Default for Hsts {
    fn default() -> Self {
        Hsts {
            max_age: 31_536_000,
            include_subdomains: true,
            preload: false,
        }
    }
}

impl Hsts {
    /// Sets `max-age` in seconds.
    pub fn max_age(mut self, secs: u64) -> Self {
        self.max_age = secs;
        self
    }

    /// Whether subdomains are covered (default yes). Turning it off also turns off preload.
    pub fn include_subdomains(mut self, on: bool) -> Self {
        self.include_subdomains = on;
        self.preload &= on;
        self
    }

    /// Asks browsers' preload lists to include the site. Preload lists require
    /// `includeSubDomains` and at least a year, so both are raised if needed.
    pub fn preload(mut self) -> Self {
        self.preload = true;
        self.include_subdomains = true;
        self.max_age = self.max_age.max(31_536_000);
        self
    }

    /// The header value.
    pub fn header_value(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Hsts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "max-age={}", self.max_age)?;
        if self.include_subdomains {
            f.write_str("; includeSubDomains")?;
        }
        if self.preload {
            f.write_str("; preload")?;
        }
        Ok(())
    }
}

/// An [`Hsts`] header value rendered once, also as the adapters' `HeaderValue`s: each HTTPS
/// response gets a clone (a reference count) instead of a value formatted, validated and
/// copied for it.
#[derive(Clone)]
pub(crate) struct HstsHeader {
    text: Box<str>,
    #[cfg(feature = "axum")]
    http: http::HeaderValue,
    #[cfg(feature = "actix")]
    actix: actix_web::http::header::HeaderValue,
}

impl HstsHeader {
    /// The header for `hsts`. Always `Some`: the value is `max-age=`, digits and fixed ASCII
    /// words, which every `HeaderValue` accepts (tested below).
    pub(crate) fn new(hsts: Hsts) -> Option<Self> {
        let text = hsts.header_value();
        Some(HstsHeader {
            #[cfg(feature = "axum")]
            http: http::HeaderValue::from_str(&text).ok()?,
            #[cfg(feature = "actix")]
            actix: actix_web::http::header::HeaderValue::from_str(&text).ok()?,
            text: text.into(),
        })
    }

    /// The header value as text.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The header value for an `http` 1 (axum) response.
    #[cfg(feature = "axum")]
    pub(crate) fn http(&self) -> http::HeaderValue {
        self.http.clone()
    }

    /// The header value for an actix-web response.
    #[cfg(feature = "actix")]
    pub(crate) fn actix(&self) -> actix_web::http::header::HeaderValue {
        self.actix.clone()
    }
}

impl fmt::Debug for HstsHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.text, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_makes_a_header() {
        for max_age in [0, 1, 31_536_000, u64::MAX] {
            for subdomains in [false, true] {
                let plain = Hsts::default()
                    .max_age(max_age)
                    .include_subdomains(subdomains);
                for hsts in [plain, plain.preload()] {
                    let header = HstsHeader::new(hsts).expect("a valid header value");
                    assert_eq!(header.as_str(), hsts.header_value());
                    #[cfg(feature = "axum")]
                    assert_eq!(header.http().as_bytes(), header.as_str().as_bytes());
                    #[cfg(feature = "actix")]
                    assert_eq!(header.actix().as_bytes(), header.as_str().as_bytes());
                }
            }
        }
    }
}
