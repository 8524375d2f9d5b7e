// Run-time benchmark, consentry beside vanilla-cookieconsent 3.1.0 on the same page in the same
// run (issue 14 targets): headless Chromium, CPU 4x slower (CDP), fresh context per round, the
// median of N rounds. Run by `cargo xtask bench` (after the size table), or:
//
//   node tests/e2e/bench/runtime.mjs [rounds]
//
// Both pages hold Google Analytics (the gtag.js stand-in at its real URL) until consent, in the
// way each library documents (consentry: `type="text/plain" data-consent`; CC:
// `type="text/plain" data-category`). consentry is measured twice: as a server with
// consentry-server writes the page (with `Assets::preload` on a first visit), and as a static
// page (pkg/README.md, no preload links). Measured, in the page (performance.now(), from navigation
// start):
//   time to banner   the accept button is in the DOM and visible (checked on every DOM mutation)
//   script time      CDP Performance.getMetrics ScriptDuration once the banner is shown
//   accept -> tag    from the click on "accept all" to gtag.js running
//   returning: tag   a returning visitor's page view (choice and _ga stored), from navigation
//                    start to gtag.js running; and the bytes it downloaded from the library
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import { GTAG_URL, PKG_DIR, REPO, jsonForScript, launchBrowser, startServer } from "../harness.mjs";

const ROUNDS = Number(process.argv[2] || process.env.CONSENTRY_BENCH_ROUNDS || 15);
const CC_DIR = path.join(REPO, "xtask/bench/node_modules/vanilla-cookieconsent/dist");

const POLICY = {
  revision: 1,
  categories: {
    necessary: { required: true, lawful_basis: "contract" },
    analytics: { lawful_basis: "consent" },
  },
  services: [
    {
      id: "google-analytics",
      category: "analytics",
      provider: "Google LLC",
      purpose: "Measures visits",
      scripts: ["https://www.googletagmanager.com/gtag/js*"],
      cookies: [
        { name: "_ga", max_age_days: 395 },
        { name: "_ga_*", max_age_days: 395 },
      ],
    },
  ],
  texts: { en: { title: "We use cookies", body: "Analytics helps us improve the shop." } },
};

const CONTENT = `<main><h1>Shop</h1>${"<p>Product text, prices and pictures.</p>".repeat(40)}</main>`;

// The page as pkg/README.md writes it; `preload` adds what consentry-server's `Assets::preload`
// writes on a page that will show the banner (no consent cookie yet).
const consentryPage = (preload) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title>
<script src="/consentry/consentry-gate.js"></script>
<script type="application/json" id="consentry-policy">${jsonForScript(POLICY)}</script>
<script type="module" async src="/consentry/consentry.js"></script>${
  preload
    ? `\n<link rel="modulepreload" href="/consentry/consentry_bg.js">\n<link rel="preload" href="/consentry/consentry_bg.wasm" as="fetch" crossorigin>`
    : ""
}
<script type="text/plain" data-consent="analytics" async src="${GTAG_URL}"></script>
<script type="text/plain" data-consent="analytics">gtag('js', new Date()); gtag('config', 'G-TEST123');</script>
</head><body>${CONTENT}</body></html>`;

/** As a server with consentry-server answers: the preload links only for a visitor without
 * a choice (`Consent::needs_prompt`; here: no consent cookie). */
function servedPage(req, res) {
  const chosen = /(^|;\s*)consentry=/.test(req.headers.cookie || "");
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(consentryPage(!chosen));
}

const CC_CONFIG = {
  // Its default hides the banner from automated browsers (navigator.webdriver), as here.
  hideFromBots: false,
  categories: { necessary: { enabled: true, readOnly: true }, analytics: {} },
  language: {
    default: "en",
    translations: {
      en: {
        consentModal: {
          title: "We use cookies",
          description: "Analytics helps us improve the shop.",
          acceptAllBtn: "Accept all",
          acceptNecessaryBtn: "Reject all",
          showPreferencesBtn: "Preferences",
        },
        preferencesModal: {
          title: "Preferences",
          acceptAllBtn: "Accept all",
          acceptNecessaryBtn: "Reject all",
          savePreferencesBtn: "Save",
          sections: [
            { title: "Necessary", linkedCategory: "necessary" },
            { title: "Analytics", linkedCategory: "analytics" },
          ],
        },
      },
    },
  },
};

// CC's documented Consent Mode setup: the default before gtag, the update in its callbacks.
const CC_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title>
<link rel="stylesheet" href="/cc/cookieconsent.css">
<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}
gtag('consent', 'default', {ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied'});</script>
<script type="text/plain" data-category="analytics" async src="${GTAG_URL}"></script>
<script type="text/plain" data-category="analytics">gtag('js', new Date()); gtag('config', 'G-TEST123');</script>
</head><body>${CONTENT}
<script src="/cc/cookieconsent.umd.js"></script>
<script>
const update = () => gtag('consent', 'update', {analytics_storage: CookieConsent.acceptedCategory('analytics') ? 'granted' : 'denied'});
CookieConsent.run({...${JSON.stringify(CC_CONFIG)}, onFirstConsent: update, onConsent: update, onChange: update});
</script></body></html>`;

