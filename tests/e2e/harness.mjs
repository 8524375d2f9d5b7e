// End-to-end harness for consentry: a local HTTP(S) server, a stand-in for gtag.js at its real
// URL, headless Chromium through playwright-core, a network log, cookie helpers and screenshots.
//
// Everything is served from 127.0.0.1. Chromium maps the real hosts to that server with
// `--host-resolver-rules`, so pages keep real URLs (https://www.googletagmanager.com/gtag/js?…,
// http://app.example.test/…). One port speaks both HTTP and HTTPS (sniffed from the first byte);
// HTTPS uses a throw-away self-signed certificate made with `openssl`, accepted by Chromium
// through `--ignore-certificate-errors`.
//
// Typical use (node --test):
//
//   import { setup } from "./harness.mjs";
//   const env = await setup({ routes: { "/": embedHtml({ policy }) } });
//   const { page, log, context } = await env.newPage();
//   await page.goto(env.url("/", "app.example.test"));
//   assert.equal(log.count(GTAG_URL_RE), 0);
//   await env.close();

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Repository root. */
export const REPO = path.resolve(HERE, "..", "..");
/** The npm package folder, served at `/consentry/` (`CONSENTRY_PKG_DIR` overrides it: CI runs
 * some suites on the stable build, `cargo xtask web --stable`). */
export const PKG_DIR = process.env.CONSENTRY_PKG_DIR ? path.resolve(process.env.CONSENTRY_PKG_DIR) : path.join(REPO, "pkg");
/** Where screenshots and other artifacts go. */
export const ARTIFACTS = path.join(REPO, "test-artifacts");
/** Chromium binary (override with CONSENTRY_CHROMIUM=/path or CHROMIUM=/path). */
export const CHROMIUM = process.env.CONSENTRY_CHROMIUM || process.env.CHROMIUM || "/usr/bin/chromium";

/** Hosts mapped to the local server. */
export const GTAG_HOST = "www.googletagmanager.com";
export const GA_HOST = "www.google-analytics.com";
export const APP_HOST = "app.example.test";
export const PARENT_HOST = "example.test";

/** The real gtag.js URL (the stand-in answers it). */
export const GTAG_URL = `https://${GTAG_HOST}/gtag/js?id=G-TEST123`;
/** Matches any request for gtag.js, on any scheme. */
export const GTAG_URL_RE = /^https?:\/\/www\.googletagmanager\.com\/gtag\/js/;
/** Matches measurement hits of the stand-in (and of the real gtag). */
export const COLLECT_RE = /^https?:\/\/(www\.google-analytics\.com|www\.googletagmanager\.com)\/g\/collect/;

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".ts": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/** Reads an example policy from examples/policies/<name>.json as an object. */
export function loadPolicy(name) {
  return JSON.parse(readFileSync(path.join(REPO, "examples", "policies", `${name}.json`), "utf8"));
}

