//! [`ConsentLog`]: the log an app appends receipts to, and everything an auditor, a visitor or
//! the retention policy asks of it.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot, Mutex};

use crate::backend::{AppendOutcome, Backend};
use crate::checkpoint::{Checkpoint, PublicKey, SigningKey};
use crate::entry::{hex, unhex, EntryContent, NewEntry, PreparedRow, Row};
use crate::error::Error;
use crate::merkle::{self, Hash};
use crate::verify::{self, VerifyReport};

/// How long an entry's content is kept after the consent it records expired, by default:
/// three years, the usual limitation period for claims in which a site may have to show the
/// consent (e.g. §195 BGB in Germany). Set your own with [`LogOptions::retention_days`].
pub const DEFAULT_RETENTION_DAYS: u32 = 3 * 365;

/// The most receipts written in one transaction by the log's writer.
pub const MAX_BATCH: usize = 256;

/// How a log is opened.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LogOptions {
    /// Days an entry's content is kept after the consent it records expired; then
    /// [`ConsentLog::purge`] removes it (the leaf hash stays). Default
    /// [`DEFAULT_RETENTION_DAYS`]; at least 1.
    pub retention_days: u32,
    /// The key that signs checkpoints. Without it the log appends and verifies but cannot make
    /// checkpoints (and so cannot prove entries not yet covered by one).
    pub signing_key: Option<SigningKey>,
    /// Sign a checkpoint automatically each time this many entries were appended since the
    /// last one (needs a signing key; 0: only on request). Default 1,000. A task beside the
    /// writer signs it, so appends do not wait for it: it is stored shortly after the append
    /// that made it due returns, and covers at least the entries appended until then.
    pub checkpoint_every: u64,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            retention_days: DEFAULT_RETENTION_DAYS,
            signing_key: None,
            checkpoint_every: 1_000,
        }
    }
}

impl LogOptions {
    /// Sets [`LogOptions::retention_days`] (at least 1).
    pub fn retention_days(mut self, days: u32) -> Self {
        self.retention_days = days.max(1);
        self
    }

    /// Sets the key that signs checkpoints.
    pub fn signing_key(mut self, key: SigningKey) -> Self {
        self.signing_key = Some(key);
        self
    }

    /// Sets [`LogOptions::checkpoint_every`].
    pub fn checkpoint_every(mut self, entries: u64) -> Self {
        self.checkpoint_every = entries;
        self
    }
}

/// The current time, unix seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

struct Job {
    entry: NewEntry,
    reply: oneshot::Sender<Result<AppendOutcome, Error>>,
}

struct Inner {
    backend: Arc<dyn Backend>,
    options: LogOptions,
    /// Leaf hashes read so far (they never change once written), for proofs and checkpoints.
    leaves: Mutex<LeafCache>,
    /// The signing key's public half is in the log's key table (written once per open, not
    /// at every checkpoint).
    key_stored: std::sync::atomic::AtomicBool,
}

/// The leaf hashes known so far (read, or added by the writer as it commits them), and the
/// tree's frontier over them, so the root at the newest size (what a checkpoint signs) costs
/// O(log n) hashes rather than O(n): with a log of 100,000 entries, rehashing them all at every
/// automatic checkpoint stalled the writer for tens of milliseconds (the benchmark's p99).
#[derive(Default)]
struct LeafCache {
    hashes: Vec<Hash>,
    frontier: merkle::Frontier,
}

