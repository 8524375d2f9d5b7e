//! Signed checkpoints: the log's size and Merkle root at a moment, signed with Ed25519.
//!
//! A checkpoint commits the site to every entry before its size: an auditor who holds a
//! checkpoint (and the site's public key, published out of band) can check any inclusion proof
//! against it, and `verify` finds any change to the entries it covers.
//!
//! Keys are files holding the base64 of the 32-byte Ed25519 seed (private) or public key; the
//! key id is the first 8 bytes of SHA-256 of the public key, in hex. Rotate by making a new key
//! ([`SigningKey::generate`], `consentry-records keygen`) and signing new checkpoints with it;
//! checkpoints signed with the old key keep verifying with the old public key.
//!
//! ```
//! use consentry_records::checkpoint::{Checkpoint, SigningKey};
//! let key = SigningKey::generate().unwrap();
//! let cp = Checkpoint::sign(&key, "log-1", 10, [7; 32], 1_790_000_000);
//! assert!(cp.verify(&[key.public()]).is_ok());
//! let other = SigningKey::generate().unwrap();
//! assert!(cp.verify(&[other.public()]).is_err());
//! ```

use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, Verifier as _};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::entry::{hex, unhex};
use crate::merkle::Hash;

/// An Ed25519 signing key with its id.
#[derive(Clone)]
pub struct SigningKey {
    key: ed25519_dalek::SigningKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.public().key_id())
            .finish_non_exhaustive()
    }
}

/// Why a key could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyError(pub String);

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyError {}

fn decode32(text: &str, what: &str) -> Result<[u8; 32], KeyError> {
    let bytes = B64.decode(text.trim()).map_err(|_| {
        KeyError(format!(
            "{what} is not base64 (expected the 44-character base64 of 32 bytes)"
        ))
    })?;
    bytes.try_into().map_err(|_| {
        KeyError(format!(
            "{what} is not 32 bytes (expected the 44-character base64 of 32 bytes)"
        ))
    })
}

impl SigningKey {
    /// A new random key (from the operating system's random source).
    pub fn generate() -> Result<Self, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed)
            .map_err(|e| KeyError(format!("no random source for a new key: {e}")))?;
        Ok(Self::from_seed(seed))
    }

    /// The key of a 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        SigningKey {
            key: ed25519_dalek::SigningKey::from_bytes(&seed),
        }
    }

    /// Reads the base64 of a 32-byte seed (the key file's content, or an environment variable).
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let seed = decode32(text, "the signing key")?;
        if seed.iter().all(|b| *b == seed[0]) {
            return Err(KeyError(
                "the signing key is a repeated byte, not a random key: make one with `consentry-records keygen`".into(),
            ));
        }
        Ok(Self::from_seed(seed))
    }

    /// Reads a key file written by [`SigningKey::to_base64`] / `consentry-records keygen`.
    pub fn from_file(path: &std::path::Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            KeyError(format!(
                "cannot read signing key {}: {e} (make one with `consentry-records keygen --out {}`)",
                path.display(),
                path.display()
            ))
        })?;
        Self::from_base64(&text).map_err(|e| KeyError(format!("{}: {e}", path.display())))
    }

    /// The seed as base64 (what a key file holds). Keep it secret.
    pub fn to_base64(&self) -> String {
        B64.encode(self.key.to_bytes())
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        PublicKey {
            key: self.key.verifying_key(),
        }
    }

    fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

/// An Ed25519 public key, to check checkpoints.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    key: ed25519_dalek::VerifyingKey,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.key_id())
    }
}

impl PublicKey {
    /// Reads the base64 of a 32-byte public key.
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let bytes = decode32(text, "the public key")?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map_err(|_| KeyError("the public key is not a valid Ed25519 point".into()))?;
        Ok(PublicKey { key })
    }

    /// Reads a public key file.
    pub fn from_file(path: &std::path::Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| KeyError(format!("cannot read public key {}: {e}", path.display())))?;
        Self::from_base64(&text).map_err(|e| KeyError(format!("{}: {e}", path.display())))
    }

    /// The key as base64 (what a public key file holds; publish it).
    pub fn to_base64(&self) -> String {
        B64.encode(self.key.to_bytes())
    }

    /// The key id: hex of the first 8 bytes of SHA-256 of the key.
    pub fn key_id(&self) -> String {
        hex(&Sha256::digest(self.key.to_bytes())[..8])
    }
}

