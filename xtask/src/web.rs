//! `cargo xtask web`: builds the npm package's generated files into `pkg/`, and runs the
//! module's wasm-bindgen tests in headless Chromium.
//!
//! cargo build (wasm32, profile `wasm-release`, `core` and `alloc` rebuilt: [`BUILD_STD`]) →
//! `wasm-bindgen --target web` (the CLI at the
//! exact version of the `wasm-bindgen` crate in Cargo.lock) → `wasm-opt` ([`WASM_OPT`]) from npm's
//! `binaryen`, pinned in `xtask/tools/package.json` (Debian's wasm-opt 108 breaks the module in
//! Chromium, TOOLCHAIN.md). wasm-bindgen's JS glue is wrapped as a function of the loader's
//! `apply` ([`wrap_glue`]) and minified by terser, pinned there too, as is the hand-written
//! loader ([`LOADER_SRC`]); the imports between the glue and the wasm get short names
//! (`minify_imports`). Output: `pkg/consentry.js` (the loader), `pkg/consentry_bg.js` (the
//! glue) and `pkg/consentry_bg.wasm`.
//!
//! It also builds the policy checker (`crates/consentry-check`) for Node.js into [`CHECK_DIR`]
//! (see [`build_checker`]), run by the committed `pkg/consentry-check.mjs`. Pages never load it.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::env::{cargo, ensure_wasm_target, npm_ci, output, root, run};

const CRATE: &str = "consentry-web";
const TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "wasm-release";
/// wasm-opt's passes: `-Oz`, then flattened and re-relooped control flow optimised again
/// until nothing changes (about 300 B gzip less than `-Oz` alone, measured on this module).
///
/// `-ocimfs 20`: a function with one caller is inlined only if it is small. By default
/// binaryen inlines every such function whatever its size, which folds most of the module
/// into a few huge functions that compress worse: 2.0 KB gzip less with 20 (measured on this
/// module; 10 to 25 all within 25 B of each other, 0 and 50 worse by 400 B).
const WASM_OPT: [&str; 7] = [
    "-ocimfs",
    "20",
    "-Oz",
    "--flatten",
    "--rereloop",
    "-Oz",
    "--converge",
];
/// The bundle's `core` and `alloc` are compiled from source with the module (cargo's
/// `-Zbuild-std`, the `rust-src` component) so that they are optimised for size with it, abort
/// at once on a panic (`-Cpanic=immediate-abort`: no panic messages or source paths of the build
/// machine in the module), and leave out wasm reference types (wasm-bindgen then keeps JS
/// objects in a JS array instead of a wasm table and its shims). 1.5 KB gzip less than the
/// precompiled `core`/`alloc` (measured on this module: full bundle 32,776 → 31,312 B).
///
/// `-Zinline-mir=yes -Zinline-mir-threshold=100`: rustc's MIR inliner, off by default at
/// `opt-level = "z"`, inlines small generic helpers (iterator adapters, `Option`/`Vec`
/// methods) before monomorphisation, so LLVM gets fewer, simpler copies: 1.4 KB gzip less
/// (31,223 → 29,779 B). Thresholds measured: 60: 30,099; 100: 29,779; 150: 29,778; 250:
/// 30,041; a hint threshold of 50 with 100 or 150: 29,996 / 29,767. binaryen's options
/// ([`WASM_OPT`]) are still the best measured on this build.
///
/// All of them together, measured 2026-12-03 against [`Build::Stable`] (plain stable flags, the
/// same sources and post-processing): wasm 20,278 vs 26,349 B gzip, glue 1,861 vs 1,761, so
/// 5,971 B (21%) of a first visit. Worth their price, which is bounded: CI builds the stable
/// variant too and runs browser tests on it (`cargo xtask test`), so if a toolchain drops one
/// of these flags the package still has a tested build (`cargo xtask web --stable`).
///
/// These are unstable cargo/rustc flags. They are used on the stable toolchain through
/// `RUSTC_BOOTSTRAP=1`, set for this one cargo call only (the way the Linux kernel and Firefox
/// build with stable rustc); every other build and test of the workspace is plain stable.
/// `CARGO_ENCODED_RUSTFLAGS` replaces any `RUSTFLAGS` of the caller for this build, so the
/// shipped module is always built the same way.
const BUILD_STD: &str = "-Zbuild-std=core,alloc";
/// rustc flags of the bundle build (see [`BUILD_STD`]), `\x1f`-separated as cargo wants them
/// in `CARGO_ENCODED_RUSTFLAGS`.
const BUNDLE_RUSTFLAGS: &str = "-Zunstable-options\x1f-Cpanic=immediate-abort\
    \x1f-Ctarget-feature=-reference-types\x1f-Zinline-mir=yes\x1f-Zinline-mir-threshold=100";
