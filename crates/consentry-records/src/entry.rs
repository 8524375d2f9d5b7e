//! One entry of the log: what is stored for one accepted receipt, and the exact bytes its leaf
//! hash covers.

use consentry::Receipt;
use serde::{Deserialize, Serialize};

use crate::merkle::{leaf_hash, Hash};

/// The version of the entry format, stored in every entry.
pub const ENTRY_VERSION: u32 = 1;

/// A receipt to append: what the server accepted and when it received it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewEntry {
    /// The receipt (checked by the server before it gets here).
    pub receipt: Receipt,
    /// When the server received it (unix seconds, UTC), stamped by the server.
    pub received_at: i64,
    /// The client's IP address, only when the app opted in.
    pub client_ip: Option<String>,
    /// The client's `User-Agent`, only when the app opted in.
    pub user_agent: Option<String>,
}

impl NewEntry {
    /// An entry with no client details.
    pub fn new(receipt: Receipt, received_at: i64) -> Self {
        NewEntry {
            receipt,
            received_at,
            client_ip: None,
            user_agent: None,
        }
    }

    /// The receipt's canonical JSON (the core's serialisation, fields in schema order).
    pub fn receipt_json(&self) -> String {
        self.receipt.to_json()
    }
}

/// The content of an entry as stored: the exact bytes hashed into the log's Merkle tree. Its
/// position (`seq`) is part of it, so an entry moved to another position no longer matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryContent {
    /// [`ENTRY_VERSION`].
    pub v: u32,
    /// Position in the log, from 0.
    pub seq: u64,
    /// When the server received the receipt (unix seconds, UTC).
    pub received_at: i64,
    /// The receipt.
    pub receipt: Receipt,
    /// The client's IP address, when the app opted in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
    /// The client's `User-Agent`, when the app opted in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
}

impl EntryContent {
    /// The content of `entry` at position `seq`.
    pub fn new(seq: u64, entry: &NewEntry) -> Self {
        EntryContent {
            v: ENTRY_VERSION,
            seq,
            received_at: entry.received_at,
            receipt: entry.receipt.clone(),
            client_ip: entry.client_ip.clone(),
            user_agent: entry.user_agent.clone(),
        }
    }

    /// The bytes stored and hashed (compact JSON).
    pub fn to_json(&self) -> String {
        // A struct of strings, integers and the core's receipt: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads stored bytes.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// One row of the log as a backend stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Position in the log, from 0.
    pub seq: u64,
    /// The leaf hash: `SHA-256(0x00 ‖ content)` of the content as appended. Kept when the
    /// content is erased or purged, so the log still verifies.
    pub leaf_hash: Hash,
    /// The stored content ([`EntryContent`] JSON); `None` once erased or purged.
    pub content: Option<String>,
    /// The receipt id (index column; `None` once erased).
    pub receipt_id: Option<String>,
    /// The subject (index column; `None` once erased).
    pub subject: Option<String>,
    /// When the server received it (index column for retention).
    pub received_at: i64,
    /// When the consent it records lapses (index column for retention).
    pub expires_at: i64,
    /// When the content was removed, and why.
    pub removed: Option<Removal>,
}

impl Row {
    /// A row from the columns a backend stores (`leaf` of another length reads as zeros, so
    /// `verify` reports the entry; an unknown removal reason reads as erased).
    #[allow(clippy::too_many_arguments)]
    pub fn from_columns(
        seq: i64,
        leaf: Vec<u8>,
        content: Option<String>,
        receipt_id: Option<String>,
        subject: Option<String>,
        received_at: i64,
        expires_at: i64,
        removed_at: Option<i64>,
        removed_reason: Option<String>,
    ) -> Row {
        Row {
            seq: seq as u64,
            leaf_hash: leaf.try_into().unwrap_or([0; 32]),
            content,
            receipt_id,
            subject,
            received_at,
            expires_at,
            removed: removed_at.map(|at| Removal {
                at,
                reason: removed_reason
                    .as_deref()
                    .and_then(RemovalReason::parse)
                    .unwrap_or(RemovalReason::Erased),
            }),
        }
    }
}

/// Why an entry's content is gone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Removal {
    /// When (unix seconds).
    pub at: i64,
    /// `erased` (the subject asked, Art. 17) or `purged` (retention ran out).
    pub reason: RemovalReason,
}

/// Why an entry's content was removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemovalReason {
    /// The subject asked for erasure (GDPR Art. 17).
    Erased,
    /// The retention period ran out (GDPR Art. 5(1)(e)).
    Purged,
}

impl RemovalReason {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RemovalReason::Erased => "erased",
            RemovalReason::Purged => "purged",
        }
    }

    /// The reason for a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "erased" => Some(RemovalReason::Erased),
            "purged" => Some(RemovalReason::Purged),
            _ => None,
        }
    }
}

/// A row ready to insert: what a backend writes for a new entry at `seq`.
#[derive(Clone, Debug)]
pub struct PreparedRow {
    /// The row.
    pub row: Row,
    /// SHA-256 of the receipt's canonical JSON, to tell a repeated post from a conflicting one.
    pub receipt_sha256: Hash,
}

impl PreparedRow {
    /// Builds the row for `entry` at position `seq`.
    pub fn new(seq: u64, entry: &NewEntry) -> Self {
        let content = EntryContent::new(seq, entry).to_json();
        PreparedRow {
            receipt_sha256: receipt_sha256(entry),
            row: Row {
                seq,
                leaf_hash: leaf_hash(content.as_bytes()),
                content: Some(content),
                receipt_id: Some(entry.receipt.receipt_id.as_str().to_owned()),
                subject: Some(entry.receipt.subject.as_str().to_owned()),
                received_at: entry.received_at,
                expires_at: entry.receipt.expires_at.0,
                removed: None,
            },
        }
    }
}

/// SHA-256 of a receipt's canonical JSON.
pub fn receipt_sha256(entry: &NewEntry) -> Hash {
    use sha2::{Digest, Sha256};
    Sha256::digest(entry.receipt_json().as_bytes()).into()
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Parses lowercase or uppercase hex of exactly `N` bytes.
pub fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.as_bytes();
    if s.len() != N * 2 {
        return None;
    }
    let mut out = [0u8; N];
    for (i, pair) in s.chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(text, 16).ok()?;
    }
    Some(out)
}