const CONSENTRY_ACCEPT = '[data-consentry-banner] [data-consentry-action="accept-all"]';
const LIBS = [
  { name: "consentry", page: "/consentry-page", accept: CONSENTRY_ACCEPT, bytes: /\/consentry\// },
  { name: "vanilla-cookieconsent 3.1.0", page: "/cc-page", accept: '#cc-main .cm [data-role="all"]', bytes: /\/cc\// },
  { name: "consentry, static page", page: "/consentry-static", accept: CONSENTRY_ACCEPT, bytes: /\/consentry\// },
];

/** Before any page script: records when the accept button first shows and when gtag.js runs.
 * `__bench.seen.banner` and `.tag` are promises of those times, which the bench awaits over CDP
 * (`when`): Playwright's waitForFunction would inject and run its own scripts in the page while
 * it loads, on the main thread being measured, and only in the pages whose banner comes after
 * the load event. */
const PROBE = (accept) => {
  const t = (window.__bench = {}), seen = (t.seen = {}), done = {};
  for (const k of ["banner", "tag"]) seen[k] = new Promise((r) => (done[k] = r));
  const at = (k) => done[k]((t[k] ??= performance.now()));
  let st;
  Object.defineProperty(window, "__gtagStandIn", {
    configurable: true,
    get: () => st,
    set(v) {
      at("tag");
      st = v;
    },
  });
  new MutationObserver(() => {
    if (t.banner) return;
    const b = document.querySelector(accept);
    if (b && b.checkVisibility()) at("banner");
  }).observe(document, { subtree: true, childList: true, attributes: true });
};

/** The time `PROBE` records for `key` ("banner" or "tag"), once there is one. */
async function when(cdp, key) {
  const { result, exceptionDetails } = await cdp.send("Runtime.evaluate", {
    expression: `window.__bench.seen.${key}`,
    awaitPromise: true,
    returnByValue: true,
  });
  if (exceptionDetails) throw new Error(`${key}: ${JSON.stringify(exceptionDetails)}`);
  return result.value;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

async function round(browser, server, lib) {
  const context = await browser.newContext();
  const bytes = new Map();
  context.on("requestfinished", async (r) => {
    if (!lib.bytes.test(r.url())) return;
    try {
      const s = await r.sizes();
      bytes.set(r.url(), (bytes.get(r.url()) ?? 0) + s.responseBodySize + s.responseHeadersSize);
    } catch {}
  });
  await context.addInitScript(PROBE, lib.accept);
  const page = await context.newPage();
  if (process.env.DEBUG) page.on("console", (m) => console.log(lib.name, m.text()));
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  await page.goto(server.url(lib.page, "app.example.test"));
  const banner = await when(cdp, "banner");
  const metrics = Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
  const clickAt = await page.evaluate((sel) => {
    const at = performance.now();
    document.querySelector(sel).click();
    return at;
  }, lib.accept);
  const accepted = (await when(cdp, "tag")) - clickAt;
  // A returning visitor: the choice stored, and the cookies it brought (_ga) there since a page
  // view after the choice (where consentry's loader sees _ga for the first time and loads the
  // module once more).
  await page.waitForFunction(() => /(^|; )_ga=/.test(document.cookie));
  await page.goto(server.url(lib.page, "app.example.test"));
  await page.waitForFunction(() => window.__bench.tag, null, { timeout: 30000 });
  await page.waitForLoadState("networkidle");
  bytes.clear();
  await page.goto(server.url(lib.page, "app.example.test"));
  const returning = await when(cdp, "tag");
  await page.waitForLoadState("networkidle");
  const returningBytes = [...bytes.values()].reduce((a, b) => a + b, 0);
  await context.close();
  return { banner, script: metrics.ScriptDuration * 1000, accepted, returning, returningBytes };
}

async function main() {
  if (!existsSync(path.join(PKG_DIR, "consentry.js"))) throw new Error("pkg/ not built: run `cargo xtask web`");
  if (!existsSync(CC_DIR)) throw new Error(`${CC_DIR} missing: npm ci in xtask/bench`);
  const server = await startServer({
    routes: { "/consentry-page": servedPage, "/consentry-static": consentryPage(false), "/cc-page": CC_PAGE },
    static: { "/cc/": CC_DIR },
  });
  const browser = await launchBrowser(server.port);
  const results = {};
  try {
    for (const lib of LIBS) results[lib.name] = [];
    // Interleaved, so a busy moment of the machine hits both.
    for (let i = 0; i < ROUNDS; i++) {
      for (const lib of LIBS) results[lib.name].push(await round(browser, server, lib));
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const rows = [
    ["time to banner (ms)", "banner"],
    ["script time to banner (ms)", "script"],
    ["accept -> gtag.js running (ms)", "accepted"],
    ["returning: gtag.js running (ms)", "returning"],
    ["returning: library bytes on the wire", "returningBytes"],
  ];
  const [ours, cc, plain] = LIBS.map((l) => results[l.name]);
  console.log(`\nrun time, headless Chromium, CPU 4x slower, median of ${ROUNDS} rounds (tests/e2e/bench/runtime.mjs)`);
  // Each round runs the pages one after the other, so a busy moment of the machine hits them
  // alike: the median of the rounds' own ratios ("paired") is steadier than the ratio of the
  // medians when the machine is loaded.
  const paired = (rs, key) => median(rs.map((r, i) => r[key] / cc[i][key]));
  console.log(
    `${"".padEnd(40)} ${"consentry".padStart(10)} ${"CC 3.1.0".padStart(10)} ${"ratio".padStart(7)} ${"paired".padStart(7)}   ${"static".padStart(8)} ${"ratio".padStart(7)} ${"paired".padStart(7)}`,
  );
  for (const [label, key] of rows) {
    const [a, b, c] = [ours, cc, plain].map((rs) => median(rs.map((r) => r[key])));
    const fmt = (x) => (key === "returningBytes" ? String(Math.round(x)) : x.toFixed(1));
    const r = (x) => x.toFixed(2).padStart(7);
    console.log(
      `${label.padEnd(40)} ${fmt(a).padStart(10)} ${fmt(b).padStart(10)} ${r(a / b)} ${r(paired(ours, key))}   ${fmt(c).padStart(8)} ${r(c / b)} ${r(paired(plain, key))}`,
    );
  }
  console.log(
    "(consentry: the page as a server with consentry-server writes it, with Assets::preload on a first visit;\n" +
      " static: the same page without the preload links, as a static site serves it)",
  );
  console.log("(bytes on the wire: bodies as served by the local server, uncompressed, plus headers)");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