/// A consent log: append-only, hashed into a Merkle tree, with signed checkpoints.
///
/// Appends go through one writer task that commits whatever is waiting in one transaction
/// (group commit), so many concurrent requests cost one disk sync, not one each. `append`
/// returns when the entry is durable.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use consentry_records::{ConsentLog, LogOptions, NewEntry, SigningKey};
/// let dir = tempfile::tempdir().unwrap();
/// let key = SigningKey::generate().unwrap();
/// let log = ConsentLog::open_with(
///     dir.path().join("consent.db").to_str().unwrap(),
///     LogOptions::default().signing_key(key.clone()),
/// ).await.unwrap();
/// # let receipt = consentry_records::testing::receipt(1, 1_790_000_000);
/// let outcome = log.append(NewEntry::new(receipt.clone(), 1_790_000_005)).await.unwrap();
/// assert_eq!(outcome.seq(), 0);
/// let proof = log.prove(receipt.receipt_id.as_str()).await.unwrap();
/// assert!(proof.verify(&[key.public()]).is_ok());
/// assert!(log.verify(Some(&[key.public()])).await.unwrap().is_ok());
/// # });
/// ```
#[derive(Clone)]
pub struct ConsentLog {
    inner: Arc<Inner>,
    tx: mpsc::Sender<Job>,
}

impl std::fmt::Debug for ConsentLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsentLog")
            .field("backend", &self.inner.backend.describe())
            .field("log_id", &self.inner.backend.log_id())
            .finish_non_exhaustive()
    }
}

impl ConsentLog {
    /// Opens (or creates) the log at `target` with default options: a PostgreSQL URL
    /// (`postgres://…`, `postgresql://…`), `sqlite:PATH`, or a file path (SQLite).
    ///
    /// Must run inside a Tokio runtime (the log's writer is a task).
    pub async fn open(target: &str) -> Result<Self, Error> {
        Self::open_with(target, LogOptions::default()).await
    }

    /// Opens (or creates) the log at `target` (see [`ConsentLog::open`]).
    pub async fn open_with(target: &str, options: LogOptions) -> Result<Self, Error> {
        let backend = open_backend(target).await?;
        Ok(Self::with_backend(backend, options))
    }

    /// A log over a backend already opened.
    ///
    /// # Panics
    /// Outside a Tokio runtime (the log's writer is a task spawned here). [`ConsentLog::open`]
    /// and [`ConsentLog::open_with`] are `async`, so they always run inside one.
    pub fn with_backend(backend: Arc<dyn Backend>, options: LogOptions) -> Self {
        let inner = Arc::new(Inner {
            backend,
            options,
            leaves: Mutex::new(LeafCache::default()),
            key_stored: std::sync::atomic::AtomicBool::new(false),
        });
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        let (due, sizes) = mpsc::channel(CHECKPOINTS_QUEUED);
        tokio::spawn(writer(Arc::clone(&inner), rx, due));
        tokio::spawn(checkpointer(Arc::clone(&inner), sizes));
        ConsentLog { inner, tx }
    }

    /// The backend, e.g. `SQLite /var/lib/site/consent.db`.
    pub fn describe(&self) -> String {
        self.inner.backend.describe()
    }

    /// The log's id.
    pub fn log_id(&self) -> &str {
        self.inner.backend.log_id()
    }

    /// The options it was opened with.
    pub fn options(&self) -> &LogOptions {
        &self.inner.options
    }

