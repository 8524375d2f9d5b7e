//! Byte scanning for header values: the gate and the consent reader run on every request, and
//! most of a `Cookie` or `Set-Cookie` header is values they only skip over.

/// The position of the first `needle` in `hay`. Eight bytes per step (the core library's own
/// `memchr` is not public for byte slices, and a header need not be UTF-8).
pub(crate) fn find_byte(hay: &[u8], needle: u8) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let pattern = ONES * u64::from(needle);
    let words = hay.chunks_exact(8);
    let rest = words.remainder();
    for (i, word) in words.enumerate() {
        let mut w = [0; 8];
        w.copy_from_slice(word);
        // A zero byte in `x` is a match; the lowest flagged byte is always a true zero (a
        // borrow only spreads upwards), so `trailing_zeros` finds the first match.
        let x = u64::from_le_bytes(w) ^ pattern;
        let zeros = x.wrapping_sub(ONES) & !x & HIGHS;
        if zeros != 0 {
            return Some(i * 8 + (zeros.trailing_zeros() / 8) as usize);
        }
    }
    rest.iter()
        .position(|b| *b == needle)
        .map(|p| hay.len() - rest.len() + p)
}

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
    fn finds_the_first_match_at_every_offset_and_length() {
        for len in 0..40 {
            for at in 0..=len {
                // Bytes just below and above the needle, and one with its high bit added.
                let mut hay: Vec<u8> = (0..len).map(|i| [b':', b'<', 0xbb][i % 3]).collect();
                if at < len {
                    hay[at] = b';';
                    if at + 1 < len {
                        hay[at + 1] = b';';
                    }
                }
                let want = hay.iter().position(|b| *b == b';');
                assert_eq!(find_byte(&hay, b';'), want, "len {len} at {at}");
            }
        }
        assert_eq!(find_byte(&[0u8; 17], 0), Some(0));
        assert_eq!(find_byte(&[0xff; 17], 0xfe), None);
    }

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