/** Escapes JSON for a `<script type="application/json">` body (no `</script>` breakout). */
export function jsonForScript(value) {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/**
 * A page following the embed contract (DESIGN.md): gate first in <head>, the policy as JSON,
 * the module. `gate`/`module` can be turned off; `defaults` sets `data-consent-defaults` (array).
 */
export function embedHtml({
  policy,
  head = "",
  body = "",
  gate = true,
  module = true,
  defaults,
  lang = "en",
  title = "consentry test page",
} = {}) {
  const defaultsAttr =
    defaults === undefined ? "" : ` data-consent-defaults='${JSON.stringify(defaults).replace(/'/g, "&#39;")}'`;
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<title>${title}</title>
${gate ? `<script src="/consentry/consentry-gate.js"${defaultsAttr}></script>` : ""}
${policy ? `<script type="application/json" id="consentry-policy">${jsonForScript(policy)}</script>` : ""}
${module ? `<script type="module" async src="/consentry/consentry.js"></script>` : ""}
${head}
</head>
<body>
${body}
</body>
</html>`;
}

// --- the stand-in for gtag.js ---------------------------------------------------------------

/**
 * JavaScript served at https://www.googletagmanager.com/gtag/js. It behaves like gtag.js as far
 * as consent goes: it replays and then takes over `dataLayer`, keeps the Consent Mode state,
 * waits for an update while `wait_for_update` runs, then sends one page_view hit to
 * /g/collect with `gcs=G1<ad><analytics>`, and sets `_ga` and `_ga_<id>` on the highest
 * settable domain only when analytics_storage is granted, for as long as real gtag.js does:
 * `cookie_expires` of the `config` settings (default two years), renewed on every hit unless
 * `cookie_update` is false. State is on `window.__gtagStandIn` (loads, commands, consent, hits,
 * config).
 */
export function gtagStandInJs() {
  return `(function () {
  var w = window, d = document;
  var src = d.currentScript && d.currentScript.src || "";
  var id = (/[?&]id=([^&]+)/.exec(src) || [0, "G-TEST"])[1];
  var st = w.__gtagStandIn = w.__gtagStandIn || { loads: 0, commands: [], consent: {}, hits: [], updates: 0 };
  st.loads++;
  st.consentAtLoad = JSON.stringify(st.consent);
  var dl = w.dataLayer = w.dataLayer || [];
  var pending = [], waiting = false, timer = 0;
  function granted(k) { return st.consent[k] === "granted"; }
  // As gtag.js: the cookies last cookie_expires seconds (default two years; 0: a session
  // cookie) and are written again, with a fresh lifetime, on every hit unless cookie_update
  // is false; the client id in _ga is kept.
  function setGaCookies() {
    var host = location.hostname, parts = host.split("."), t = Math.floor(Date.now() / 1000);
    var cfg = st.config || {}, upd = cfg.cookie_update !== false;
    var exp = cfg.cookie_expires === undefined ? 63072000 : Number(cfg.cookie_expires);
    var age = exp > 0 ? "; max-age=" + exp : "";
    var name2 = "_ga_" + id.replace(/^G-/, "");
    var cur = /(?:^|; )_ga=([^;]*)/.exec(d.cookie);
    if (cur && !upd) return;
    var v1 = cur ? cur[1] : "GA1.1." + Math.floor(Math.random() * 1e9) + "." + t, v2 = "GS1.1." + t + ".1.0." + t + ".0.0.0";
    var probe = "probe" + Math.random();
    var isIp = /^[0-9.]+$/.test(host) || parts.length < 2;
    for (var i = isIp ? parts.length : parts.length - 2; i >= 0; i--) {
      var dom = i >= parts.length ? "" : "; domain=" + parts.slice(i).join(".");
      // The highest domain the browser takes (gtag's cookie_domain "auto").
      d.cookie = "_ga=" + probe + "; path=/" + dom;
      if (d.cookie.indexOf("_ga=" + probe) >= 0) {
        d.cookie = "_ga=" + v1 + "; path=/" + age + dom;
        d.cookie = name2 + "=" + v2 + "; path=/" + age + dom;
        break;
      }
    }
  }
  function send(ev) {
    var a = granted("analytics_storage"), ad = granted("ad_storage");
    if (a) setGaCookies();
    var q = "v=2&tid=" + encodeURIComponent(id) + "&en=" + encodeURIComponent(ev) +
      "&gcs=G1" + (ad ? 1 : 0) + (a ? 1 : 0) + "&updates=" + st.updates + "&seq=" + st.hits.length;
    st.hits.push({ en: ev, gcs: "G1" + (ad ? 1 : 0) + (a ? 1 : 0), updates: st.updates });
    var u = "https://www.google-analytics.com/g/collect?" + q;
    if (navigator.sendBeacon) navigator.sendBeacon(u); else new Image().src = u;
  }
  function flush() { waiting = false; clearTimeout(timer); var p = pending; pending = []; p.forEach(send); }
  function handle(args) {
    args = Array.prototype.slice.call(args);
    try { st.commands.push(JSON.parse(JSON.stringify(args))); } catch (e) { st.commands.push(String(args[0])); }
    if (args[0] === "consent" && args[2]) {
      for (var k in args[2]) if (/_storage$|^ad_/.test(k)) st.consent[k] = args[2][k];
      if (args[1] === "default" && args[2].wait_for_update && !st.updates) {
        waiting = true; timer = setTimeout(flush, args[2].wait_for_update);
      }
      if (args[1] === "update") { st.updates++; flush(); }
    } else if (args[0] === "config") {
      st.config = args[2];
      pending.push("page_view"); if (!waiting) flush();
    } else if (args[0] === "event") {
      pending.push(String(args[1])); if (!waiting) flush();
    }
  }
  var old = dl.slice();
  dl.push = function () { for (var i = 0; i < arguments.length; i++) handle(arguments[i]); return Array.prototype.push.apply(dl, arguments); };
  old.forEach(handle);
})();
`;
}

// --- the server -----------------------------------------------------------------------------

let certCache;
/** A self-signed certificate for the local HTTPS side (made once per process with openssl). */
function testCert() {
  if (certCache !== undefined) return certCache;
  const dir = mkdtempSync(path.join(os.tmpdir(), "consentry-e2e-cert-"));
  try {
    const key = path.join(dir, "key.pem");
    const cert = path.join(dir, "cert.pem");
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=consentry-e2e"],
      { stdio: "ignore" },
    );
    certCache = { key: readFileSync(key), cert: readFileSync(cert) };
  } catch (e) {
    console.warn(`harness: no openssl, HTTPS disabled (${e.message})`);
    certCache = null;
  } finally {
    // The key is held in memory from here on; no test run leaves files behind.
    rmSync(dir, { recursive: true, force: true });
  }
  return certCache;
}

function sendValue(res, value) {
  if (typeof value === "string" || Buffer.isBuffer(value)) {
    res.writeHead(200, { "content-type": TYPES[".html"], "cache-control": "no-store" });
    res.end(value);
    return;
  }
  const { status = 200, type = TYPES[".html"], headers = {}, body = "" } = value;
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", ...headers });
  res.end(body);
}

function serveFile(res, root, rel) {
  const file = path.resolve(root, "." + path.posix.normalize("/" + rel));
  if (!file.startsWith(root + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end(`not found: ${rel}`);
    return;
  }
  res.writeHead(200, {
    "content-type": TYPES[path.extname(file)] || "application/octet-stream",
    "cache-control": "no-store",
  });
  res.end(readFileSync(file));
}

/**
 * Starts the server on 127.0.0.1 (random port). `routes` maps a pathname to a string (HTML), an
 * object `{status, type, headers, body}`, or a function `(req, res, url)`. Files under `pkg/`
 * are served at `/consentry/`, `static` maps URL prefixes to more folders
 * (`{ "/assets/": "/abs/dir" }`). Requests to www.googletagmanager.com get the gtag stand-in;
 * `/g/collect` on the Google hosts is recorded as a hit.
 *
 * Returns `{ port, origin, url(path, host?, scheme?), route(path, value), requests, gtagLoads,
 * hits, close() }`. `requests` lists every request the server saw
 * (`{method, host, path, url, headers, time}`).
 */
export async function startServer({ routes = {}, static: dirs = {}, pkgDir = PKG_DIR } = {}) {
  const table = new Map(Object.entries(routes));
  const statics = Object.entries({ "/consentry/": pkgDir, ...dirs });
  const requests = [];
  const gtagLoads = [];
  const hits = [];
  let port = 0;

  const handler = (req, res) => {
    const host = (req.headers.host || "").replace(/:\d+$/, "");
    const scheme = req.socket.encrypted ? "https" : "http";
    const url = new URL(req.url, `${scheme}://${host || "127.0.0.1"}`);
    const entry = { method: req.method, host, path: url.pathname, url: url.href, headers: req.headers, time: Date.now() };
    requests.push(entry);
    if (host === GTAG_HOST || host === GA_HOST) {
      if (url.pathname === "/gtag/js") {
        gtagLoads.push(entry);
        sendValue(res, { type: TYPES[".js"], body: gtagStandInJs() });
      } else if (url.pathname.endsWith("/collect")) {
        hits.push({ ...entry, params: Object.fromEntries(url.searchParams) });
        res.writeHead(204, { "access-control-allow-origin": "*" });
        res.end();
      } else {
        sendValue(res, { status: 404, type: "text/plain", body: "no such stand-in" });
      }
      return;
    }
    const route = table.get(url.pathname);
    if (typeof route === "function") return route(req, res, url);
    if (route !== undefined) return sendValue(res, route);
    for (const [prefix, dir] of statics) {
      if (url.pathname.startsWith(prefix)) return serveFile(res, path.resolve(dir), url.pathname.slice(prefix.length));
    }
    sendValue(res, { status: 404, type: "text/plain", body: `not found: ${url.pathname}` });
  };

  const plain = http.createServer(handler);
  const cert = testCert();
  const secure = cert ? https.createServer(cert, handler) : null;
  const sockets = new Set();
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.once("data", (buf) => {
      socket.pause();
      socket.unshift(buf);
      (buf[0] === 0x16 && secure ? secure : plain).emit("connection", socket);
      process.nextTick(() => socket.resume());
    });
  });
  await new Promise((resolve) => tcp.listen(0, "127.0.0.1", resolve));
  port = tcp.address().port;

  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    /** URL for a path on a host: 127.0.0.1 (with port) or a mapped host (port 80/443). */
    url(p = "/", host = "127.0.0.1", scheme = "http") {
      return host === "127.0.0.1" ? `${scheme}://127.0.0.1:${port}${p}` : `${scheme}://${host}${p}`;
    },
    route(p, value) {
      table.set(p, value);
    },
    requests,
    gtagLoads,
    hits,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => tcp.close(() => resolve()));
    },
  };
}