/// rustc flags of the stable build ([`Build::Stable`]): none. Without
/// `-Cpanic=immediate-abort` the profile's `panic = "abort"` applies (the module's own panic
/// handler traps either way). `-Ctarget-feature=-reference-types`, stable itself, is left out:
/// the precompiled `core` has reference types, and wasm-bindgen then wants its externref table
/// functions, which a module compiled without them lacks ("failed to find
/// `__wbindgen_externref_table_alloc`").
const STABLE_RUSTFLAGS: &str = "";
/// Base name of the generated files in `pkg/`.
const OUT: &str = "consentry_bg";
/// The page bundle's files in `pkg/`: gate, loader, glue, wasm. `consentry-server`'s `assets`
/// feature embeds exactly these (its build.rs), and its package carries them in `assets/`.
pub(crate) const BUNDLE_FILES: [&str; 4] = [
    "consentry-gate.js",
    "consentry.js",
    "consentry_bg.js",
    "consentry_bg.wasm",
];

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

/// Adds the `rust-src` component (the source of `core` and `alloc` for [`BUILD_STD`]) if it
/// is missing.
fn ensure_rust_src() -> Result<(), String> {
    let sysroot = output(Command::new("rustc").args(["--print", "sysroot"])).unwrap_or_default();
    let src = Path::new(sysroot.trim()).join("lib/rustlib/src/rust/library/core");
    if src.is_dir() {
        return Ok(());
    }
    eprintln!(
        "the rust-src component is missing (the bundle builds core and alloc from it): adding it"
    );
    run(Command::new("rustup").args(["component", "add", "rust-src"])).map_err(|e| {
        format!("{e}\nthe wasm bundle needs the toolchain's rust-src component: `rustup component add rust-src`")
    })
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

/// The hand-written loader (readable, commented), minified into `pkg/consentry.js`. It loads
/// the module (`pkg/consentry_bg.js`, [`wrap_glue`], and the wasm) only when the page needs it.
pub(crate) const LOADER_SRC: &str = "crates/consentry-web/js/consentry.js";

/// The hand-written gate (readable, commented).
pub(crate) const GATE_SRC: &str = "crates/consentry-web/js/consentry-gate.js";
/// The gate as shipped: [`GATE_SRC`] minified by the pinned terser. Committed, because the Rust
/// crate embeds it (`consentry_web::gate::GATE_JS`) and must build without Node.js;
/// [`gate`] keeps it equal to the source.
pub(crate) const GATE_MIN: &str = "crates/consentry-web/src/consentry-gate.min.js";

/// Minifies the gate with the pinned terser into [`GATE_MIN`] and copies it to
/// `pkg/consentry-gate.js`. With `check`, fails instead of writing when the committed
/// [`GATE_MIN`] is not what terser makes of [`GATE_SRC`] (CI: the source was edited and the
/// minified file not rebuilt).
fn gate(check: bool) -> Result<(), String> {
    let tools = root().join("xtask/tools");
    npm_ci(&tools)?;
    let out = Command::new(tools.join("node_modules/.bin/terser"))
        .arg(root().join(GATE_SRC))
        .args(["--compress", "passes=2", "--mangle", "--comments", "/^!/"])
        .output()
        .map_err(|e| format!("cannot run terser: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "terser failed on {GATE_SRC}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut min = out.stdout;
    if min.last() != Some(&b'\n') {
        min.push(b'\n');
    }
    let committed = fs::read(root().join(GATE_MIN)).unwrap_or_default();
    if committed != min {
        if check {
            return Err(format!(
                "{GATE_MIN} is not the minified {GATE_SRC}: run `cargo xtask web` and commit it"
            ));
        }
        write(&root().join(GATE_MIN), &min)?;
        eprintln!("wrote {GATE_MIN} (commit it with the source)");
    }
    write(&root().join("pkg/consentry-gate.js"), &min)
}

/// Builds `pkg/consentry-gate.js`, `pkg/consentry.js`, `pkg/consentry_bg.js` and `pkg/consentry_bg.wasm`, and the
/// policy checker's `pkg/check/` ([`build_checker`]).
pub(crate) fn build() -> Result<(), String> {
    build_checking_gate(false)
}

/// [`build`]; with `check_gate`, fails if the committed minified gate is stale (see [`gate`]).
pub(crate) fn build_checking_gate(check_gate: bool) -> Result<(), String> {
    ensure_wasm_target()?;
    ensure_wasm_bindgen()?;
    gate(check_gate)?;
    let pkg = root().join("pkg");
    bundle(Build::Shipped, &pkg)?;
    build_checker()?;
    // The npm package carries the licence texts (`files` in pkg/package.json).
    for f in ["LICENSE-MIT", "LICENSE-APACHE"] {
        fs::copy(root().join(f), pkg.join(f))
            .map_err(|e| format!("cannot copy {f} to pkg/: {e}"))?;
    }
    for f in [
        "consentry-gate.js",
        "consentry.js",
        &format!("{OUT}.js"),
        &format!("{OUT}.wasm"),
        &format!("{CHECK_DIR}/{CHECK_OUT}.js"),
        &format!("{CHECK_DIR}/{CHECK_OUT}_bg.wasm"),
    ] {
        if let Ok(m) = fs::metadata(pkg.join(f)) {
            eprintln!("pkg/{f}: {} bytes", m.len());
        }
    }
    Ok(())
}

/// How the module is compiled.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Build {
    /// What is shipped: `core` and `alloc` rebuilt with the module and rustc's MIR inliner
    /// ([`BUILD_STD`], [`BUNDLE_RUSTFLAGS`]), unstable flags through `RUSTC_BOOTSTRAP=1`.
    Shipped,
    /// Plain stable cargo and rustc: the precompiled `core`/`alloc`, no unstable flag. The
    /// same sources, features and post-processing; CI builds it and runs browser tests on it
    /// ([`STABLE_DIR`]), so a toolchain that drops the unstable flags cannot leave the package
    /// without a working build: `cargo xtask web --stable` then builds what is shipped.
    Stable,
}

/// Where [`Build::Stable`] writes its package files (gate, loader, glue, wasm), and its own
/// cargo target directory beside them (other flags: a shared one would rebuild each time).
pub(crate) const STABLE_DIR: &str = "target/pkg-stable";

/// Builds the module (loader, glue, wasm) into `pkg`, with the gate copied beside them.
pub(crate) fn bundle(how: Build, pkg: &Path) -> Result<(), String> {
    let root = root();
    let tools = root.join("xtask/tools");
    let mut build = cargo();
    build.env_remove("RUSTFLAGS");
    let target_dir = match how {
        Build::Shipped => {
            ensure_rust_src()?;
            build
                .env("RUSTC_BOOTSTRAP", "1")
                .env("CARGO_ENCODED_RUSTFLAGS", BUNDLE_RUSTFLAGS)
                .arg(BUILD_STD);
            root.join("target")
        }
        Build::Stable => {
            let dir = root.join(STABLE_DIR).join("target");
            build
                .env("CARGO_ENCODED_RUSTFLAGS", STABLE_RUSTFLAGS)
                .env("CARGO_TARGET_DIR", &dir);
            dir
        }
    };
    run(build.args([
        "build",
        "-p",
        CRATE,
        "--features",
        "bundle",
        "--target",
        TARGET,
        "--profile",
        PROFILE,
    ]))?;

    let wasm = target_dir.join(format!(
        "{TARGET}/{PROFILE}/{}.wasm",
        CRATE.replace('-', "_")
    ));
    let tmp = target_dir.join(format!("{TARGET}/{PROFILE}/bindgen"));
    let _ = fs::remove_dir_all(&tmp);
    wasm_bindgen(&wasm, OUT, &tmp)?;

    fs::create_dir_all(pkg).map_err(|e| format!("cannot create {}: {e}", pkg.display()))?;
    let out_wasm = pkg.join(format!("{OUT}.wasm"));
    run(Command::new(tools.join("node_modules/.bin/wasm-opt"))
        .arg(tmp.join(format!("{OUT}_bg.wasm")))
        .args(WASM_OPT)
        .args([
            "--strip-debug",
            "--strip-producers",
            "--strip-target-features",
            "-o",
        ])
        .arg(&out_wasm))?;

    // The generated loader's default URL names `<out>_bg.wasm`; ours is `<out>.wasm`.
    let js = fs::read_to_string(tmp.join(format!("{OUT}.js")))
        .map_err(|e| format!("wasm-bindgen wrote no JS: {e}"))?;
    let js = js.replace(&format!("{OUT}_bg.wasm"), &format!("{OUT}.wasm"));
    let glue = trim_glue(&js)?;
    let wrapped = tmp.join(format!("{OUT}.wrapped.js"));
    write(&wrapped, wrap_glue(&glue)?.as_bytes())?;
    // Minified with terser (pinned beside binaryen): the loader, and the glue on its own.
    let out_js = pkg.join(format!("{OUT}.js"));
    terser(&wrapped, &out_js)?;
    terser(&root.join(LOADER_SRC), &pkg.join("consentry.js"))?;
    minify_imports(&out_wasm, &out_js)?;
    if how == Build::Stable {
        let gate =
            fs::read(root.join(GATE_MIN)).map_err(|e| format!("cannot read {GATE_MIN}: {e}"))?;
        write(&pkg.join("consentry-gate.js"), &gate)?;
    }
    Ok(())
}

/// `cargo xtask web --stable`: [`Build::Stable`] into [`STABLE_DIR`], with the sizes beside the
/// shipped build's.
pub(crate) fn build_stable() -> Result<(), String> {
    ensure_wasm_target()?;
    ensure_wasm_bindgen()?;
    let dir = root().join(STABLE_DIR);
    bundle(Build::Stable, &dir)?;
    for f in ["consentry.js", &format!("{OUT}.js"), &format!("{OUT}.wasm")] {
        let stable = fs::metadata(dir.join(f)).map(|m| m.len()).unwrap_or(0);
        let shipped = fs::metadata(root().join("pkg").join(f)).map(|m| m.len());
        match shipped {
            Ok(n) => eprintln!("{STABLE_DIR}/{f}: {stable} bytes (shipped build: {n})"),
            Err(_) => eprintln!("{STABLE_DIR}/{f}: {stable} bytes"),
        }
    }
    Ok(())
}

/// The policy checker's crate.
const CHECK_CRATE: &str = "consentry-check";
/// Folder of `pkg/` with the checker's built files (git-ignored, in the npm package, never
/// loaded by pages: the bench leaves it out of the page bundle).
pub(crate) const CHECK_DIR: &str = "check";
/// The checker's command, hand-written and committed, in `pkg/`.
pub(crate) const CHECK_CLI: &str = "consentry-check.mjs";
/// Base name of the checker's generated files: `consentry_check.js`, `consentry_check_bg.wasm`.
const CHECK_OUT: &str = "consentry_check";

/// `wasm-bindgen --target web --no-typescript`: `wasm`'s glue and module, named `name`, into
/// `out_dir`.
fn wasm_bindgen(wasm: &Path, name: &str, out_dir: &Path) -> Result<(), String> {
    run(Command::new("wasm-bindgen")
        .arg(wasm)
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--out-name",
            name,
            "--out-dir",
        ])
        .arg(out_dir))
}

