// The gate's overhead on a page's own DOM work (DESIGN.md budget: ≤ 1.15× the same page without
// the gate), in headless Chromium with the CPU throttled 4× (CDP Emulation.setCPUThrottlingRate).
//
// Four workloads on ordinary elements, each timed in the page with performance.now() (the page
// is cross-origin isolated, so the clock is not coarsened to 100 µs):
//
//   append        2,000 × createElement('div') + appendChild into a connected container
//   insertBefore  2,000 × createElement('span') + insertBefore(…, container.firstChild)
//   setAttribute  4,000 × setAttribute('class' | 'data-row', …) on 2,000 connected divs
//   table         a 300 × 5 table built node by node: each <td> gets a text node, each <tr> its
//                 five cells, then the row goes into the connected <tbody>
//
// Variants: no gate; the gate (crates/consentry-web/src/consentry-gate.min.js, inline as
// `consentry_web::gate::script_tag` writes it, with the P4P Packing policy) before any choice
// (after a choice it does the same work); yett 0.1.13 if xtask/bench/node_modules has it and
// `--no-yett` is not given.
// Each round opens every variant in a fresh page and, after one warm-up, takes `--runs` samples
// of each workload in every page in turn (order rotated). A sample is the mean of `--reps`
// timed runs of the workload (about 20 ms or more at 4x): CDP's throttling suspends the page's
// thread in slices, and a single run of a few milliseconds may fall between two (then it runs at
// full speed). The table shows the median sample over all rounds and runs, and the ratio to the
// page without the gate.
//
//   node tests/e2e/bench-gate.mjs [--rounds 5] [--runs 5] [--reps 10] [--gate FILE]... [--no-yett] [--throttle 4]
//
// `--gate FILE` adds a column for another minified gate (e.g. an older one, to compare).
// Needs Chromium (CONSENTRY_CHROMIUM, default /usr/bin/chromium) and `npm ci` in tests/e2e.

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import { jsonForScript, launchBrowser, loadPolicy, REPO, startServer } from "./harness.mjs";

const GATE_MIN = path.join(REPO, "crates/consentry-web/src/consentry-gate.min.js");
const YETT = path.join(REPO, "xtask/bench/node_modules/yett/dist/yett.min.js");
/** CPU throttling rate (DESIGN.md: 4x). */
const THROTTLE = 4;
/** The DESIGN.md budget for the gate's overhead. */
const BUDGET = 1.15;

function options(argv) {
  const o = { rounds: 5, runs: 5, reps: 10, gates: [], yett: true, throttle: THROTTLE };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--no-yett") {
      o.yett = false;
      continue;
    }
    const [k, v = argv[++i]] = argv[i].split("=");
    if (k === "--rounds") o.rounds = Number(v);
    else if (k === "--runs") o.runs = Number(v);
    else if (k === "--reps") o.reps = Number(v);
    else if (k === "--gate") o.gates.push(v);
    else if (k === "--throttle") o.throttle = Number(v);
    else throw new Error(`unknown option ${argv[i]} (--rounds N, --runs N, --reps N, --gate FILE, --no-yett, --throttle N)`);
  }
  return o;
}

// The workloads, run in the page. `prepare` is not timed.
const WORKLOADS = {
  append: {
    run(root) {
      for (let i = 0; i < 2000; i++) root.appendChild(document.createElement("div"));
    },
  },
  insertBefore: {
    prepare(root) {
      root.appendChild(document.createElement("p"));
    },
    run(root) {
      for (let i = 0; i < 2000; i++) root.insertBefore(document.createElement("span"), root.firstChild);
    },
  },
  setAttribute: {
    prepare(root) {
      for (let i = 0; i < 2000; i++) root.appendChild(document.createElement("div"));
    },
    run(root) {
      const els = root.children;
      for (let i = 0; i < 2000; i++) {
        const el = els[i];
        el.setAttribute("class", `row r${i & 7}`);
        el.setAttribute("data-row", String(i));
      }
    },
  },
  table: {
    run(root) {
      const table = document.createElement("table");
      const tbody = document.createElement("tbody");
      table.appendChild(tbody);
      root.appendChild(table);
      for (let i = 0; i < 300; i++) {
        const tr = document.createElement("tr");
        for (let j = 0; j < 5; j++) {
          const td = document.createElement("td");
          td.appendChild(document.createTextNode(`r${i}c${j}`));
          tr.appendChild(td);
        }
        tbody.appendChild(tr);
      }
    },
  },
};

