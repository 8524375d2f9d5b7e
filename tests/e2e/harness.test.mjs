// Checks the harness itself: host mapping, HTTPS stand-in for gtag.js, network log, cookies.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { APP_HOST, COLLECT_RE, GTAG_URL, GTAG_URL_RE, gaCookies, gtagState, screenshot, settle, setup } from "./harness.mjs";

let env;
before(async () => {
  env = await setup({
    routes: {
      "/plain": "<!doctype html><title>plain</title><p>no trackers</p>",
      "/ga": `<!doctype html><title>ga</title><script>
        window.dataLayer = window.dataLayer || [];
        function gtag(){dataLayer.push(arguments)}
        gtag('consent','default',{analytics_storage:'denied',ad_storage:'denied',wait_for_update:500});
        gtag('js', new Date()); gtag('config','G-TEST123');
        gtag('consent','update',{analytics_storage:'granted'});
      </script><script async src="${GTAG_URL}"></script>`,
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