/// Builds the policy checker into `pkg/check/`: a plain stable release build for wasm32 (none
/// of the bundle's unstable flags: it runs in Node.js, where its size matters little),
/// `wasm-bindgen --target web` (an ES module; `pkg/consentry-check.mjs` instantiates it with
/// `initSync` from the file's bytes, which works on every Node.js ≥ 18) and `wasm-opt -Oz`.
fn build_checker() -> Result<(), String> {
    run(cargo()
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .args(["build", "--release", "-p", CHECK_CRATE, "--target", TARGET]))?;
    let root = root();
    let wasm = root.join(format!(
        "target/{TARGET}/release/{}.wasm",
        CHECK_CRATE.replace('-', "_")
    ));
    let out = root.join("pkg").join(CHECK_DIR);
    // Nothing left from an earlier build: the package ships the whole folder.
    let _ = fs::remove_dir_all(&out);
    wasm_bindgen(&wasm, CHECK_OUT, &out)?;
    let out_wasm = out.join(format!("{CHECK_OUT}_bg.wasm"));
    run(
        Command::new(root.join("xtask/tools/node_modules/.bin/wasm-opt"))
            .arg(&out_wasm)
            .args(["-Oz", "--strip-debug", "--strip-producers", "-o"])
            .arg(&out_wasm),
    )
}

