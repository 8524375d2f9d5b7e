//! Writing results: aligned `key: value` lines for people, one JSON object for machines.

use std::io::Write as _;
use std::path::Path;

use consentry_records::Checkpoint;
use serde::Serialize;

use crate::Fail;

/// Readable output: `key: value` lines, values aligned, then free lines.
#[derive(Debug, Default)]
pub(crate) struct Lines {
    fields: Vec<(String, String)>,
    notes: Vec<String>,
}

impl Lines {
    pub(crate) fn field(&mut self, key: &str, value: impl std::fmt::Display) -> &mut Self {
        self.fields.push((key.to_owned(), value.to_string()));
        self
    }

    pub(crate) fn note(&mut self, line: impl Into<String>) -> &mut Self {
        self.notes.push(line.into());
        self
    }

    fn render(&self) -> String {
        let width = self.fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
        let mut out = String::new();
        for (key, value) in &self.fields {
            out.push_str(&format!("{:<width$} {value}\n", format!("{key}:")));
        }
        for line in &self.notes {
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}

/// Prints `lines`, or `json` with `--json`.
pub(crate) fn emit(json_mode: bool, lines: &Lines, json: &impl Serialize) -> Result<(), Fail> {
    if json_mode {
        print_json(json)
    } else {
        print(&lines.render())
    }
}

/// Prints one JSON value (pretty) on stdout.
pub(crate) fn print_json(value: &impl Serialize) -> Result<(), Fail> {
    print(&(to_json(value)? + "\n"))
}

pub(crate) fn to_json(value: &impl Serialize) -> Result<String, Fail> {
    serde_json::to_string_pretty(value).map_err(|e| Fail::system(format!("cannot write JSON: {e}")))
}

/// Writes to stdout. A closed pipe (`| head`) is not an error.
pub(crate) fn print(text: &str) -> Result<(), Fail> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Fail::system(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// Writes an output file (`--out`), replacing it.
pub(crate) fn write_file(path: &Path, text: &str) -> Result<(), Fail> {
    std::fs::write(path, text)
        .map_err(|e| Fail::usage(format!("cannot write {}: {e}", path.display())))
}

/// Unix seconds as an RFC 3339 UTC time, `2026-09-21T14:13:20Z`.
pub(crate) fn utc(unix: i64) -> String {
    consentry::Timestamp(unix).to_rfc3339()
}

/// A checkpoint in one line.
pub(crate) fn checkpoint_summary(cp: &Checkpoint) -> String {
    format!(
        "{} entries, signed {} by key {}",
        cp.size,
        utc(cp.timestamp),
        cp.key_id
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_unix_seconds_as_rfc3339() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(1_790_000_000), "2026-09-21T14:13:20Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn fields_are_aligned() {
        let mut lines = Lines::default();
        lines.field("entries", 6).field("uncovered", 0).note("done");
        assert_eq!(lines.render(), "entries:   6\nuncovered: 0\ndone\n");
    }
}