/** In-page code: `__bench(name, reps)`: the mean time of `reps` runs of a workload, each prepared and cleared outside the timing. */
function benchScript() {
  const fns = Object.entries(WORKLOADS)
    .map(([k, w]) => `${JSON.stringify(k)}: { prepare: ${w.prepare ? `function ${w.prepare}` : "null"}, run: function ${w.run} }`)
    .join(",\n");
  return `window.__workloads = {${fns}};
window.__bench = function (name, reps) {
  var w = __workloads[name], root = document.getElementById("root"), t = 0;
  for (var i = 0; i < reps; i++) {
    root.textContent = "";
    if (w.prepare) w.prepare(root);
    var t0 = performance.now();
    w.run(root);
    t += performance.now() - t0;
  }
  root.textContent = "";
  return t / reps;
};`;
}

function page(head) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>gate overhead</title>
${head}
<script>${benchScript()}</script>
</head><body><div id="root"></div></body></html>`;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main() {
  const opt = options(process.argv.slice(2));
  const policy = loadPolicy("p4p-packing");
  const policyTag = `<script type="application/json" id="consentry-policy">${jsonForScript(policy)}</script>`;
  const gateHead = (file) => `<script>${readFileSync(file, "utf8")}</script>\n${policyTag}`;

  const variants = [{ name: "no gate", head: "" }];
  variants.push({ name: "gate", head: gateHead(GATE_MIN) });
  for (const g of opt.gates) variants.push({ name: `gate ${path.basename(g)}`, head: gateHead(g) });
  if (opt.yett && existsSync(YETT)) {
    variants.push({
      name: "yett 0.1.13",
      head: `<script>window.YETT_BLACKLIST = [/googletagmanager\\.com/];</script><script>${readFileSync(YETT, "utf8")}</script>`,
    });
  }

  const isolated = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" };
  const routes = {};
  variants.forEach((v, i) => {
    v.path = `/v${i}`;
    routes[v.path] = { headers: isolated, body: page(v.head) };
  });
  const server = await startServer({ routes });
  const browser = await launchBrowser(server.port);
  const names = Object.keys(WORKLOADS);
  const times = variants.map(() => Object.fromEntries(names.map((n) => [n, []])));
  try {
    for (let round = 0; round < opt.rounds; round++) {
      // Every variant open at once, measured in turn, so that load from elsewhere on the machine
      // falls on all of them alike.
      const pages = [];
      for (const v of variants) {
        const context = await browser.newContext();
        const p = await context.newPage();
        const cdp = await context.newCDPSession(p);
        await p.goto(server.url(v.path));
        if (!(await p.evaluate(() => crossOriginIsolated))) throw new Error("the bench page is not cross-origin isolated");
        await cdp.send("Emulation.setCPUThrottlingRate", { rate: opt.throttle });
        for (const n of names) await p.evaluate((n) => __bench(n, 3), n); // warm-up
        pages.push({ context, p });
      }
      for (let r = 0; r < opt.runs; r++) {
        for (const n of names) {
          for (let k = 0; k < pages.length; k++) {
            const vi = (k + r + round) % pages.length;
            times[vi][n].push(await pages[vi].p.evaluate(([n, reps]) => __bench(n, reps), [n, opt.reps]));
          }
        }
      }
      for (const pg of pages) await pg.context.close();
    }
  } finally {
    await browser.close().catch(() => {});
    await server.close();
  }

  const med = times.map((t) => Object.fromEntries(names.map((n) => [n, median(t[n])])));
  for (const m of med) m.total = names.reduce((s, n) => s + m[n], 0);
  const col = 24;
  console.log(
    `\ngate overhead on the page's own DOM work: headless Chromium, CPU ${opt.throttle}x, ` +
      `median of ${opt.rounds} rounds x ${opt.runs} samples of ${opt.reps} runs, ms per run (ratio to no gate)`,
  );
  console.log("workload".padEnd(14) + variants.map((v) => v.name.padStart(col)).join(""));
  for (const n of [...names, "total"]) {
    const cells = med.map((m, i) => {
      const ms = m[n].toFixed(2);
      return (i === 0 ? ms : `${ms} (${(m[n] / med[0][n]).toFixed(2)}x)`).padStart(col);
    });
    console.log(n.padEnd(14) + cells.join(""));
  }
  const worst = Math.max(...[...names, "total"].map((n) => med[1][n] / med[0][n]));
  console.log(`\ngate before any choice: worst ratio ${worst.toFixed(2)}x (budget ${BUDGET}x)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