/// Edits of the generated glue before minifying, each of a text that must occur exactly once
/// (a wasm-bindgen that writes the glue differently fails the build): `initSync` is not
/// exported (the loader only uses the async default export, so terser drops it), the
/// fallback warning is shorter, and `init` takes only what the loader gives it,
/// `{ module_or_path: fetch(…) }` (the wasm's URL is the loader's, `wasmUrl` or beside it): no
/// default URL, no fetch of a URL, no warning for other arguments.
const GLUE_TRIMS: [(&str, &str); 4] = [
    (
        "export { initSync, __wbg_init as default };",
        "export { __wbg_init as default };",
    ),
    (
        "\"`WebAssembly.instantiateStreaming` failed because your server does not serve Wasm with `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. Original error:\\n\"",
        "\"consentry: serve the wasm as application/wasm\"",
    ),
    (
        "    if (module_or_path !== undefined) {
        if (Object.getPrototypeOf(module_or_path) === Object.prototype) {
            ({module_or_path} = module_or_path)
        } else {
            console.warn('using deprecated parameters for the initialization function; pass a single object instead')
        }
    }

    if (module_or_path === undefined) {
        module_or_path = new URL('consentry_bg.wasm', import.meta.url);
    }
",
        "    ({module_or_path} = module_or_path);
",
    ),
    (
        "    if (typeof module_or_path === 'string' || (typeof Request === 'function' && module_or_path instanceof Request) || (typeof URL === 'function' && module_or_path instanceof URL)) {
        module_or_path = fetch(module_or_path);
    }
