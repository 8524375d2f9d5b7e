//! `verify`: reads the whole log and says what, if anything, was changed.
//!
//! Each entry's content is hashed and compared with its leaf hash, and holds its own position,
//! so an entry whose content was edited, that was moved, or that sits where another was, is
//! named. Positions must run 0, 1, 2… with no gap, so a deleted entry is named. Every signed
//! checkpoint's root must equal the root of the leaf hashes it covers: an edit that also
//! rewrote the leaf hash (or a row inserted with a fresh hash and everything after renumbered)
//! is caught there and named as the range between the last checkpoint that still matches and
//! the first that does not. Entries after the newest checkpoint are covered by no signature
//! yet: the report counts them.

use serde::Serialize;

use crate::backend::Backend;
use crate::checkpoint::{Checkpoint, PublicKey};
use crate::entry::{hex, EntryContent, Row};
use crate::error::Error;
use crate::merkle::{leaf_hash, Frontier};

/// Rows read per query.
const CHUNK: usize = 20_000;

/// What kind of problem `verify` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// Entries are missing from the sequence (deleted).
    Missing,
    /// An entry's content no longer matches its leaf hash or its own columns (edited).
    Edited,
    /// An entry holds content written for another position (moved, reordered, or an entry was
    /// inserted before it).
    Moved,
    /// An entry's content is gone without an erasure or purge record.
    Removed,
    /// A checkpoint's root does not match the entries it covers.
    Checkpoint,
    /// A checkpoint's signature does not verify with the trusted keys.
    Signature,
    /// The log is shorter than a checkpoint says it was (entries deleted at the end).
    Truncated,
}

/// One problem `verify` found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The kind.
    pub kind: ProblemKind,
    /// The entry it is about, when one entry is.
    pub seq: Option<u64>,
    /// What is wrong, in words.
    pub message: String,
}

/// Where the keys that checked the checkpoints came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    /// Keys the caller gave (the site's published keys).
    Trusted,
    /// Keys recorded in the log itself.
    Log,
}

/// The result of `verify`.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct VerifyReport {
    /// Entries read.
    pub entries: u64,
    /// Entries whose content was erased or purged (their hashes still count).
    pub removed: u64,
    /// Checkpoints checked.
    pub checkpoints: u64,
    /// Entries after the newest valid checkpoint (not yet covered by a signature).
    pub uncovered: u64,
    /// Merkle root of the whole log, hex.
    pub root: String,
    /// Where the keys came from.
    pub keys: KeySource,
    /// Everything found, in log order.
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    /// No problem found.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

struct Check<'a> {
    problems: Vec<Problem>,
    checkpoints: &'a [Checkpoint],
    /// Index of the next checkpoint (by size) to compare.
    next_cp: usize,
    /// Size of the last checkpoint that matched.
    last_good: u64,
    /// Size of the largest checkpoint that matched.
    covered: u64,
}

