// Server-side rendering (issue 14 §3): importing the package in Node.js (Next, Nuxt,
// SvelteKit render pages there) touches no DOM and starts nothing; start() says it needs a browser.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

import { PKG_DIR } from "./harness.mjs";

const loader = path.join(PKG_DIR, "consentry.js");
const skip = !existsSync(loader) && !process.env.CI ? "pkg/ not built: run `cargo xtask web`" : false;

test("importing the package without a DOM starts nothing and start() rejects clearly", { skip }, async () => {
  assert.equal(typeof globalThis.document, "undefined");
  // Any touch of `document`, `window` or `localStorage` at import time would throw here.
  const m = await import(pathToFileURL(loader).href);
  assert.equal(typeof m.start, "function");
  assert.equal(globalThis.consentry, undefined, "nothing started");
  await assert.rejects(m.start({ revision: 1, categories: {} }), /consentry: start\(\) runs in a browser/);
  // The module (glue) is not loaded by the import either.
  assert.equal(typeof globalThis.wasm_bindgen, "undefined");
});