",
        "",
    ),
];

/// The glue with [`GLUE_TRIMS`] applied.
fn trim_glue(js: &str) -> Result<String, String> {
    let mut js = js.to_string();
    for (from, to) in GLUE_TRIMS {
        if js.matches(from).count() != 1 {
            return Err(format!(
                "trim glue: {from:?} is not in the glue exactly once"
            ));
        }
        js = js.replace(from, to);
    }
    Ok(js)
}

/// `terser --module` with the bundle's options, `from` → `to`.
fn terser(from: &Path, to: &Path) -> Result<(), String> {
    run(
        Command::new(root().join("xtask/tools/node_modules/.bin/terser"))
            .arg(from)
            .args(["--module", "--compress", "passes=2", "--mangle", "--output"])
            .arg(to),
    )
}

/// The glue as `pkg/consentry_bg.js`: one default export, a function of the loader's `apply`
/// (the module's only import from the loader, `src/dom.rs`), which runs the glue in a scope of
/// its own and returns its functions and its `init`:
/// `export default (consentryApply) => { …glue… return [{ accept, … }, __wbg_init]; };`.
/// No import between the two files, so a loader loaded under another URL (`?v=2`) is never a
/// second instance. The glue's `export function` lines become plain functions. Fails on a
/// glue this does not expect (an `import`, another kind of export) rather than guessing.
fn wrap_glue(glue: &str) -> Result<String, String> {
    let mut names = Vec::new();
    let mut body = String::new();
    for line in glue.lines() {
        if let Some(rest) = line.strip_prefix("export function ") {
            let name = rest.split('(').next().unwrap_or_default();
            names.push(name);
            body.push_str("function ");
            body.push_str(rest);
        } else if line == "export { __wbg_init as default };" {
            continue;
        } else if line.starts_with("export ") || line.starts_with("import ") {
            return Err(format!("wrap glue: unexpected line in the glue: {line}"));
        } else {
            body.push_str(line);
        }
        body.push('\n');
    }
    if names.is_empty() {
        return Err("wrap glue: the glue exports no functions".into());
    }
    if !body.contains("consentryApply(") {
        return Err("wrap glue: the glue does not call the loader's consentryApply".into());
    }
    Ok(format!(
        "export default (consentryApply) => {{\n{body}return [{{ {} }}, __wbg_init];\n}};",
        names.join(", ")
    ))
}