/// The log's size and root at a moment, signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// The log's id (random, made when the log was created), so checkpoints of two logs cannot
    /// be swapped.
    pub log_id: String,
    /// How many entries the checkpoint covers (entries `0..size`).
    pub size: u64,
    /// Merkle root of those entries, hex.
    pub root: String,
    /// When it was signed (unix seconds, UTC).
    pub timestamp: i64,
    /// Id of the key that signed it.
    pub key_id: String,
    /// Ed25519 signature of [`Checkpoint::message`], base64.
    pub signature: String,
}

/// Why a checkpoint does not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckpointError {
    /// No trusted key has the checkpoint's key id.
    UnknownKey(String),
    /// The signature does not match the checkpoint's content.
    BadSignature,
    /// A field is not in its format.
    Malformed(&'static str),
}

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointError::UnknownKey(id) => write!(
                f,
                "signed with key {id}, which is not among the trusted public keys"
            ),
            CheckpointError::BadSignature => {
                f.write_str("the signature does not match the checkpoint (altered or forged)")
            }
            CheckpointError::Malformed(what) => write!(f, "malformed checkpoint field `{what}`"),
        }
    }
}

impl std::error::Error for CheckpointError {}

impl Checkpoint {
    /// The exact text signed: a fixed header and one field a line.
    pub fn message(log_id: &str, size: u64, root_hex: &str, timestamp: i64) -> String {
        format!("consentry-records checkpoint v1\n{log_id}\n{size}\n{root_hex}\n{timestamp}\n")
    }

    /// Signs the head `(size, root)` of log `log_id` at `timestamp`.
    pub fn sign(key: &SigningKey, log_id: &str, size: u64, root: Hash, timestamp: i64) -> Self {
        let root = hex(&root);
        let signature = key.sign(Self::message(log_id, size, &root, timestamp).as_bytes());
        Checkpoint {
            log_id: log_id.to_owned(),
            size,
            root,
            timestamp,
            key_id: key.public().key_id(),
            signature: B64.encode(signature),
        }
    }

    /// The root as bytes.
    pub fn root_hash(&self) -> Result<Hash, CheckpointError> {
        unhex::<32>(&self.root).ok_or(CheckpointError::Malformed("root"))
    }

    /// Checks the signature with the trusted key of the checkpoint's key id.
    pub fn verify(&self, trusted: &[PublicKey]) -> Result<(), CheckpointError> {
        self.root_hash()?;
        let key = trusted
            .iter()
            .find(|k| k.key_id() == self.key_id)
            .ok_or_else(|| CheckpointError::UnknownKey(self.key_id.clone()))?;
        let sig = B64
            .decode(&self.signature)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .ok_or(CheckpointError::Malformed("signature"))?;
        let message = Self::message(&self.log_id, self.size, &self.root, self.timestamp);
        key.key
            .verify(message.as_bytes(), &Signature::from_bytes(&sig))
            .map_err(|_| CheckpointError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_changed_field_breaks_the_signature() {
        let key = SigningKey::from_seed([3; 32]);
        let good = Checkpoint::sign(&key, "log", 5, [1; 32], 100);
        let trusted = [key.public()];
        assert_eq!(good.verify(&trusted), Ok(()));
        let mut c = good.clone();
        c.size = 6;
        assert_eq!(c.verify(&trusted), Err(CheckpointError::BadSignature));
        let mut c = good.clone();
        c.root = hex(&[2; 32]);
        assert_eq!(c.verify(&trusted), Err(CheckpointError::BadSignature));
        let mut c = good.clone();
        c.timestamp = 101;
        assert_eq!(c.verify(&trusted), Err(CheckpointError::BadSignature));
        let mut c = good.clone();
        c.log_id = "other".into();
        assert_eq!(c.verify(&trusted), Err(CheckpointError::BadSignature));
        let mut c = good;
        c.signature = "xx".into();
        assert_eq!(
            c.verify(&trusted),
            Err(CheckpointError::Malformed("signature"))
        );
    }

    #[test]
    fn keys_round_trip_and_weak_keys_are_refused() {
        let key = SigningKey::generate().unwrap();
        let again = SigningKey::from_base64(&key.to_base64()).unwrap();
        assert_eq!(key.public(), again.public());
        let public = PublicKey::from_base64(&key.public().to_base64()).unwrap();
        assert_eq!(public.key_id(), key.public().key_id());
        assert_eq!(public.key_id().len(), 16);
        assert!(SigningKey::from_base64(&B64.encode([0u8; 32])).is_err());
        assert!(SigningKey::from_base64("not base64!").is_err());
        assert!(SigningKey::from_base64(&B64.encode([1u8; 31])).is_err());
    }
}
