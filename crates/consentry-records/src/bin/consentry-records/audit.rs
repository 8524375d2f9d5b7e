//! `checkpoint`, `verify` and `stats`: the state of the whole log.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use consentry_records::verify::KeySource;
use consentry_records::Problem;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::args::Global;
use crate::output::{checkpoint_summary, emit, utc, Lines};
use crate::{keys, open_log, Fail, OK, PROBLEMS};

/// `checkpoint`: signs the current head.
pub(crate) async fn checkpoint(g: &Global) -> Result<u8, Fail> {
    let key = keys::required_signing_key(g, "checkpoint")?;
    let log = open_log(g, Some(key)).await?;
    let cp = log.checkpoint().await?;
    let mut lines = Lines::default();
    lines
        .field("size", cp.size)
        .field("root", &cp.root)
        .field("key id", &cp.key_id)
        .field(
            "timestamp",
            format!("{} ({})", utc(cp.timestamp), cp.timestamp),
        );
    emit(g.json, &lines, &cp)?;
    Ok(OK)
}

/// `verify`: reads the whole log; exit 1 when anything was found.
pub(crate) async fn verify(g: &Global, public_key_files: &[PathBuf]) -> Result<u8, Fail> {
    let trusted = keys::public_keys(public_key_files)?;
    let log = open_log(g, None).await?;
    if trusted.is_empty() {
        eprintln!(
            "consentry-records: warning: no --public-key given, so checkpoints are checked with the keys recorded in the log itself; someone who can edit the database can edit those too: pass the site's published public keys"
        );
    }
    let bar = progress_bar(g.json);
    let report = log
        .verify_with_progress(
            (!trusted.is_empty()).then_some(&trusted[..]),
            &|done, total| {
                bar.set_length(total);
                bar.set_position(done);
            },
        )
        .await;
    bar.finish_and_clear();
    let report = report?;
    let mut lines = Lines::default();
    lines
        .field("log", log.describe())
        .field("entries", report.entries)
        .field("removed", report.removed)
        .field("checkpoints", report.checkpoints)
        .field("uncovered", report.uncovered)
        .field("root", &report.root)
        .field(
            "keys",
            match report.keys {
                KeySource::Trusted => "the public keys given (--public-key)",
                KeySource::Log => "the keys recorded in the log (not a trust anchor)",
            },
        )
        .field("problems", report.problems.len());
    for p in &report.problems {
        lines.note(format!("  {}", describe(p)));
    }
    lines.note(if report.is_ok() {
        "OK: no problem found"
    } else {
        "PROBLEMS FOUND: the log was changed behind the application's back"
    });
    let mut value = serde_json::to_value(&report)
        .map_err(|e| Fail::system(format!("cannot write JSON: {e}")))?;
    value["ok"] = json!(report.is_ok());
    emit(g.json, &lines, &value)?;
    Ok(if report.is_ok() { OK } else { PROBLEMS })
}

/// One problem on one line, starting with the entry it is about.
fn describe(p: &Problem) -> String {
    let kind = serde_json::to_value(p.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    match p.seq {
        Some(seq) if !p.message.starts_with("entr") => {
            format!("[{kind}] entry {seq}: {}", p.message)
        }
        _ => format!("[{kind}] {}", p.message),
    }
}

/// A bar on stderr, hidden when stderr is not a terminal or the output is JSON.
fn progress_bar(json: bool) -> ProgressBar {
    if json || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template("verifying [{bar:40}] {pos}/{len} entries ({eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::new(0).with_style(style)
}

/// `stats`.
pub(crate) async fn stats(g: &Global) -> Result<u8, Fail> {
    let log = open_log(g, None).await?;
    let stats = log.stats().await?;
    let mut lines = Lines::default();
    lines
        .field("backend", &stats.backend)
        .field("log id", &stats.log_id)
        .field("entries", stats.entries)
        .field("checkpoints", stats.checkpoints)
        .field("uncovered", stats.uncovered)
        .field(
            "newest checkpoint",
            stats
                .latest_checkpoint
                .as_ref()
                .map_or_else(|| "none".to_owned(), checkpoint_summary),
        )
        .field("retention", format!("{} days", stats.retention_days));
    emit(g.json, &lines, &stats)?;
    Ok(OK)
}
