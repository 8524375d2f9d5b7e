//! The embedded SQLite backend: one file, nothing to install (SQLite is compiled in).
//!
//! Durability: the file runs in WAL mode with `synchronous = FULL`, so a commit returns only
//! after the write-ahead log is synced to disk: an append that was acknowledged survives
//! `kill -9` and power loss. (`NORMAL`, SQLite's usual WAL setting, can lose the last commits
//! on power loss.) Appends are grouped by the log's writer into one transaction each, which
//! keeps that sync cost per batch, not per receipt.
//!
//! Several processes may open the same file: `BEGIN IMMEDIATE` serialises writers, and a
//! 5-second busy timeout makes them wait for each other rather than fail.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension};

use crate::backend::{AppendOutcome, Backend, BoxFuture};
use crate::checkpoint::{Checkpoint, PublicKey};
use crate::entry::{NewEntry, PreparedRow, Row};
use crate::error::Error;
use crate::merkle::Hash;

/// `PRAGMA application_id` of a consentry log ("csnt"), so another application's SQLite file
/// is refused rather than written into.
const APPLICATION_ID: i64 = 0x6373_6e74;

/// Schema migrations, in order; `PRAGMA user_version` is how many ran.
const MIGRATIONS: &[&str] = &[
    // 1: the log.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE entries (
         seq INTEGER PRIMARY KEY,
         leaf_hash BLOB NOT NULL,
         content TEXT,
         receipt_id TEXT UNIQUE,
         receipt_sha256 BLOB,
         subject TEXT,
         received_at INTEGER NOT NULL,
         expires_at INTEGER NOT NULL,
         removed_at INTEGER,
         removed_reason TEXT
     );
     CREATE INDEX entries_subject ON entries (subject);
     CREATE INDEX entries_expires ON entries (expires_at);
     CREATE TABLE checkpoints (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         log_id TEXT NOT NULL,
         size INTEGER NOT NULL,
         root TEXT NOT NULL,
         timestamp INTEGER NOT NULL,
         key_id TEXT NOT NULL,
         signature TEXT NOT NULL
     );
     CREATE TABLE keys (key_id TEXT PRIMARY KEY, public_key TEXT NOT NULL, added_at INTEGER NOT NULL);",
];

/// A consent log in one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteBackend {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
    log_id: String,
}

fn storage(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| {
        let full = matches!(
            &e,
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull
        );
        if full {
            Error::Storage(format!(
                "{}: the disk is full; free space, then retry (nothing was written)",
                path.display()
            ))
        } else {
            Error::Storage(format!("{}: {e}", path.display()))
        }
    }
}

impl SqliteBackend {
    /// Opens the log in `path`, creating the file (and running migrations) when needed.
    ///
    /// Errors: [`Error::Foreign`] for a file that is not SQLite or is another application's
    /// database, [`Error::TooNew`] for a log written by a newer version, [`Error::Unavailable`]
    /// when the file cannot be opened.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref().to_path_buf();
        let conn = Connection::open(&path)
            .map_err(|e| Error::Unavailable(format!("cannot open {}: {e}", path.display())))?;
        let foreign = |e: rusqlite::Error| {
            Error::Foreign(format!(
                "{} is not an SQLite database ({e}); give another path or remove the file",
                path.display()
            ))
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(foreign)?;
        // Reading the header fails on a file that is not SQLite.
        let app_id: i64 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(foreign)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(foreign)?;
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(foreign)?;
        if app_id != APPLICATION_ID && (tables > 0 || version > 0 || app_id != 0) {
            return Err(Error::Foreign(format!(
                "{} is another application's SQLite database (application_id {app_id:#x}); give another path",
                path.display()
            )));
        }
        let supported = MIGRATIONS.len() as i64;
        if version > supported {
            return Err(Error::TooNew {
                found: version,
                supported,
            });
        }
        let store = storage(&path);
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(&store)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(&store)?;
        let mut conn = conn;
        if version < supported {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(&store)?;
            // Another process may have migrated meanwhile: read again inside the lock.
            let now: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(&store)?;
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(now as usize) {
                tx.execute_batch(sql).map_err(&store)?;
                tx.pragma_update(None, "user_version", i as i64 + 1)
                    .map_err(&store)?;
            }
            if now == 0 {
                tx.pragma_update(None, "application_id", APPLICATION_ID)
                    .map_err(&store)?;
                tx.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('log_id', ?1)",
                    [crate::new_log_id()?],
                )
                .map_err(&store)?;
            }
            tx.commit().map_err(&store)?;
        }
        let log_id: String = conn
            .query_row("SELECT value FROM meta WHERE key = 'log_id'", [], |r| {
                r.get(0)
            })
            .map_err(|e| Error::Foreign(format!("{}: the log has no id ({e})", path.display())))?;
        drop(store);
        Ok(SqliteBackend {
            conn: Arc::new(Mutex::new(conn)),
            path,
            log_id,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the connection on a blocking thread.
    fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection, &Path) -> Result<T, Error> + Send + 'static,
    ) -> BoxFuture<'_, Result<T, Error>> {
        let conn = Arc::clone(&self.conn);
        let path = self.path.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                // A panic while holding the lock cannot leave a half-written transaction
                // (rusqlite rolls back on drop), so a poisoned lock is still usable.
                let mut conn = conn.lock().unwrap_or_else(|p| p.into_inner());
                f(&mut conn, &path)
            })
            .await
            .map_err(|e| Error::Unavailable(format!("database thread failed: {e}")))?
        })
    }
}

