// Checks the harness itself: host mapping, HTTPS stand-in for gtag.js, network log, cookies.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { APP_HOST, COLLECT_RE, GTAG_URL, GTAG_URL_RE, gaCookies, gtagState, screenshot, settle, setup } from "./harness.mjs";

/** A page with Google Analytics granted; `settings` follows the id in `gtag('config', …)`. */
const gaPage = (settings) => `<!doctype html><title>ga</title><script>
        window.dataLayer = window.dataLayer || [];
        function gtag(){dataLayer.push(arguments)}
        gtag('consent','default',{analytics_storage:'denied',ad_storage:'denied',wait_for_update:500});
        gtag('js', new Date()); gtag('config','G-TEST123'${settings});
        gtag('consent','update',{analytics_storage:'granted'});
      </script><script async src="${GTAG_URL}"></script>`;

let env;
before(async () => {
  env = await setup({
    routes: {
      "/plain": "<!doctype html><title>plain</title><p>no trackers</p>",
      "/ga": gaPage(""),
      "/ga-settings": gaPage(",{cookie_expires:86400,cookie_update:false}"),
    },
  });
});
after(() => env?.close());

test("a page on a mapped host loads without any Google request", async () => {
  const { page, log, context } = await env.newPage();
  await page.goto(env.url("/plain", APP_HOST));
  await settle(page);
  assert.equal(new URL(page.url()).host, APP_HOST, "no https upgrade, no redirect");
  assert.equal(log.count(GTAG_URL_RE), 0);
  assert.equal(env.server.gtagLoads.length, 0);
  assert.deepEqual(await gaCookies(context), []);
  await screenshot(page, "harness-plain");
  await context.close();
});

test("the gtag stand-in loads over https, honours consent and sets _ga on the parent domain", async () => {
  const before = env.server.gtagLoads.length;
  const { page, log, context } = await env.newPage();
  await page.goto(env.url("/ga", APP_HOST));
  await settle(page);
  assert.equal(log.count(GTAG_URL_RE), 1);
  assert.equal(env.server.gtagLoads.length - before, 1);
  const st = await gtagState(page);
  assert.equal(st.loads, 1);
  assert.equal(st.hits.length, 1);
  assert.equal(st.hits[0].gcs, "G101", "analytics granted, ads denied");
  assert.equal(st.hits[0].updates, 1, "the hit comes after the update");
  assert.equal(log.count(COLLECT_RE), 1, JSON.stringify(log.urls));
  const ga = await gaCookies(context);
  assert.deepEqual(ga.map((c) => c.name).sort(), ["_ga", "_ga_TEST123"]);
  assert.ok(ga.every((c) => c.domain === ".example.test"), JSON.stringify(ga));
  await context.close();
});

test("the gtag stand-in keeps cookies as long as gtag.js: two years (Chromium: 400 days) renewed on every page, or the config's cookie_expires", async () => {
  const days = (c) => (c.expires - Date.now() / 1000) / 86400;
  const { page, context } = await env.newPage();
  try {
    // Without settings: two years, and every page view writes them again with a fresh lifetime.
    // Chromium keeps no cookie longer than 400 days (RFC 6265bis), so two years become 400.
    const CAP = 400;
    await page.goto(env.url("/ga", APP_HOST));
    await settle(page);
    let ga = await gaCookies(context);
    assert.ok(ga.every((c) => Math.abs(days(c) - CAP) < 0.01), JSON.stringify(ga));
    const id = ga.find((c) => c.name === "_ga").value;
    // Backdate them; the next page view renews them and keeps the client id.
    await context.addCookies(ga.map((c) => ({ ...c, expires: Math.floor(Date.now() / 1000) + 86400 })));
    await page.reload();
    await settle(page);
    ga = await gaCookies(context);
    assert.ok(ga.every((c) => Math.abs(days(c) - CAP) < 0.01), `renewed: ${JSON.stringify(ga)}`);
    assert.equal(ga.find((c) => c.name === "_ga").value, id, "the client id is kept");
  } finally {
    await context.close();
  }
  const second = await env.newPage();
  try {
    await second.page.goto(env.url("/ga-settings", APP_HOST));
    await settle(second.page);
    const ga = await gaCookies(second.context);
    assert.equal(ga.length, 2);
    assert.ok(ga.every((c) => Math.abs(days(c) - 1) < 0.01), JSON.stringify(ga));
    const short = ga.map((c) => ({ ...c, expires: Math.floor(Date.now() / 1000) + 600 }));
    await second.context.addCookies(short);
    await second.page.reload();
    await settle(second.page);
    assert.ok((await gaCookies(second.context)).every((c) => days(c) < 0.01), "cookie_update: false: not renewed");
  } finally {
    await second.context.close();
  }
});
