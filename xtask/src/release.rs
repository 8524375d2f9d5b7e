//! `cargo xtask release-check`: what would be published, checked as a user would receive it.
//!
//! 0. The web bundle built (`cargo xtask web`) and its page files ([`BUNDLE_FILES`]) copied
//!    into `crates/consentry-server/assets/` (git-ignored, listed in that crate's `include`):
//!    the published `consentry-server` embeds them from there with its `assets` feature. A real
//!    publish runs after this check, from the same tree.
//! 1. The crates: `cargo publish --workspace --dry-run` (packages `consentry`,
//!    `consentry-server`, `consentry-records` in dependency order against a local registry and
//!    builds each from its package), then the size and file count of each `.crate`, and the
//!    bundle files in `consentry-server`'s `.crate` byte for byte those of `pkg/`.
//! 2. Their tests from the packages: each `.crate` unpacked into a temporary folder outside the workspace, its
//!    tests run there with `cargo test` (the sibling crates patched to their packages, not to
//!    the workspace; `consentry-server`'s with every feature, `assets` included, and without
//!    `CONSENTRY_ASSETS_DIR`, so from the bundle its package carries), so a test that reads a
//!    file the package lacks fails here. Skipped with `--no-package-tests` (CI: the same tests
//!    run from the workspace, and the publish dry run already compiles every package).
//! 3. The npm package (`pkg/`, built by `cargo xtask web`): `npm pack --dry-run --json` must
//!    list exactly [`NPM_FILES`], each of them named in `pkg/README.md` (besides `package.json`
//!    and the licences); `package.json`'s `main`, `types`, `exports` and `bin` must point at
//!    files in the tarball; then `npm publish --dry-run` (warnings such as an entry npm would
//!    correct are errors here: npm drops a `bin` it does not like without failing).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::env::{cargo, ensure_node, output, root, run as sh};
use crate::web::BUNDLE_FILES;

/// The publishable crates, in dependency order.
const CRATES: [&str; 3] = ["consentry", "consentry-server", "consentry-records"];

/// The crate that carries the web bundle, and where in it (build.rs reads it there when the
/// crate is not in this workspace).
const SERVER: &str = "consentry-server";
const SERVER_ASSETS: &str = "assets";

/// Every file of the npm tarball: nothing missing, nothing else.
pub(crate) const NPM_FILES: [&str; 12] = [
    "LICENSE-APACHE",
    "LICENSE-MIT",
    "README.md",
    "check/consentry_check.js",
    "check/consentry_check_bg.wasm",
    "consentry-check.mjs",
    "consentry-gate.js",
    "consentry.d.ts",
    "consentry.js",
    "consentry_bg.js",
    "consentry_bg.wasm",
    "package.json",
];

/// Entry point for `cargo xtask release-check [--no-package-tests]`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let package_tests = !args.iter().any(|a| a == "--no-package-tests");
    if let Some(a) = args.iter().find(|a| *a != "--no-package-tests") {
        return Err(format!(
            "release-check: unknown argument {a:?} (usage: cargo xtask release-check [--no-package-tests])"
        ));
    }
    // What is published is built from these sources, whatever `pkg/` held.
    crate::web::build()?;
    check(package_tests)
}

/// The checks of `release-check` on the web bundle `pkg/` holds, which must be built from the
/// sources (`cargo xtask test` builds it first).
pub(crate) fn check(package_tests: bool) -> Result<(), String> {
    stage_server_assets()?;
    let crates = check_crates(package_tests)?;
    let npm = check_npm()?;
    println!("\nWhat would be published (version {}):", version()?);
    println!(
        "{:<40} {:>7} {:>12} {:>12}",
        "package", "files", "packed", "unpacked"
    );
    for c in crates.iter().chain(std::iter::once(&npm)) {
        println!(
            "{:<40} {:>7} {:>12} {:>12}",
            c.name,
            c.files,
            bytes(c.packed),
            c.unpacked.map_or_else(|| "-".into(), bytes)
        );
    }
    if !package_tests {
        println!("(the crates' tests were not run from their packages: --no-package-tests)");
    }
    Ok(())
}