// --- the browser ----------------------------------------------------------------------------

/** Chromium flags (TOOLCHAIN.md) plus host mapping to the local server on `port`. */
export function chromiumArgs(port) {
  return [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--ignore-certificate-errors",
    // Keep http:// pages on http (no automatic HTTPS upgrade of app.example.test).
    "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,LocalNetworkAccessChecks",
    `--host-resolver-rules=MAP ${GTAG_HOST} 127.0.0.1:${port}, MAP ${GA_HOST} 127.0.0.1:${port}, ` +
      `MAP ${APP_HOST} 127.0.0.1:${port}, MAP ${PARENT_HOST} 127.0.0.1:${port}`,
  ];
}

/** Launches headless Chromium (playwright-core, system binary) mapped to the server's port. */
export async function launchBrowser(port, { args = [] } = {}) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...chromiumArgs(port), ...args],
  });
}

/**
 * A network log for a browser context: every request URL in order (`urls`), failed requests
 * (`failed`), console messages and page errors (`console`, `errors`).
 */
export function networkLog(context) {
  const log = {
    urls: [],
    failed: [],
    console: [],
    errors: [],
    /** How many requests matched a RegExp (or contained a string). */
    count(re) {
      return log.matching(re).length;
    },
    matching(re) {
      return log.urls.filter((u) => (typeof re === "string" ? u.includes(re) : re.test(u)));
    },
    clear() {
      log.urls.length = 0;
      log.failed.length = 0;
    },
  };
  context.on("request", (r) => log.urls.push(r.url()));
  context.on("requestfailed", (r) => log.failed.push(`${r.url()} ${r.failure()?.errorText ?? ""}`));
  context.on("console", (m) => log.console.push(`${m.type()}: ${m.text()}`));
  context.on("weberror", (e) => log.errors.push(String(e.error())));
  return log;
}