    /// Appends one receipt; returns when it is durable. A receipt id already in the log gives
    /// [`AppendOutcome::Duplicate`] (same receipt: nothing written) or
    /// [`AppendOutcome::Conflict`] (another receipt).
    pub async fn append(&self, entry: NewEntry) -> Result<AppendOutcome, Error> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Job { entry, reply })
            .await
            .map_err(|_| Error::Unavailable("the log's writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| Error::Unavailable("the log's writer has stopped".into()))?
    }

    /// How many entries the log has.
    pub async fn size(&self) -> Result<u64, Error> {
        self.inner.backend.size().await
    }

    /// Signs a checkpoint of the log as it is now and stores it.
    pub async fn checkpoint(&self) -> Result<Checkpoint, Error> {
        checkpoint(&self.inner).await
    }

    /// The newest stored checkpoint (the largest), if any.
    pub async fn latest_checkpoint(&self) -> Result<Option<Checkpoint>, Error> {
        let all = self.inner.backend.checkpoints().await?;
        Ok(all.into_iter().max_by_key(|c| (c.size, c.timestamp)))
    }

    /// Every stored checkpoint, oldest first.
    pub async fn checkpoints(&self) -> Result<Vec<Checkpoint>, Error> {
        self.inner.backend.checkpoints().await
    }

    /// The inclusion proof of one receipt's entry against the newest checkpoint that covers
    /// it (made now if none does and the log has a signing key).
    pub async fn prove(&self, receipt_id: &str) -> Result<InclusionProof, Error> {
        let row = self
            .inner
            .backend
            .row_of_receipt(receipt_id)
            .await?
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "no receipt {receipt_id} in the log (or it was erased)"
                ))
            })?;
        let covering = self.covering_checkpoint(row.seq).await?;
        prove_row(&self.inner, &row, &covering).await
    }

    async fn covering_checkpoint(&self, seq: u64) -> Result<Checkpoint, Error> {
        match self.latest_checkpoint().await? {
            Some(cp) if cp.size > seq => Ok(cp),
            _ if self.inner.options.signing_key.is_some() => self.checkpoint().await,
            _ => Err(Error::NoCheckpoint(format!(
                "no checkpoint covers entry {seq} yet; sign one with `consentry-records checkpoint --key KEYFILE`"
            ))),
        }
    }

    /// The records of one subject (its consent id) still held, oldest first.
    pub async fn records_of(&self, subject: &str) -> Result<Vec<EntryContent>, Error> {
        let rows = self.inner.backend.rows_of_subject(subject).await?;
        rows.iter().map(content_of).collect()
    }

    /// Everything held about one subject, each record with its inclusion proof (GDPR Art. 15).
    pub async fn export(&self, subject: &str) -> Result<SubjectExport, Error> {
        let rows = self.inner.backend.rows_of_subject(subject).await?;
        let mut records = Vec::with_capacity(rows.len());
        if let Some(last) = rows.last() {
            let covering = self.covering_checkpoint(last.seq).await?;
            for row in &rows {
                records.push(prove_row(&self.inner, row, &covering).await?);
            }
        }
        Ok(SubjectExport {
            format: EXPORT_FORMAT.into(),
            log_id: self.log_id().into(),
            subject: subject.into(),
            generated_at: now(),
            records,
        })
    }

    /// Erases every record of one subject (GDPR Art. 17): content, receipt id and subject go,
    /// the leaf hashes stay, so the log still verifies. Returns how many entries were erased.
    pub async fn erase(&self, subject: &str) -> Result<u64, Error> {
        self.inner.backend.remove_subject(subject, now()).await
    }

    /// Removes the content of every entry whose consent expired more than the retention
    /// period ago (GDPR Art. 5(1)(e)); the leaf hashes stay. Returns how many.
    pub async fn purge(&self) -> Result<u64, Error> {
        self.purge_at(now()).await
    }

    /// [`ConsentLog::purge`] as if it were `now`.
    pub async fn purge_at(&self, now: i64) -> Result<u64, Error> {
        let keep = i64::from(self.inner.options.retention_days) * 86_400;
        self.inner
            .backend
            .purge(now.saturating_sub(keep), now)
            .await
    }

    /// Checks the whole log: every entry's content against its leaf hash and position, no gap,
    /// and every checkpoint's signature and root. `trusted`: the site's published public keys;
    /// `None` uses the keys recorded in the log itself (which someone who can edit the database
    /// can also edit: an auditor passes the published keys).
    pub async fn verify(&self, trusted: Option<&[PublicKey]>) -> Result<VerifyReport, Error> {
        self.verify_with_progress(trusted, &|_, _| {}).await
    }

    /// [`ConsentLog::verify`], calling `progress(done, total)` as it goes.
    pub async fn verify_with_progress(
        &self,
        trusted: Option<&[PublicKey]>,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<VerifyReport, Error> {
        verify::run(&*self.inner.backend, trusted, progress).await
    }

    /// Counts for `stats`.
    pub async fn stats(&self) -> Result<Stats, Error> {
        let size = self.size().await?;
        let latest = self.latest_checkpoint().await?;
        Ok(Stats {
            backend: self.describe(),
            log_id: self.log_id().into(),
            entries: size,
            checkpoints: self.inner.backend.checkpoints().await?.len() as u64,
            uncovered: size - latest.as_ref().map_or(0, |c| c.size.min(size)),
            latest_checkpoint: latest,
            retention_days: self.inner.options.retention_days,
        })
    }
}

