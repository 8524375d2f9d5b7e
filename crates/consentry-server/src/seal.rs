//! Signing and encrypting cookie values so that they are bound to the cookie's name.
//!
//! `cookie`'s signed jar MACs only the value, so a value copied under another name still
//! verifies. Here the MAC covers a domain tag, the name and the value. Encryption uses the
//! `cookie` crate's private jar (AES-256-GCM), which already uses the name as associated data.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use cookie::{Cookie, CookieJar};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::keys::{Key, Keys};

type HmacSha256 = Hmac<Sha256>;

/// Length of the base64url (no padding) HMAC-SHA256 tag.
pub(crate) const TAG_LEN: usize = 43;

fn mac(key: &Key, domain: &[u8], parts: &[&[u8]]) -> HmacSha256 {
    // `new_from_slice` accepts any key length for HMAC.
    let mut m = HmacSha256::new_from_slice(key.signing()).expect("HMAC takes any key length");
    m.update(domain);
    for p in parts {
        // Length-prefixing keeps (name, value) pairs unambiguous.
        m.update(&(p.len() as u64).to_be_bytes());
        m.update(p);
    }
    m
}

/// base64url(HMAC(key, domain, parts)).
pub(crate) fn tag(key: &Key, domain: &[u8], parts: &[&[u8]]) -> String {
    URL_SAFE_NO_PAD.encode(mac(key, domain, parts).finalize().into_bytes())
}

/// Checks a base64url tag in constant time against every accepted key. Returns whether the
/// current key matched (`Some(true)`), an older one (`Some(false)`), or none.
pub(crate) fn verify_tag(keys: &Keys, domain: &[u8], parts: &[&[u8]], tag: &str) -> Option<bool> {
    let mut raw = [0u8; 32];
    match URL_SAFE_NO_PAD.decode_slice(tag.as_bytes(), &mut raw) {
        Ok(32) => {}
        _ => return None,
    }
    keys.accepted()
        .find(|(key, _)| mac(key, domain, parts).verify_slice(&raw).is_ok())
        .map(|(_, current)| current)
}

/// Auth cookie values of format 2 carry a [`Stamp`]; format 1 (the first release: no times)
/// is refused: its MAC domain and its encryption's associated data differ from format 2's.
pub(crate) const AUTH_FORMAT: u8 = 2;
const AUTH_DOMAIN: &[u8] = b"consentry-auth-cookie-v2";
/// Appended to the cookie name to make the associated data of format 2 encryption.
const AUTH_AAD_SUFFIX: &str = ";consentry-auth-cookie-v2";

/// The times sealed into an auth cookie value, in unix seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    /// The cookie has a `Max-Age` (re-issued with what is left of it).
    pub(crate) persistent: bool,
    /// When the visitor signed in; renewals keep it.
    pub(crate) issued: i64,
    /// When this value was made (sign-in or the last renewal).
    pub(crate) seen: i64,
    /// The absolute deadline.
    pub(crate) expires: i64,
    /// Idle timeout in seconds, 0 for none.
    pub(crate) idle: u32,
}

/// version, flags, issued, seen, expires, idle.
const HEADER_LEN: usize = 1 + 1 + 8 + 8 + 8 + 4;
/// base64url of the header: 30 bytes make exactly 40 characters.
pub(crate) const HEADER_TEXT_LEN: usize = HEADER_LEN / 3 * 4;

impl Stamp {
    fn header(&self) -> String {
        let mut h = [0u8; HEADER_LEN];
        h[0] = AUTH_FORMAT;
        h[1] = u8::from(self.persistent);
        h[2..10].copy_from_slice(&self.issued.to_be_bytes());
        h[10..18].copy_from_slice(&self.seen.to_be_bytes());
        h[18..26].copy_from_slice(&self.expires.to_be_bytes());
        h[26..30].copy_from_slice(&self.idle.to_be_bytes());
        URL_SAFE_NO_PAD.encode(h)
    }

