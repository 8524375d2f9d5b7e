//! The command line: global options and subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use consentry_records::DEFAULT_RETENTION_DAYS;

const EXIT_CODES: &str = "\
Exit codes:
  0  done (verify, check-proof: no problem found)
  1  verify found problems; check-proof refused a proof; no such receipt in the log
  2  usage: a wrong or missing option, no log given, a key file that cannot be read,
     a file that would be overwritten, a command that needs --key
  3  the log cannot be opened, read or written: database unavailable, not a consentry log,
     written by a newer version, disk full";

const KEYGEN_ABOUT: &str = "\
Makes a new Ed25519 signing key for checkpoints.

Writes the key to --out (base64 of the 32-byte seed, file mode 0600; an existing file is never
overwritten) and prints the public key and its key id. Keep the key file secret; publish the
public key (e.g. on the privacy page) so that auditors can check proofs and the log without
trusting the site.

Rotation: make a new key, publish its public key next to the old one, and sign new checkpoints
with the new key (--key NEWFILE). Checkpoints signed with the old key keep verifying with the
old public key; keep publishing it.";

const VERIFY_ABOUT: &str = "\
Checks the whole log: every entry against its leaf hash and position, no gap, and every
checkpoint's signature and root. Names each edited, deleted, moved or inserted entry.

Pass the site's published public keys with --public-key. Without it, the keys recorded in the
log itself are used, and someone who can edit the database can also edit those.";

/// The consentry consent log: verify it, sign checkpoints, prove receipts, export, erase and
/// purge.
#[derive(Debug, Parser)]
#[command(name = "consentry-records", version, after_help = EXIT_CODES)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// The consent log: a file path, sqlite:PATH or a postgres:// URL [default: $DATABASE_URL]
    #[arg(long, global = true, value_name = "TARGET")]
    pub(crate) log: Option<String>,

    /// Print one JSON object on stdout instead of readable lines
    #[arg(long, global = true)]
    pub(crate) json: bool,

    /// The checkpoint signing key file (from `keygen`) [default: $CONSENTRY_RECORDS_KEY, the
    /// key's base64 seed itself]
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) key: Option<PathBuf>,

    /// Days an entry's content is kept after the consent it records expired
    #[arg(
        long,
        global = true,
        value_name = "N",
        default_value_t = DEFAULT_RETENTION_DAYS,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub(crate) retention_days: u32,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Make a new checkpoint signing key (see --help for publishing and rotation)
    #[command(long_about = KEYGEN_ABOUT)]
    Keygen {
        /// Where to write the signing key (must not exist)
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Also write the public key here (must not exist)
        #[arg(long, value_name = "FILE")]
        public_out: Option<PathBuf>,
    },
    /// Sign a checkpoint of the log as it is now (needs --key)
    Checkpoint,
    /// Check the whole log and name every problem
    #[command(long_about = VERIFY_ABOUT)]
    Verify {
        /// A published public key to check checkpoints with (repeat for old keys)
        #[arg(long = "public-key", value_name = "FILE")]
        public_keys: Vec<PathBuf>,
    },
    /// Write the inclusion proof of one receipt (JSON)
    Prove {
        /// The receipt's id
        receipt_id: String,
        /// Write the proof here instead of stdout
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Check a proof or subject export file offline (no database needed)
    CheckProof {
        /// A proof (from `prove`) or an export (from `export`)
        file: PathBuf,
        /// The site's published public key (repeat for old keys)
        #[arg(long = "public-key", value_name = "FILE", required = true)]
        public_keys: Vec<PathBuf>,
    },
    /// Write everything held about one subject, with proofs (GDPR Art. 15)
    Export {
        /// The subject: the visitor's consent id
        #[arg(long)]
        subject: String,
        /// Write the export here instead of stdout
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Erase every record of one subject (GDPR Art. 17); the log still verifies
    Erase {
        /// The subject: the visitor's consent id
        #[arg(long)]
        subject: String,
    },
    /// Remove the content of entries past the retention period (see --retention-days)
    Purge,
    /// Show the log's size, checkpoints and settings
    Stats,
}
