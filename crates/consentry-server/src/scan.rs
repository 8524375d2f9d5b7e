//! Trimming header values (byte searches use the `memchr` crate).

/// `b` without leading and trailing spaces and tabs (the only whitespace RFC 6265 and
/// browsers trim in cookies).
pub(crate) fn trim_wsp(b: &[u8]) -> &[u8] {
    let is_wsp = |c: &u8| *c == b' ' || *c == b'\t';
    let start = b.iter().position(|c| !is_wsp(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !is_wsp(c)).map_or(start, |e| e + 1);
    &b[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_only_spaces_and_tabs() {
        assert_eq!(trim_wsp(b" \t a b \t"), b"a b");
        assert_eq!(trim_wsp(b" \t "), b"");
        assert_eq!(trim_wsp(b""), b"");
        assert_eq!(trim_wsp(b"\x0ba\r"), b"\x0ba\r");
        assert_eq!(
            trim_wsp("\u{a0}x\u{3000} \t".as_bytes()),
            "\u{a0}x\u{3000}".as_bytes()
        );
    }
}
