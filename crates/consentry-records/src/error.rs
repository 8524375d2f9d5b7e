//! Errors of the consent log. Each message names the problem and, where there is one, the fix.

use std::fmt;

use crate::checkpoint::KeyError;

/// What went wrong with the log.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Error {
    /// The database is not a consentry log (another application's database, or not a database).
    Foreign(String),
    /// The log was written by a newer version of consentry-records.
    TooNew {
        /// Schema version found in the database.
        found: i64,
        /// Newest schema version this build knows.
        supported: i64,
    },
    /// The database cannot be reached or opened (PostgreSQL down, file not readable…).
    Unavailable(String),
    /// The database refused a write (disk full, read-only file system, damaged file…).
    Storage(String),
    /// A signing or public key is missing or wrong.
    Key(KeyError),
    /// The log was changed behind its back (an entry edited, deleted or moved): what `verify`
    /// reports in detail.
    Damaged(String),
    /// No entry or subject with that id.
    NotFound(String),
    /// No signed checkpoint covers the entry, and the log has no signing key to make one.
    NoCheckpoint(String),
    /// An argument is not valid (an unsupported database URL…).
    Invalid(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Foreign(s) => write!(f, "not a consentry log: {s}"),
            Error::TooNew { found, supported } => write!(
                f,
                "the log has schema version {found}, this consentry-records knows up to {supported}: upgrade consentry-records"
            ),
            Error::Unavailable(s) => write!(f, "consent log unavailable: {s}"),
            Error::Storage(s) => write!(f, "consent log write failed: {s}"),
            Error::Key(e) => write!(f, "{e}"),
            Error::Damaged(s) => write!(
                f,
                "the consent log is damaged or was tampered with: {s}; run `consentry-records verify` to see where"
            ),
            Error::NotFound(s) => write!(f, "not found: {s}"),
            Error::NoCheckpoint(s) => write!(f, "no signed checkpoint: {s}"),
            Error::Invalid(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for Error {}

impl From<KeyError> for Error {
    fn from(e: KeyError) -> Self {
        Error::Key(e)
    }
}
