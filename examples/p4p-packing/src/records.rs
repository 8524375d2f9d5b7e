//! The site's consent log (consentry-records): where it lives, the key that signs its
//! checkpoints, and the sink the receipts endpoint stores into.

use std::io::Write as _;
use std::path::Path;

use consentry_records::{ConsentLog, LogOptions, SigningKey};
use consentry_server::{AcceptedReceipt, ReceiptSink, SinkFuture};

/// The SQLite log's file name in the data directory.
pub(crate) const LOG_FILE: &str = "consent-log.db";
/// The checkpoint signing key's file name in the data directory (base64 seed, mode 0600).
pub(crate) const KEY_FILE: &str = "records-signing.key";
/// Its public half, beside it (also served at [`PUBLIC_KEY_PATH`]).
pub(crate) const PUBLIC_KEY_FILE: &str = "records-signing.pub";
/// Where auditors fetch the public key that checks the log's checkpoints.
pub(crate) const PUBLIC_KEY_PATH: &str = "/.well-known/consentry-records.pub";
/// A signed checkpoint every this many new receipts (and one at shutdown).
const CHECKPOINT_EVERY: u64 = 100;

/// The open log and what the site publishes about it.
pub(crate) struct Records {
    pub(crate) log: ConsentLog,
    /// The public key, base64, as served at [`PUBLIC_KEY_PATH`].
    pub(crate) public_key: String,
}

/// Why the log could not be opened: printed, then the example exits.
pub(crate) type OpenError = String;

/// Opens the log: `database_url` (PostgreSQL) if given, else `data_dir/consent-log.db`. The
/// signing key is read from `data_dir`, or made there on first start.
pub(crate) async fn open(
    data_dir: &Path,
    database_url: Option<&str>,
) -> Result<Records, OpenError> {
    std::fs::create_dir_all(data_dir).map_err(|e| {
        format!(
            "cannot create the data directory {}: {e}",
            data_dir.display()
        )
    })?;
    let key = signing_key(data_dir)?;
    let public_key = key.public().to_base64();
    let public_path = data_dir.join(PUBLIC_KEY_FILE);
    std::fs::write(&public_path, format!("{public_key}\n"))
        .map_err(|e| format!("cannot write {}: {e}", public_path.display()))?;
    let options = LogOptions::default()
        .signing_key(key)
        .checkpoint_every(CHECKPOINT_EVERY);
    let (target, shown) = match database_url {
        // The URL may hold a password: never print it.
        Some(url) => (
            url.to_owned(),
            "the PostgreSQL database of --database-url".to_owned(),
        ),
        None => {
            let file = data_dir.join(LOG_FILE);
            let target = file
                .to_str()
                .ok_or_else(|| {
                    format!("{}: the data directory's path is not UTF-8", file.display())
                })?
                .to_owned();
            (target, file.display().to_string())
        }
    };
    let log = ConsentLog::open_with(&target, options)
        .await
        .map_err(|e| format!("cannot open the consent log in {shown}: {e}"))?;
    Ok(Records { log, public_key })
}

/// The checkpoint signing key from `data_dir`, made on first start.
///
/// A file beside the database keeps the example self-contained. A real site keeps the private
/// key in its secret store (so that whoever can edit the database cannot also sign a checkpoint
/// over the edit) and publishes only the public key.
fn signing_key(data_dir: &Path) -> Result<SigningKey, OpenError> {
    let path = data_dir.join(KEY_FILE);
    if path.exists() {
        return SigningKey::from_file(&path).map_err(|e| e.to_string());
    }
    let key = SigningKey::generate().map_err(|e| e.to_string())?;
    write_secret(&path, &format!("{}\n", key.to_base64()))
        .map_err(|e| format!("cannot write the signing key {}: {e}", path.display()))?;
    tracing::info!(key = %path.display(), "made a new checkpoint signing key");
    Ok(key)
}

/// Writes a new file only its owner can read (mode 0600 on Unix).
fn write_secret(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// The receipts endpoint's sink: the log, plus one line in the server's log per stored receipt
/// (no subject, no purposes: the receipt id is enough to find it).
pub(crate) struct LoggedReceipts(pub(crate) ConsentLog);

impl ReceiptSink for LoggedReceipts {
    fn store<'a>(&'a self, accepted: &'a AcceptedReceipt) -> SinkFuture<'a> {
        Box::pin(async move {
            let stored = self.0.store(accepted).await;
            if let Ok(outcome) = &stored {
                tracing::info!(
                    receipt_id = accepted.receipt.receipt_id.as_str(),
                    ?outcome,
                    "consent receipt stored in the log"
                );
            }
            stored
        })
    }
}

/// Signs a checkpoint over the entries appended since the last one (at shutdown).
pub(crate) async fn checkpoint_rest(log: &ConsentLog) {
    let covered = match log.latest_checkpoint().await {
        Ok(latest) => latest.map_or(0, |c| c.size),
        Err(e) => return tracing::error!(error = %e, "consent log: cannot read checkpoints"),
    };
    match log.size().await {
        Ok(size) if size > covered => match log.checkpoint().await {
            Ok(cp) => tracing::info!(size = cp.size, "consent log: checkpoint signed"),
            Err(e) => tracing::error!(error = %e, "consent log: checkpoint failed"),
        },
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "consent log: cannot read its size"),
    }
}
