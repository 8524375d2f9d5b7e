#!/usr/bin/env node
// consentry-check: checks consentry policy files with the same rules and messages as the
// server (the `consentry` crate's validation, compiled to wasm in ./check/). For authors:
// pages never load this file.
//
//   npx consentry-check policy.json [more.json ...]
//   npx consentry-check --notice md|html policy.json
//
// Prints `file: path: message [kind]` for every problem and `file: OK` for a valid file.
// Exit status: 0 all valid, 1 a problem or an unreadable file, 2 usage error.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const USAGE = `usage: consentry-check <policy.json>...
       consentry-check --notice md|html <policy.json>

Checks consentry policy files (\`-\` reads standard input) with the rules the server uses.
Prints every problem as \`file: path: message [kind]\`, or \`file: OK\`.
With --notice, checks one file and, if it is valid, prints the cookie and tracking section
of its privacy notice (Markdown or HTML) instead of \`OK\`; problems go to standard error.
Exits 1 if a file has a problem or cannot be read, 2 on a usage error.`;

// The exit status is set, not forced with process.exit(), so output to a pipe is never cut.
process.exitCode = await main(process.argv.slice(2));

async function main(args) {
  const files = [];
  let options = true;
  let notice;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (options && arg === "--notice") {
      notice = args[++i];
      if (notice !== "md" && notice !== "html") return usageError("--notice takes md or html");
    } else if (options && arg === "--") {
      options = false;
    } else if (options && (arg === "-h" || arg === "--help")) {
      console.log(USAGE);
      return 0;
    } else if (options && arg.startsWith("-") && arg !== "-") {
      return usageError(`unknown option ${arg}`);
    } else {
      files.push(arg);
    }
  }
  if (files.length === 0) return usageError("no policy file given");
  if (notice && files.length > 1) return usageError("--notice takes one policy file");

  const check = await loadChecker();
  if (!check) return 2;

  let failed = false;
  for (const file of files) {
    let text;
    try {
      text = readFileSync(file === "-" ? 0 : file, "utf8");
    } catch (e) {
      console.error(`${file}: cannot read: ${e.message}`);
      failed = true;
      continue;
    }
    const problems = JSON.parse(check.check(text));
    for (const { kind, path, message } of problems) {
      (notice ? console.error : console.log)(`${file}: ${path}: ${message} [${kind}]`);
    }
    if (problems.length === 0) {
      if (notice) process.stdout.write(check.notice(text, notice));
      else console.log(`${file}: OK`);
    } else {
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

function usageError(why) {
  console.error(`consentry-check: ${why}\n\n${USAGE}`);
  return 2;
}

// The checker's exports (`check(text)`, `notice(text, format)`), or undefined after saying why it cannot be loaded. Loaded only
// once the arguments are read; built by `cargo xtask web`, so a source checkout without a
// build lacks it.
async function loadChecker() {
  const dir = new URL("./check/", import.meta.url);
  try {
    const checker = await import(new URL("consentry_check.js", dir));
    checker.initSync({ module: readFileSync(new URL("consentry_check_bg.wasm", dir)) });
    return checker;
  } catch (e) {
    console.error(
      `consentry-check: cannot load the checker from ${fileURLToPath(dir)} (in a source checkout, run \`cargo xtask web\`): ${e.message}`,
    );
    return undefined;
  }
}
