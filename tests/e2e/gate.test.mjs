// The gate (pkg/consentry-gate.js) alone, with an inline policy and no module: Consent Mode
// defaults, every insertion path held before consent, release in order after allow().
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { readFileSync } from "node:fs";
import path from "node:path";

import { embedHtml, GTAG_URL_RE, jsonForScript, PKG_DIR, settle, setup, waitFor } from "./harness.mjs";

const GATE_JS = readFileSync(path.join(PKG_DIR, "consentry-gate.js"), "utf8");
const escapeAttr = (s) =>
  s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/'/g, "&#39;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const GTAG = "https://www.googletagmanager.com/gtag/js";
const GTM = "https://www.googletagmanager.com/gtm.js";
const FRAME = "https://www.googletagmanager.com/ns.html";
const FRAME_RE = /^https?:\/\/www\.googletagmanager\.com\/ns\.html/;
const PIXEL = "https://www.google-analytics.com/pixel.gif?id=G-pixel";

const POLICY = {
  revision: 1,
  categories: {
    necessary: { required: true, lawful_basis: "contract" },
    analytics: { lawful_basis: "consent" },
    marketing: { lawful_basis: "consent" },
  },
  services: [
    { id: "ga", category: "analytics", provider: "Google LLC", purpose: "stats", scripts: [`${GTAG}*`, `${GTM}*`] },
    { id: "gtm-frame", category: "marketing", provider: "Google LLC", purpose: "ads", iframes: [`${FRAME}*`] },
    { id: "cdn", category: "necessary", provider: "us", purpose: "code", scripts: ["https://www.google-analytics.com/necessary/*"] },
  ],
};

// Counts script executions of first-party and necessary scripts.
const COUNTER = { type: "text/javascript", body: "window.ran = (window.ran || 0) + 1;" };

let env;
before(async () => {
  env = await setup({
    routes: {
      "/gate": embedHtml({ policy: POLICY, module: false, body: "<div id=box><p id=ref>ref</p></div>" }),
      "/defaults": embedHtml({
        policy: POLICY,
        module: false,
        defaults: [{ ad_storage: "granted", analytics_storage: "granted", region: ["US-CA"], wait_for_update: 500 }],
      }),
      "/bad-defaults": `<!doctype html><script src="/consentry/consentry-gate.js" data-consent-defaults="[{oops"></script>`,
      "/no-policy-element": embedHtml({ module: false }),
      "/bad-policy": `<!doctype html><script src="/consentry/consentry-gate.js"></script>
        <script type="application/json" id="consentry-policy">{"services": 42}</script>`,
      "/first.js": COUNTER,
      "/pixel": embedHtml({ policy: POLICY, module: false, body: `<img data-consent="analytics" data-src="${PIXEL}" alt="">` }),
      // Google Tag Manager's standard snippet, unchanged, high in <head> after the policy.
      "/gtm-snippet": embedHtml({
        policy: POLICY,
        module: false,
        head: `<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
})(window,document,'script','dataLayer','GTM-TEST');</script>`,
        body: `<noscript><iframe src="${FRAME}?id=GTM-TEST" height="0" width="0" style="display:none"></iframe></noscript>`,
      }),
      // Inline, as consentry_web::gate::script_tag writes it, under a strict nonce CSP.
      "/inline-csp": {
        headers: { "content-security-policy": "script-src 'nonce-n0nce' 'strict-dynamic'; object-src 'none'" },
        body: `<!doctype html><html><head>
<script nonce="n0nce" data-consent-defaults="[${escapeAttr(JSON.stringify({ analytics_storage: "granted", region: ["US"] }))}]">${GATE_JS}</script>
<script type="application/json" id="consentry-policy">${jsonForScript(POLICY)}</script>
</head><body><div id=box><p id=ref>ref</p></div></body></html>`,
      },
    },
  });
});
after(() => env?.close());