/// Copies the bundle's page files from `pkg/` into `consentry-server`'s `assets/`, which its
/// package carries; the folder is emptied first, so it holds nothing else.
fn stage_server_assets() -> Result<(), String> {
    let dir = root().join("crates").join(SERVER).join(SERVER_ASSETS);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for f in BUNDLE_FILES {
        let from = root().join("pkg").join(f);
        std::fs::copy(&from, dir.join(f)).map_err(|e| {
            format!(
                "cannot copy {} into {}: {e} (build it: cargo xtask web)",
                from.display(),
                dir.display()
            )
        })?;
    }
    Ok(())
}

/// Fails unless the unpacked `consentry-server` package `dir` holds the bundle's page files,
/// each the same bytes as in `pkg/`.
fn check_server_assets(dir: &Path) -> Result<(), String> {
    for f in BUNDLE_FILES {
        let packed = dir.join(SERVER_ASSETS).join(f);
        let packed = std::fs::read(&packed).map_err(|e| {
            format!("the {SERVER} package lacks {SERVER_ASSETS}/{f} ({e}): see `include` in its Cargo.toml")
        })?;
        let built = std::fs::read(root().join("pkg").join(f))
            .map_err(|e| format!("cannot read pkg/{f}: {e}"))?;
        if packed != built {
            return Err(format!(
                "{SERVER_ASSETS}/{f} in the {SERVER} package is not pkg/{f}"
            ));
        }
    }
    Ok(())
}

/// One published package, as it would be uploaded.
struct Published {
    name: String,
    files: usize,
    packed: u64,
    unpacked: Option<u64>,
}

fn bytes(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out + " B"
}

/// The workspace version (`[workspace.package] version`).
fn version() -> Result<String, String> {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml"))
        .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
    manifest
        .lines()
        .skip_while(|l| l.trim() != "[workspace.package]")
        .find_map(|l| l.trim().strip_prefix("version = "))
        .map(|v| v.trim_matches('"').to_owned())
        .ok_or_else(|| "no version in [workspace.package] of Cargo.toml".into())
}

/// Removes what cargo unpacked from the temporary local registries of earlier dry runs
/// (`$CARGO_HOME/registry/src/-<hash>/<crate>-<version>`): cargo does not unpack a version
/// again when it finds it there, so a second dry run of the same version would verify a
/// crate against its siblings as they were packed the first time.
fn forget_earlier_packages(version: &str) -> Result<(), String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    let Ok(registries) = std::fs::read_dir(home.join("registry/src")) else {
        return Ok(());
    };
    for registry in registries.flatten() {
        // Local (path) registries have no name: their folder is `-<hash>`.
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for name in CRATES {
            let dir = registry.path().join(format!("{name}-{version}"));
            if dir.is_dir() {
                std::fs::remove_dir_all(&dir)
                    .map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
            }
        }
    }
    Ok(())
}

