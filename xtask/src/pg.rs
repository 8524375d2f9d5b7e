//! A real, throwaway PostgreSQL server for the tests, and `cargo xtask pg` for developers.
//!
//! The tests read the server's URL from [`URL_VAR`]. If it is already set, that server is used
//! and nothing is started. Otherwise [`TestPostgres::start`] makes a cluster in a temp dir
//! (`initdb`), starts it on a free loopback port (`pg_ctl`), creates [`DATABASE`], and its `Drop`
//! stops the server and removes the dir. PostgreSQL refuses to run as root, so as root the
//! cluster belongs to the unprivileged `postgres` user (made by Debian's package) and the server
//! commands run as that user (`runuser`, else `su`). Debian's default cluster service is never
//! used, whether or not the package started it.

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::env::{has, output, run as sh};

/// The variable the tests read: a URL of a server where they may create tables.
pub(crate) const URL_VAR: &str = "CONSENTRY_TEST_DATABASE_URL";
/// The superuser `initdb` creates (trust authentication: no password).
const USER: &str = "consentry";
/// The database created for the tests.
const DATABASE: &str = "consentry_test";
/// Owner of the cluster when we are root.
const SERVER_USER: &str = "postgres";
/// Debian's server binaries, one folder per major version, not on PATH.
const DEBIAN_LIB: &str = "/usr/lib/postgresql";

/// The folder holding `initdb`, `pg_ctl` and `postgres`, and their version.
pub(crate) struct PgBin {
    dir: PathBuf,
    /// E.g. `15.18`, from `postgres --version`.
    version: String,
}

impl PgBin {
    fn tool(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// `createdb` beside the server if it is there (Debian), else the one on PATH.
    fn createdb(&self) -> PathBuf {
        let here = self.tool("createdb");
        if here.exists() {
            here
        } else {
            "createdb".into()
        }
    }
}

/// Finds the PostgreSQL server binaries, installing Debian's `postgresql` when root with apt.
pub(crate) fn ensure_postgres() -> Result<PgBin, String> {
    if let Some(bin) = find_postgres() {
        return Ok(bin);
    }
    if is_root() && has("apt-get") {
        sh(Command::new("apt-get").args(["update", "-qq"]))?;
        sh(Command::new("apt-get")
            .args(["install", "-y", "-qq", "postgresql"])
            .env("DEBIAN_FRONTEND", "noninteractive"))?;
        if let Some(bin) = find_postgres() {
            return Ok(bin);
        }
    }
    Err(format!(
        "the tests need a PostgreSQL server and none was found (initdb, pg_ctl and postgres in {DEBIAN_LIB}/<version>/bin or on PATH). Install it (Debian/Ubuntu: `sudo apt-get install postgresql`; macOS: `brew install postgresql`), or set {URL_VAR} to an existing server where the tests may create tables, e.g. {URL_VAR}=postgres://user:password@localhost:5432/consentry_test"
    ))
}

/// The newest `/usr/lib/postgresql/<version>/bin`, else the folder on PATH with `initdb`.
fn find_postgres() -> Option<PgBin> {
    let mut debian: Vec<(u32, PathBuf)> = fs::read_dir(DEBIAN_LIB)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse().ok()?;
            Some((major, e.path().join("bin")))
        })
        .collect();
    debian.sort_by_key(|d| std::cmp::Reverse(d.0));
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    debian
        .into_iter()
        .map(|(_, dir)| dir)
        .chain(on_path)
        .find_map(|dir| pg_bin(&dir))
}

