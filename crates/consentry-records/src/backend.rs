//! The storage behind a [`ConsentLog`](crate::ConsentLog): one trait, two implementations
//! (SQLite, PostgreSQL), checked by one conformance suite (`tests/common/mod.rs`, run by
//! `tests/conformance_sqlite.rs` and `tests/conformance_postgres.rs`).
//!
//! A backend stores rows; it does not judge them. It must make `append_batch` atomic (all of
//! a batch or none, durable when it returns `Ok`) and give consecutive positions with no gap,
//! also when several processes append to one database.

use std::future::Future;
use std::pin::Pin;

use crate::checkpoint::{Checkpoint, PublicKey};
use crate::entry::{NewEntry, Row};
use crate::error::Error;
use crate::merkle::Hash;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What happened to one appended receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendOutcome {
    /// Appended at this position.
    New(u64),
    /// The same receipt (same id, same content) is already at this position: nothing written.
    Duplicate(u64),
    /// Another receipt with the same id is at this position: nothing written.
    Conflict(u64),
}

impl AppendOutcome {
    /// The position of the receipt's entry.
    pub fn seq(self) -> u64 {
        match self {
            AppendOutcome::New(s) | AppendOutcome::Duplicate(s) | AppendOutcome::Conflict(s) => s,
        }
    }
}

/// Storage of a consent log.
pub trait Backend: Send + Sync + 'static {
    /// What this is, for messages: `SQLite /var/lib/site/consent.db`, `PostgreSQL 127.0.0.1:5432/site`.
    fn describe(&self) -> String;

    /// The log's random id, made when the log was created.
    fn log_id(&self) -> &str;

    /// Appends entries in order, in one transaction, durable when `Ok` returns. An entry whose
    /// receipt id is already stored is not written: [`AppendOutcome::Duplicate`] when its
    /// receipt is the same, [`AppendOutcome::Conflict`] otherwise (the rows are built with
    /// [`PreparedRow::new`](crate::entry::PreparedRow::new)).
    fn append_batch(
        &self,
        batch: Vec<NewEntry>,
    ) -> BoxFuture<'_, Result<Vec<AppendOutcome>, Error>>;

    /// How many entries the log has (its next position).
    fn size(&self) -> BoxFuture<'_, Result<u64, Error>>;

    /// Up to `limit` rows with `seq >= from`, in `seq` order.
    fn rows(&self, from: u64, limit: usize) -> BoxFuture<'_, Result<Vec<Row>, Error>>;

    /// Leaf hashes of the rows with `from <= seq < to`, in `seq` order.
    fn leaf_hashes(&self, from: u64, to: u64) -> BoxFuture<'_, Result<Vec<Hash>, Error>>;

    /// Every row of one subject whose content is still there, in `seq` order.
    fn rows_of_subject<'a>(&'a self, subject: &'a str) -> BoxFuture<'a, Result<Vec<Row>, Error>>;

    /// The row of one receipt id, if stored and not erased.
    fn row_of_receipt<'a>(
        &'a self,
        receipt_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Row>, Error>>;

    /// Removes the content, receipt id and subject of every entry of `subject` (the leaf hash
    /// stays), recorded as erased at `at`. Returns how many entries changed.
    fn remove_subject<'a>(&'a self, subject: &'a str, at: i64)
        -> BoxFuture<'a, Result<u64, Error>>;

    /// Removes the content, receipt id and subject of every entry whose consent expired before
    /// `expired_before` (the leaf hash stays), recorded as purged at `at`. Returns how many.
    fn purge(&self, expired_before: i64, at: i64) -> BoxFuture<'_, Result<u64, Error>>;

    /// Stores a signed checkpoint.
    fn add_checkpoint(&self, checkpoint: Checkpoint) -> BoxFuture<'_, Result<(), Error>>;

    /// Every stored checkpoint, oldest first.
    fn checkpoints(&self) -> BoxFuture<'_, Result<Vec<Checkpoint>, Error>>;

    /// Records a public key that signed checkpoints (idempotent).
    fn add_public_key(&self, key: PublicKey, at: i64) -> BoxFuture<'_, Result<(), Error>>;

    /// The public keys recorded in the log (not a trust anchor: an auditor uses the keys the
    /// site published).
    fn public_keys(&self) -> BoxFuture<'_, Result<Vec<PublicKey>, Error>>;
}