/// The module name wasm-bindgen gives the glue's imports.
const GLUE_MODULE: &str = "./consentry_bg_bg.js";

/// Renames the wasm's imports from the glue (`./consentry_bg_bg.js` /
/// `__wbg_createElement_de4a31ed2fb252be` …) to short names (`a` / `a`, `b`, …) in both the
/// wasm and the minified glue: the names with their hashes are about 3 KB gzip of the bundle.
/// Every name must be found exactly once as a key of the glue's import object, else the build
/// fails (a new wasm-bindgen that writes the glue differently).
fn minify_imports(wasm_path: &Path, js_path: &Path) -> Result<(), String> {
    let wasm =
        fs::read(wasm_path).map_err(|e| format!("cannot read {}: {e}", wasm_path.display()))?;
    let mut js = fs::read_to_string(js_path)
        .map_err(|e| format!("cannot read {}: {e}", js_path.display()))?;
    let (wasm, renames) = rename_imports(&wasm)?;
    for (old, new) in &renames {
        let mut hits = 0;
        for lead in [",", "{"] {
            let key = format!("{lead}{old}:");
            hits += js.matches(&key).count();
            js = js.replace(&key, &format!("{lead}{new}:"));
        }
        if hits != 1 {
            return Err(format!(
                "minify imports: {old} is {hits} times a key in the glue, not once"
            ));
        }
    }
    let module = format!("\"{GLUE_MODULE}\":");
    if js.matches(&module).count() != 1 {
        return Err(format!(
            "minify imports: the glue names {GLUE_MODULE} more than once or never"
        ));
    }
    js = js.replace(&module, "a:");
    write(wasm_path, &wasm)?;
    write(js_path, js.as_bytes())
}

fn read_leb(b: &[u8], at: &mut usize) -> Result<u32, String> {
    let (mut v, mut shift) = (0u32, 0);
    loop {
        let byte = *b.get(*at).ok_or("minify imports: truncated wasm")?;
        *at += 1;
        v |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(v);
        }
        shift += 7;
        if shift > 28 {
            return Err("minify imports: bad LEB128".into());
        }
    }
}

fn write_leb(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn read_name<'a>(b: &'a [u8], at: &mut usize) -> Result<&'a str, String> {
    let len = read_leb(b, at)? as usize;
    let s = b
        .get(*at..*at + len)
        .ok_or("minify imports: truncated name")?;
    *at += len;
    std::str::from_utf8(s).map_err(|_| "minify imports: name is not UTF-8".into())
}

