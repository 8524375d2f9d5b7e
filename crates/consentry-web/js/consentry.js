// consentry: the loader. Starts itself when the page has
// <script type="application/json" id="consentry-policy">; otherwise `import { start }`.
// Importing it does nothing else, and touches no DOM (server-side rendering is safe).
//
// The consent logic is Rust, in the module (consentry_bg.js + consentry_bg.wasm, src/lib.rs):
// it decides and hands this loader a plan (`apply`): Consent Mode update, cookie writes and
// deletions, receipt, release of marked markup, placeholders, change event. A returning
// visitor whose every input is unchanged gets the module's last plan again without the
// module being loaded (the crate docs, "Returning visitors").

const KEY = "consentry";
const QUEUED = "data-consentry-queued";
const WAITING = "data-consentry-waiting";
const TRIM = /^[\t\n\f\r ]+|[\t\n\f\r ]+$/g; // Rust's trim_ascii, as src/cookies.rs reads

// `kept`: `localStorage` may hold a plan (recall found something there, or remember wrote it).
let started, mod, ready, options, policyText, last, quiet, parsed, kept;

/** `[name, part]` for each `;`-separated part of `document.cookie`, as the module reads it. */
function parts() {
  let jar = "";
  try {
    jar = document.cookie;
  } catch (e) {} // a sandboxed document
  return jar.split(";").map((p) => {
    const i = p.indexOf("=");
    return [i < 0 ? "" : p.slice(0, i).replace(TRIM, ""), p];
  });
}

/** What the module decided from, besides the time and the other cookies' names (src/lib.rs
 * `start`); `jar` is `parts()`. */
function inputs(cookie, jar = parts()) {
  const d = document, tag = d.getElementById("consentry-policy"), root = d.documentElement;
  return JSON.stringify([
    2, // the format of what is kept
    policyText,
    options.region,
    tag?.getAttribute("data-region"),
    options.settingsButton,
    tag?.getAttribute("data-settings-button"),
    navigator.globalPrivacyControl,
    root?.lang,
    jar.filter((p) => p[0] == cookie),
  ]);
}

/** The module's last plan for a standing choice, if it still holds on this page. */
function recall() {
  try {
    const jar = parts();
    // No cookie the page can read, so no standing choice (a first visit): storage is not even
    // opened, since its first use holds up the page a moment.
    if (!jar[0][1]) return;
    const s = JSON.parse((kept = localStorage.getItem(KEY))), m = s.p.memo, now = Date.now() / 1000;
    if (
      s.k === inputs(m.cookie, jar) && m.from <= now && now < m.until &&
      jar.every((p) => !p[0] || m.names.includes(p[0]))
    ) return s.p;
  } catch (e) {} // nothing kept, unreadable, or no storage
}

/** Keeps a plan of a standing choice for the next page; forgets it otherwise. */
function remember(p) {
  try {
    if (p.memo) {
      const { update, allowed, placeholders, state, reopen, memo } = p;
      localStorage.setItem(KEY, JSON.stringify({
        k: inputs(memo.cookie), p: { update, allowed, placeholders, state, reopen, memo },
      }));
      kept = 1;
    } else if (kept) {
      kept = 0;
      localStorage.removeItem(KEY);
    }
  } catch (e) {}
}

/** Carries out a plan of the module (src/lib.rs `Effects`). */
function apply(text) {
  run(JSON.parse(text), 1);
}

function run(p, fresh) {
  try {
    gtag("consent", "update", p.update);
  } catch (e) {} // no gtag (no gate)
  if (fresh) {
    for (const c of p.cookies) {
      try {
        document.cookie = c;
      } catch (e) {}
    }
    try {
      p.receipt && navigator.sendBeacon(...p.receipt);
    } catch (e) {}
    if (p.reload) return remember(p), location.reload();
  }
  try {
    consentryGate.allow(p.allowed);
  } catch (e) {} // no gate
  placeholders(p.placeholders);
  release(p.allowed);
  // A way back into the preferences where the page has none (the button is one itself), unless
  // turned off (`settingsButton: false`, `data-settings-button="false"`); after the release,
  // which tags wait for.
  const d = document;
  if (
    p.reopen && options.settingsButton !== false &&
    d.getElementById("consentry-policy")?.getAttribute("data-settings-button") != "false" &&
    !d.querySelector("[data-consentry-open]")
  ) d.body?.insertAdjacentHTML("beforeend", p.reopen);
  // After the release: the first use of storage on a page can take a moment, and tags wait for
  // none of it.
  if (fresh) remember(p);
  // The module's first plan after a remembered one changes nothing: no second event.
  const same = quiet && JSON.stringify(p.state) == JSON.stringify(last);
  quiet = 0;
  last = p.state;
  if (!same) document.dispatchEvent(new CustomEvent("consentry:change", { detail: p.state }));
}

/** Shows the placeholder before each iframe of a category the plan has one for, once. */
function placeholders(html) {
  for (const el of document.querySelectorAll("iframe[data-consent][data-src]:not([data-consentry-placed])")) {
    const c = el.getAttribute("data-consent");
    if (Object.hasOwn(html, c)) {
      el.setAttribute("data-consentry-placed", "");
      el.setAttribute("hidden", "");
      el.insertAdjacentHTML("beforebegin", html[c]);
    }
  }
}

