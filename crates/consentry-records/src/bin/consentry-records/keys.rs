//! `keygen`, and reading the keys the other commands are given.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use consentry_records::{PublicKey, SigningKey};
use serde_json::json;

use crate::args::Global;
use crate::output::{emit, Lines};
use crate::{Fail, OK};

/// The environment variable holding the signing key's base64 seed, when `--key` is not given.
const KEY_ENV: &str = "CONSENTRY_RECORDS_KEY";

/// `keygen`: writes a new signing key (and its public key), never over an existing file.
pub(crate) fn keygen(out: &Path, public_out: Option<&Path>, json: bool) -> Result<u8, Fail> {
    for path in std::iter::once(out).chain(public_out) {
        if path.exists() {
            return Err(Fail::usage(format!(
                "{} already exists: not overwriting it (a replaced signing key cannot be recovered); choose another path",
                path.display()
            )));
        }
    }
    let key = SigningKey::generate().map_err(|e| Fail::system(e.to_string()))?;
    let public = key.public();
    write_new(out, &key.to_base64(), true)?;
    if let Some(path) = public_out {
        write_new(path, &public.to_base64(), false)?;
    }
    let mut lines = Lines::default();
    lines
        .field("signing key", format!("{} (keep it secret)", out.display()))
        .field("public key", public.to_base64())
        .field("key id", public.key_id());
    if let Some(path) = public_out {
        lines.field("public key file", path.display());
    }
    lines.note(format!(
        "Publish the public key so auditors can check proofs; sign checkpoints with --key {}.",
        out.display()
    ));
    let value = json!({
        "signing_key_file": out,
        "public_key": public.to_base64(),
        "key_id": public.key_id(),
        "public_key_file": public_out,
    });
    emit(json, &lines, &value)?;
    Ok(OK)
}

/// Creates `path` (failing if it exists) holding `text` and a newline; `secret`: mode 0600.
fn write_new(path: &Path, text: &str, secret: bool) -> Result<(), Fail> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    let cannot = |e: std::io::Error| Fail::usage(format!("cannot write {}: {e}", path.display()));
    let mut file = options.open(path).map_err(cannot)?;
    file.write_all(format!("{text}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(cannot)
}

/// The signing key: `--key FILE`, else `$CONSENTRY_RECORDS_KEY`, else none.
pub(crate) fn signing_key(g: &Global) -> Result<Option<SigningKey>, Fail> {
    if let Some(path) = &g.key {
        return SigningKey::from_file(path)
            .map(Some)
            .map_err(|e| Fail::usage(e.to_string()));
    }
    match std::env::var(KEY_ENV) {
        Ok(text) if !text.trim().is_empty() => SigningKey::from_base64(&text)
            .map(Some)
            .map_err(|e| Fail::usage(format!("{KEY_ENV}: {e}"))),
        _ => Ok(None),
    }
}

/// The signing key, for a command that cannot work without it.
pub(crate) fn required_signing_key(g: &Global, command: &str) -> Result<SigningKey, Fail> {
    signing_key(g)?.ok_or_else(|| {
        Fail::usage(format!(
            "{command} needs the signing key: pass --key FILE or set {KEY_ENV} to its base64 seed (make one with `consentry-records keygen --out FILE`)"
        ))
    })
}

/// Reads public key files (`--public-key`).
pub(crate) fn public_keys(paths: &[PathBuf]) -> Result<Vec<PublicKey>, Fail> {
    paths
        .iter()
        .map(|p| PublicKey::from_file(p).map_err(|e| Fail::usage(e.to_string())))
        .collect()
}
