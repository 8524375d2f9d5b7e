//! `cargo xtask bench`: what a site loads, raw / gzip -9 / brotli, beside vanilla-cookieconsent
//! 3.1.0 and yett 0.1.13 installed from npm in the same run (`xtask/bench/package.json`), and
//! the size budgets `cargo xtask test` enforces (DESIGN.md "Budgets"); then, in headless
//! Chromium, the run-time table beside vanilla-cookieconsent on the same page
//! (`tests/e2e/bench/runtime.mjs`) and the gate's overhead on a page's own DOM work
//! ([`gate_overhead`]).
//!
//! Each file is compressed on its own (a site fetches them separately); a bundle is the sum of
//! its files. gzip is level 9 (`flate2`), brotli quality 11, window 22 (`brotli`).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::env::{npm_ci, root};

/// Budget for the gate script, gzip -9 (DESIGN.md: render-blocking bytes ≤ 2,000 B).
pub(crate) const GATE_BUDGET: usize = 2_000;
/// Budget for everything a site loads on a first visit (banner shown: gate, loader, glue,
/// wasm), gzip -9. CI fails above it. The target is 15,400 (DESIGN.md, issue 14), which needs
/// the module itself restructured (see the issue notes: by function, the policy reader, the
/// plan writer and the banner are the largest parts); this cap keeps what is there from
/// growing meanwhile. It was 25,600; raised by what two changes measurably cost: splitting the
/// module from the loader for returning visitors (+294 B on a first visit, 25,429 → 3,616 B
/// for a returning one) and the `__Host-` consent cookie (+269 B); the gate's new held paths
/// (+151 B) fit in it too. Then the policy's controller, necessary services and `remember_me`
/// (issue 16): +238 B for reading the new fields in the small reader (which must read every
/// field serde reads) and +81 B for the controller and the privacy-policy links in the
/// preferences (26,145 → 26,464 B). Then issue 15's first steps (withdrawal kept as a refusal,
/// GPC in the same page, receipts of what runs, a fair non-modal banner, the floating "Cookie
/// settings" button) fitted in it (26,422 → 26,401 B, the focus trap and the banner root's
/// separate insertion gone); the consent cookie's coverage field (a consent does not cover
/// vendors added later) costs +231 B (26,401 → 26,632 B), and the banner's title taking the
/// focus by `autofocus` at page load (no layout forced inside `start`, no focus taken from a
/// field the visitor is in) +26 B (26,658 B), for which it was raised to 26,700; one GPC rule
/// in the core (`Policy::gpc_opts_out_of`) then brought it to 26,644 B.
pub(crate) const BUNDLE_BUDGET: usize = 26_700;
/// Budget for what a returning visitor with a standing choice loads (gate + loader, the
/// module's last plan kept by the loader: `consentry_web` docs, "Returning visitors"), gzip -9.
pub(crate) const RETURNING_BUDGET: usize = 6_000;

/// Sizes of one file or a sum of files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Sizes {
    raw: usize,
    gzip: usize,
    brotli: usize,
}

impl Sizes {
    fn of(bytes: &[u8]) -> Sizes {
        Sizes {
            raw: bytes.len(),
            gzip: gzip9(bytes).len(),
            brotli: brotli11(bytes).len(),
        }
    }

    fn of_file(path: &Path) -> Result<Sizes, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Ok(Sizes::of(&bytes))
    }

    fn add(self, o: Sizes) -> Sizes {
        Sizes {
            raw: self.raw + o.raw,
            gzip: self.gzip + o.gzip,
            brotli: self.brotli + o.brotli,
        }
    }
}

/// gzip, best compression (as `gzip -9`).
fn gzip9(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

/// brotli, quality 11, window 22 (what servers and `brotli -q 11` use).
fn brotli11(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        w.write_all(bytes).expect("writing to a Vec cannot fail");
    }
    out
}