// Releasing marked markup: `<iframe data-consent data-src>`, `<img data-consent data-src>`
// (pixels) and `<script type="text/plain" data-consent>` of allowed categories, in document order, each
// once. A released script is a new `<script>` with the old one's attributes (except `type`;
// `data-type` becomes `type`) and text, in the old one's place. External ones get
// `async = false`, and the next marked script waits for an external one's `load` or `error`,
// so an inline script that uses a library loaded before it finds it. The queue lives in the
// page: `data-consentry-queued` on scripts to release, `data-consentry-waiting` on the
// released external script being waited for.
function release(allowed) {
  const d = document, ok = (el) => allowed.includes(el.getAttribute("data-consent"));
  for (const el of d.querySelectorAll("iframe[data-consent][data-src],img[data-consent][data-src]")) {
    if (!ok(el)) continue;
    const src = el.getAttribute("data-src"), prev = el.previousElementSibling;
    el.removeAttribute("data-src");
    el.removeAttribute("hidden");
    if (prev?.hasAttribute("data-consentry-placeholder")) prev.remove();
    el.setAttribute("src", src);
  }
  for (const el of d.querySelectorAll(`script[type="text/plain"][data-consent]:not([${QUEUED}])`)) {
    if (ok(el)) el.setAttribute(QUEUED, "");
  }
  pump();
}

/** Releases queued scripts until an external one must load first. */
function pump() {
  const d = document;
  let old;
  while (!d.querySelector(`script[${WAITING}]`) && (old = d.querySelector(`script[${QUEUED}]`))) {
    old.removeAttribute(QUEUED);
    const s = d.createElement("script");
    for (const a of old.getAttributeNames()) {
      try {
        if (a != "type") s.setAttribute(a == "data-type" ? "type" : a, old.getAttribute(a));
      } catch (e) {} // a parsed name setAttribute refuses
    }
    s.nonce = old.nonce; // hidden from getAttribute after parsing (CSP)
    s.textContent = old.textContent;
    if (old.hasAttribute("src")) {
      s.async = false;
      s.setAttribute(WAITING, "");
    }
    old.replaceWith(s); // an inline script runs here
  }
}

/** `load` / `error` of a released external script: on to the next one. */
function done(e) {
  const t = e.target;
  if (t.hasAttribute?.(WAITING)) {
    t.removeAttribute(WAITING);
    pump();
  }
}

/** Clicks and keys go to the module; before it is loaded, only a reopen link or a
 * placeholder's button needs it. */
function onEvent(e) {
  if (ready) return ready.onEvent(e);
  const el = e.type == "click" && e.target.closest?.("[data-consentry-open],[data-consentry-allow]");
  if (el) {
    if (el.matches("[data-consentry-open]")) e.preventDefault();
    upgrade().then((m) => m.onEvent(e));
  }
}

/** Loads and starts the module (once). */
function upgrade() {
  return (mod ??= (async () => {
    // The wasm is fetched while the glue loads.
    const wasm = fetch(options.wasmUrl ?? new URL("consentry_bg.wasm", import.meta.url));
    const [m, init] = (await import("./consentry_bg.js")).default(apply);
    await init({ module_or_path: wasm });
    await parsed;
    quiet = last;
    m.start(policyText, options);
    return (ready = m);
  })());
}

/** Runs `f` on the module, loading it first if the page ran a remembered plan. */
function via(f) {
  return ready ? Promise.resolve(f(ready)) : upgrade().then(f);
}

const api = {
  granted: (c) => (ready ? ready.granted(c) : last.granted.includes(c)),
  // One export for the calls without arguments (src/lib.rs `act`).
  acceptAll: () => via((m) => m.act(0)),
  rejectAll: () => via((m) => m.act(1)),
  accept: (list) => via((m) => m.accept(list)),
  showPreferences: () => via((m) => m.act(2)),
  withdraw: () => via((m) => m.act(3)),
  state: () => (ready ? ready.state() : JSON.parse(JSON.stringify(last))),
  onChange(cb) {
    const f = (e) => cb(e.detail);
    document.addEventListener("consentry:change", f);
    return () => document.removeEventListener("consentry:change", f);
  },
};

/** Starts consentry once per page; resolves to the API (see consentry.d.ts). */
export function start(policy, opts = {}) {
  return (started ??= (async () => {
    if (typeof document == "undefined") throw new Error("consentry: start() runs in a browser");
    options = opts;
    // The document parsed: an `async` loader decides and loads the module while the page still
    // parses, and touches the page after this.
    parsed = document.readyState == "loading" && new Promise((r) => document.addEventListener("DOMContentLoaded", r));
    // The module reads the policy's text.
    policyText = typeof policy == "string" ? policy : JSON.stringify(policy);
    // The gate reads the policy tag itself; an object given here is new to it.
    if (typeof policy == "object") self.consentryGate?.setPolicy?.(policy);
    for (const t of ["click", "keydown"]) document.addEventListener(t, onEvent, true);
    for (const t of ["load", "error"]) document.addEventListener(t, done, true);
    const p = recall();
    try {
      if (!p) throw 0;
      await parsed;
      run(p);
    } catch (e) {
      await upgrade(); // nothing kept, or what was kept is not a plan: the module decides
    }
    return api;
  })());
}

const tag = typeof document != "undefined" && document.getElementById("consentry-policy");
if (tag) {
  start(tag.textContent).then(
    (c) => (self.consentry = c),
    (e) => console.error(e),
  );
}