/// What `stats` tells.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// The backend.
    pub backend: String,
    /// The log's id.
    pub log_id: String,
    /// Entries in the log.
    pub entries: u64,
    /// Checkpoints stored.
    pub checkpoints: u64,
    /// Entries not yet covered by a checkpoint.
    pub uncovered: u64,
    /// The newest checkpoint.
    pub latest_checkpoint: Option<Checkpoint>,
    /// The retention setting.
    pub retention_days: u32,
}

/// The format tag of an inclusion proof.
pub const PROOF_FORMAT: &str = "consentry-records-proof/1";
/// The format tag of a subject export.
pub const EXPORT_FORMAT: &str = "consentry-records-export/1";

/// Proof that one entry is in the log: the entry, its audit path, and the signed checkpoint it
/// leads to. Checkable offline with the site's public key ([`InclusionProof::verify`],
/// `consentry-records check-proof`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionProof {
    /// [`PROOF_FORMAT`].
    pub format: String,
    /// The log's id.
    pub log_id: String,
    /// The entry's position.
    pub seq: u64,
    /// The entry's leaf hash, hex.
    pub leaf_hash: String,
    /// The entry's stored content (exact bytes, [`EntryContent`] JSON).
    pub content: String,
    /// The size of the tree the path is for (the checkpoint's).
    pub tree_size: u64,
    /// The audit path, bottom up, hex.
    pub path: Vec<String>,
    /// The signed checkpoint.
    pub checkpoint: Checkpoint,
}

/// Why a proof does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofError(pub String);

impl std::fmt::Display for ProofError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProofError {}

impl InclusionProof {
    /// The entry, read from the proof's content.
    pub fn entry(&self) -> Result<EntryContent, ProofError> {
        EntryContent::from_json(&self.content)
            .map_err(|_| ProofError("the proof's content is not a log entry".into()))
    }

    /// Checks the proof with the site's public keys: the content hashes to the leaf, the leaf
    /// sits at its position under the checkpoint's root, and the checkpoint is signed by one of
    /// `trusted`.
    pub fn verify(&self, trusted: &[PublicKey]) -> Result<(), ProofError> {
        let fail = |s: &str| Err(ProofError(s.into()));
        if self.format != PROOF_FORMAT {
            return fail("not a consentry-records proof (format)");
        }
        self.checkpoint
            .verify(trusted)
            .map_err(|e| ProofError(format!("checkpoint: {e}")))?;
        if self.checkpoint.log_id != self.log_id || self.checkpoint.size != self.tree_size {
            return fail("the checkpoint is for another log or another size");
        }
        let Some(leaf) = unhex::<32>(&self.leaf_hash) else {
            return fail("malformed leaf hash");
        };
        if merkle::leaf_hash(self.content.as_bytes()) != leaf {
            return fail("the content does not match the leaf hash (altered)");
        }
        if self.entry()?.seq != self.seq {
            return fail("the content was written at another position");
        }
        let Some(path) = self
            .path
            .iter()
            .map(|h| unhex::<32>(h))
            .collect::<Option<Vec<_>>>()
        else {
            return fail("malformed audit path");
        };
        let root = self
            .checkpoint
            .root_hash()
            .map_err(|e| ProofError(e.to_string()))?;
        if !merkle::verify_inclusion(&leaf, self.seq, self.tree_size, &path, &root) {
            return fail("the audit path does not lead to the checkpoint's root");
        }
        Ok(())
    }
}

/// Everything held about one subject (GDPR Art. 15), each record with its proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectExport {
    /// [`EXPORT_FORMAT`].
    pub format: String,
    /// The log's id.
    pub log_id: String,
    /// The subject (consent id).
    pub subject: String,
    /// When the export was made (unix seconds).
    pub generated_at: i64,
    /// The records, oldest first.
    pub records: Vec<InclusionProof>,
}