/// The gate as served: the minified source, committed beside the crate that embeds it.
fn gate_path() -> PathBuf {
    root().join(crate::web::GATE_MIN)
}

/// Files of the full bundle besides the gate: every `.js`, `.mjs`, `.wasm` and `.css` under
/// `pkg/` (the loader, wasm-bindgen's glue and snippets, the module, the banner's CSS), sorted,
/// except the policy checker's (see [`is_checker`]). Err if the module is not built (no
/// `consentry.js` or no `.wasm`).
fn bundle_files() -> Result<Vec<PathBuf>, String> {
    let files = pkg_files(|pkg, p| {
        p.file_name().is_some_and(|n| n != "consentry-gate.js") && !is_checker(pkg, p)
    })?;
    let built = root().join("pkg/consentry.js").exists()
        && files
            .iter()
            .any(|p| p.extension().is_some_and(|x| x == "wasm"));
    if !built {
        return Err(format!(
            "the module is not built in {} (no consentry.js or .wasm): run `cargo xtask web` first",
            root().join("pkg").display()
        ));
    }
    Ok(files)
}

/// True for the files of the policy checker in `pkg/`: `consentry-check.mjs` and everything in
/// `check/`. They are in the npm package for `npx consentry-check`, but pages never load them.
fn is_checker(pkg: &Path, file: &Path) -> bool {
    file == pkg.join(crate::web::CHECK_CLI) || file.starts_with(pkg.join(crate::web::CHECK_DIR))
}

/// The policy checker's files in `pkg/` ([`is_checker`]), sorted.
fn checker_files() -> Result<Vec<PathBuf>, String> {
    pkg_files(is_checker)
}

/// The `.js`, `.mjs`, `.wasm` and `.css` files under `pkg/` that `keep(pkg, file)` accepts,
/// sorted.
fn pkg_files(keep: impl Fn(&Path, &Path) -> bool) -> Result<Vec<PathBuf>, String> {
    let pkg = root().join("pkg");
    let mut files = Vec::new();
    collect(&pkg, &mut files)?;
    files.retain(|p| keep(&pkg, p));
    files.sort();
    Ok(files)
}

/// Adds the bundle files under `dir` (recursively, skipping node_modules) to `out`.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "node_modules") {
                collect(&path, out)?;
            }
        } else if path
            .extension()
            .is_some_and(|x| x == "js" || x == "mjs" || x == "wasm" || x == "css")
        {
            out.push(path);
        }
    }
    Ok(())
}

/// What is over budget, one message per budget.
fn budget_errors(gate_gzip: usize, bundle_gzip: usize, returning_gzip: usize) -> Vec<String> {
    let mut errors = Vec::new();
    if gate_gzip > GATE_BUDGET {
        errors.push(format!(
            "gate pkg/consentry-gate.js is {gate_gzip} B gzip -9, over the {GATE_BUDGET} B budget"
        ));
    }
    if bundle_gzip > BUNDLE_BUDGET {
        errors.push(format!(
            "first visit (gate + loader + glue + wasm) is {bundle_gzip} B gzip -9, over the {BUNDLE_BUDGET} B budget"
        ));
    }
    if returning_gzip > RETURNING_BUDGET {
        errors.push(format!(
            "returning visit (gate + loader) is {returning_gzip} B gzip -9, over the {RETURNING_BUDGET} B budget"
        ));
    }
    errors
}

/// The loader as served: what a returning visitor loads besides the gate.
fn loader_path() -> PathBuf {
    root().join("pkg/consentry.js")
}

