//! `prove`, `export`, and `check-proof`, which checks their files offline.

use std::path::{Path, PathBuf};

use consentry_records::{InclusionProof, SubjectExport, EXPORT_FORMAT, PROOF_FORMAT};
use serde_json::{json, Value};

use crate::args::Global;
use crate::output::{checkpoint_summary, emit, print, to_json, utc, write_file, Lines};
use crate::{keys, open_log, Fail, OK, PROBLEMS};

/// Writes `value` as JSON to `out`, or prints it when there is no `out`; returns the path
/// written, for the summary.
fn print_or_write<'a, T: serde::Serialize>(
    value: &T,
    out: Option<&'a Path>,
) -> Result<Option<&'a Path>, Fail> {
    let text = to_json(value)? + "\n";
    match out {
        None => print(&text).map(|()| None),
        Some(path) => write_file(path, &text).map(|()| Some(path)),
    }
}

/// `prove`: the inclusion proof of one receipt, on stdout or in `out`.
pub(crate) async fn prove(g: &Global, receipt_id: &str, out: Option<&Path>) -> Result<u8, Fail> {
    // With a key, a proof of an entry no checkpoint covers yet signs one.
    let log = open_log(g, keys::signing_key(g)?).await?;
    let proof = log.prove(receipt_id).await?;
    let Some(path) = print_or_write(&proof, out)? else {
        return Ok(OK);
    };
    let mut lines = Lines::default();
    lines
        .field("proof", path.display())
        .field("entry", proof.seq)
        .field("checkpoint", checkpoint_summary(&proof.checkpoint));
    let value = json!({
        "out": path,
        "seq": proof.seq,
        "tree_size": proof.tree_size,
        "checkpoint": proof.checkpoint,
    });
    emit(g.json, &lines, &value)?;
    Ok(OK)
}

/// `export`: everything held about one subject, with proofs, on stdout or in `out`.
pub(crate) async fn export(g: &Global, subject: &str, out: Option<&Path>) -> Result<u8, Fail> {
    let log = open_log(g, keys::signing_key(g)?).await?;
    let export = log.export(subject).await?;
    let Some(path) = print_or_write(&export, out)? else {
        return Ok(OK);
    };
    let mut lines = Lines::default();
    lines
        .field("export", path.display())
        .field("subject", subject)
        .field("records", export.records.len());
    let value = json!({ "out": path, "subject": subject, "records": export.records.len() });
    emit(g.json, &lines, &value)?;
    Ok(OK)
}

/// A proof or export file, read.
enum ProofFile {
    Proof(InclusionProof),
    Export(SubjectExport),
}

fn read_proof_file(file: &Path) -> Result<ProofFile, Fail> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| Fail::usage(format!("cannot read {}: {e}", file.display())))?;
    let not_ours = |why: String| {
        Fail::check(format!(
            "{} is not a consentry-records proof or export: {why}",
            file.display()
        ))
    };
    let value: Value =
        serde_json::from_str(&text).map_err(|e| not_ours(format!("not JSON ({e})")))?;
    let format = value["format"].as_str().unwrap_or_default().to_owned();
    if format == PROOF_FORMAT {
        serde_json::from_value(value)
            .map(ProofFile::Proof)
            .map_err(|e| not_ours(e.to_string()))
    } else if format == EXPORT_FORMAT {
        serde_json::from_value(value)
            .map(ProofFile::Export)
            .map_err(|e| not_ours(e.to_string()))
    } else {
        Err(not_ours(format!(
            "its format is {format:?}, expected {PROOF_FORMAT:?} or {EXPORT_FORMAT:?}"
        )))
    }
}

