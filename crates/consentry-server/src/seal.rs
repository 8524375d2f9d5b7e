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

const AUTH_DOMAIN: &[u8] = b"consentry-auth-cookie-v1";

/// `tag + value` for a signed auth cookie.
pub(crate) fn sign(keys: &Keys, name: &str, value: &str) -> String {
    let mut out = tag(
        keys.current(),
        AUTH_DOMAIN,
        &[name.as_bytes(), value.as_bytes()],
    );
    out.push_str(value);
    out
}

/// The value of a signed auth cookie, and whether the current key signed it.
pub(crate) fn unsign<'v>(keys: &Keys, name: &str, sealed: &'v str) -> Option<(&'v str, bool)> {
    if sealed.len() < TAG_LEN || !sealed.is_char_boundary(TAG_LEN) {
        return None;
    }
    let (t, value) = sealed.split_at(TAG_LEN);
    verify_tag(keys, AUTH_DOMAIN, &[name.as_bytes(), value.as_bytes()], t)
        .map(|current| (value, current))
}

/// Encrypts with the current key, the name as associated data.
pub(crate) fn encrypt(keys: &Keys, name: &str, value: &str) -> String {
    let mut jar = CookieJar::new();
    jar.private_mut(keys.current().cookie_key())
        .add(Cookie::new(name.to_owned(), value.to_owned()));
    jar.get(name)
        .map(|c| c.value().to_owned())
        .unwrap_or_default()
}

/// Decrypts with any accepted key; whether the current key did it.
pub(crate) fn decrypt(keys: &Keys, name: &str, sealed: &str) -> Option<(String, bool)> {
    let jar = CookieJar::new();
    keys.accepted().find_map(|(key, current)| {
        jar.private(key.cookie_key())
            .decrypt(Cookie::new(name.to_owned(), sealed.to_owned()))
            .map(|c| (c.value().to_owned(), current))
    })
}