fn content_of(row: &Row) -> Result<EntryContent, Error> {
    let text = row.content.as_deref().unwrap_or_default();
    EntryContent::from_json(text)
        .map_err(|_| Error::Damaged(format!("entry {} is not a valid log entry", row.seq)))
}

/// Extends the leaf cache to `size` leaves and runs `f` on them.
async fn with_leaves<T>(
    inner: &Inner,
    size: u64,
    f: impl FnOnce(&[Hash]) -> T,
) -> Result<T, Error> {
    let mut cache = inner.leaves.lock().await;
    extend(inner, &mut cache, size).await?;
    Ok(f(&cache.hashes[..size as usize]))
}

/// Reads the leaf hashes the cache lacks up to `size`.
async fn extend(inner: &Inner, cache: &mut LeafCache, size: u64) -> Result<(), Error> {
    let have = cache.hashes.len() as u64;
    if have < size {
        let more = inner.backend.leaf_hashes(have, size).await?;
        if more.len() as u64 != size - have {
            return Err(Error::Damaged(format!(
                "the log has a gap between entries {have} and {size}"
            )));
        }
        for h in &more {
            cache.frontier.push(*h);
        }
        cache.hashes.extend(more);
    }
    Ok(())
}

/// The size and root of the tree of every leaf known, at least `at_least` of them (all
/// committed): from the frontier, O(log n), however many leaves were added since `at_least`
/// was read.
async fn head(inner: &Inner, at_least: u64) -> Result<(u64, Hash), Error> {
    let mut cache = inner.leaves.lock().await;
    extend(inner, &mut cache, at_least).await?;
    Ok((cache.frontier.size(), cache.frontier.root()))
}

async fn checkpoint(inner: &Inner) -> Result<Checkpoint, Error> {
    let key = inner.options.signing_key.as_ref().ok_or_else(|| {
        Error::NoCheckpoint(
            "the log was opened without a signing key (LogOptions::signing_key, --key)".into(),
        )
    })?;
    let size = inner.backend.size().await?;
    checkpoint_at(inner, key, size).await
}

/// Signs and stores a checkpoint of at least the first `at_least` entries (all committed).
async fn checkpoint_at(
    inner: &Inner,
    key: &SigningKey,
    at_least: u64,
) -> Result<Checkpoint, Error> {
    let (size, root) = head(inner, at_least).await?;
    let cp = Checkpoint::sign(key, inner.backend.log_id(), size, root, now());
    use std::sync::atomic::Ordering::Relaxed;
    if !inner.key_stored.load(Relaxed) {
        inner.backend.add_public_key(key.public(), now()).await?;
        inner.key_stored.store(true, Relaxed);
    }
    inner.backend.add_checkpoint(cp.clone()).await?;
    Ok(cp)
}

async fn prove_row(inner: &Inner, row: &Row, cp: &Checkpoint) -> Result<InclusionProof, Error> {
    let (root, path) = with_leaves(inner, cp.size, |leaves| {
        (
            merkle::root(leaves),
            merkle::inclusion_proof(row.seq, leaves).unwrap_or_default(),
        )
    })
    .await?;
    if hex(&root) != cp.root {
        return Err(Error::Damaged(format!(
            "the log does not match its checkpoint of size {}",
            cp.size
        )));
    }
    Ok(InclusionProof {
        format: PROOF_FORMAT.into(),
        log_id: inner.backend.log_id().into(),
        seq: row.seq,
        leaf_hash: hex(&row.leaf_hash),
        content: row.content.clone().unwrap_or_default(),
        tree_size: cp.size,
        path: path.iter().map(|h| hex(h)).collect(),
        checkpoint: cp.clone(),
    })
}

/// Automatic checkpoints waiting for the checkpointer; when it is this far behind (the database
/// is slow), the writer drops a request rather than wait: the next one covers those entries too.
const CHECKPOINTS_QUEUED: usize = 16;

