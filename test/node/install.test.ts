import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const read = (file: string) => readFileSync(join(root, file), "utf8");
const LOCKFILE_SCRIPT = join(root, "scripts", "lockfile.mjs");

const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, unknown> };

/** `node scripts/lockfile.mjs --check <dir>`: exit status and everything it printed. */
function checkLockfile(dir: string) {
  const run = spawnSync(process.execPath, [LOCKFILE_SCRIPT, "--check", dir], { encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("package-lock.json (npm ci on Linux, macOS and Windows)", () => {
  it("passes `npm run lockfile -- --check`: matches package.json, and every dependency has an entry", () => {
    const { status, output } = checkLockfile(root);
    expect(output).not.toContain("no lock entry");
    expect(status).toBe(0);
  });

  it("holds the macOS and Windows builds of the native tools, which a Linux install never fetches", () => {
    const names = new Set(Object.keys(lock.packages).map((path) => path.slice(path.lastIndexOf("node_modules/") + 13)));
    for (const name of [
      "@cloudflare/workerd-darwin-arm64",
      "@cloudflare/workerd-darwin-64",
      "@cloudflare/workerd-windows-64",
      "@esbuild/darwin-arm64",
      "@esbuild/win32-x64",
      "@biomejs/cli-darwin-arm64",
      "@biomejs/cli-win32-x64",
    ]) {
      expect(names, name).toContain(name);
    }
  });

  it("the check catches what npm ci refuses: vite's optional napi-windows-process-start-time, a stale root", () => {
    const dir = mkdtempSync(join(tmpdir(), "lockfile-check-"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ devDependencies: { vite: "8.4.0", extra: "^1.0.0" } }));
    writeFileSync(
      join(dir, "package-lock.json"),
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          "": { devDependencies: { vite: "8.4.0" } },
          "node_modules/vite": {
            version: "8.4.0",
            optionalDependencies: { fsevents: "~2.3.3", "napi-windows-process-start-time": "^0.1.0" },
          },
          "node_modules/fsevents": { version: "2.3.3", optional: true },
        },
      }),
    );
    const { status, output } = checkLockfile(dir);
    expect(status).toBe(1);
    expect(output).toContain("no lock entry for napi-windows-process-start-time, needed by node_modules/vite");
    expect(output).toContain("devDependencies.extra: package.json has ^1.0.0, the lockfile none");
    expect(output).not.toContain("fsevents");
  });

  it("CI installs with npm ci, so a stale lockfile fails it", () => {
    const commands = read(".ci/run")
      .split("\n")
      .filter((line) => /^\s*npm /.test(line));
    expect(commands).toContain("npm ci --no-audit --no-fund");
    expect(commands.filter((line) => /^\s*npm (install|i)\b/.test(line))).toEqual([]);
  });
});

describe("scripts/copy-docs-assets.mjs (public/docs/scalar.js)", () => {
  /** A throwaway project holding the script, with or without the Scalar package. */
  function project(withScalar: boolean) {
    const dir = mkdtempSync(join(tmpdir(), "docs-assets-"));
    mkdirSync(join(dir, "scripts"));
    copyFileSync(join(root, "scripts", "copy-docs-assets.mjs"), join(dir, "scripts", "copy-docs-assets.mjs"));
    if (withScalar) {
      const dist = join(dir, "node_modules", "@scalar", "api-reference", "dist", "browser");
      mkdirSync(dist, { recursive: true });
      writeFileSync(join(dist, "standalone.js"), "/* scalar */");
    }
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [join(dir, "scripts", "copy-docs-assets.mjs"), ...args], { encoding: "utf8" });
    return { dir, run, target: join(dir, "public", "docs", "scalar.js") };
  }

  it("copies the bundle, and leaves a current copy alone", () => {
    const { run, target } = project(true);
    expect(run().status).toBe(0);
    expect(readFileSync(target, "utf8")).toBe("/* scalar */");
    expect(run().stdout).toContain("up to date");
  });

  it("postinstall (--if-installed) succeeds without dev dependencies, as `npm install --omit=dev` needs", () => {
    const { run, target } = project(false);
    const result = run("--if-installed");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("skipped");
    expect(existsSync(target)).toBe(false);
  });

  it("fails loudly where the file is needed (dev, test, deploy) and the package is missing", () => {
    const result = project(false).run();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("@scalar/api-reference");
  });

  it("runs before wrangler dev and deploy (build hook), before the tests, and after install", () => {
    const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
    expect(pkg.scripts.postinstall).toBe("node scripts/copy-docs-assets.mjs --if-installed");
    expect(pkg.scripts.pretest).toBe("node scripts/copy-docs-assets.mjs");
    const build = /^\[build\]\n(?:.*\n)*?command = "([^"]*)"/m.exec(read("wrangler.toml"))?.[1];
    expect(build).toBe("node scripts/copy-docs-assets.mjs");
  });
});

describe("README: install and quick start", () => {
  const readme = read("README.md");

  it("says what the toolchain really needs: npm 11, the project's own Node 24", () => {
    expect(readme).not.toMatch(/Node(\.js)? 20 or later/);
    expect(readme).toContain("npm 11 or later");
    expect((JSON.parse(read("package.json")) as { engines: { npm: string } }).engines.npm).toBe(">=11");
    expect(readme).toContain("Node.js 24 as the `node` dev dependency");
    const nodeRange = (JSON.parse(read("package.json")) as { devDependencies: Record<string, string> }).devDependencies
      .node;
    expect(nodeRange).toMatch(/^\^24\./);
  });

  it("installs with npm ci and never tells you to copy .dev.vars.example over the .dev.vars npm run dev wrote", () => {
    expect(readme).toContain("npm ci ");
    expect(readme).not.toMatch(/cp \.dev\.vars\.example \.dev\.vars|copy it to `\.dev\.vars`/);
  });

  it("says which variables turn chat on, and how to pass variables for one run", () => {
    const quickStart = readme.slice(readme.indexOf("## Run it"), readme.indexOf("## API basics"));
    expect(quickStart).toContain("`OPENAI_API_KEY`");
    expect(quickStart).toContain("`OPENAI_BASE_URL`");
    expect(quickStart).toContain("npm run dev -- --var OPENAI_API_KEY:");
  });

  it("documents no error code that nothing answers yet", () => {
    const sources = readdirSync(join(root, "src"), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts") && file !== join("lib", "errors.ts"))
      .map((file) => readFileSync(join(root, "src", file), "utf8"));
    for (const code of ["INVALID_SIGNATURE", "BILLING_NOT_CONFIGURED"]) {
      if (!sources.some((text) => text.includes(`"${code}"`))) expect(readme, code).not.toContain(code);
    }
  });
});