const ROW_COLUMNS: &str = "seq, leaf_hash, content, receipt_id, subject, received_at, expires_at, removed_at, removed_reason";

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row::from_columns(
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

fn append_one(tx: &rusqlite::Transaction<'_>, entry: &NewEntry) -> rusqlite::Result<AppendOutcome> {
    let id = entry.receipt.receipt_id.as_str();
    let existing: Option<(i64, Option<Vec<u8>>)> = tx
        .query_row(
            "SELECT seq, receipt_sha256 FROM entries WHERE receipt_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let prepared_seq: i64 =
        tx.query_row("SELECT COALESCE(MAX(seq) + 1, 0) FROM entries", [], |r| {
            r.get(0)
        })?;
    let prepared = PreparedRow::new(prepared_seq as u64, entry);
    if let Some((seq, hash)) = existing {
        let same = hash.as_deref() == Some(&prepared.receipt_sha256[..]);
        return Ok(if same {
            AppendOutcome::Duplicate(seq as u64)
        } else {
            AppendOutcome::Conflict(seq as u64)
        });
    }
    let row = &prepared.row;
    tx.execute(
        "INSERT INTO entries (seq, leaf_hash, content, receipt_id, receipt_sha256, subject, received_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            row.seq as i64,
            &row.leaf_hash[..],
            row.content,
            row.receipt_id,
            &prepared.receipt_sha256[..],
            row.subject,
            row.received_at,
            row.expires_at
        ],
    )?;
    Ok(AppendOutcome::New(row.seq))
}

impl Backend for SqliteBackend {
    fn describe(&self) -> String {
        format!("SQLite {}", self.path.display())
    }

    fn log_id(&self) -> &str {
        &self.log_id
    }

    fn append_batch(
        &self,
        batch: Vec<NewEntry>,
    ) -> BoxFuture<'_, Result<Vec<AppendOutcome>, Error>> {
        self.with(move |conn, path| {
            let store = storage(path);
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(&store)?;
            let mut out = Vec::with_capacity(batch.len());
            for entry in &batch {
                out.push(append_one(&tx, entry).map_err(&store)?);
            }
            tx.commit().map_err(&store)?;
            Ok(out)
        })
    }

    fn size(&self) -> BoxFuture<'_, Result<u64, Error>> {
        self.with(|conn, path| {
            conn.query_row("SELECT COALESCE(MAX(seq) + 1, 0) FROM entries", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(storage(path))
        })
    }

    fn rows(&self, from: u64, limit: usize) -> BoxFuture<'_, Result<Vec<Row>, Error>> {
        self.with(move |conn, path| {
            let mut st = conn
                .prepare_cached(&format!(
                    "SELECT {ROW_COLUMNS} FROM entries WHERE seq >= ?1 ORDER BY seq LIMIT ?2"
                ))
                .map_err(storage(path))?;
            let rows = st
                .query_map(params![from as i64, limit as i64], read_row)
                .and_then(Iterator::collect)
                .map_err(storage(path));
            rows
        })
    }

    fn leaf_hashes(&self, from: u64, to: u64) -> BoxFuture<'_, Result<Vec<Hash>, Error>> {
        self.with(move |conn, path| {
            let mut st = conn
                .prepare_cached(
                    "SELECT leaf_hash FROM entries WHERE seq >= ?1 AND seq < ?2 ORDER BY seq",
                )
                .map_err(storage(path))?;
            let rows = st
                .query_map(params![from as i64, to as i64], |r| {
                    let v: Vec<u8> = r.get(0)?;
                    Ok(v.try_into().unwrap_or([0; 32]))
                })
                .and_then(Iterator::collect)
                .map_err(storage(path));
            rows
        })
    }

    fn rows_of_subject<'a>(&'a self, subject: &'a str) -> BoxFuture<'a, Result<Vec<Row>, Error>> {
        let subject = subject.to_owned();
        self.with(move |conn, path| {
            let mut st = conn
                .prepare_cached(&format!(
                    "SELECT {ROW_COLUMNS} FROM entries WHERE subject = ?1 AND content IS NOT NULL ORDER BY seq"
                ))
                .map_err(storage(path))?;
            let rows = st
                .query_map([subject], read_row)
                .and_then(Iterator::collect)
                .map_err(storage(path));
            rows
        })
    }

    fn row_of_receipt<'a>(
        &'a self,
        receipt_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Row>, Error>> {
        let id = receipt_id.to_owned();
        self.with(move |conn, path| {
            conn.query_row(
                &format!("SELECT {ROW_COLUMNS} FROM entries WHERE receipt_id = ?1"),
                [id],
                read_row,
            )
            .optional()
            .map_err(storage(path))
        })
    }

    fn remove_subject<'a>(
        &'a self,
        subject: &'a str,
        at: i64,
    ) -> BoxFuture<'a, Result<u64, Error>> {
        let subject = subject.to_owned();
        self.with(move |conn, path| {
            conn.execute(
                "UPDATE entries SET content = NULL, receipt_id = NULL, receipt_sha256 = NULL, subject = NULL,
                     removed_at = ?2, removed_reason = 'erased'
                 WHERE subject = ?1",
                params![subject, at],
            )
            .map(|n| n as u64)
            .map_err(storage(path))
        })
    }

    fn purge(&self, expired_before: i64, at: i64) -> BoxFuture<'_, Result<u64, Error>> {
        self.with(move |conn, path| {
            conn.execute(
                "UPDATE entries SET content = NULL, receipt_id = NULL, receipt_sha256 = NULL, subject = NULL,
                     removed_at = ?2, removed_reason = 'purged'
                 WHERE expires_at < ?1 AND content IS NOT NULL",
                params![expired_before, at],
            )
            .map(|n| n as u64)
            .map_err(storage(path))
        })
    }

    fn add_checkpoint(&self, cp: Checkpoint) -> BoxFuture<'_, Result<(), Error>> {
        self.with(move |conn, path| {
            conn.execute(
                "INSERT INTO checkpoints (log_id, size, root, timestamp, key_id, signature)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    cp.log_id,
                    cp.size as i64,
                    cp.root,
                    cp.timestamp,
                    cp.key_id,
                    cp.signature
                ],
            )
            .map(drop)
            .map_err(storage(path))
        })
    }

    fn checkpoints(&self) -> BoxFuture<'_, Result<Vec<Checkpoint>, Error>> {
        self.with(|conn, path| {
            let mut st = conn
                .prepare_cached(
                    "SELECT log_id, size, root, timestamp, key_id, signature FROM checkpoints ORDER BY id",
                )
                .map_err(storage(path))?;
            let rows = st
                .query_map([], |r| {
                    Ok(Checkpoint {
                        log_id: r.get(0)?,
                        size: r.get::<_, i64>(1)? as u64,
                        root: r.get(2)?,
                        timestamp: r.get(3)?,
                        key_id: r.get(4)?,
                        signature: r.get(5)?,
                    })
                })
                .and_then(Iterator::collect)
                .map_err(storage(path));
            rows
        })
    }

    fn add_public_key(&self, key: PublicKey, at: i64) -> BoxFuture<'_, Result<(), Error>> {
        self.with(move |conn, path| {
            conn.execute(
                "INSERT OR IGNORE INTO keys (key_id, public_key, added_at) VALUES (?1, ?2, ?3)",
                params![key.key_id(), key.to_base64(), at],
            )
            .map(drop)
            .map_err(storage(path))
        })
    }

    fn public_keys(&self) -> BoxFuture<'_, Result<Vec<PublicKey>, Error>> {
        self.with(|conn, path| {
            let mut st = conn
                .prepare_cached("SELECT public_key FROM keys ORDER BY added_at")
                .map_err(storage(path))?;
            let keys: Vec<String> = st
                .query_map([], |r| r.get(0))
                .and_then(Iterator::collect)
                .map_err(storage(path))?;
            keys.iter()
                .map(|k| {
                    PublicKey::from_base64(k).map_err(|e| {
                        Error::Foreign(format!("{}: stored public key: {e}", path.display()))
                    })
                })
                .collect()
        })
    }
}