fn write_name(out: &mut Vec<u8>, s: &str) {
    write_leb(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

/// A short JavaScript identifier for the n-th import: `a` … `Z`, then `aa` ….
fn short_name(mut n: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut s = vec![LETTERS[n % 52]];
    n /= 52;
    while n > 0 {
        n -= 1;
        s.push(LETTERS[n % 52]);
        n /= 52;
    }
    String::from_utf8(s).unwrap_or_default()
}

/// The wasm and the renames `(old field, new field)` of its imports.
type Renamed = (Vec<u8>, Vec<(String, String)>);

/// The wasm with the glue's imports renamed (module `a`, fields `a`, `b`, …), and the
/// renames.
fn rename_imports(wasm: &[u8]) -> Result<Renamed, String> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0".as_slice()) {
        return Err("minify imports: not a wasm module".into());
    }
    let mut out = wasm[..8].to_vec();
    let mut renames = Vec::new();
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let size = read_leb(wasm, &mut at)? as usize;
        let body = wasm
            .get(at..at + size)
            .ok_or("minify imports: truncated section")?;
        at += size;
        if id != 2 {
            out.push(id);
            write_leb(&mut out, size as u32);
            out.extend_from_slice(body);
            continue;
        }
        let mut p = 0;
        let count = read_leb(body, &mut p)?;
        let mut sec = Vec::with_capacity(body.len());
        write_leb(&mut sec, count);
        for _ in 0..count {
            let module = read_name(body, &mut p)?;
            let field = read_name(body, &mut p)?;
            let desc_start = p;
            let kind = *body.get(p).ok_or("minify imports: truncated import")?;
            p += 1;
            match kind {
                0 => {
                    read_leb(body, &mut p)?;
                }
                1 | 2 => {
                    if kind == 1 {
                        p += 1; // reference type
                    }
                    let flags = read_leb(body, &mut p)?;
                    read_leb(body, &mut p)?;
                    if flags & 1 == 1 {
                        read_leb(body, &mut p)?;
                    }
                }
                3 => p += 2,
                _ => return Err(format!("minify imports: import kind {kind} not handled")),
            }
            let desc = body
                .get(desc_start..p)
                .ok_or("minify imports: truncated import")?;
            if module == GLUE_MODULE {
                let new = short_name(renames.len());
                write_name(&mut sec, "a");
                write_name(&mut sec, &new);
                renames.push((field.to_string(), new));
            } else {
                write_name(&mut sec, module);
                write_name(&mut sec, field);
            }
            sec.extend_from_slice(desc);
        }
        if p != body.len() {
            return Err("minify imports: import section not fully read".into());
        }
        out.push(2);
        write_leb(&mut out, sec.len() as u32);
        out.extend_from_slice(&sec);
    }
    Ok((out, renames))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glue_trims_apply_once_or_fail() {
        let glue: String = GLUE_TRIMS.iter().map(|(from, _)| *from).collect();
        let trimmed = trim_glue(&glue).unwrap();
        assert!(!trimmed.contains("initSync") && trimmed.contains("__wbg_init as default"));
        assert!(trim_glue("export default 1;").is_err());
        assert!(trim_glue(&[glue.as_str(), &glue].concat()).is_err());
    }

    #[test]
    fn short_names_are_distinct_identifiers() {
        let names: Vec<String> = (0..3000).map(short_name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        assert_eq!(&names[..3], ["a", "b", "c"]);
        assert!(names
            .iter()
            .all(|n| n.bytes().all(|b| b.is_ascii_alphabetic())));
    }

    #[test]
    fn renames_the_glue_imports_and_keeps_the_rest() {
        // (module "env" field "x" func 0), (glue field "__wbg_f_1" func 1), then a custom section.
        let mut imports = Vec::new();
        write_leb(&mut imports, 2);
        write_name(&mut imports, "env");
        write_name(&mut imports, "x");
        imports.extend_from_slice(&[0, 0]);
        write_name(&mut imports, GLUE_MODULE);
        write_name(&mut imports, "__wbg_f_1");
        imports.extend_from_slice(&[0, 1]);
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.push(2);
        write_leb(&mut wasm, imports.len() as u32);
        wasm.extend_from_slice(&imports);
        wasm.extend_from_slice(&[0, 3, 1, b'n', 7]);

        let (out, renames) = rename_imports(&wasm).unwrap();
        assert_eq!(renames, [("__wbg_f_1".to_string(), "a".to_string())]);
        let mut expect = Vec::new();
        write_leb(&mut expect, 2);
        write_name(&mut expect, "env");
        write_name(&mut expect, "x");
        expect.extend_from_slice(&[0, 0]);
        write_name(&mut expect, "a");
        write_name(&mut expect, "a");
        expect.extend_from_slice(&[0, 1]);
        let mut want = b"\0asm\x01\0\0\0".to_vec();
        want.push(2);
        write_leb(&mut want, expect.len() as u32);
        want.extend_from_slice(&expect);
        want.extend_from_slice(&[0, 3, 1, b'n', 7]);
        assert_eq!(out, want);
        assert!(rename_imports(b"not wasm").is_err());
        assert!(rename_imports(&wasm[..wasm.len() - 1]).is_err());
    }
}
