// Returning visitors (issue 14 §1): a visitor with a standing choice gets the module's last plan
// from the loader, without the module (glue + wasm) being downloaded; anything the decision
// depended on that changed loads the module again. In headless Chromium.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { APP_HOST, COLLECT_RE, GTAG_URL, GTAG_URL_RE, PKG_DIR, consentryReady, gaCookies, gtagState, jsonForScript, setup, waitFor } from "./harness.mjs";

const built = existsSync(path.join(PKG_DIR, "consentry_bg.wasm"));
const skip = !built && !process.env.CI ? "pkg/ not built: run `cargo xtask web`" : false;

const BANNER = "[data-consentry-banner]";
const action = (name) => `${BANNER} [data-consentry-action="${name}"]`;
/** A request for the module: its glue or its wasm. */
const MODULE_RE = /\/consentry\/consentry_bg\.(js|wasm)$/;

const POLICY = {
  revision: 1,
  categories: {
    necessary: { required: true, lawful_basis: "contract" },
    analytics: { lawful_basis: "consent" },
    marketing: { lawful_basis: "consent" },
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
    {
      id: "video",
      category: "marketing",
      provider: "Video Inc",
      purpose: "Embedded videos",
      iframes: ["https://video.example.test/*"],
      cookies: [{ name: "vid", max_age_days: 30 }],
    },
  ],
};

const BODY = `<main><h1>Shop</h1>
<img data-consent="analytics" data-src="/pixel.gif?analytics" alt="">
<img data-consent="marketing" data-src="/pixel.gif?marketing" alt="">
<iframe data-consent="marketing" data-src="https://video.example.test/embed/1"></iframe></main>
<footer><a href="#top" data-consentry-open>Cookie settings</a></footer>`;

function page(policy = POLICY) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>returning</title>
<script src="/consentry/consentry-gate.js"></script>
<script type="application/json" id="consentry-policy">${jsonForScript(policy)}</script>
<script type="module" async src="/consentry/consentry.js"></script>
<script type="text/plain" data-consent="analytics" src="${GTAG_URL}" async></script>
<script type="text/plain" data-consent="analytics">
  gtag('js', new Date()); gtag('config', 'G-TEST123');
  window.inlineRuns = (window.inlineRuns || 0) + 1;