/**
 * A fresh context (own cookies) and page. Options: `gpc` (sets `navigator.globalPrivacyControl`
 * and the `Sec-GPC: 1` header), `headers` (more request headers, e.g. a CDN's country header),
 * `locale`, `viewport`, `initScript` (function or string run before any page script),
 * `javaScriptEnabled`.
 */
export async function openPage(browser, { gpc = false, headers = {}, locale = "en-US", viewport, initScript, ...rest } = {}) {
  const context = await browser.newContext({
    locale,
    viewport: viewport ?? { width: 1280, height: 800 },
    extraHTTPHeaders: { ...(gpc ? { "Sec-GPC": "1" } : {}), ...headers },
    ...rest,
  });
  if (gpc) {
    await context.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true, configurable: true });
    });
  }
  if (initScript) await context.addInitScript(initScript);
  const log = networkLog(context);
  const page = await context.newPage();
  watchBundle(page);
  return { context, page, log };
}

/**
 * Server + browser in one: `await setup({ routes })` returns `{ server, browser, url, route,
 * newPage(opts), close() }`. Call `close()` in `after()`.
 */
export async function setup(opts = {}) {
  const server = await startServer(opts);
  const browser = await launchBrowser(server.port, opts);
  return {
    server,
    browser,
    url: (...a) => server.url(...a),
    route: (...a) => server.route(...a),
    newPage: (o) => openPage(browser, o),
    async close() {
      await browser.close().catch(() => {});
      await server.close();
    },
  };
}