/// The writer: takes whatever appends are waiting (up to [`MAX_BATCH`]) and commits them in
/// one transaction; every [`LogOptions::checkpoint_every`] new entries it asks the
/// checkpointer to sign the log up to its newest entry.
async fn writer(inner: Arc<Inner>, mut rx: mpsc::Receiver<Job>, due: mpsc::Sender<u64>) {
    let mut since_checkpoint = 0u64;
    // The size of the log after this writer's newest entry (all before it are committed).
    let mut size = 0u64;
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let entries = jobs.iter().map(|j| j.entry.clone()).collect();
        match inner.backend.append_batch(entries).await {
            Ok(outcomes) => {
                let written: Vec<(u64, &NewEntry)> = jobs
                    .iter()
                    .zip(&outcomes)
                    .filter_map(|(job, outcome)| match outcome {
                        AppendOutcome::New(seq) => Some((*seq, &job.entry)),
                        _ => None,
                    })
                    .collect();
                if let Some((last, _)) = written.last() {
                    size = size.max(last + 1);
                }
                since_checkpoint += written.len() as u64;
                remember_leaves(&inner, &written);
                for (job, outcome) in jobs.into_iter().zip(outcomes) {
                    let _ = job.reply.send(Ok(outcome));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "consentry-records: append failed");
                for job in jobs {
                    let _ = job.reply.send(Err(e.clone()));
                }
            }
        }
        let every = inner.options.checkpoint_every;
        if every > 0 && since_checkpoint >= every && inner.options.signing_key.is_some() {
            // Signed off the append path: a checkpoint's writes do not hold up the appends
            // waiting behind it.
            since_checkpoint = 0;
            if due.try_send(size).is_err() {
                tracing::warn!(
                    "consentry-records: automatic checkpoints are behind; skipped one at {size} entries"
                );
            }
        }
    }
}

/// Signs the checkpoints the writer asks for, one at a time, in order.
async fn checkpointer(inner: Arc<Inner>, mut due: mpsc::Receiver<u64>) {
    while let Some(size) = due.recv().await {
        let Some(key) = inner.options.signing_key.as_ref() else {
            return;
        };
        if let Err(e) = checkpoint_at(&inner, key, size).await {
            tracing::error!(error = %e, "consentry-records: automatic checkpoint failed");
        }
    }
}

/// Adds the leaves the writer just wrote (`(seq, entry)`, in order) to the leaf cache, so a
/// checkpoint need not read them back. Only leaves that continue the cache (positions before
/// them may be another server's, read when needed), and only when no one else holds the cache
/// (a long read for a proof must not hold up appends).
fn remember_leaves(inner: &Inner, written: &[(u64, &NewEntry)]) {
    let Ok(mut cache) = inner.leaves.try_lock() else {
        return;
    };
    for (seq, entry) in written {
        if *seq != cache.hashes.len() as u64 {
            return;
        }
        let leaf = PreparedRow::new(*seq, entry).row.leaf_hash;
        cache.frontier.push(leaf);
        cache.hashes.push(leaf);
    }
}

async fn open_backend(target: &str) -> Result<Arc<dyn Backend>, Error> {
    if target.starts_with("postgres://") || target.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        {
            use crate::postgres::PostgresBackend;
            return Ok(Arc::new(PostgresBackend::connect(target).await?));
        }
        #[cfg(not(feature = "postgres"))]
        return Err(Error::Invalid(
            "PostgreSQL support is off: build consentry-records with the `postgres` feature".into(),
        ));
    }
    let path = target.strip_prefix("sqlite:").unwrap_or(target);
    if path.is_empty() {
        return Err(Error::Invalid(
            "no log given: a file path, sqlite:PATH or a postgres:// URL".into(),
        ));
    }
    #[cfg(feature = "sqlite")]
    {
        let path = path.to_owned();
        let backend = tokio::task::spawn_blocking(move || crate::sqlite::SqliteBackend::open(path))
            .await
            .map_err(|e| Error::Unavailable(format!("database thread failed: {e}")))??;
        Ok(Arc::new(backend))
    }
    #[cfg(not(feature = "sqlite"))]
    Err(Error::Invalid(
        "SQLite support is off: build consentry-records with the `sqlite` feature".into(),
    ))
}
