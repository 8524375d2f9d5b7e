//! # consentry-records
//!
//! Proof of consent (GDPR Art. 7(1)): the site's own append-only, tamper-evident log of the
//! consent receipts its visitors' browsers post, that an auditor can check without trusting
//! the site.
//!
//! - **Storage**: one SQLite file by default (nothing to install), or PostgreSQL when several
//!   app servers share one log. Both behind one [`Backend`] trait, checked by one conformance
//!   suite.
//! - **Tamper evidence**: every entry is a leaf of a Merkle tree (RFC 6962, as Certificate
//!   Transparency); [`Checkpoint`]s sign the tree's size and root with Ed25519. For one receipt,
//!   [`ConsentLog::prove`] gives an [`InclusionProof`] anyone can check offline with the site's
//!   public key; [`ConsentLog::verify`] finds any edited, deleted, inserted or reordered entry
//!   and names it.
//! - **The visitor's rights and retention**: [`ConsentLog::export`] (Art. 15, with proofs),
//!   [`ConsentLog::erase`] (Art. 17: the content goes, the leaf hash stays, so the log still
//!   verifies), [`ConsentLog::purge`] after the retention period (Art. 5(1)(e)).
//! - **Wiring**: [`ConsentLog`] is a `consentry_server::ReceiptSink` (feature `server`), so the
//!   receipts endpoint of axum and actix-web stores into it directly.
//! - **The `consentry-records` command**: `verify`, `checkpoint`, `prove`, `check-proof`,
//!   `export`, `erase`, `purge`, `stats`, `keygen`.
//!
//! ## Cargo features
//!
//! | feature | default | adds |
//! |---|---|---|
//! | `sqlite` | yes | [`sqlite::SqliteBackend`]: one file, SQLite compiled in (`rusqlite`, bundled) |
//! | `postgres` | yes | [`postgres::PostgresBackend`]: `postgres://` URLs, for several app servers writing one log (`tokio-postgres`, no TLS: see its docs) |
//! | `server` | yes | `consentry_server::ReceiptSink` for [`ConsentLog`] |
//!
//! ## Why `rusqlite` and `tokio-postgres`, not `sqlx`
//! - **A smaller build.** Counted with `cargo tree -p consentry-records -e normal` (distinct
//!   crates, 2026-12): 59 without either backend, 69 with `sqlite`, 105 with `postgres`, 114
//!   with both. The same base with `sqlx` 0.8 (`postgres`, `sqlite`, `macros`, `migrate`,
//!   `runtime-tokio`, no TLS) resolves to about 153.
//! - **No database at compile time.** The queries are a dozen fixed statements, checked at run
//!   time by one conformance suite on both backends; sqlx's checked macros would need a live
//!   database or a committed query cache in every build, for little gain.
//! - **SQLite's settings stay ours.** The durability promise rests on `journal_mode = WAL`,
//!   `synchronous = FULL`, `BEGIN IMMEDIATE`, a busy timeout and `application_id`; with rusqlite
//!   each is one visible line, not a pool option whose default may change.
//!
//! ## What an entry holds
//! The receipt exactly as the server accepted it (receipt id, pseudonymous subject — the
//! visitor's consent id —, decision time, jurisdiction, policy revision and hash, each
//! purpose's state and lawful basis, method, language, expiry, event), the time the server
//! received it, and its position. No IP address and no user agent unless the app turns that
//! on in the receipts endpoint (`record_client_ip`, `record_user_agent`); consentry needs
//! neither to prove a consent.
//!
//! ## Durability
//! SQLite runs in WAL mode with `synchronous = FULL`: an acknowledged append survives `kill -9`
//! and power loss. Appends are group-committed by one writer task (up to [`MAX_BATCH`] a
//! transaction). PostgreSQL commits with its defaults (`synchronous_commit = on`); app servers
//! appending to one PostgreSQL log at once still get one gap-free sequence (each batch locks
//! the log's `meta` row; tested with two processes of eight tasks each).
//!
//! ## Performance
//! `cargo bench -p consentry-records --bench append`, on this project's 2-core machine
//! (2026-12-03), against a plain `INSERT` of the same receipt JSON into the same database:
//! SQLite 16,189 appends/s with 32 writers (3.87× the plain insert), p99 2.2 ms at a steady
//! 1,000 appends/s; `verify` of 1,000,000 entries 3.4 s. PostgreSQL (measured on the same
//! machine under heavy load from other jobs): 0.64–1.37× the plain insert, p99 at 1,000/s
//! 15–37 ms where the plain insert's was 5–38 ms, and 16–19 ms on a quiet machine (plain insert
//! 3–21 ms); the goal of 10 ms is not met: the log
//! commits its batches one after another (one gap-free sequence), so an append can wait for two
//! commits, and a stalled commit holds up every append behind it. Details:
//! `docs/proof-of-consent.md`.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use consentry_records::{ConsentLog, LogOptions, NewEntry, SigningKey};
//! let dir = tempfile::tempdir().unwrap();
//! let key = SigningKey::generate().unwrap();
//! let log = ConsentLog::open_with(
//!     dir.path().join("consent.db").to_str().unwrap(),
//!     LogOptions::default().signing_key(key.clone()).retention_days(3 * 365),
//! ).await.unwrap();
//! # let receipt = consentry_records::testing::receipt(7, 1_790_000_000);
//! log.append(NewEntry::new(receipt.clone(), 1_790_000_001)).await.unwrap();
//! let export = log.export(receipt.subject.as_str()).await.unwrap();
//! assert_eq!(export.records.len(), 1);
//! assert!(export.records[0].verify(&[key.public()]).is_ok());
//! # });
//! ```
#![deny(missing_docs)]
// docs.rs (`--cfg docsrs`, nightly): each feature-gated item says which feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod backend;
pub mod checkpoint;
pub mod entry;
mod error;
mod log;
pub mod merkle;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "server")]
mod sink;
#[cfg(feature = "sqlite")]
pub mod sqlite;
#[doc(hidden)]
pub mod testing;
pub mod verify;

pub use backend::{AppendOutcome, Backend};
pub use checkpoint::{Checkpoint, PublicKey, SigningKey};
pub use entry::{EntryContent, NewEntry};
pub use error::Error;
pub use log::{
    now, ConsentLog, InclusionProof, LogOptions, ProofError, Stats, SubjectExport,
    DEFAULT_RETENTION_DAYS, EXPORT_FORMAT, MAX_BATCH, PROOF_FORMAT,
};
pub use verify::{Problem, ProblemKind, VerifyReport};

/// A new random log id (32 hex digits).
pub(crate) fn new_log_id() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| Error::Unavailable(format!("no random source for the log id: {e}")))?;
    Ok(entry::hex(&bytes))
}