</script>
</head><body>${BODY}</body></html>`;
}

/** Counts `consentry:change` events of each page (before any page script). */
const COUNT_CHANGES = () => {
  window.changes = [];
  document.addEventListener("consentry:change", (e) => window.changes.push(e.detail));
};

let env;
before(async () => {
  env = await setup({
    routes: {
      "/": page(),
      "/other": page(),
      "/rev2": page({ ...POLICY, revision: 2 }),
    },
  });
});
after(() => env?.close());

let scheme = "http";
async function go(pg, p = "/") {
  await pg.goto(env.url(p, APP_HOST, scheme));
  await consentryReady(pg);
}

const bannerVisible = (pg) => pg.locator(BANNER).isVisible();

/** A context whose visitor chose (`analytics`: analytics only, or `reject-all`) and then saw
 * one more page, so the loader keeps the module's plan with every cookie the choice brought
 * (`_ga` after accepting analytics). */
async function returning(choice, opts = {}) {
  const { page: pg, log, context } = await env.newPage({ initScript: COUNT_CHANGES, ...opts });
  await go(pg);
  if (choice === "analytics") await pg.evaluate(() => window.consentry.accept(["analytics"]));
  else await pg.click(action(choice));
  if (choice === "analytics") {
    await waitFor(async () => (await gaCookies(context)).length === 2, { message: "_ga cookies after accept" });
  }
  await go(pg, "/other");
  await pg.waitForFunction(() => localStorage.getItem("consentry") !== null);
  log.clear();
  return { pg, log, context };
}

describe("returning visitors", { skip }, () => {
  test("a first visit with no cookie the page can read shows the banner without opening localStorage", async () => {
    const COUNT_STORAGE = () => {
      window.storageCalls = 0;
      for (const f of ["getItem", "setItem", "removeItem"]) {
        const orig = Storage.prototype[f];
        Storage.prototype[f] = function (...a) {
          window.storageCalls++;
          return orig.apply(this, a);
        };
      }
    };
    const { page: pg, context } = await env.newPage({ initScript: COUNT_STORAGE });
    try {
      await go(pg);
      await pg.locator(action("accept-all")).waitFor({ state: "visible" });
      assert.equal(await pg.evaluate(() => window.storageCalls), 0);
      await pg.click(action("accept-all"));
      await pg.waitForFunction(() => localStorage.getItem("consentry") !== null);
    } finally {
      await context.close();
    }
  });

  test("a standing choice is carried out without the module: same release, update, state and event", async () => {
    const { pg, log, context } = await returning("analytics");
    try {
      await go(pg);
      await waitFor(() => log.count(COLLECT_RE) > 0, { message: "a hit on the returning page" });
      assert.deepEqual(log.matching(MODULE_RE), [], "neither the glue nor the wasm downloaded");
      assert.equal(await bannerVisible(pg), false);
      assert.equal(log.count(GTAG_URL_RE), 1, "gtag.js released once");
      assert.equal(await pg.evaluate(() => window.inlineRuns), 1, "the inline script ran once");
      const st = await gtagState(pg);
      assert.equal(st.hits[0].gcs, "G101", "analytics granted (the update) before the first hit");
      // Marketing is not granted: its iframe stays behind the placeholder the module rendered.
      assert.equal(await pg.locator("[data-consentry-placeholder=marketing]").count(), 1);
      assert.equal(log.count("video.example.test"), 0);
      // Pixels: the granted category's fetched, the other's not.
      await waitFor(() => log.count("/pixel.gif?analytics") === 1, { message: "the analytics pixel" });
      assert.equal(log.count("/pixel.gif?marketing"), 0);
      const api = await pg.evaluate(() => [window.consentry.granted("analytics"), window.consentry.granted("marketing"), window.consentry.state()]);
      assert.equal(api[0], true);
      assert.equal(api[1], false);
      assert.equal(api[2].method, "custom");
      assert.deepEqual(api[2].granted, ["necessary", "analytics"]);
      const changes = await pg.evaluate(() => window.changes);
      assert.equal(changes.length, 1, "one consentry:change");
      assert.equal(changes[0].method, "custom");
    } finally {
      await context.close();
    }
  });

  test("the reopen link and the API load the module when they need it, with no second change event", async () => {
    const { pg, log, context } = await returning("analytics");
    try {
      await go(pg);
      assert.deepEqual(log.matching(MODULE_RE), []);
      await pg.click("footer [data-consentry-open]");
      await pg.locator(action("save")).waitFor();
      assert.ok(!pg.url().endsWith("#top"), "the link's default was prevented");
      assert.equal(log.matching(MODULE_RE).length, 2, "glue and wasm loaded on demand");
      assert.ok(await pg.locator(`${BANNER} input[data-consentry-category="analytics"]`).isChecked());
      assert.equal((await pg.evaluate(() => window.changes)).length, 1, "the module's start changed nothing");
      // The placeholder's button grants marketing through the module now loaded.
      await pg.keyboard.press("Escape");
      await pg.click("[data-consentry-allow=marketing]");
      await waitFor(() => log.count("video.example.test") > 0, { message: "the iframe released" });
      assert.equal(await pg.evaluate(() => window.consentry.granted("marketing")), true);
    } finally {
      await context.close();
    }
  });

  test("an API call on a remembered page returns a promise that settles after the module acted", async () => {
    const { pg, context } = await returning("reject-all");
    try {
      await go(pg);
      const after = await pg.evaluate(async () => {
        const r = window.consentry.acceptAll();
        const isPromise = r instanceof Promise;
        await r;
        return [isPromise, window.consentry.granted("analytics"), document.cookie.includes(".a.")];
      });
      assert.deepEqual(after, [true, true, true]);
    } finally {
      await context.close();
    }
  });

  test("a new cookie of a refused category loads the module, which deletes it", async () => {
    const { pg, log, context } = await returning("reject-all");
    try {
      await context.addCookies([{ name: "_ga", value: "GA1.1.planted", url: `http://${APP_HOST}/` }]);
      await go(pg);
      await waitFor(() => log.matching(MODULE_RE).length === 2, { message: "the module loaded" });
      await waitFor(async () => (await gaCookies(context)).length === 0, { message: "_ga deleted" });
      assert.equal(await bannerVisible(pg), false);
      // The plan now holds again: the next page is carried out without the module.
      log.clear();
      await go(pg, "/other");
      assert.deepEqual(log.matching(MODULE_RE), []);
    } finally {
      await context.close();
    }
  });

  for (const [name, change, banner] of [
    ["a new policy revision", async (pg) => go(pg, "/rev2"), true],
    ["the consent cookie gone", async (pg, context) => {
      await context.clearCookies();
      await go(pg);
    }, true],
    ["the consent cookie changed", async (pg, context) => {
      const c = (await context.cookies()).find((x) => x.name === "consentry");
      await context.addCookies([{ name: "consentry", value: c.value.replace(/analytics:0/, "analytics:1"), url: `http://${APP_HOST}/` }]);
      await go(pg);
    }, false],
    ["GPC turned on", async (pg, context) => {
      await context.addInitScript(() => Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true, configurable: true }));
      await go(pg);
    }, false],
    ["the choice expired (clock 200 days on)", async (pg, context) => {
      await context.addInitScript(() => {
        const now = Date.now;
        Date.now = () => now() + 200 * 86400 * 1000;
      });
      await go(pg);
    }, true],
    ["the kept plan unreadable", async (pg) => {
      await pg.evaluate(() => localStorage.setItem("consentry", "{not json"));
      await go(pg);
    }, false],
  ]) {
    test(`${name}: the module decides again`, async () => {
      const { pg, log, context } = await returning("reject-all");
      try {
        await change(pg, context);
        await waitFor(() => log.matching(MODULE_RE).length === 2, { message: "the module loaded" });
        await pg.waitForFunction(() => window.consentry.state().needsPrompt !== undefined);
        assert.equal(await bannerVisible(pg), banner, name);
        if (name === "GPC turned on") assert.equal(await pg.evaluate(() => window.consentry.state().gpc), true);
        if (name === "the consent cookie changed") assert.equal(await pg.evaluate(() => window.consentry.granted("analytics")), true);
      } finally {
        await context.close();
      }
    });
  }

  test("over HTTPS the kept plan is keyed on __Host-consentry; a planted plain cookie changes nothing", async () => {
    scheme = "https";
    try {
      const { pg, log, context } = await returning("analytics");
      try {
        const names = (await context.cookies()).map((c) => c.name);
        assert.ok(names.includes("__Host-consentry"), names.join());
        // A sibling subdomain plants a plain consent cookie granting nothing: a new name, so the
        // module decides, and it reads only the __Host- one.
        await context.addCookies([{ name: "consentry", value: "1.1.1.AAAAAAAAAAAAAAAA.r.analytics:0", domain: ".example.test", path: "/" }]);
        await go(pg);
        await waitFor(() => log.matching(MODULE_RE).length === 2, { message: "the module loaded" });
        assert.equal(await pg.evaluate(() => window.consentry.granted("analytics")), true);
        log.clear();
        await go(pg, "/other");
        assert.deepEqual(log.matching(MODULE_RE), [], "kept again, with the planted name among the others");
        assert.equal(await pg.evaluate(() => window.consentry.granted("analytics")), true);
      } finally {
        await context.close();
      }
    } finally {
      scheme = "http";
    }
  });

  test("a withdrawal forgets the kept plan; the reloaded page keeps the standing refusal instead", async () => {
    const { pg, context } = await returning("analytics");
    try {
      await go(pg);
      // What the loader holds while the reload is under way: nothing (the granting plan is gone).
      await pg.evaluate(() =>
        window.addEventListener("pagehide", () => sessionStorage.setItem("keptAtReload", String(localStorage.getItem("consentry")))),
      );
      const reloaded = pg.waitForEvent("load");
      await pg.evaluate(() => window.consentry.withdraw());
      await reloaded;
      await consentryReady(pg);
      assert.equal(await pg.evaluate(() => sessionStorage.getItem("keptAtReload")), "null", "the granting plan was forgotten");
      assert.equal(await bannerVisible(pg), false, "a withdrawal stands as a refusal: not asked again");
      await pg.waitForFunction(() => localStorage.getItem("consentry") !== null);
      const kept = await pg.evaluate(() => JSON.parse(localStorage.getItem("consentry")).p);
      assert.deepEqual(kept.allowed, ["necessary"]);
      assert.equal(kept.state.method, "withdrawal");
    } finally {
      await context.close();
    }
  });
});
