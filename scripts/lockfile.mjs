// Updates package-lock.json after the dependencies in package.json change, so that `npm ci` accepts
// it on Linux, macOS and Windows. CI installs with `npm ci`, which fails on a stale or partial lockfile.
//
// The procedure, whenever you add, remove or change a dependency:
//   1. edit package.json (by hand, or `npm install -D name@range`)
//   2. npm run lockfile          updates package-lock.json, then checks it as npm ci would
//   3. npm ci                    installs exactly what the lockfile now pins
//   4. commit package.json and package-lock.json together
// `npm run lockfile -- --check [dir]` only checks the lockfile (offline; test/node/install.test.ts
// runs it). Plain JavaScript on purpose: it runs on the Node that runs npm (20 or later), even when
// node_modules is missing because `npm ci` refused the lockfile.
//
// What it does, and the traps it avoids:
//   - It resolves in a scratch folder holding only package.json, package-lock.json and .npmrc, with
//     `npm install --package-lock-only`: no installed node_modules shapes the result, and npm records
//     every platform's optional packages (@cloudflare/workerd-darwin-arm64, @esbuild/win32-x64, ...),
//     which `npm ci` requires on every platform ("Missing: <name>@<version> from lock file").
//   - It updates the committed lockfile and never starts from an empty one (do not delete
//     package-lock.json to "start clean"): a fresh resolve takes the newest version of everything,
//     and vite 8.4.0 lists an optional dependency, napi-windows-process-start-time, that the registry
//     does not serve (404). npm then writes a lockfile without it, and `npm ci` fails with
//     "Missing: napi-windows-process-start-time from lock file". The lockfile keeps vite 8.3.8.
//   - It needs npm 11 or later: npm 10 (what Node 20 and 22 come with) drops the `libc` fields that
//     npm 11 writes, so every `npm install` by the other version would rewrite the lockfile.
//   - It replaces package-lock.json only when the result passes the offline check below (every
//     dependency of every locked package has an entry, and the root entry matches package.json) and
//     npm's own: `npm ci --dry-run` in the scratch folder.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const FILES = ["package.json", "package-lock.json", ".npmrc"];

/** The lock entry Node's resolution finds for `name` required from the package at `from` ("" is the root). */
function resolveEntry(packages, from, name) {
  let dir = from;
  for (;;) {
    const candidate = dir === "" ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (candidate in packages) return candidate;
    if (dir === "") return undefined;
    const parent = dir.lastIndexOf("/node_modules/");
    dir = parent < 0 ? "" : dir.slice(0, parent);
  }
}

/**
 * Everything in `dir`'s package-lock.json that `npm ci` would refuse, on any platform: a root entry
 * that disagrees with package.json, and any dependency without a lock entry (regular and optional
 * ones whatever their os and cpu, required peers, the root's dev dependencies).
 */
function problemsIn(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const lock = JSON.parse(readFileSync(join(dir, "package-lock.json"), "utf8"));
  const packages = lock.packages ?? {};
  const problems = [];
  if (lock.lockfileVersion !== 3) problems.push(`lockfileVersion is ${lock.lockfileVersion}, expected 3`);
  const top = packages[""] ?? {};
  for (const field of ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"]) {
    const wanted = pkg[field] ?? {};
    const locked = top[field] ?? {};
    for (const name of new Set([...Object.keys(wanted), ...Object.keys(locked)])) {
      if (wanted[name] !== locked[name]) {
        problems.push(
          `${field}.${name}: package.json has ${wanted[name] ?? "none"}, the lockfile ${locked[name] ?? "none"}`,
        );
      }
    }
  }
  for (const [path, entry] of Object.entries(packages)) {
    if (entry.link) continue;
    const names = new Set([
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((name) => !entry.peerDependenciesMeta?.[name]?.optional),
      ...(path === "" ? Object.keys(entry.devDependencies ?? {}) : []),
    ]);
    for (const name of names) {
      if (resolveEntry(packages, path, name) === undefined) {
        problems.push(`no lock entry for ${name}, needed by ${path === "" ? "the project" : path}`);
      }
    }
  }
  return problems;
}

function report(problems, hint) {
  console.error(`lockfile: package-lock.json is not usable by npm ci:\n  ${problems.join("\n  ")}\n${hint}`);
  return 1;
}

/** npm itself: the one running this script under `npm run`, else `npm` from PATH. Errors go to stderr. */
function npm(args, cwd, stdout = "inherit") {
  const options = { cwd, stdio: ["ignore", stdout, "inherit"], encoding: "utf8" };
  const cli = process.env.npm_execpath;
  if (cli?.endsWith(".js")) return execFileSync(process.execPath, [cli, ...args], options);
  return execFileSync("npm", args, { ...options, shell: process.platform === "win32" });
}

function check(dir) {
  const problems = problemsIn(dir);
  if (problems.length > 0) return report(problems, "Run `npm run lockfile` and commit the result.");
  console.log("lockfile: package-lock.json matches package.json and has an entry for every platform's packages");
  return 0;
}

function update() {
  const version = npm(["--version"], root, "pipe").trim();
  if (Number(version.split(".")[0]) < 11) {
    console.error(`lockfile: npm ${version} writes a different lockfile than npm 11; run it with npm 11 or later.`);
    return 1;
  }
  const scratch = mkdtempSync(join(tmpdir(), "lockfile-"));
  try {
    for (const file of FILES) {
      if (existsSync(join(root, file))) copyFileSync(join(root, file), join(scratch, file));
    }
    npm(["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"], scratch);
    const problems = problemsIn(scratch);
    if (problems.length > 0) {
      return report(
        problems,
        "package-lock.json was left unchanged. A missing entry usually names an optional package the registry\n" +
          "does not serve (check with `npm view NAME`): keep the package that lists it at a version that does\n" +
          'not, e.g. `"overrides": { "vite": "8.3.8" }` in package.json, and run this again.',
      );
    }
    // Its stdout lists every package it would add; a refusal is on stderr.
    npm(["ci", "--dry-run", "--ignore-scripts", "--no-audit", "--no-fund"], scratch, "ignore");
    const target = join(root, "package-lock.json");
    const after = readFileSync(join(scratch, "package-lock.json"));
    if (existsSync(target) && readFileSync(target).equals(after)) {
      console.log("lockfile: package-lock.json was already up to date");
    } else {
      copyFileSync(join(scratch, "package-lock.json"), target);
      console.log(
        "lockfile: updated package-lock.json; now run `npm ci`, then commit package.json and package-lock.json",
      );
    }
    return 0;
  } catch (error) {
    console.error(`lockfile: ${error.message}\npackage-lock.json was left unchanged.`);
    return 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
if (args[0] === "--check") process.exitCode = check(resolve(args[1] ?? root));
else if (args.length === 0) process.exitCode = update();
else {
  console.error("usage: node scripts/lockfile.mjs [--check [dir]]");
  process.exitCode = 2;
}
