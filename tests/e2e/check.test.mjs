// `npx consentry-check`: the npm package's policy checker (pkg/consentry-check.mjs and the wasm
// in pkg/check/, built by `cargo xtask web`), run as a user runs it, in Node.js. No browser.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = path.join(REPO, "pkg/consentry-check.mjs");
const POLICIES = path.join(REPO, "examples/policies");

const NECESSARY = { required: true, lawful_basis: "contract" };
const GA_SERVICE = {
  id: "google-analytics",
  category: "analytics",
  provider: "Google LLC",
  purpose: "Measures traffic",
  scripts: ["https://www.googletagmanager.com/gtag/js*"],
  cookies: [{ name: "_ga", max_age_days: 395 }],
};
const VALID = {
  revision: 1,
  categories: { necessary: NECESSARY, analytics: { lawful_basis: "consent" } },
  services: [GA_SERVICE],
};

/// Runs the checker (`node <cli> ...args` by default) in `cwd`; `{ status, stdout, stderr }`.
function run(args, { cwd = dir, input, cli = CLI } = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, input, encoding: "utf8", timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/// Writes `name` in the temp dir: an object as JSON, a string as it is.
function write(name, content) {
  writeFileSync(path.join(dir, name), typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return name;
}

let dir;
before(() => {
  assert.ok(
    existsSync(path.join(REPO, "pkg/check/consentry_check_bg.wasm")),
    "the checker is not built in pkg/check/: run `cargo xtask web` first",
  );
  dir = mkdtempSync(path.join(tmpdir(), "consentry-check-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("valid policies", () => {
  test("the example policies pass, exit 0, one OK line each", () => {
    const files = readdirSync(POLICIES).filter((f) => f.endsWith(".json"));
    assert.ok(files.length >= 3, `only ${files.length} example policies`);
    const r = run(files, { cwd: POLICIES });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), files.map((f) => `${f}: OK`));
    assert.equal(r.stderr, "");
  });

  test("standard input as `-`", () => {
    const r = run(["-"], { input: JSON.stringify(VALID) });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, "-: OK\n");
  });
});

describe("policies with problems exit 1 with `file: path: message [kind]`", () => {
  test("_ga declared necessary", () => {
    const f = write("ga-necessary.json", {
      revision: 1,
      categories: { necessary: NECESSARY },
      cookies: [{ name: "_ga", category: "necessary", exemption: "session", http_only: true, same_site: "strict", purpose: "x" }],
    });
    const r = run([f]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.equal(
      r.stdout,
      `${f}: cookies[0].category: "_ga" is (or would match) an analytics or advertising cookie and cannot be strictly necessary (not exempt under ePrivacy 5(3)): declare it under "analytics" or "marketing" [tracking_declared_necessary]\n`,
    );
  });

  test("a required analytics category: every problem, the cause first", () => {
    const f = write("required-analytics.json", {
      ...VALID,
      categories: { necessary: NECESSARY, analytics: { required: true, lawful_basis: "consent" } },
    });
    const r = run([f]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.equal(
      lines[0],
      `${f}: categories.analytics.required: only "necessary" can be required; every other category needs the visitor's consent [tracking_declared_necessary]`,
    );
    assert.ok(lines.length > 1, r.stdout);
    assert.ok(lines.every((l) => l.startsWith(`${f}: categories.analytics.`)), r.stdout);
  });

  test("an analytics cookie living over 13 months and a basis other than consent", () => {
    const f = write("lifetime.json", {
      ...VALID,
      categories: { necessary: NECESSARY, analytics: { lawful_basis: "legitimate_interests" } },
      services: [{ ...GA_SERVICE, cookies: [{ name: "_ga", max_age_days: 398 }] }],
    });
    const r = run([f]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.equal(
      r.stdout,
      `${f}: categories.analytics.lawful_basis: is "legitimate_interests", but cookies that are not strictly necessary need consent (ePrivacy 5(3)): use "consent" [optional_without_consent]\n` +
        `${f}: services[0].cookies[0].max_age_days: analytics cookie "_ga" lives 398 days; analytics cookies may live at most 13 months (395 days) [cookie_lifetime_too_long]\n`,
    );
  });

  test("a misspelt field is one syntax problem at its path", () => {
    const f = write("misspelt.json", '{\n  "revison": 1\n}\n');
    const r = run([f]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^misspelt\.json: revison: unknown field `revison`, expected one of .* \(line 2, column 11\) \[syntax\]\n$/);
  });

  test("a file that is not JSON, or cut short, is one syntax problem", () => {
    const bad = write("not-json.json", "revision = 1\n");
    const cut = write("cut.json", JSON.stringify(VALID).slice(0, 40));
    const r = run([bad, cut]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines.length, 2, r.stdout);
    assert.match(lines[0], /^not-json\.json: \.: expected value \(line 1, column 1\) \[syntax\]$/);
    assert.match(lines[1], /^cut\.json: categories\S*: EOF while parsing .* \[syntax\]$/);
  });

  test("valid and invalid files together: every file reported, exit 1", () => {
    const good = write("good.json", VALID);
    const bad = write("bad.json", { ...VALID, consent_max_age_days: 0 });
    const r = run([good, bad]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.equal(
      r.stdout,
      `${good}: OK\n${bad}: consent_max_age_days: is 0; consent must be asked again within 13 months: use 1 to 395 days (default 182) [consent_lifetime]\n`,
    );
  });

  test("an unreadable file exits 1 and the others are still checked", () => {
    const good = write("good2.json", VALID);
    const r = run(["missing.json", good]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^missing\.json: cannot read: ENOENT/);
    assert.equal(r.stdout, `${good}: OK\n`);
  });
});

describe("--notice md|html (issue 16)", () => {
  test("prints the notice of a valid policy, as Markdown or HTML", () => {
    const md = run(["--notice", "md", "p4p-packing.json"], { cwd: POLICIES });
    assert.equal(md.status, 0, md.stdout + md.stderr);
    assert.match(md.stdout, /^## Cookies and similar technologies\n/);
    assert.match(md.stdout, /Pro4Soft Inc\. is responsible/);
    assert.match(md.stdout, /GPC is never read as consent/);
    const html = run(["--notice", "html", "proecommerce.json"], { cwd: POLICIES });
    assert.equal(html.status, 0, html.stdout + html.stderr);
    assert.match(html.stdout, /^<section class="consentry-notice">/);
    assert.match(html.stdout, /<td><code>__stripe_mid<\/code><\/td>/);
  });

  test("a policy with a problem prints no notice: the problems on stderr, exit 1", () => {
    const bad = { ...VALID, cookies: [{ name: "__Host-a", category: "necessary", exemption: "authentication", http_only: true, same_site: "strict", max_age_days: 30 }] };
    const r = run(["--notice", "md", write("persistent.json", bad)]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /persistent\.json: cookies\[0\]\.max_age_days: .*remember_me.* \[persistent_login\]/);
  });

  test("a format other than md or html, or several files: exit 2", () => {
    assert.equal(run(["--notice", "pdf", "a.json"]).status, 2);
    assert.equal(run(["--notice", "md", "a.json", "b.json"]).status, 2);
  });
});

describe("usage", () => {
  test("no file: exit 2 with the usage", () => {
    const r = run([]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no policy file given[\s\S]*usage: consentry-check <policy\.json>/);
    assert.equal(r.stdout, "");
  });

  test("an unknown option: exit 2", () => {
    const r = run(["--strict", write("good3.json", VALID)]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown option --strict/);
    assert.equal(r.stdout, "");
  });

  test("--help: the usage on stdout, exit 0", () => {
    const r = run(["--help"]);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^usage: consentry-check/);
  });

  test("after `--` a name starting with - is a file", () => {
    const f = write("-odd.json", VALID);
    const r = run(["--", f]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, `${f}: OK\n`);
  });

  test("run through a symlink, as npm's node_modules/.bin links it, it finds its wasm", () => {
    const link = path.join(dir, "consentry-check");
    symlinkSync(CLI, link);
    const f = write("good4.json", VALID);
    const r = run([f], { cli: link });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, `${f}: OK\n`);
  });
});