    fn from_header(text: &str) -> Option<Stamp> {
        let mut h = [0u8; HEADER_LEN];
        match URL_SAFE_NO_PAD.decode_slice(text.as_bytes(), &mut h) {
            Ok(HEADER_LEN) => {}
            _ => return None,
        }
        let i64_at = |at: usize| i64::from_be_bytes(h[at..at + 8].try_into().expect("8 bytes"));
        (h[0] == AUTH_FORMAT && h[1] <= 1).then(|| Stamp {
            persistent: h[1] == 1,
            issued: i64_at(2),
            seen: i64_at(10),
            expires: i64_at(18),
            idle: u32::from_be_bytes(h[26..30].try_into().expect("4 bytes")),
        })
    }
}

/// Splits `header + rest` at the header, if there is one.
fn split_header(s: &str) -> Option<(Stamp, &str)> {
    if s.len() < HEADER_TEXT_LEN || !s.is_char_boundary(HEADER_TEXT_LEN) {
        return None;
    }
    let (h, rest) = s.split_at(HEADER_TEXT_LEN);
    Stamp::from_header(h).map(|stamp| (stamp, rest))
}

/// `header + tag + value` for a signed auth cookie; the tag covers name, header and value.
pub(crate) fn sign(keys: &Keys, name: &str, stamp: &Stamp, value: &str) -> String {
    let header = stamp.header();
    let tag = tag(
        keys.current(),
        AUTH_DOMAIN,
        &[name.as_bytes(), header.as_bytes(), value.as_bytes()],
    );
    format!("{header}{tag}{value}")
}

/// The stamp and value of a signed auth cookie, and whether the current key signed it.
pub(crate) fn unsign<'v>(
    keys: &Keys,
    name: &str,
    sealed: &'v str,
) -> Option<(Stamp, &'v str, bool)> {
    // Checked splits: a value from the browser may have a multi-byte character across either
    // boundary (`split_at` would panic).
    let (header, rest) = sealed.split_at_checked(HEADER_TEXT_LEN)?;
    let (t, value) = rest.split_at_checked(TAG_LEN)?;
    let current = verify_tag(
        keys,
        AUTH_DOMAIN,
        &[name.as_bytes(), header.as_bytes(), value.as_bytes()],
        t,
    )?;
    let stamp = Stamp::from_header(header)?;
    Some((stamp, value, current))
}

fn aad(name: &str) -> String {
    format!("{name}{AUTH_AAD_SUFFIX}")
}

/// Encrypts `header + value` with the current key; the name (and the format) as associated
/// data.
pub(crate) fn encrypt(keys: &Keys, name: &str, stamp: &Stamp, value: &str) -> String {
    let aad = aad(name);
    let mut jar = CookieJar::new();
    jar.private_mut(keys.current().cookie_key())
        .add(Cookie::new(
            aad.clone(),
            format!("{}{value}", stamp.header()),
        ));
    jar.get(&aad)
        .map(|c| c.value().to_owned())
        .unwrap_or_default()
}

/// Decrypts with any accepted key: the stamp, the value, and whether the current key did it.
pub(crate) fn decrypt(keys: &Keys, name: &str, sealed: &str) -> Option<(Stamp, String, bool)> {
    let aad = aad(name);
    let jar = CookieJar::new();
    let (plain, current) = keys.accepted().find_map(|(key, current)| {
        jar.private(key.cookie_key())
            .decrypt(Cookie::new(aad.clone(), sealed.to_owned()))
            .map(|c| (c.value().to_owned(), current))
    })?;
    let (stamp, value) = split_header(&plain)?;
    Some((stamp, value.to_owned(), current))
}

/// The first release's formats, to show they are refused.
#[cfg(test)]
pub(crate) mod format1 {
    use super::*;

    pub(crate) fn sign(key: &Key, name: &str, value: &str) -> String {
        let mut out = tag(
            key,
            b"consentry-auth-cookie-v1",
            &[name.as_bytes(), value.as_bytes()],
        );
        out.push_str(value);
        out
    }

    pub(crate) fn encrypt(key: &Key, name: &str, value: &str) -> String {
        let mut jar = CookieJar::new();
        jar.private_mut(key.cookie_key())
            .add(Cookie::new(name.to_owned(), value.to_owned()));
        jar.get(name)
            .map(|c| c.value().to_owned())
            .unwrap_or_default()
    }
}
