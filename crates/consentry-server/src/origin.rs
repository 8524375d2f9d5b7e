//! Web origins (RFC 6454): scheme, host and port, read strictly from an `Origin` header, a
//! `Host` header or the settings, with the scheme's default port filled in so that
//! `https://shop.test` and `https://shop.test:443` are the same origin.

use std::fmt;

/// One origin. Only `http` and `https`: the only schemes a site served by this crate has.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    https: bool,
    /// Lowercase; an IPv6 address keeps its brackets.
    host: String,
    port: u16,
}

impl Origin {
    /// Parses a serialized origin: `http` or `https` (any case), `://`, a host, an optional
    /// port, and nothing else (no path, user info, query or fragment). `None` for anything
    /// else, including `null`.
    pub(crate) fn parse(s: &[u8]) -> Option<Origin> {
        let s = s.trim_ascii();
        let (https, authority) = if let Some(rest) = strip_prefix_ci(s, b"https://") {
            (true, rest)
        } else {
            (false, strip_prefix_ci(s, b"http://")?)
        };
        Origin::from_authority(authority, https)
    }

    /// An origin from the settings (`setting` names the method, for the panic message). One
    /// trailing `/` and surrounding spaces are tolerated.
    ///
    /// # Panics
    ///
    /// When `origin` is not an `http` or `https` origin: a mistake in the settings, reported
    /// when they are built.
    pub(crate) fn from_setting(setting: &str, origin: &str) -> Origin {
        let trimmed = origin.trim();
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        match Origin::parse(trimmed.as_bytes()) {
            Some(o) => o,
            None => panic!(
                "{setting}({origin:?}): not an origin; write the scheme, the host and, \
                 when not 443 or 80, the port, e.g. \"https://shop.example.com\" or \
                 \"https://shop.example.com:8443\""
            ),
        }
    }

    /// The origin of a site reached with this `Host` header value (`shop.test`,
    /// `shop.test:8443`, `[::1]:8080`) over HTTPS or plain HTTP.
    pub(crate) fn of_site(host_header: &[u8], https: bool) -> Option<Origin> {
        Origin::from_authority(host_header.trim_ascii(), https)
    }

    fn from_authority(authority: &[u8], https: bool) -> Option<Origin> {
        let (host, port) = if authority.first() == Some(&b'[') {
            let end = authority.iter().position(|b| *b == b']')?;
            let inner = &authority[1..end];
            let ipv6 = !inner.is_empty()
                && inner
                    .iter()
                    .all(|b| b.is_ascii_hexdigit() || *b == b':' || *b == b'.');
            if !ipv6 {
                return None;
            }
            let rest = &authority[end + 1..];
            let port = match rest {
                [] => None,
                [b':', port @ ..] => Some(port),
                _ => return None,
            };
            (&authority[..=end], port)
        } else {
            let (host, port) = match authority.iter().position(|b| *b == b':') {
                Some(i) => (&authority[..i], Some(&authority[i + 1..])),
                None => (authority, None),
            };
            let name = !host.is_empty()
                && host
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
            if !name {
                return None;
            }
            (host, port)
        };
        let port = match port {
            None => {
                if https {
                    443
                } else {
                    80
                }
            }
            Some(digits) => {
                // At most five digits, so a number with leading zeros cannot wrap around.
                if digits.is_empty() || digits.len() > 5 || !digits.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                std::str::from_utf8(digits).ok()?.parse().ok()?
            }
        };
        // Checked above: ASCII only.
        let host = std::str::from_utf8(host).ok()?.to_ascii_lowercase();
        Some(Origin { https, host, port })
    }
}

fn strip_prefix_ci<'a>(s: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Serialized with the port always written out: `https://shop.test:443`.
impl fmt::Debug for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}:{}", self.host, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Option<String> {
        Origin::parse(s.as_bytes()).map(|o| format!("{o:?}"))
    }

    #[test]
    fn fills_in_default_ports_and_lowercases() {
        assert_eq!(
            parse("https://shop.test").as_deref(),
            Some("https://shop.test:443")
        );
        assert_eq!(
            parse("http://shop.test").as_deref(),
            Some("http://shop.test:80")
        );
        assert_eq!(
            parse("HTTPS://Shop.TEST:8443").as_deref(),
            Some("https://shop.test:8443")
        );
        assert_eq!(
            parse("http://[::1]:8080").as_deref(),
            Some("http://[::1]:8080")
        );
        assert_eq!(parse("https://[::1]").as_deref(), Some("https://[::1]:443"));
        assert_eq!(
            parse(" https://a_b.test ").as_deref(),
            Some("https://a_b.test:443")
        );
        assert_eq!(
            Origin::parse(b"https://shop.test:443"),
            Origin::parse(b"https://shop.test")
        );
        assert_ne!(
            Origin::parse(b"http://shop.test:443"),
            Origin::parse(b"https://shop.test")
        );
        assert_ne!(
            Origin::parse(b"https://shop.test:80"),
            Origin::parse(b"http://shop.test")
        );
    }

    #[test]
    fn the_site_origin_comes_from_host_and_scheme() {
        let site = Origin::of_site(b"shop.test", true);
        assert_eq!(site, Origin::parse(b"https://shop.test:443"));
        assert_eq!(Origin::of_site(b"shop.test:443", true), site);
        assert_ne!(Origin::of_site(b"shop.test", false), site);
        assert_eq!(
            Origin::of_site(b"127.0.0.1:8080", false),
            Origin::parse(b"http://127.0.0.1:8080")
        );
        assert_eq!(Origin::of_site(b"", true), None);
        assert_eq!(Origin::of_site(b"http://shop.test", true), None);
    }

    #[test]
    fn refuses_everything_that_is_not_an_origin() {
        for bad in [
            &b""[..],
            b"null",
            b"https://",
            b"https://:443",
            b"https://shop.test:",
            b"https://shop.test:65536",
            b"https://shop.test:99999",
            b"https://shop.test:000443",
            b"https://shop.test:-1",
            b"https://shop.test:+443",
            b"https://shop.test:0x1bb",
            b"https://shop.test:443:443",
            b"https://shop.test/",
            b"https://shop.test/path",
            b"https://shop.test?q",
            b"https://shop.test#f",
            b"https://user@shop.test",
            b"https://shop test",
            b"https://[::1",
            b"https://[]",
            b"https://[::1]x",
            b"https://[::1]:",
            b"https://[shop.test]",
            b"ftp://shop.test",
            b"https:shop.test",
            b"//shop.test",
            b"shop.test",
            b"https://sh\xc3\xb6p.test",
            b"https://shop.test\xff",
            b"\xff\xfe",
            b"https://shop.test\0",
        ] {
            assert_eq!(
                Origin::parse(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