/// Fails when the gate is over [`GATE_BUDGET`], the first visit over [`BUNDLE_BUDGET`] or the
/// returning visit over [`RETURNING_BUDGET`] (gzip -9). Needs the web build (`cargo xtask web`).
pub(crate) fn check_budgets() -> Result<(), String> {
    let gate = Sizes::of_file(&gate_path())?;
    let mut bundle = gate;
    for f in bundle_files()? {
        bundle = bundle.add(Sizes::of_file(&f)?);
    }
    let returning = gate.add(Sizes::of_file(&loader_path())?);
    eprintln!(
        "\n==> size budgets (gzip -9): gate {} B (budget {GATE_BUDGET}), first visit {} B (budget {BUNDLE_BUDGET}), returning visit {} B (budget {RETURNING_BUDGET})",
        gate.gzip, bundle.gzip, returning.gzip
    );
    let errors = budget_errors(gate.gzip, bundle.gzip, returning.gzip);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

fn row(name: &str, s: Option<Sizes>, note: &str) {
    match s {
        Some(s) => println!(
            "{name:<44} {:>9} {:>9} {:>9}  {note}",
            s.raw, s.gzip, s.brotli
        ),
        None => println!("{name:<44} {:>9} {:>9} {:>9}  {note}", "-", "-", "-"),
    }
}

/// Prints the size table: consentry's gate, module files and full bundle beside yett and
/// vanilla-cookieconsent (installed from npm now, versions pinned in xtask/bench).
pub(crate) fn run() -> Result<(), String> {
    let bench = root().join("xtask/bench");
    let refs = npm_ci(&bench);

    println!(
        "\n{:<44} {:>9} {:>9} {:>9}",
        "what a site loads (bytes)", "raw", "gzip -9", "brotli"
    );
    let gate = Sizes::of_file(&gate_path())?;
    row(
        "consentry gate (consentry-gate.js)",
        Some(gate),
        "budget 2,000 gzip",
    );
    row(
        "  its source (js/consentry-gate.js)",
        Some(Sizes::of_file(&root().join(crate::web::GATE_SRC))?),
        "not shipped: minified by terser",
    );
    let mut bundle_ok = true;
    match bundle_files() {
        Ok(files) => {
            let mut total = gate;
            for f in &files {
                let s = Sizes::of_file(f)?;
                let name = f
                    .strip_prefix(root().join("pkg"))
                    .unwrap_or(f)
                    .display()
                    .to_string();
                row(&format!("consentry {name}"), Some(s), "");
                total = total.add(s);
            }
            row(
                "consentry first visit (gate + all files)",
                Some(total),
                "budget 26,700 gzip, target 15,400, goal 12,000",
            );
            row(
                "consentry returning visit (gate + loader)",
                Some(gate.add(Sizes::of_file(&loader_path())?)),
                "budget 6,000 gzip: a stored choice, module not loaded",
            );
        }
        Err(e) => {
            bundle_ok = false;
            row("consentry full bundle", None, &e);
        }
    }
    // In the npm package for `npx consentry-check`, not loaded by pages: not in the bundle.
    let mut checker = Sizes::default();
    for f in checker_files()? {
        checker = checker.add(Sizes::of_file(&f)?);
    }
    if checker.raw > 0 {
        row(
            "consentry-check (npm CLI, not in bundle)",
            Some(checker),
            "Node.js only: pages never load it",
        );
    }

    let nm = bench.join("node_modules");
    match &refs {
        Ok(()) => {
            let yett = Sizes::of_file(&nm.join("yett/dist/yett.min.js"))?;
            row("yett 0.1.13 (yett.min.js, blocker only)", Some(yett), "");
            let cc = nm.join("vanilla-cookieconsent/dist");
            let js = Sizes::of_file(&cc.join("cookieconsent.umd.js"))?;
            let css = Sizes::of_file(&cc.join("cookieconsent.css"))?;
            row("vanilla-cookieconsent 3.1.0 js (umd)", Some(js), "");
            row("vanilla-cookieconsent 3.1.0 css", Some(css), "");
            row(
                "vanilla-cookieconsent 3.1.0 full (js + css)",
                Some(js.add(css)),
                "loaded on every visit, first and returning",
            );
        }
        Err(e) => row(
            "yett / vanilla-cookieconsent",
            None,
            &format!("npm install failed: {e}"),
        ),
    }
    println!(
        "\nEach file compressed on its own, as served: gzip level 9 (flate2) without a file name in\n\
         the header (`gzip -9 FILE` adds the name + 1 byte), brotli q11 w22."
    );
    refs?;
    if !bundle_ok {
        eprintln!("(the full bundle is not built: `cargo xtask web`)");
        return Ok(());
    }
    runtime()?;
    gate_overhead()
}

/// The run-time table: `tests/e2e/bench/runtime.mjs` (consentry beside vanilla-cookieconsent on
/// the same page, headless Chromium, CPU 4x slower; `CONSENTRY_BENCH_ROUNDS`, default 15).
fn runtime() -> Result<(), String> {
    let chromium = crate::env::ensure_chromium()?;
    let e2e = root().join("tests/e2e");
    npm_ci(&e2e)?;
    crate::env::run(
        std::process::Command::new("node")
            .arg("bench/runtime.mjs")
            .current_dir(&e2e)
            .env("CONSENTRY_CHROMIUM", chromium),
    )
}

/// The gate's overhead on a page's own DOM work (DESIGN.md: ≤ 1.15x the same page without it):
/// `tests/e2e/bench-gate.mjs` times four workloads on ordinary elements (2,000 appends, 2,000
/// insertBefore, 4,000 setAttribute, a 300 x 5 table built node by node) in headless Chromium
/// with the CPU throttled 4x, with and without the committed minified gate (and yett when
/// `xtask/bench` has it), and prints the medians and ratios. One browser run, a few minutes.
fn gate_overhead() -> Result<(), String> {
    let e2e = root().join("tests/e2e");
    npm_ci(&e2e)?;
    let chromium = crate::env::ensure_chromium()?;
    crate::env::run(
        std::process::Command::new("node")
            .arg(e2e.join("bench-gate.mjs"))
            .env("CONSENTRY_CHROMIUM", chromium)
            .current_dir(&e2e),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn compressors_round_trip_and_shrink() {
        let text = "consentry ".repeat(200);
        let gz = gzip9(text.as_bytes());
        let mut back = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);
        assert!(gz.len() < 100, "{}", gz.len());

        let br = brotli11(text.as_bytes());
        let mut back = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, text.as_bytes());
        assert!(br.len() < gz.len());
    }

    #[test]
    fn the_checker_is_not_in_the_bundle() {
        let pkg = Path::new("/p/pkg");
        assert!(is_checker(pkg, &pkg.join("consentry-check.mjs")));
        assert!(is_checker(pkg, &pkg.join("check/consentry_check_bg.wasm")));
        assert!(is_checker(pkg, &pkg.join("check/consentry_check.js")));
        assert!(!is_checker(pkg, &pkg.join("consentry.js")));
        assert!(!is_checker(pkg, &pkg.join("consentry_bg.wasm")));
        assert!(!is_checker(pkg, &pkg.join("checkout/x.js")));
    }

    #[test]
    fn budgets() {
        assert!(budget_errors(GATE_BUDGET, BUNDLE_BUDGET, RETURNING_BUDGET).is_empty());
        let e = budget_errors(GATE_BUDGET + 1, BUNDLE_BUDGET + 1, RETURNING_BUDGET + 1);
        assert_eq!(e.len(), 3);
        assert!(e[0].contains(&format!("{} B", GATE_BUDGET + 1)));
        assert!(e[1].contains(&format!("{} B", BUNDLE_BUDGET + 1)));
        assert!(e[2].contains(&format!("{} B", RETURNING_BUDGET + 1)));
    }

    #[test]
    fn the_committed_gate_is_within_budget() {
        let gate = Sizes::of_file(&gate_path()).unwrap();
        assert!(gate.gzip <= GATE_BUDGET, "gate is {} B gzip -9", gate.gzip);
    }
}
