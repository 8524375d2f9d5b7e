//! A framework-free view of request headers, and reading cookies from `Cookie` headers.

use memchr::memchr;

use crate::scan::trim_wsp;

/// Read access to a request's headers, implemented by the adapters for their frameworks'
/// header maps (and usable for any other framework). Names are lowercase.
pub trait Headers {
    /// Calls `f` with each value of the header `name`, in order.
    fn each<'a>(&'a self, name: &str, f: &mut dyn FnMut(&'a [u8]));

    /// The first value of the header `name`.
    fn first(&self, name: &str) -> Option<&[u8]>;
}

/// Headers as a slice of `(lowercase name, value)` pairs: for tests and small integrations.
///
/// ```
/// use consentry_server::Headers;
/// let h: &[(&str, &[u8])] = &[("cookie", b"a=1"), ("sec-gpc", b"1")];
/// assert_eq!(Headers::first(h, "sec-gpc"), Some(&b"1"[..]));
/// ```
impl Headers for [(&str, &[u8])] {
    fn each<'a>(&'a self, name: &str, f: &mut dyn FnMut(&'a [u8])) {
        for (n, v) in self {
            if n.eq_ignore_ascii_case(name) {
                f(v);
            }
        }
    }

    fn first(&self, name: &str) -> Option<&[u8]> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}

/// Headers with a `Host` filled in from the request URI's authority when the request has no
/// `Host` header (HTTP/2 carries it as `:authority`): the origin checks compare with `Host`.
#[cfg(any(feature = "axum", feature = "actix"))]
pub(crate) struct WithHost<'a, H: ?Sized> {
    pub(crate) headers: &'a H,
    pub(crate) authority: Option<&'a [u8]>,
}

#[cfg(any(feature = "axum", feature = "actix"))]
impl<H: Headers + ?Sized> Headers for WithHost<'_, H> {
    fn each<'b>(&'b self, name: &str, f: &mut dyn FnMut(&'b [u8])) {
        let mut any = false;
        self.headers.each(name, &mut |v| {
            any = true;
            f(v)
        });
        if !any && name == "host" {
            if let Some(a) = self.authority {
                f(a);
            }
        }
    }

    fn first(&self, name: &str) -> Option<&[u8]> {
        match self.headers.first(name) {
            None if name == "host" => self.authority,
            v => v,
        }
    }
}

/// What looking up one cookie found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Found<'a> {
    None,
    One(&'a [u8]),
    /// The name appeared more than once: ambiguous, so callers fail closed.
    Duplicate,
}

/// Finds the cookie `name` in one `Cookie` header value. Never panics on any bytes.
pub(crate) fn find_cookie<'a>(header: &'a [u8], name: &[u8], found: &mut Found<'a>) {
    let mut rest = header;
    loop {
        let end = memchr(b';', rest).unwrap_or(rest.len());
        let pair = &rest[..end];
        if let Some(eq) = memchr(b'=', pair) {
            if trim_wsp(&pair[..eq]) == name {
                *found = match found {
                    Found::None => Found::One(trim_wsp(&pair[eq + 1..])),
                    _ => Found::Duplicate,
                };
            }
        }
        match rest.get(end + 1..) {
            Some(next) => rest = next,
            None => break,
        }
    }
}

/// The value of the cookie `name` across all `Cookie` headers, as text; `None` when absent,
/// duplicated or not UTF-8.
pub(crate) fn cookie_value<'a, H: Headers + ?Sized>(
    headers: &'a H,
    name: &str,
) -> Result<Option<&'a str>, ()> {
    let mut out: Result<Option<&'a str>, ()> = Ok(None);
    headers.each("cookie", &mut |h| {
        let mut found = Found::None;
        find_cookie(h, name.as_bytes(), &mut found);
        out = match (&out, found) {
            (_, Found::None) => return,
            (Ok(None), Found::One(v)) => std::str::from_utf8(v).map(Some).map_err(|_| ()),
            _ => Err(()),
        };
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(h: &[u8], n: &str) -> Result<Option<String>, ()> {
        let headers: &[(&str, &[u8])] = &[("cookie", h)];
        cookie_value(headers, n).map(|v| v.map(str::to_owned))
    }

    #[test]
    fn finds_cookies_among_others() {
        assert_eq!(
            get(b"a=1; consentry=x.y; b=2", "consentry"),
            Ok(Some("x.y".into()))
        );
        assert_eq!(get(b"a=1;b=2", "consentry"), Ok(None));
        assert_eq!(
            get(b"  consentry  =  v  ", "consentry"),
            Ok(Some("v".into()))
        );
    }

    #[test]
    fn duplicates_and_bad_bytes_are_errors() {
        assert_eq!(get(b"consentry=1; consentry=2", "consentry"), Err(()));
        assert_eq!(get(b"consentry=\xff\xfe", "consentry"), Err(()));
        let headers: &[(&str, &[u8])] = &[("cookie", b"consentry=1"), ("cookie", b"consentry=2")];
        assert_eq!(cookie_value(headers, "consentry"), Err(()));
    }

    #[test]
    fn survives_garbage() {
        for h in [
            &b""[..],
            b";;;",
            b"=",
            b"==;=",
            b"consentry",
            b"\0\x01;consentry=",
        ] {
            let _ = get(h, "consentry");
        }
        assert_eq!(get(b"consentry=", "consentry"), Ok(Some(String::new())));
    }
}
