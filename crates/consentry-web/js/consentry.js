// consentry: the module loader. Starts itself when the page has
// <script type="application/json" id="consentry-policy">; otherwise `import { start }`.
// The banner, decisions and cookie handling are Rust (consentry_bg.wasm).
// `cargo xtask web` puts wasm-bindgen's glue in place of the import below and minifies the
// two as one file, pkg/consentry.js.
import init, * as m from "./consentry_bg.js";

let started;

/** Starts consentry once per page; resolves to the API (see consentry.d.ts). */
export function start(policy, options = {}) {
  return (started ??= (async () => {
    await init({ module_or_path: options.wasmUrl ?? new URL("consentry_bg.wasm", import.meta.url) });
    // The gate reads the policy tag itself; an object given here is new to it.
    if (typeof policy == "object") self.consentryGate?.setPolicy?.(policy);
    for (const t of ["click", "keydown", "load", "error"]) document.addEventListener(t, m.onEvent, true);
    // The module reads the policy's text.
    m.start(typeof policy == "string" ? policy : JSON.stringify(policy), options);
    return {
      granted: m.granted,
      // One export for the calls without arguments (src/lib.rs `act`).
      acceptAll: () => m.act(0),
      rejectAll: () => m.act(1),
      accept: m.accept,
      showPreferences: () => m.act(2),
      withdraw: () => m.act(3),
      state: m.state,
      onChange(cb) {
        const f = (e) => cb(e.detail);
        document.addEventListener("consentry:change", f);
        return () => document.removeEventListener("consentry:change", f);
      },
    };
  })());
}

const tag = document.getElementById("consentry-policy");
if (tag) {
  start(tag.textContent).then(
    (c) => (self.consentry = c),
    (e) => console.error(e),
  );
}
