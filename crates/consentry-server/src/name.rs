//! Cookie names: RFC 6265 tokens and the `__Host-` prefix.

use std::fmt;

/// The prefix every [`AuthCookie`](crate::AuthCookie) name carries (the core's, which the
/// consent cookie carries over HTTPS too).
pub use consentry::HOST_PREFIX;

/// Why a cookie name was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameError {
    /// Empty name (or only the prefix).
    Empty,
    /// A byte that is not allowed in an RFC 6265 token (separators, spaces, controls, non-ASCII).
    NotAToken {
        /// Offset of the first bad byte in the name as given.
        at: usize,
    },
    /// The name starts like a cookie prefix (`__Host`, `__Secure`, in any case) but is not
    /// exactly `__Host-` followed by a name. Browsers would treat it inconsistently.
    LooksPrefixed,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => f.write_str("cookie name is empty"),
            NameError::NotAToken { at } => write!(
                f,
                "cookie name has a character at byte {at} that RFC 6265 does not allow \
                 (use letters, digits and !#$%&'*+-.^_`|~)"
            ),
            NameError::LooksPrefixed => f.write_str(
                "cookie name looks prefixed but is not `__Host-<name>`; \
                 pass the bare name (e.g. `session`) and consentry adds `__Host-`",
            ),
        }
    }
}

impl std::error::Error for NameError {}

/// True for bytes RFC 6265 (via RFC 2616) allows in a token.
pub(crate) fn is_token_byte(b: u8) -> bool {
    TOKEN_BYTES[usize::from(b)]
}

/// [`is_token_byte`] as a table: the gate checks the name of every `Set-Cookie`.
static TOKEN_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    t
};

/// Checks that a whole name is a token.
pub(crate) fn check_token(name: &str) -> Result<(), NameError> {
    check_token_bytes(name.as_bytes())
}

/// [`check_token`] for a name not yet known to be text.
pub(crate) fn check_token_bytes(name: &[u8]) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    match name.iter().position(|b| !is_token_byte(*b)) {
        Some(at) => Err(NameError::NotAToken { at }),
        None => Ok(()),
    }
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// The full `__Host-` name for a bare or already prefixed name.
///
/// Browsers match cookie prefixes case-insensitively, so `__host-sid` is kept as given (it is
/// a `__Host-` cookie to them). A name that starts like a prefix but is not one (`__Host_sid`,
/// `__Secure-sid`, `__HOSTsid`) is refused.
pub(crate) fn host_name(name: &str) -> Result<String, NameError> {
    let full = if starts_with_ignore_case(name, HOST_PREFIX) {
        if name.len() == HOST_PREFIX.len() {
            return Err(NameError::Empty);
        }
        name.to_owned()
    } else if starts_with_ignore_case(name, "__host") || starts_with_ignore_case(name, "__secure") {
        return Err(NameError::LooksPrefixed);
    } else {
        check_token(name)?;
        format!("{HOST_PREFIX}{name}")
    };
    check_token(&full).map_err(|e| match e {
        NameError::NotAToken { at } if !starts_with_ignore_case(name, HOST_PREFIX) => {
            NameError::NotAToken {
                at: at - HOST_PREFIX.len(),
            }
        }
        e => e,
    })?;
    // Nested prefixes (`__Host-__Secure-x`) confuse readers and some parsers.
    let rest = &full[HOST_PREFIX.len()..];
    if starts_with_ignore_case(rest, "__host") || starts_with_ignore_case(rest, "__secure") {
        return Err(NameError::LooksPrefixed);
    }
    Ok(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_prefix_to_bare_names() {
        assert_eq!(host_name("session").unwrap(), "__Host-session");
    }

    #[test]
    fn keeps_prefix_in_any_case() {
        assert_eq!(host_name("__Host-sid").unwrap(), "__Host-sid");
        assert_eq!(host_name("__host-sid").unwrap(), "__host-sid");
        assert_eq!(host_name("__HOST-sid").unwrap(), "__HOST-sid");
    }

    #[test]
    fn refuses_lookalike_prefixes() {
        for n in [
            "__Host_sid",
            "__HOSTsid",
            "__Secure-sid",
            "__secure-sid",
            "__Host-__Secure-x",
        ] {
            assert_eq!(host_name(n), Err(NameError::LooksPrefixed), "{n}");
        }
        assert_eq!(host_name("__Host-"), Err(NameError::Empty));
    }

    #[test]
    fn token_table_is_the_rfc_token_set() {
        for b in 0..=255u8 {
            let rfc = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            assert_eq!(is_token_byte(b), rfc, "{b:#x}");
        }
    }

    #[test]
    fn refuses_non_tokens() {
        assert_eq!(host_name(""), Err(NameError::Empty));
        assert_eq!(host_name("a b"), Err(NameError::NotAToken { at: 1 }));
        assert_eq!(host_name("a;b"), Err(NameError::NotAToken { at: 1 }));
        assert_eq!(host_name("a=b"), Err(NameError::NotAToken { at: 1 }));
        assert_eq!(host_name("é"), Err(NameError::NotAToken { at: 0 }));
        assert_eq!(
            host_name("__Host-a\tb"),
            Err(NameError::NotAToken { at: 8 })
        );
    }
}