/// `check-proof`: checks every proof in a proof or export file with the published keys.
pub(crate) fn check_proof(file: &Path, key_files: &[PathBuf], json: bool) -> Result<u8, Fail> {
    let trusted = keys::public_keys(key_files)?;
    let (format, log_id, subject, proofs) = match read_proof_file(file)? {
        ProofFile::Proof(p) => (PROOF_FORMAT, p.log_id.clone(), None, vec![p]),
        ProofFile::Export(e) => (EXPORT_FORMAT, e.log_id, Some(e.subject), e.records),
    };
    let mut lines = Lines::default();
    lines.field("file", file.display()).field("format", format);
    lines.field("log id", &log_id);
    if let Some(s) = &subject {
        lines.field("subject", s).field("records", proofs.len());
    }
    let mut records = Vec::new();
    let mut failed = 0;
    for (i, proof) in proofs.iter().enumerate() {
        let verdict = proof
            .verify(&trusted)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                // Each record of an export must be of that export's log and subject.
                let entry = proof.entry().map_err(|e| e.to_string())?;
                if proof.log_id != log_id {
                    return Err("the record is from another log than the export".into());
                }
                match &subject {
                    Some(s) if entry.receipt.subject.as_str() != s => {
                        Err("the record is of another subject than the export".into())
                    }
                    _ => Ok(()),
                }
            });
        if verdict.is_err() {
            failed += 1;
        }
        if subject.is_some() {
            lines.field("record", format!("{} of {}", i + 1, proofs.len()));
        }
        records.push(describe(proof, &verdict, &mut lines));
    }
    lines.note(match failed {
        0 if proofs.len() == 1 => {
            "OK: the receipt is in the log, under a checkpoint signed with a trusted key".to_owned()
        }
        0 => format!("OK: all {} records check", proofs.len()),
        n => format!("NOT OK: {n} of {} records do not check", proofs.len()),
    });
    let value = json!({
        "file": file,
        "format": format,
        "log_id": log_id,
        "subject": subject,
        "ok": failed == 0,
        "records": records,
    });
    emit(json, &lines, &value)?;
    Ok(if failed == 0 { OK } else { PROBLEMS })
}

/// What one proof's receipt says, and the verdict: readable lines, and the JSON object.
fn describe(proof: &InclusionProof, verdict: &Result<(), String>, lines: &mut Lines) -> Value {
    let mut value = json!({
        "seq": proof.seq,
        "ok": verdict.is_ok(),
        "error": verdict.as_ref().err(),
        "checkpoint": proof.checkpoint,
    });
    lines.field("entry", proof.seq);
    if let Ok(entry) = proof.entry() {
        let r = &entry.receipt;
        let event = serde_json::to_value(r.event).unwrap_or_default();
        let (granted, refused): (Vec<_>, Vec<_>) = r.purposes.iter().partition(|p| p.granted);
        let names = |ps: &[&consentry::receipt::PurposeState]| {
            ps.iter().map(|p| p.category.clone()).collect::<Vec<_>>()
        };
        let (granted, refused) = (names(&granted), names(&refused));
        let list = |v: &[String]| {
            if v.is_empty() {
                "-".to_owned()
            } else {
                v.join(", ")
            }
        };
        lines
            .field("receipt", r.receipt_id.as_str())
            .field("subject", r.subject.as_str())
            .field("event", event.as_str().unwrap_or_default())
            .field("issued at", utc(r.issued_at.0))
            .field("granted", list(&granted))
            .field("refused", list(&refused))
            .field(
                "policy",
                format!("revision {} ({})", r.policy_revision, r.policy_sha256),
            );
        value["receipt_id"] = json!(r.receipt_id.as_str());
        value["subject"] = json!(r.subject.as_str());
        value["event"] = event;
        value["issued_at"] = json!(r.issued_at.0);
        value["issued_at_utc"] = json!(utc(r.issued_at.0));
        value["granted"] = json!(granted);
        value["refused"] = json!(refused);
        value["policy_revision"] = json!(r.policy_revision);
    }
    lines
        .field("checkpoint", checkpoint_summary(&proof.checkpoint))
        .field(
            "result",
            match verdict {
                Ok(()) => "OK".to_owned(),
                Err(why) => format!("NOT OK: {why}"),
            },
        );
    value
}
