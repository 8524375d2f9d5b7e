//! `cargo xtask web`: builds the npm package's generated files into `pkg/`, and runs the
//! module's wasm-bindgen tests in headless Chromium.
//!
//! cargo build (wasm32, profile `wasm-release`) → `wasm-bindgen --target web` (the CLI at the
//! exact version of the `wasm-bindgen` crate in Cargo.lock) → `wasm-opt -Oz` from npm's
//! `binaryen`, pinned in `xtask/tools/package.json` (Debian's wasm-opt 108 breaks the module in
//! Chromium, TOOLCHAIN.md); the generated JS is minified with terser, pinned there too. Output: `pkg/consentry_bg.js` and `pkg/consentry_bg.wasm`, loaded by
//! the hand-written `pkg/consentry.js`.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::env::{cargo, ensure_wasm_target, npm_ci, output, root, run};

const CRATE: &str = "consentry-web";
const TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "wasm-release";
/// Base name of the generated files in `pkg/`.
const OUT: &str = "consentry_bg";

/// The version of a package in Cargo.lock.
fn locked_version(name: &str) -> Result<String, String> {
    let lock = fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let needle = format!("name = \"{name}\"\nversion = \"");
    let at = lock
        .find(&needle)
        .ok_or_else(|| format!("{name} is not in Cargo.lock"))?;
    let rest = &lock[at + needle.len()..];
    Ok(rest[..rest.find('"').unwrap_or(0)].to_string())
}

/// Installs wasm-bindgen-cli at the crate's exact version unless that one is on PATH.
fn ensure_wasm_bindgen() -> Result<(), String> {
    let want = locked_version("wasm-bindgen")?;
    let have = output(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(want.as_str()) {
        return Ok(());
    }
    eprintln!("wasm-bindgen CLI is {have:?}, need {want}: installing (takes a few minutes once)");
    // Without --locked: the CLI's own lock file wants crate versions this registry lacks.
    run(cargo().args(["install", "wasm-bindgen-cli", "--version", &want]))
}

/// Builds `pkg/consentry_bg.js` and `pkg/consentry_bg.wasm`.
pub(crate) fn build() -> Result<(), String> {
    ensure_wasm_target()?;
    ensure_wasm_bindgen()?;
    let tools = root().join("xtask/tools");
    npm_ci(&tools)?;
    run(cargo().args([
        "build",
        "-p",
        CRATE,
        "--target",
        TARGET,
        "--profile",
        PROFILE,
    ]))?;

    let root = root();
    let wasm = root.join(format!(
        "target/{TARGET}/{PROFILE}/{}.wasm",
        CRATE.replace('-', "_")
    ));
    let tmp = root.join(format!("target/{TARGET}/{PROFILE}/bindgen"));
    let _ = fs::remove_dir_all(&tmp);
    run(Command::new("wasm-bindgen")
        .arg(&wasm)
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--out-name",
            OUT,
            "--out-dir",
        ])
        .arg(&tmp))?;

    let pkg = root.join("pkg");
    fs::create_dir_all(&pkg).map_err(|e| format!("cannot create pkg/: {e}"))?;
    let out_wasm = pkg.join(format!("{OUT}.wasm"));
    run(Command::new(tools.join("node_modules/.bin/wasm-opt"))
        .arg(tmp.join(format!("{OUT}_bg.wasm")))
        .args(["-Oz", "--strip-debug", "--strip-producers", "-o"])
        .arg(&out_wasm))?;

    // The generated loader's default URL names `<out>_bg.wasm`; ours is `<out>.wasm`.
    let js = fs::read_to_string(tmp.join(format!("{OUT}.js")))
        .map_err(|e| format!("wasm-bindgen wrote no JS: {e}"))?;
    let js = js.replace(&format!("{OUT}_bg.wasm"), &format!("{OUT}.wasm"));
    let glue = tmp.join("glue.js");
    write(&glue, js.as_bytes())?;
    // Minified with terser (pinned beside binaryen): the glue's doc comments and names.
    run(Command::new(tools.join("node_modules/.bin/terser"))
        .arg(&glue)
        .args(["--module", "--compress", "passes=2", "--mangle", "--output"])
        .arg(pkg.join(format!("{OUT}.js"))))?;

    for f in [
        "consentry-gate.js",
        "consentry.js",
        &format!("{OUT}.js"),
        &format!("{OUT}.wasm"),
    ] {
        if let Ok(m) = fs::metadata(pkg.join(f)) {
            eprintln!("pkg/{f}: {} bytes", m.len());
        }
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Runs the module's wasm-bindgen tests in headless Chromium (chromedriver on PATH).
pub(crate) fn wasm_tests() -> Result<(), String> {
    ensure_wasm_target()?;
    ensure_wasm_bindgen()?;
    run(cargo()
        .args(["test", "-p", CRATE, "--target", TARGET])
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        )
        .env("CHROMEDRIVER", chromedriver())
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120"))
}

/// chromedriver's path (`CHROMEDRIVER`, or the first on PATH, or Debian's).
fn chromedriver() -> String {
    std::env::var("CHROMEDRIVER")
        .ok()
        .or_else(|| output(Command::new("sh").args(["-c", "command -v chromedriver"])))
        .unwrap_or_else(|| "/usr/bin/chromedriver".into())
}