fn check_crates(package_tests: bool) -> Result<Vec<Published>, String> {
    forget_earlier_packages(&version()?)?;
    // Its own target directory, without our crates' earlier builds: cargo takes a registry
    // crate of a version it has built as unchanged, so the packages of an earlier dry run (same
    // version, other sources) would be linked instead of these.
    let publish_target = root().join("target/release-check-publish");
    forget_builds(&publish_target)?;
    // `--allow-dirty` always: cargo counts the git-ignored files a package includes as
    // uncommitted, and `consentry-server`'s `assets/` is such a build output (rust-lang/cargo
    // #16872). `git status` (which leaves ignored files out) says whether anything else is.
    let mut publish = cargo();
    publish
        .args(["publish", "--workspace", "--dry-run", "--allow-dirty"])
        .env("CARGO_TARGET_DIR", &publish_target);
    let dirty = output(
        Command::new("git")
            .args(["status", "--porcelain"])
            .current_dir(root()),
    )
    .is_some_and(|s| !s.is_empty());
    if dirty {
        eprintln!("release-check: the work tree has uncommitted changes: packaging them as they are; a real publish needs a clean tree");
    }
    sh(&mut publish)?;
    // The dry run leaves no `.crate` files behind: pack them (already verified above).
    let mut pack = cargo();
    pack.args(["package", "--no-verify", "--allow-dirty"]);
    for c in CRATES {
        pack.args(["-p", c]);
    }
    sh(&mut pack)?;
    let version = version()?;
    let packages = root().join("target/package");
    // Outside the workspace: cargo would take a package under it for a stray member.
    let unpacked = std::env::temp_dir().join("consentry-release-check");
    let _ = std::fs::remove_dir_all(&unpacked);
    std::fs::create_dir_all(&unpacked)
        .map_err(|e| format!("cannot create {}: {e}", unpacked.display()))?;
    let mut out = Vec::new();
    for name in CRATES {
        let file = packages.join(format!("{name}-{version}.crate"));
        let packed = std::fs::metadata(&file)
            .map_err(|e| {
                format!(
                    "{}: {e} (cargo publish --dry-run wrote no package)",
                    file.display()
                )
            })?
            .len();
        sh(Command::new("tar")
            .arg("xzf")
            .arg(&file)
            .arg("-C")
            .arg(&unpacked))?;
        let dir = unpacked.join(format!("{name}-{version}"));
        if name == SERVER {
            check_server_assets(&dir)?;
        }
        let (files, size) = walk(&dir)?;
        out.push(Published {
            name: format!("crate {name}"),
            files,
            packed,
            unpacked: Some(size),
        });
    }
    if package_tests {
        // Each package on its own, with its siblings patched to their packages; one target
        // directory for all three (the workspace's would be rebuilt for the path change).
        let patches: Vec<String> = CRATES
            .iter()
            .map(|c| {
                format!(
                    "patch.crates-io.{c}.path={:?}",
                    unpacked
                        .join(format!("{c}-{version}"))
                        .display()
                        .to_string()
                )
            })
            .collect();
        let test_target = root().join("target/release-check-target");
        forget_builds(&test_target)?;
        for (i, name) in CRATES.into_iter().enumerate() {
            let dir = unpacked.join(format!("{name}-{version}"));
            let mut test = cargo();
            test.arg("test")
                .current_dir(&dir)
                .env("CARGO_TARGET_DIR", &test_target)
                // The bundle from the package's assets/, as a user of the crate builds it.
                .env_remove("CONSENTRY_ASSETS_DIR");
            if name == SERVER {
                test.arg("--all-features");
            }
            // The crates before it in CRATES are its dependencies.
            for p in &patches[..i] {
                test.args(["--config", p]);
            }
            sh(&mut test).map_err(|e| format!("the tests of the packaged {name}: {e}"))?;
        }
    }
    Ok(out)
}

/// Removes the fingerprints of [`CRATES`] in the cargo target directory `dir`, so they are built
/// again: packaged sources carry a fixed modification time, and a registry version is taken as
/// unchanged, so cargo would otherwise reuse the build of an earlier package.
fn forget_builds(dir: &Path) -> Result<(), String> {
    let Ok(profiles) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for profile in profiles.flatten() {
        let Ok(units) = std::fs::read_dir(profile.path().join(".fingerprint")) else {
            continue;
        };
        for unit in units.flatten() {
            let name = unit.file_name().to_string_lossy().into_owned();
            // `<crate>-<hash>`: the hash has no `-`, so `consentry-server-…` is not `consentry`'s.
            if CRATES.iter().any(|c| {
                name.strip_prefix(c)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|hash| !hash.contains('-'))
            }) {
                std::fs::remove_dir_all(unit.path())
                    .map_err(|e| format!("cannot remove {}: {e}", unit.path().display()))?;
            }
        }
    }
    Ok(())
}

/// Number of files and their total size under `dir`.
fn walk(dir: &Path) -> Result<(usize, u64), String> {
    let mut files = 0;
    let mut size = 0;
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in entries {
        let e = e.map_err(|e| format!("{}: {e}", dir.display()))?;
        let meta = e.metadata().map_err(|e| format!("{}: {e}", e))?;
        if meta.is_dir() {
            let (f, s) = walk(&e.path())?;
            files += f;
            size += s;
        } else {
            files += 1;
            size += meta.len();
        }
    }
    Ok((files, size))
}

