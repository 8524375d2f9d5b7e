//! Finding and installing what the tasks need: the wasm target, Chromium, npm packages.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Runs a command in the workspace root, echoing it; fails with a message naming it.
pub(crate) fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}").replace('"', "");
    eprintln!("\n==> {shown}");
    let started = std::time::Instant::now();
    let status = cmd
        .current_dir_if_unset()
        .status()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    // Each step's time, so a log shows where a run's time goes.
    let short: String = shown.chars().take(100).collect();
    eprintln!("<== {:.1} s: {short}", started.elapsed().as_secs_f64());
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

trait CurrentDir {
    fn current_dir_if_unset(&mut self) -> &mut Self;
}

impl CurrentDir for Command {
    fn current_dir_if_unset(&mut self) -> &mut Self {
        if self.get_current_dir().is_none() {
            self.current_dir(root());
        }
        self
    }
}

/// True if `program --version` runs.
pub(crate) fn has(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Output of a command, trimmed, if it ran successfully.
pub(crate) fn output(cmd: &mut Command) -> Option<String> {
    let o = cmd.output().ok()?;
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

/// `cargo`, as the one running us.
pub(crate) fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Adds the wasm32 target if it is missing (idempotent, fast when present).
pub(crate) fn ensure_wasm_target() -> Result<(), String> {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    if !has("rustup") {
        return Err("the wasm32-unknown-unknown target is missing and rustup is not available to add it: install it with your Rust toolchain manager".into());
    }
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// Node.js and npm must be there; they are not installed automatically.
pub(crate) fn ensure_node() -> Result<(), String> {
    if has("node") && has("npm") {
        Ok(())
    } else {
        Err("Node.js (>= 18) and npm are needed for the browser build and tests: install them (e.g. `apt-get install nodejs npm`) and run again".into())
    }
}

/// `npm ci` in a folder with a lockfile, unless node_modules is already up to date.
pub(crate) fn npm_ci(dir: &Path) -> Result<(), String> {
    ensure_node()?;
    let lock = dir.join("package-lock.json");
    let stamp = dir.join("node_modules/.package-lock.json");
    let fresh = match (
        std::fs::metadata(&lock).and_then(|m| m.modified()),
        std::fs::metadata(&stamp).and_then(|m| m.modified()),
    ) {
        (Ok(l), Ok(s)) => s >= l,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir))
}

/// Path to Chromium, installing Debian's `chromium` and `chromium-driver` when possible.
pub(crate) fn ensure_chromium() -> Result<PathBuf, String> {
    let chromium = PathBuf::from(
        std::env::var("CONSENTRY_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
    );
    // The e2e harness makes a throw-away TLS certificate with openssl.
    if chromium.exists() && has("chromedriver") && has_openssl() {
        return Ok(chromium);
    }
    let root_user = output(Command::new("id").arg("-u")).is_some_and(|u| u == "0");
    if root_user && has("apt-get") {
        run(Command::new("apt-get").arg("update").arg("-qq"))?;
        run(Command::new("apt-get")
            .args([
                "install",
                "-y",
                "-qq",
                "chromium",
                "chromium-driver",
                "openssl",
            ])
            .env("DEBIAN_FRONTEND", "noninteractive"))?;
        if chromium.exists() {
            return Ok(chromium);
        }
    }
    Err(format!(
        "Chromium and ChromeDriver are needed for the browser tests and were not found at {} / on PATH. Install them (Debian/Ubuntu: `sudo apt-get install chromium chromium-driver openssl`), or set CONSENTRY_CHROMIUM to a Chromium binary and put a matching chromedriver on PATH.",
        chromium.display()
    ))
}

/// True if the `openssl` command runs (`openssl version`; it has no `--version`).
fn has_openssl() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}