/// The binaries in `dir`, if all three are there and `postgres --version` runs.
fn pg_bin(dir: &Path) -> Option<PgBin> {
    if !["initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|t| dir.join(t).is_file())
    {
        return None;
    }
    // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
    let line = output(Command::new(dir.join("postgres")).arg("--version"))?;
    let version = line
        .strip_prefix("postgres (PostgreSQL) ")
        .and_then(|v| v.split_whitespace().next())
        .unwrap_or(&line)
        .to_string();
    Some(PgBin {
        dir: dir.to_path_buf(),
        version,
    })
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_some_and(|u| u == "0")
}

/// A PostgreSQL cluster in a temp dir, running on a loopback port until dropped.
pub(crate) struct TestPostgres {
    bin: PgBin,
    /// The temp dir: `data/` (the cluster), the server's socket and `postgres.log`.
    dir: PathBuf,
    port: u16,
    /// Who runs the server commands: `Some("postgres")` when we are root.
    user: Option<String>,
    /// Set just before `pg_ctl start`, so that `Drop` stops even a half-started server.
    started: bool,
}

impl TestPostgres {
    /// Finds (or installs) PostgreSQL, makes a cluster in a temp dir, starts it and creates
    /// the test database.
    pub(crate) fn start() -> Result<TestPostgres, String> {
        let bin = ensure_postgres()?;
        let user = server_user()?;
        let dir = make_temp_dir(user.as_deref())?;
        let mut pg = TestPostgres {
            bin,
            dir,
            port: 0,
            user,
            started: false,
        };
        install_stop_handler();
        pg.init()?;
        pg.started = true;
        // The free port may be taken between our check and the server's bind: then try another.
        for attempt in 1.. {
            pg.port = free_port()?;
            match pg.launch() {
                Ok(()) => break,
                Err(_) if attempt < 3 && pg.port_was_taken() => {
                    eprintln!(
                        "xtask: port {} was taken meanwhile, trying another",
                        pg.port
                    );
                }
                Err(e) => return Err(e),
            }
        }
        pg.create_database()?;
        Ok(pg)
    }

    /// True if the server's log says it could not bind its port.
    fn port_was_taken(&self) -> bool {
        fs::read_to_string(self.log()).is_ok_and(|log| log.contains("Address already in use"))
    }

    /// `postgres://consentry@127.0.0.1:PORT/consentry_test`.
    pub(crate) fn url(&self) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{DATABASE}", self.port)
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    pub(crate) fn version(&self) -> &str {
        &self.bin.version
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    fn init(&self) -> Result<(), String> {
        let data = self.data();
        let args = [
            "-D",
            path_str(&data)?,
            "-A",
            "trust",
            "-U",
            USER,
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ];
        self.server_cmd("initdb", &args).map_err(|e| match &self.user {
            Some(user) => format!(
                "{e}\n(user {user} runs the server and must be able to reach {}: set TMPDIR to a directory it can, e.g. /tmp)",
                self.dir.display()
            ),
            None => e,
        })
    }

    fn launch(&self) -> Result<(), String> {
        let _ = fs::remove_file(self.log());
        // fsync=off: a crash may corrupt this cluster, which is thrown away anyway; it makes
        // every commit much cheaper on a busy disk.
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            shell_quote(path_str(&self.dir)?)
        );
        let (data, log) = (self.data(), self.log());
        let args = [
            "-w",
            "-t",
            "60",
            "-D",
            path_str(&data)?,
            "-l",
            path_str(&log)?,
            "-o",
            &options,
            "start",
        ];
        self.server_cmd("pg_ctl", &args).map_err(|e| {
            let log = fs::read_to_string(self.log()).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(15).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            format!(
                "{e}\nlast lines of {}:\n{}",
                self.log().display(),
                tail.join("\n")
            )
        })
    }

    /// `createdb` over TCP as the trusted superuser (a client: it may run as root).
    fn create_database(&self) -> Result<(), String> {
        quiet(
            Command::new(self.bin.createdb())
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
                .args(["-U", USER, DATABASE]),
        )
    }

    /// Runs one of the server binaries, as the cluster's owner; its output is shown only
    /// when it fails.
    fn server_cmd(&self, tool: &str, args: &[&str]) -> Result<(), String> {
        let program = self.bin.tool(tool);
        let mut cmd = as_user(self.user.as_deref(), path_str(&program)?, args);
        // The server user may not be allowed into the workspace.
        cmd.current_dir(&self.dir);
        quiet(&mut cmd)
    }

    fn stop(&self) -> Result<(), String> {
        let data = self.data();
        let args = ["-w", "-D", path_str(&data)?, "-m", "immediate", "stop"];
        self.server_cmd("pg_ctl", &args)
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        // No `postmaster.pid`: the server never came up (or has already gone).
        if self.started && self.data().join("postmaster.pid").exists() {
            if let Err(e) = self.stop() {
                eprintln!("xtask: could not stop the test PostgreSQL: {e}");
            }
        }
        if let Err(e) = fs::remove_dir_all(&self.dir) {
            eprintln!("xtask: could not remove {}: {e}", self.dir.display());
        }
        restore_default_signals();
    }
}

/// The server for the tests: [`URL_VAR`] if set, else a throwaway one kept alive by this value.
pub(crate) struct TestDatabase {
    url: String,
    /// The throwaway server, if we started one: stopped when this is dropped.
    server: Option<TestPostgres>,
}

impl TestDatabase {
    /// Points `cmd` at this server. A given [`URL_VAR`] is already in our environment and
    /// inherited as it is: not set again, so that `run` does not echo its password.
    pub(crate) fn env<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        if self.server.is_some() {
            cmd.env(URL_VAR, &self.url);
        }
        cmd
    }
}