impl Check<'_> {
    fn problem(&mut self, kind: ProblemKind, seq: Option<u64>, message: String) {
        self.problems.push(Problem { kind, seq, message });
    }

    /// Compares every checkpoint of the frontier's size with its root.
    fn checkpoints_at(&mut self, frontier: &Frontier) {
        while let Some(cp) = self.checkpoints.get(self.next_cp) {
            if cp.size != frontier.size() {
                break;
            }
            self.next_cp += 1;
            if cp.root == hex(&frontier.root()) {
                self.last_good = cp.size;
                self.covered = self.covered.max(cp.size);
            } else {
                let from = self.last_good;
                self.problem(
                    ProblemKind::Checkpoint,
                    None,
                    format!(
                        "checkpoint of {} entries signed at {} (key {}) does not match the log: an entry in {from}..{} was changed, inserted or deleted, its hash rewritten",
                        cp.size, cp.timestamp, cp.key_id, cp.size
                    ),
                );
            }
        }
    }

    fn row(&mut self, row: &Row) {
        let seq = row.seq;
        let Some(content) = &row.content else {
            if row.removed.is_none() {
                self.problem(
                    ProblemKind::Removed,
                    Some(seq),
                    format!("entry {seq}: its content is gone without an erasure or purge record"),
                );
            }
            return;
        };
        if leaf_hash(content.as_bytes()) != row.leaf_hash {
            self.problem(
                ProblemKind::Edited,
                Some(seq),
                format!("entry {seq}: its content does not match its leaf hash (edited after it was written)"),
            );
            return;
        }
        let Ok(entry) = EntryContent::from_json(content) else {
            self.problem(
                ProblemKind::Edited,
                Some(seq),
                format!("entry {seq}: its content is not a log entry"),
            );
            return;
        };
        if entry.seq != seq {
            self.problem(
                ProblemKind::Moved,
                Some(seq),
                format!(
                    "entry {seq} holds the entry written at position {}: entries were reordered, or one was inserted or deleted before it",
                    entry.seq
                ),
            );
            return;
        }
        let columns = [
            (
                "receipt_id",
                row.receipt_id.as_deref() == Some(entry.receipt.receipt_id.as_str()),
            ),
            (
                "subject",
                row.subject.as_deref() == Some(entry.receipt.subject.as_str()),
            ),
            ("received_at", row.received_at == entry.received_at),
            ("expires_at", row.expires_at == entry.receipt.expires_at.0),
        ];
        for (name, same) in columns {
            if !same {
                self.problem(
                    ProblemKind::Edited,
                    Some(seq),
                    format!(
                        "entry {seq}: column `{name}` differs from the entry's content (edited)"
                    ),
                );
            }
        }
    }
}

pub(crate) async fn run(
    backend: &dyn Backend,
    trusted: Option<&[PublicKey]>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<VerifyReport, Error> {
    let stored_keys;
    let (keys, source) = match trusted {
        Some(k) => (k, KeySource::Trusted),
        None => {
            stored_keys = backend.public_keys().await?;
            (&stored_keys[..], KeySource::Log)
        }
    };
    let mut checkpoints = backend.checkpoints().await?;
    let mut check = Check {
        problems: Vec::new(),
        checkpoints: &[],
        next_cp: 0,
        last_good: 0,
        covered: 0,
    };
    // Signatures first; only signed checkpoints of this log take part.
    checkpoints.retain(|cp| {
        let bad = if cp.log_id != backend.log_id() {
            Some("it is for another log".to_owned())
        } else {
            cp.verify(keys).err().map(|e| e.to_string())
        };
        if let Some(why) = &bad {
            check.problem(
                ProblemKind::Signature,
                None,
                format!(
                    "checkpoint of {} entries signed at {}: {why}",
                    cp.size, cp.timestamp
                ),
            );
        }
        bad.is_none()
    });
    checkpoints.sort_by_key(|c| (c.size, c.timestamp));
    check.checkpoints = &checkpoints;

    let total = backend.size().await?;
    let mut frontier = Frontier::default();
    let mut removed = 0u64;
    let mut expected = 0u64;
    check.checkpoints_at(&frontier);
    loop {
        let rows = backend.rows(expected, CHUNK).await?;
        let Some(last) = rows.last() else { break };
        let next = last.seq + 1;
        for row in &rows {
            if row.seq > expected {
                check.problem(
                    ProblemKind::Missing,
                    Some(expected),
                    if row.seq - expected == 1 {
                        format!("entry {expected} is missing (deleted)")
                    } else {
                        format!("entries {expected}..{} are missing (deleted)", row.seq - 1)
                    },
                );
            }
            expected = row.seq + 1;
            if row.content.is_none() && row.removed.is_some() {
                removed += 1;
            }
            check.row(row);
            frontier.push(row.leaf_hash);
            check.checkpoints_at(&frontier);
        }
        progress(next.min(total), total);
        expected = next;
    }
    let size = frontier.size();
    for cp in &checkpoints[check.next_cp..] {
        if cp.size > size {
            check.problem(
                ProblemKind::Truncated,
                Some(size),
                format!(
                    "the log holds {size} entries but the checkpoint signed at {} covers {}: entries were deleted from the end",
                    cp.timestamp, cp.size
                ),
            );
        }
    }
    Ok(VerifyReport {
        entries: size,
        removed,
        checkpoints: checkpoints.len() as u64,
        uncovered: size.saturating_sub(check.covered),
        root: hex(&frontier.root()),
        keys: source,
        problems: check.problems,
    })
}
