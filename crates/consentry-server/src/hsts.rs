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
