//! `consentry-records`: the command an operator or an auditor runs on a consent log.
//!
//! ```text
//! consentry-records --log consent.db keygen --out checkpoint.key --public-out checkpoint.pub
//! consentry-records --log consent.db --key checkpoint.key checkpoint
//! consentry-records --log consent.db verify --public-key checkpoint.pub
//! consentry-records --log consent.db prove RECEIPT_ID --out proof.json
//! consentry-records check-proof proof.json --public-key checkpoint.pub
//! consentry-records --log consent.db export --subject CONSENT_ID --out export.json
//! consentry-records --log consent.db erase --subject CONSENT_ID
//! consentry-records --log consent.db --retention-days 1095 purge
//! consentry-records --log consent.db --json stats
//! ```
//!
//! The log is `--log TARGET` (a file path, `sqlite:PATH` or a `postgres://` URL) or
//! `$DATABASE_URL`; the signing key is `--key FILE` or `$CONSENTRY_RECORDS_KEY` (the base64
//! seed itself). `--json` prints one JSON object on stdout. Errors go to stderr as
//! `consentry-records: <message>`.
//!
//! Exit codes:
//! - 0: done (`verify`, `check-proof`: no problem found);
//! - 1: `verify` found problems, `check-proof` refused a proof, no such receipt, or `prove` /
//!   `export` met a damaged log;
//! - 2: usage: a wrong or missing option, no log given, an unreadable key file, a file that
//!   would be overwritten, a command that needs `--key`;
//! - 3: the log cannot be opened, read or written (database unavailable, not a consentry log,
//!   written by a newer version, disk full).

mod args;
mod audit;
mod keys;
mod output;
mod proofs;
mod removal;

use std::path::Path;
use std::process::ExitCode;

use clap::Parser as _;
use consentry_records::{ConsentLog, Error, LogOptions, SigningKey};

use args::{Cli, Command, Global};

/// Exit code: no problem.
const OK: u8 = 0;
/// Exit code: the check found problems.
const PROBLEMS: u8 = 1;
/// Exit code: the command line is wrong.
const USAGE: u8 = 2;
/// Exit code: the log (or the system) failed.
const SYSTEM: u8 = 3;

/// Why the command stopped: the message for stderr and the exit code.
#[derive(Debug)]
pub(crate) struct Fail {
    code: u8,
    message: String,
}

impl Fail {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Fail {
            code: USAGE,
            message: message.into(),
        }
    }

    pub(crate) fn check(message: impl Into<String>) -> Self {
        Fail {
            code: PROBLEMS,
            message: message.into(),
        }
    }

    pub(crate) fn system(message: impl Into<String>) -> Self {
        Fail {
            code: SYSTEM,
            message: message.into(),
        }
    }
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        let code = match &e {
            Error::NotFound(_) | Error::Damaged(_) => PROBLEMS,
            Error::Key(_) | Error::NoCheckpoint(_) | Error::Invalid(_) => USAGE,
            _ => SYSTEM,
        };
        Fail {
            code,
            message: e.to_string(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(fail) => {
            eprintln!("consentry-records: {}", fail.message);
            ExitCode::from(fail.code)
        }
    }
}

fn run(cli: Cli) -> Result<u8, Fail> {
    let g = &cli.global;
    // These two never touch a log.
    match &cli.command {
        Command::Keygen { out, public_out } => {
            return keys::keygen(out, public_out.as_deref(), g.json)
        }
        Command::CheckProof { file, public_keys } => {
            return proofs::check_proof(file, public_keys, g.json)
        }
        _ => {}
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fail::system(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        match &cli.command {
            Command::Checkpoint => audit::checkpoint(g).await,
            Command::Verify { public_keys } => audit::verify(g, public_keys).await,
            Command::Stats => audit::stats(g).await,
            Command::Prove { receipt_id, out } => {
                proofs::prove(g, receipt_id, out.as_deref()).await
            }
            Command::Export { subject, out } => proofs::export(g, subject, out.as_deref()).await,
            Command::Erase { subject } => removal::erase(g, subject).await,
            Command::Purge => removal::purge(g).await,
            Command::Keygen { .. } | Command::CheckProof { .. } => Ok(OK),
        }
    })
}

/// The log target: `--log`, else `$DATABASE_URL`.
fn target(g: &Global) -> Result<String, Fail> {
    if let Some(t) = &g.log {
        return Ok(t.clone());
    }
    match std::env::var("DATABASE_URL") {
        Ok(t) if !t.trim().is_empty() => Ok(t),
        _ => Err(Fail::usage(
            "no log given: pass --log TARGET (a file path, sqlite:PATH or a postgres:// URL) or set DATABASE_URL",
        )),
    }
}

/// Opens the log named by the global options, with `key` to sign checkpoints.
pub(crate) async fn open_log(g: &Global, key: Option<SigningKey>) -> Result<ConsentLog, Fail> {
    let target = target(g)?;
    let is_url = target.starts_with("postgres://") || target.starts_with("postgresql://");
    if !is_url {
        // Opening would create an empty log; the command only reads or changes an existing one.
        let path = target.strip_prefix("sqlite:").unwrap_or(&target);
        if !path.is_empty() && !Path::new(path).exists() {
            return Err(Fail::system(format!(
                "no consent log at {path}: the file does not exist (the app creates it on its first receipt); check --log"
            )));
        }
    }
    let mut options = LogOptions::default()
        .retention_days(g.retention_days)
        .checkpoint_every(0);
    if let Some(key) = key {
        options = options.signing_key(key);
    }
    Ok(ConsentLog::open_with(&target, options).await?)
}