fn check_npm() -> Result<Published, String> {
    ensure_node()?;
    let pkg = root().join("pkg");
    let listing = Command::new("npm")
        .args(["pack", "--dry-run", "--json"])
        .current_dir(&pkg)
        .output()
        .map_err(|e| format!("could not start npm pack: {e}"))?;
    if !listing.status.success() {
        return Err(format!(
            "npm pack --dry-run failed:\n{}",
            String::from_utf8_lossy(&listing.stderr)
        ));
    }
    let json: serde_json::Value = serde_json::from_slice(&listing.stdout)
        .map_err(|e| format!("npm pack --json printed no JSON: {e}"))?;
    let pack = json.get(0).ok_or("npm pack --json printed an empty list")?;
    let files: BTreeSet<String> = pack["files"]
        .as_array()
        .ok_or("npm pack --json lists no files")?
        .iter()
        .filter_map(|f| f["path"].as_str().map(str::to_owned))
        .collect();
    let expected: BTreeSet<String> = NPM_FILES.iter().map(|s| (*s).to_owned()).collect();
    let missing: Vec<_> = expected.difference(&files).collect();
    let extra: Vec<_> = files.difference(&expected).collect();
    if !missing.is_empty() || !extra.is_empty() {
        return Err(format!(
            "the npm tarball is not what the package promises: missing {missing:?}, not expected {extra:?} (build with `cargo xtask web`; the list is NPM_FILES in xtask/src/release.rs and `files` in pkg/package.json)"
        ));
    }
    let readme = std::fs::read_to_string(pkg.join("README.md"))
        .map_err(|e| format!("cannot read pkg/README.md: {e}"))?;
    for f in NPM_FILES {
        let named = match f {
            "README.md" | "package.json" | "LICENSE-MIT" | "LICENSE-APACHE" => true,
            f if f.starts_with("check/") => readme.contains("`check/`"),
            f => readme.contains(f),
        };
        if !named {
            return Err(format!(
                "pkg/README.md does not name {f}, which the package ships"
            ));
        }
    }
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(pkg.join("package.json"))
            .map_err(|e| format!("cannot read pkg/package.json: {e}"))?,
    )
    .map_err(|e| format!("pkg/package.json: {e}"))?;
    let mut targets: Vec<(String, String)> = Vec::new();
    for key in ["main", "module", "types"] {
        if let Some(v) = manifest[key].as_str() {
            targets.push((key.to_owned(), v.to_owned()));
        }
    }
    collect_strings("exports", &manifest["exports"], &mut targets);
    collect_strings("bin", &manifest["bin"], &mut targets);
    for (key, target) in &targets {
        let path = target.trim_start_matches("./");
        if !files.contains(path) {
            return Err(format!(
                "pkg/package.json: {key} points at {target}, which is not in the tarball"
            ));
        }
    }
    for key in ["license", "repository", "sideEffects", "files", "bin"] {
        if manifest[key].is_null() {
            return Err(format!("pkg/package.json has no {key:?}"));
        }
    }
    // npm corrects some fields when publishing and only warns (a `bin` entry it dislikes is
    // silently removed, and `npx consentry-check` is gone): any such warning fails here.
    let publish = Command::new("npm")
        .args(["publish", "--dry-run"])
        .current_dir(&pkg)
        .output()
        .map_err(|e| format!("could not start npm publish: {e}"))?;
    let log = String::from_utf8_lossy(&publish.stderr);
    eprintln!("\n==> npm publish --dry-run (in pkg/)\n{log}");
    if !publish.status.success() {
        return Err("npm publish --dry-run failed (above)".into());
    }
    if let Some(line) = log
        .lines()
        .find(|l| l.contains("npm warn publish") && !l.contains("requires you to be logged in"))
    {
        return Err(format!(
            "npm publish --dry-run warns: {line} (run `npm pkg fix` in a copy of pkg/ to see what npm would change)"
        ));
    }
    Ok(Published {
        name: "npm consentry".into(),
        files: files.len(),
        packed: pack["size"].as_u64().unwrap_or_default(),
        unpacked: pack["unpackedSize"].as_u64(),
    })
}

/// Every string in a `package.json` field (an object of strings or nested conditions).
fn collect_strings(path: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::String(s) => out.push((path.to_owned(), s.clone())),
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                collect_strings(&format!("{path}.{k}"), v, out);
            }
        }
        _ => {}
    }
}