/** Opens `path` with the gate; returns helpers around the page. */
async function open(path = "/gate") {
  const { page, log, context } = await env.newPage();
  await page.goto(env.url(path));
  const gtagUrls = () => log.matching(GTAG_URL_RE);
  return {
    page,
    log,
    context,
    gtagUrls,
    run: (fn, arg) => page.evaluate(fn, arg),
    /** Waits until `n` requests matched `re` (the log is filled from the browser's events). */
    waitForUrls: (re, n) => waitFor(() => log.count(re) >= n, { message: `${n} requests matching ${re}` }),
    async settled() {
      await settle(page);
    },
    /**
     * How many times the gtag stand-in ran, once it reaches `n` or after 5 s. `settled()` only
     * waits a moment; on a loaded machine requested scripts may still be executing.
     */
    async scriptRuns(n) {
      await page.waitForFunction((n) => (window.__gtagStandIn?.loads ?? 0) >= n, n, { timeout: 5000 }).catch(() => {});
      return page.evaluate(() => window.__gtagStandIn?.loads ?? 0);
    },
    close: () => context.close(),
  };
}

/** Each way of inserting a script, as code run in the page with the script's URL as `u`. */
const INSERTIONS = {
  appendChild: (u) => { const s = document.createElement("script"); s.src = u; document.head.appendChild(s); },
  insertBefore: (u) => { const s = document.createElement("script"); s.src = u; box.insertBefore(s, ref); },
  replaceChild: (u) => { const p = document.createElement("p"); box.appendChild(p); const s = document.createElement("script"); s.src = u; box.replaceChild(s, p); },
  append: (u) => { const s = document.createElement("script"); s.src = u; document.body.append("text", s); },
  prepend: (u) => { const s = document.createElement("script"); s.src = u; document.body.prepend(s); },
  before: (u) => { const s = document.createElement("script"); s.src = u; ref.before(s); },
  after: (u) => { const s = document.createElement("script"); s.src = u; ref.after(s); },
  replaceWith: (u) => { const p = document.createElement("p"); box.appendChild(p); const s = document.createElement("script"); s.src = u; p.replaceWith(s); },
  insertAdjacentElement: (u) => { const s = document.createElement("script"); s.src = u; ref.insertAdjacentElement("afterend", s); },
  replaceChildren: (u) => { const d = document.createElement("div"); document.body.appendChild(d); const s = document.createElement("script"); s.src = u; d.replaceChildren(s); },
  textNodeAfter: (u) => { const t = document.createTextNode("t"); box.appendChild(t); const s = document.createElement("script"); s.src = u; t.after(s); },
  rangeInsertNode: (u) => { const r = document.createRange(); r.selectNodeContents(box); const s = document.createElement("script"); s.src = u; r.insertNode(s); },
  setAttribute: (u) => { const s = document.createElement("script"); s.setAttribute("src", u); document.head.appendChild(s); },
  srcSetAfterInsert: (u) => { const s = document.createElement("script"); document.head.appendChild(s); s.src = u; },
  setAttributeAfterInsert: (u) => { const s = document.createElement("script"); document.body.appendChild(s); s.setAttribute("src", u); },
  setAttributeNSAfterInsert: (u) => { const s = document.createElement("script"); document.body.appendChild(s); s.setAttributeNS(null, "src", u); },
  prototypeSetAttribute: (u) => { const s = document.createElement("script"); document.head.appendChild(s); Element.prototype.setAttribute.call(s, "src", u); },
  attrNode: (u) => { const s = document.createElement("script"); document.body.appendChild(s); const a = document.createAttribute("src"); a.value = u; s.setAttributeNode(a); },
  fragment: (u) => { const f = document.createDocumentFragment(); const s = document.createElement("script"); s.src = u; f.appendChild(document.createElement("span")); f.appendChild(s); document.body.appendChild(f); },
  contextualFragment: (u) => { const f = document.createRange().createContextualFragment(`<div><script src="${u}"></` + "script></div>"); document.body.appendChild(f); },
  nestedInElement: (u) => { const d = document.createElement("div"); const s = document.createElement("script"); s.src = u; d.appendChild(s); document.body.appendChild(d); },
  cloneNode: (u) => { const s = document.createElement("script"); s.src = u; document.body.appendChild(s.cloneNode(true)); },
  createElementNS: (u) => { const s = document.createElementNS("http://www.w3.org/1999/xhtml", "script"); s.src = u; document.body.appendChild(s); },
  otherDocument: (u) => { const doc = document.implementation.createHTMLDocument("x"); const s = doc.createElement("script"); s.src = u; document.body.appendChild(s); },
  shadowRoot: (u) => { const h = document.createElement("div"); document.body.appendChild(h); const s = document.createElement("script"); s.src = u; h.attachShadow({ mode: "open" }).append(s); },
  svgScript: (u) => { const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg"); const s = document.createElementNS("http://www.w3.org/2000/svg", "script"); s.setAttributeNS("http://www.w3.org/1999/xlink", "xlink:href", u); svg.appendChild(s); document.body.appendChild(svg); },
  protocolRelativeHttp: (u) => { const s = document.createElement("script"); s.src = u.replace(/^https:/, "http:"); document.head.appendChild(s); },
};

describe("Consent Mode default", () => {
  test("the denied default is the first dataLayer entry, before any other gtag call", async () => {
    const p = await open();
    const dl = await p.run(() => window.dataLayer.map((a) => Array.from(a)));
    assert.equal(dl.length, 1);
    assert.deepEqual(dl[0], [
      "consent",
      "default",
      {
        ad_storage: "denied",
        ad_user_data: "denied",
        ad_personalization: "denied",
        analytics_storage: "denied",
        functionality_storage: "denied",
        personalization_storage: "denied",
        security_storage: "granted",
        wait_for_update: 500,
      },
    ]);
    // gtag is the standard stub and the entries are Arguments objects, as gtag.js expects.
    assert.equal(await p.run(() => Object.prototype.toString.call(window.dataLayer[0])), "[object Arguments]");
    assert.equal(await p.run(() => { gtag("js", 1); return window.dataLayer.length; }), 2);
    assert.deepEqual(await p.run(() => consentryGate.granted), ["necessary"]);
    await p.close();
  });

  test("regional defaults from data-consent-defaults follow the global one", async () => {
    const p = await open("/defaults");
    const dl = await p.run(() => window.dataLayer.map((a) => Array.from(a)));
    assert.equal(dl.length, 2);
    assert.equal(dl[0][2].analytics_storage, "denied");
    assert.equal(dl[0][2].region, undefined);
    assert.deepEqual(dl[1], ["consent", "default", { ad_storage: "granted", analytics_storage: "granted", region: ["US-CA"], wait_for_update: 500 }]);
    await p.close();
  });

  test("bad data-consent-defaults: the global default stands and an error is logged", async () => {
    const p = await open("/bad-defaults");
    const dl = await p.run(() => window.dataLayer.map((a) => Array.from(a)));
    assert.equal(dl.length, 1);
    assert.equal(dl[0][2].ad_storage, "denied");
    assert.ok(p.log.console.some((m) => m.startsWith("error: consentry: bad data-consent-defaults")), p.log.console.join("\n"));
    await p.close();
  });
});

describe("real snippets", () => {
  test("Google Tag Manager's snippet is held during parsing and released after allow", async () => {
    const p = await open("/gtm-snippet");
    await p.settled();
    assert.equal(p.log.count("/gtm.js"), 0);
    assert.equal(await p.run(() => window.dataLayer.length), 2, "the consent default, then gtm.start");
    assert.equal(await p.run(() => Array.from(window.dataLayer[0]).slice(0, 2).join()), "consent,default");
    await p.run(() => consentryGate.allow(["analytics"]));
    await p.settled();
    assert.deepEqual(p.log.matching("/gtm.js"), [`${GTM}?id=GTM-TEST`]);
    // Released where the snippet put it: before the first script of the page (the gate).
    assert.equal(await p.run(() => document.scripts[0].src), `${GTM}?id=GTM-TEST`);
    await p.close();
  });
});

describe("inlined with a CSP nonce", () => {
  test("the inline gate runs under script-src 'nonce-…', reads its defaults and holds gtag", async () => {
    const p = await open("/inline-csp");
    const dl = await p.run(() => window.dataLayer.map((a) => Array.from(a)));
    assert.equal(dl.length, 2);
    assert.equal(dl[0][2].analytics_storage, "denied");
    assert.deepEqual(dl[1], ["consent", "default", { analytics_storage: "granted", region: ["US"] }]);
    await p.run((u) => {
      const s = document.createElement("script");
      s.src = u;
      document.head.appendChild(s);
    }, `${GTAG}?id=G-csp`);
    await p.settled();
    assert.deepEqual(p.gtagUrls(), []);
    await p.run(() => consentryGate.allow(["analytics"]));
    await p.settled();
    assert.deepEqual(p.gtagUrls(), [`${GTAG}?id=G-csp`]);
    assert.equal(await p.scriptRuns(1), 1, "released script runs under strict-dynamic");
    assert.deepEqual(p.log.errors, []);
    await p.close();
  });
});

describe("scripts inserted by JavaScript", () => {
  test("every insertion path is held before consent and released once, in order, after allow", async () => {
    const loadsBefore = env.server.gtagLoads.length;
    const p = await open();
    const names = Object.keys(INSERTIONS);
    const urls = names.map((n) => `${GTAG}?id=G-${n}`);
    for (const [i, n] of names.entries()) {
      await p.run(`(${INSERTIONS[n]})(${JSON.stringify(urls[i])})`);
    }
    await p.settled();
    assert.deepEqual(p.gtagUrls(), [], "no request to gtag before consent");
    assert.equal(env.server.gtagLoads.length, loadsBefore, "the server saw no gtag request either");
    // Nothing executable sits in the DOM: held scripts are out, a comment marks each place.
    assert.equal(await p.run(() => document.querySelectorAll("script[src*='gtag'], script[href*='gtag']").length), 0);
    assert.equal(await p.run(() => document.querySelectorAll("svg script").length), 0);

    // A category that does not cover them releases nothing.
    await p.run(() => consentryGate.allow(["marketing"]));
    await p.settled();
    assert.deepEqual(p.gtagUrls(), []);

    await p.run(() => consentryGate.allow(["analytics"]));
    await p.settled();
    const expected = urls.map((u, i) => (names[i] === "protocolRelativeHttp" ? u.replace(/^https:/, "http:") : u));
    assert.deepEqual(p.gtagUrls(), expected, "each held script is requested once, in insertion order");
    // Every requested script also runs (the SVG one too).
    assert.equal(await p.scriptRuns(names.length), names.length);

    // Released at the intended position.
    assert.equal(
      await p.run(() => {
        const s = document.querySelector("script[src$='G-insertBefore']");
        return s.parentNode === box && !!(s.compareDocumentPosition(ref) & Node.DOCUMENT_POSITION_FOLLOWING);
      }),
      true,
    );
    assert.equal(await p.run(() => document.body.firstElementChild.src), `${GTAG}?id=G-prepend`);

    // allow() again releases nothing twice.
    await p.run(() => consentryGate.allow(["analytics", "marketing"]));
    await p.settled();
    assert.equal(p.gtagUrls().length, expected.length);
    assert.deepEqual(await p.run(() => consentryGate.granted), ["necessary", "analytics", "marketing"]);
    await p.close();
  });

  test("a script held after insertion goes back where it was", async () => {
    const p = await open();
    await p.run((u) => {
      const s = document.createElement("script");
      s.id = "late";
      ref.before(document.createElement("hr"));
      ref.after(s); // empty script in the DOM: not loaded, not started
      s.src = u; // would load now without the gate
    }, `${GTAG}?id=G-late`);
    await p.settled();
    assert.deepEqual(p.gtagUrls(), []);
    assert.equal(await p.run(() => document.getElementById("late")), null);
    await p.run(() => consentryGate.allow(["analytics"]));
    await p.settled();
    assert.deepEqual(p.gtagUrls(), [`${GTAG}?id=G-late`]);
    assert.equal(await p.run(() => ref.nextElementSibling.id), "late");
    await p.close();
  });

  test("the mark removed: the held script is appended to its intended parent", async () => {
    const p = await open();
    await p.run((u) => {
      const holder = document.createElement("section");
      holder.id = "holder";
      document.body.appendChild(holder);
      const s = document.createElement("script");
      s.src = u;
      holder.appendChild(s);
      holder.textContent = ""; // removes the mark
      holder.appendChild(document.createElement("i"));
    }, `${GTAG}?id=G-orphan`);
    await p.settled();
    assert.deepEqual(p.gtagUrls(), []);
    await p.run(() => consentryGate.allow(["analytics"]));
    await p.settled();
    assert.deepEqual(p.gtagUrls(), [`${GTAG}?id=G-orphan`]);
    assert.equal(await p.run(() => document.getElementById("holder").lastElementChild.localName), "script");
    await p.close();
  });

  test("return values and DOM errors are those of the native methods", async () => {
    const p = await open();
    const r = await p.run((u) => {
      let n = 0;
      const mk = () => {
        const s = document.createElement("script");
        s.src = `${u}${n++}`;
        return s;
      };
      const s = mk();
      const out = [document.head.appendChild(s) === s];
      const s2 = mk();
      out.push(box.insertBefore(s2, ref) === s2);
      const old = document.createElement("b");
      box.appendChild(old);
      out.push(box.replaceChild(mk(), old) === old);
      const s4 = mk();
      out.push(ref.insertAdjacentElement("beforebegin", s4) === s4);
      out.push(document.createElement("div").insertAdjacentElement("afterend", mk()) === null);
      for (const bad of [() => document.createTextNode("t").appendChild(mk()), () => box.insertBefore(mk(), document.createElement("i"))]) {
        try {
          bad();
          out.push("no error");
        } catch (e) {
          out.push(e.name);
        }
      }
      const d = document.createElement("div");
      out.push(document.body.appendChild(d) === d, d.parentNode === document.body);
      d.append();
      d.prepend("x", mk(), "y");
      out.push(d.innerHTML);
      return out;
    }, `${GTAG}?id=G-ret`);
    assert.deepEqual(r, [true, true, true, true, true, "HierarchyRequestError", "NotFoundError", true, true, "x<!--consentry-->y"]);
    // What failed to insert is not queued: only the five inserted scripts load after allow.
    await p.run(() => consentryGate.allow(["analytics"]));
    await p.settled();
    assert.equal(p.gtagUrls().length, 5);
    await p.close();
  });
});

describe("iframes", () => {
  test("iframes are held until their category is granted", async () => {
    const p = await open();
    await p.run((u) => {
      const f = document.createElement("iframe");
      f.src = `${u}?id=append`;
      document.body.appendChild(f);
      box.innerHTML = `<p>video</p><iframe src="${u}?id=innerHTML"></iframe>`;
      document.body.insertAdjacentHTML("beforeend", `<iframe src="${u}?id=adjacentHTML"></iframe>`);
      const g = document.createElement("iframe");
      document.body.appendChild(g); // about:blank, in the page
      g.src = `${u}?id=later`;
      const h = document.createElement("iframe");
      document.body.appendChild(h);
      h.setAttribute("src", `${u}?id=later-attr`);
      const wrap = document.createElement("div");
      wrap.innerHTML = "<span id=outer></span>";
      document.body.appendChild(wrap);
      document.getElementById("outer").outerHTML = `<iframe src="${u}?id=outerHTML"></iframe>`;
      const host = document.createElement("div");
      document.body.appendChild(host);
      host.attachShadow({ mode: "open" }).innerHTML = `<iframe src="${u}?id=shadow"></iframe>`;
    }, FRAME);
    await p.settled();
    assert.deepEqual(p.log.matching(FRAME_RE), [], "no iframe request before consent");
    assert.equal(await p.run(() => document.querySelector("#box p").textContent), "video", "the rest of the HTML is inserted");

    await p.run(() => consentryGate.allow(["analytics"]));
    await p.settled();
    assert.deepEqual(p.log.matching(FRAME_RE), []);

    await p.run(() => consentryGate.allow(["analytics", "marketing"]));
    await p.settled();
    const ids = p.log.matching(FRAME_RE).map((u) => new URL(u).searchParams.get("id")).sort();
    assert.deepEqual(ids, ["adjacentHTML", "append", "innerHTML", "later", "later-attr", "outerHTML", "shadow"]);
    assert.equal(await p.run(() => document.querySelectorAll("iframe").length), 6);
    assert.equal(await p.run(() => document.querySelector("div:last-of-type").shadowRoot.querySelectorAll("iframe").length), 1);
    await p.close();
  });
});

describe("what is never held", () => {
  test("first-party and unlisted scripts load at once with only necessary granted", async () => {
    const p = await open();
    await p.run(() => {
      const a = document.createElement("script");
      a.src = "/first.js";
      document.head.appendChild(a);
      const c = document.createElement("script");
      c.src = "https://www.google-analytics.com/analytics.js"; // not in the policy
      document.body.append(c);
      const i = document.createElement("script");
      i.textContent = "window.inlineRan = true";
      document.body.appendChild(i);
      const f = document.createElement("iframe");
      f.src = "/first.js";
      document.body.appendChild(f);
    });
    await p.settled();
    assert.deepEqual(await p.run(() => consentryGate.granted), ["necessary"]);
    assert.equal(p.log.count(/\/first\.js$/), 2);
    assert.equal(p.log.count("google-analytics.com/analytics.js"), 1);
    assert.equal(await p.run(() => window.ran), 1);
    assert.equal(await p.run(() => window.inlineRan), true);
    assert.deepEqual(p.gtagUrls(), []);
    await p.close();
  });

  test("a service declared necessary (against the policy rules) is held, and never released", async () => {
    const p = await open();
    await p.run(() => {
      const b = document.createElement("script");
      b.src = "https://www.google-analytics.com/necessary/lib.js";
      document.head.appendChild(b);
    });
    await p.settled();
    await p.run(() => consentryGate.allow(["necessary", "analytics", "marketing"]));
    await p.settled();
    assert.equal(p.log.count("google-analytics.com/necessary/lib.js"), 0);
    assert.equal(await p.run(() => document.querySelector('script[src*="necessary"]')), null, "held out of the DOM");
    await p.close();
  });

  test("without a policy nothing is held; setPolicy() then holds", async () => {
    const p = await open("/no-policy-element");
    await p.run((u) => {
      const s = document.createElement("script");
      s.src = `${u}?id=G-free`;
      document.head.appendChild(s);
    }, GTAG);
    await p.settled();
    assert.deepEqual(p.gtagUrls(), [`${GTAG}?id=G-free`]);
    await p.run(
      ([u, policy]) => {
        consentryGate.setPolicy(JSON.parse(policy));
        const s = document.createElement("script");
        s.src = `${u}?id=G-held`;
        document.head.appendChild(s);
      },
      [GTAG, jsonForScript(POLICY)],
    );
    await p.settled();
    assert.deepEqual(p.gtagUrls(), [`${GTAG}?id=G-free`]);
    await p.run(() => consentryGate.allow(["analytics"]));
    await p.settled();
    assert.deepEqual(p.gtagUrls(), [`${GTAG}?id=G-free`, `${GTAG}?id=G-held`]);
    await p.close();
  });

  test("a bad policy fails closed: cross-origin held, first-party loads", async () => {
    const p = await open("/bad-policy");
    await p.run((u) => {
      for (const src of [u, "https://www.google-analytics.com/x.js", "/first.js"]) {
        const s = document.createElement("script");
        s.src = src;
        document.head.appendChild(s);
      }
    }, `${GTAG}?id=G-bad`);
    await p.settled();
    assert.deepEqual(p.gtagUrls(), []);
    assert.equal(p.log.count("google-analytics.com/x.js"), 0);
    assert.equal(p.log.count(/\/first\.js$/), 1);
    assert.ok(p.log.console.some((m) => m.includes("consentry: bad policy")));
    await p.run(() => consentryGate.allow(["analytics", "marketing"]));
    await p.settled();
    assert.deepEqual(p.gtagUrls(), [], "nothing is released under a bad policy");
    await p.close();
  });
});

// Issue 14: setHTMLUnsafe, <link rel=preload|prefetch|modulepreload>, same-origin frames' own
// realms (srcdoc, about:blank), <img data-consent data-src> pixels.
describe("paths added in issue 14", () => {
  /** The first dataLayer entry of a window, as an array. */
  const firstEntry = (w) => Array.from(w.dataLayer?.[0] ?? []);

  test("setHTMLUnsafe (element and shadow root) and parseHTMLUnsafe: held like innerHTML", async () => {
    const p = await open();
    const native = await p.run((u) => {
      box.setHTMLUnsafe(`<p id=kept>kept</p><iframe src="${u}?id=setHTMLUnsafe"></iframe>`);
      const host = document.createElement("div");
      document.body.appendChild(host);
      host.attachShadow({ mode: "open" }).setHTMLUnsafe(`<iframe src="${u}?id=shadow"></iframe>`);
      const doc = Document.parseHTMLUnsafe(`<iframe src="${u}?id=parsed"></iframe><link rel=preload as=script href="${u}?id=parsed-link">`);
      document.body.append(...doc.body.childNodes);
      // Declarative shadow DOM still works for HTML without frames.
      const dsd = document.createElement("div");
      document.body.appendChild(dsd);
      dsd.setHTMLUnsafe("<div><template shadowrootmode=open><b>in shadow</b></template></div>");
      return { dsd: !!dsd.firstElementChild.shadowRoot, kept: document.getElementById("kept")?.textContent };
    }, FRAME);
    assert.deepEqual(native, { dsd: true, kept: "kept" });
    await p.settled();
    assert.deepEqual(p.log.matching(FRAME_RE), [], "no iframe or preload request before consent");
    await p.run(() => consentryGate.allow(["marketing"]));
    await p.settled();
    const ids = p.log.matching(FRAME_RE).map((u) => new URL(u).searchParams.get("id")).sort();
    assert.deepEqual(ids, ["parsed", "parsed-link", "setHTMLUnsafe", "shadow"]);
    await p.close();
  });

  test("<link rel=preload|prefetch|modulepreload> of a held URL is held by every path, released after allow", async () => {
    const p = await open();
    await p.run((u) => {
      const link = (rel, id) => {
        const l = document.createElement("link");
        l.rel = rel;
        if (rel == "preload") l.as = "script";
        l.href = `${u}?id=${id}`;
        return l;
      };
      document.head.appendChild(link("preload", "G-preload"));
      document.head.append(link("prefetch", "G-prefetch"));
      document.head.appendChild(link("modulepreload", "G-modulepreload"));
      box.innerHTML = `<link rel=preload as=script href="${u}?id=G-innerHTML">`;
      document.head.insertAdjacentHTML("beforeend", `<link rel=prefetch href="${u}?id=G-adjacentHTML">`);
      const late = document.createElement("link");
      late.rel = "preload";
      late.as = "script";
      document.head.appendChild(late);
      late.href = `${u}?id=G-href-later`;
      const attr = document.createElement("link");
      attr.rel = "prefetch";
      document.head.appendChild(attr);
      attr.setAttribute("href", `${u}?id=G-setAttribute-later`);
      // Not held: a URL no pattern matches.
      const free = document.createElement("link");
      free.rel = "prefetch";
      free.href = "/first.js";
      document.head.appendChild(free);
    }, GTAG);
    await p.settled();
    assert.deepEqual(p.gtagUrls(), [], "no preload or prefetch of gtag before consent");
    assert.equal(p.log.count(/\/first\.js$/), 1, "other links are not held");
    await p.run(() => consentryGate.allow(["analytics"]));
    await p.waitForUrls(GTAG_URL_RE, 7);
    const ids = p.gtagUrls().map((u) => new URL(u).searchParams.get("id")).sort();
    assert.deepEqual(ids, ["G-adjacentHTML", "G-href-later", "G-innerHTML", "G-modulepreload", "G-prefetch", "G-preload", "G-setAttribute-later"]);
    await p.close();
  });

  test("a srcdoc frame gets the Consent Mode default before its scripts, and its inserted scripts are held", async () => {
    const p = await open();
    const seen = await p.run(async (u) => {
      const f = document.createElement("iframe");
      f.id = "doc";
      f.srcdoc = `<script>
        parent.__frameFirst = Array.from(window.dataLayer?.[0] ?? []).slice(0, 2).join();
        var s = document.createElement("script"); s.src = ${JSON.stringify(`${u}?id=G-in-srcdoc`)}; document.head.appendChild(s);
        parent.__frameHeld = !document.querySelector("script[src*=gtag]");
      </` + "script>";
      const loaded = new Promise((r) => f.addEventListener("load", r, { once: true }));
      document.body.appendChild(f);
      await loaded;
      return [window.__frameFirst, window.__frameHeld];
    }, GTAG);
    assert.deepEqual(seen, ["consent,default", true]);
    await p.settled();
    assert.deepEqual(p.gtagUrls(), []);
    assert.deepEqual(await p.context.cookies().then((c) => c.filter((x) => /^_ga/.test(x.name))), []);
    await p.run(() => consentryGate.allow(["analytics"]));
    await p.waitForUrls(GTAG_URL_RE, 1);
    assert.deepEqual(p.gtagUrls(), [`${GTAG}?id=G-in-srcdoc`]);
    // The released tag ran in the frame, where the denied default came first.
    await p.page.waitForFunction(() => document.getElementById("doc").contentWindow.__gtagStandIn?.loads === 1);
    assert.equal(await p.run(() => document.getElementById("doc").contentWindow.__gtagStandIn.consent.analytics_storage), "denied");
    await p.close();
  });

  test("a srcdoc frame whose markup loads a held script is held as a whole until allowed", async () => {
    const p = await open();
    await p.run((u) => {
      box.innerHTML = `<iframe id=held srcdoc='<script src="${u}?id=G-srcdoc-markup"></` + `script><p>x'></iframe>`;
      const f = document.createElement("iframe");
      f.srcdoc = `<link rel=preload as=script href="${u}?id=G-srcdoc-link">`;
      document.body.appendChild(f);
    }, GTAG);
    await p.settled();
    assert.deepEqual(p.gtagUrls(), []);
    assert.equal(await p.run(() => document.querySelectorAll("iframe").length), 0, "held out of the DOM");
    await p.run(() => consentryGate.allow(["analytics"]));
    await p.waitForUrls(GTAG_URL_RE, 2);
    assert.deepEqual(p.gtagUrls().sort(), [`${GTAG}?id=G-srcdoc-link`, `${GTAG}?id=G-srcdoc-markup`]);
    await p.page.waitForFunction(() => document.getElementById("held")?.contentWindow.__gtagStandIn?.loads === 1);
    assert.equal(await p.run(() => document.getElementById("held").contentWindow.dataLayer[0][1]), "default");
    await p.close();
  });

  test("an about:blank frame's own document: default first, its scripts held; a srcdoc set later too", async () => {
    const p = await open();
    const r = await p.run(async (u) => {
      const f = document.createElement("iframe");
      document.body.appendChild(f);
      const w = f.contentWindow, doc = f.contentDocument;
      const s = doc.createElement("script");
      s.src = `${u}?id=G-blank`;
      doc.head.appendChild(s);
      const t = doc.createElement("script");
      doc.body.appendChild(t);
      w.Element.prototype.setAttribute.call(t, "src", `${u}?id=G-blank-attr`);
      const out = { first: Array.from(w.dataLayer[0]).slice(0, 2).join(), inDom: doc.querySelectorAll("script").length };
      // A srcdoc set on an iframe already in the page: a new realm, which gets the gate too.
      const g = document.createElement("iframe");
      document.body.appendChild(g);
      await new Promise((r) => setTimeout(r)); // a later task: its first document is done
      g.srcdoc = `<script>parent.__late = Array.from(window.dataLayer?.[0] ?? []).slice(0, 2).join();
        var s = document.createElement("script"); s.src = ${JSON.stringify(`${u}?id=G-late-srcdoc`)}; document.head.appendChild(s);</` + "script>";
      await new Promise((r) => g.addEventListener("load", r, { once: true }));
      out.late = window.__late;
      return out;
    }, GTAG);
    assert.deepEqual(r, { first: "consent,default", inDom: 0, late: "consent,default" });
    await p.settled();
    assert.deepEqual(p.gtagUrls(), []);
    await p.run(() => consentryGate.allow(["analytics"]));
    await p.waitForUrls(GTAG_URL_RE, 3);
    assert.deepEqual(p.gtagUrls().sort(), [`${GTAG}?id=G-blank`, `${GTAG}?id=G-blank-attr`, `${GTAG}?id=G-late-srcdoc`]);
    await p.close();
  });

  test("<img data-consent data-src> pixels in markup are never fetched before consent", async () => {
    const p = await open("/pixel");
    await p.settled();
    assert.equal(p.log.count("/pixel.gif"), 0);
    assert.equal(await p.run(() => document.querySelector("img[data-consent]").getAttribute("data-src")), PIXEL);
    await p.close();
  });
});