/// [`URL_VAR`]'s server if it is set, else a fresh [`TestPostgres`]; prints which one.
pub(crate) fn test_database() -> Result<TestDatabase, String> {
    if let Some(url) = std::env::var(URL_VAR).ok().filter(|u| !u.is_empty()) {
        eprintln!(
            "\n==> PostgreSQL: {URL_VAR} is set, using {} (nothing started)",
            hide_password(&url)
        );
        return Ok(TestDatabase { url, server: None });
    }
    let started = Instant::now();
    let pg = TestPostgres::start()?;
    eprintln!(
        "\n==> PostgreSQL {}: throwaway cluster on 127.0.0.1:{} ({}), ready in {:.1} s",
        pg.version(),
        pg.port(),
        pg.bin.dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(TestDatabase {
        url: pg.url(),
        server: Some(pg),
    })
}

/// Entry point for `cargo xtask pg`: a throwaway server until Ctrl-C or end of stdin.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if let Some(arg) = args.first() {
        return Err(format!("unknown argument {arg:?}; usage: cargo xtask pg"));
    }
    if std::env::var_os(URL_VAR).is_some() {
        eprintln!("note: {URL_VAR} is set; starting a new server anyway");
    }
    let started = Instant::now();
    let pg = TestPostgres::start()?;
    eprintln!(
        "PostgreSQL {} on 127.0.0.1:{} ({}), ready in {:.1} s. Stop with Ctrl-C or end of input (Ctrl-D).",
        pg.version(),
        pg.port(),
        pg.dir.display(),
        started.elapsed().as_secs_f64()
    );
    println!("{URL_VAR}={}", pg.url());
    wait_for_stop();
    eprintln!("stopping PostgreSQL");
    drop(pg);
    Ok(())
}

/// Blocks until a stop signal (Ctrl-C, SIGTERM, SIGHUP) or the end of stdin.
fn wait_for_stop() {
    let (tx, rx) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
        let _ = tx.send(());
    });
    while !STOP.load(Ordering::SeqCst) {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            _ => return,
        }
    }
}

/// Set by [`on_stop_signal`].
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_stop_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

const STOP_SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// While a server runs, Ctrl-C must not kill xtask before `Drop` stops it: the signal only
/// sets [`STOP`]. Children in our process group (e.g. `cargo test`) still get it and fail, so
/// xtask returns normally and drops the server. (`pg_ctl` puts the server in its own session,
/// so the terminal's Ctrl-C does not reach it.)
fn install_stop_handler() {
    for sig in STOP_SIGNALS {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(sig, on_stop_signal as *const () as libc::sighandler_t);
        }
    }
}

fn restore_default_signals() {
    for sig in STOP_SIGNALS {
        // SAFETY: restores the default action; no handler code runs.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
        }
    }
}

/// `Some("postgres")` when we are root (PostgreSQL refuses to run as root), else `None`.
fn server_user() -> Result<Option<String>, String> {
    if !is_root() {
        return Ok(None);
    }
    if output(Command::new("id").args(["-u", SERVER_USER])).is_none() {
        return Err(format!(
            "PostgreSQL refuses to run as root and there is no `{SERVER_USER}` user to run the test server as: create one (`useradd --system {SERVER_USER}`; Debian's postgresql package does), run as a normal user, or set {URL_VAR} to an existing server"
        ));
    }
    Ok(Some(SERVER_USER.into()))
}

/// A new, private temp dir, owned by `user` if given.
fn make_temp_dir(user: Option<&str>) -> Result<PathBuf, String> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("consentry-pg-{}-{nanos:08x}", std::process::id()));
    fs::DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .map_err(|e| format!("could not create {}: {e}", dir.display()))?;
    if let Some(user) = user {
        let chown = quiet(Command::new("chown").arg(format!("{user}:")).arg(&dir));
        if let Err(e) = chown {
            let _ = fs::remove_dir_all(&dir);
            return Err(e);
        }
    }
    Ok(dir)
}

/// `program args…`, as `user` if given (`runuser -u USER --`, else `su USER -c`).
fn as_user(user: Option<&str>, program: &str, args: &[&str]) -> Command {
    let Some(user) = user else {
        let mut cmd = Command::new(program);
        cmd.args(args);
        return cmd;
    };
    if has_runuser() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", user, "--", program]).args(args);
        cmd
    } else {
        let line: Vec<String> = std::iter::once(program)
            .chain(args.iter().copied())
            .map(shell_quote)
            .collect();
        let mut cmd = Command::new("su");
        cmd.args([user, "-s", "/bin/sh", "-c", &line.join(" ")]);
        cmd
    }
}

/// `runuser` (util-linux) has no `--version` on every system: look for it on PATH.
fn has_runuser() -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("runuser").is_file()))
}

/// A loopback port nothing listens on right now (bound, then released).
fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("could not find a free port on 127.0.0.1: {e}"))
}

/// Runs a command, capturing its output; on failure the error names it and shows the output.
fn quiet(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}").replace('"', "");
    let out = cmd
        .output()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "`{shown}` failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

fn path_str(path: &Path) -> Result<&str, String> {
    path.to_str()
        .ok_or_else(|| format!("{} is not UTF-8", path.display()))
}

/// `'text'` for `sh`, with `'` written as `'\''`.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The URL with any password replaced by `***`, for printing.
fn hide_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority = rest.split('/').next().unwrap_or(rest);
    let Some((userinfo, _)) = authority.rsplit_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***{}", &rest[userinfo.len()..]),
        None => url.to_string(),
    }
}