// --- cookies, waiting, screenshots ------------------------------------------------------------

/** All cookies of the context visible to `url` (or all cookies when no url). */
export async function cookies(context, url) {
  return context.cookies(url ? [url] : undefined);
}

/** Names of the cookies visible to `url`. */
export async function cookieNames(context, url) {
  return (await cookies(context, url)).map((c) => c.name);
}

/** Cookies whose name matches a RegExp (default: `_ga` and `_ga_*`), with their domains. */
export async function gaCookies(context, re = /^_ga($|_)/) {
  return (await context.cookies()).filter((c) => re.test(c.name));
}

/**
 * Sets a cookie: `{ name, value, url }` or `{ name, value, domain, path }`, plus optional
 * `expires` (unix seconds), `httpOnly`, `secure`, `sameSite` ("Lax" | "Strict" | "None").
 */
export async function setCookie(context, cookie) {
  await context.addCookies([cookie.url ? cookie : { path: "/", ...cookie }]);
}

/** Waits until `fn()` is truthy (polls), or throws after `timeout` ms with `message`. */
export async function waitFor(fn, { timeout = 5000, interval = 25, message = "condition" } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${message}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Does a URL name a file of the bundle (`/consentry/…`, also under a hash folder)? */
const BUNDLE_URL_RE = /\/consentry\/(?:[0-9a-f]{10}\/)?(?:consentry[-_.]|check\/)/;

const watched = new WeakMap();
/**
 * Watches a page for what stops the loader, from the start of each document (a new document
 * starts afresh): an uncaught page error, a `console.error` from a bundle file (the loader
 * reports a failed start so), a bundle request that fails or is answered with an error status.
 * Also keeps when each bundle file was asked for and answered. `openPage` calls it.
 */
function watchBundle(page) {
  let w = watched.get(page);
  if (w) return w;
  w = { problems: [], trail: [], listeners: new Set() };
  watched.set(page, w);
  const t0 = Date.now();
  const problem = (text) => {
    w.problems.push(text);
    for (const f of w.listeners) f(text);
  };
  page.on("framenavigated", (f) => {
    if (f !== page.mainFrame()) return;
    w.problems = [];
    w.trail.push(`${Date.now() - t0} ms: document ${f.url()}`);
  });
  page.on("request", (r) => BUNDLE_URL_RE.test(r.url()) && w.trail.push(`${Date.now() - t0} ms: asked ${r.url()}`));
  page.on("response", (r) => {
    if (!BUNDLE_URL_RE.test(r.url())) return;
    w.trail.push(`${Date.now() - t0} ms: ${r.status()} ${r.url()}`);
    if (r.status() >= 400) problem(`the bundle file ${r.url()} was answered ${r.status()}`);
  });
  page.on("requestfailed", (r) => BUNDLE_URL_RE.test(r.url()) && problem(`the bundle file ${r.url()} failed: ${r.failure()?.errorText}`));
  page.on("console", (m) => m.type() === "error" && BUNDLE_URL_RE.test(m.location().url) && problem(`the loader reported: ${m.text()}`));
  page.on("pageerror", (e) => problem(`page error: ${e}`));
  return w;
}

/**
 * Waits for the loader to publish its API on `window.consentry` (it does once `start`
 * resolves, or never: it reports a failed start with `console.error`). Event-driven, no
 * polling: in the page, a setter on `window.consentry` ends the wait the moment the loader
 * assigns it; what stops the loader ([`watchBundle`]) fails the wait at once, with what
 * happened. A page that navigates meanwhile (a reload after a withdrawal) is waited on again.
 * `timeout` (ms) only bounds a page that neither starts nor fails; that error lists the bundle
 * requests with their times, to show where the page stopped.
 */
export async function consentryReady(page, { timeout = 60_000 } = {}) {
  const w = watchBundle(page);
  let onProblem, timer;
  const stopped = new Promise((_, reject) => {
    onProblem = (text) => reject(new Error(`the module did not start: ${text}`));
    w.listeners.add(onProblem);
    if (w.problems.length) onProblem(w.problems.join("; "));
    timer = setTimeout(() => {
      const trail = w.trail.join("\n  ") || "(none)";
      reject(new Error(`window.consentry not set after ${timeout} ms, and nothing failed; bundle requests:\n  ${trail}`));
    }, timeout);
  });
  try {
    for (;;) {
      try {
        return await Promise.race([stopped, page.evaluate(whenApiPublished)]);
      } catch (e) {
        // The document was replaced while waiting: wait on the new one.
        if (!/Execution context was destroyed|navigation/i.test(String(e?.message))) throw e;
        await page.waitForLoadState("domcontentloaded");
      }
    }
  } finally {
    clearTimeout(timer);
    w.listeners.delete(onProblem);
  }
}

/** In the page: true once `window.consentry` is set (at once if it is). Checked and hooked in
 * one task, so no assignment falls between the two; several waits share one hook. */
function whenApiPublished() {
  if (window.consentry !== undefined) return true;
  const EVENT = "consentry:harness-api";
  if (!Object.getOwnPropertyDescriptor(window, "consentry")?.set) {
    Object.defineProperty(window, "consentry", {
      configurable: true,
      enumerable: true,
      get: () => undefined,
      set(v) {
        Object.defineProperty(window, "consentry", { value: v, writable: true, configurable: true, enumerable: true });
        window.dispatchEvent(new Event(EVENT));
      },
    });
  }
  return new Promise((resolve) => window.addEventListener(EVENT, () => resolve(true), { once: true }));
}

/** Lets pending network activity finish (network idle, then a short pause). */
export async function settle(page, ms = 150) {
  await page.waitForLoadState("networkidle").catch(() => {});
  await page.waitForTimeout(ms);
}

/** Writes a PNG screenshot to test-artifacts/<name>.png and returns its path. */
export async function screenshot(page, name, opts = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name.replace(/[^\w.-]+/g, "_")}.png`);
  await page.screenshot({ path: file, ...opts });
  return file;
}

/** The stand-in's state in the page (`{loads, commands, consent, hits, updates}`) or null. */
export async function gtagState(page) {
  return page.evaluate(() => window.__gtagStandIn ?? null);
}
