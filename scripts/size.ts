// Bundles the Worker exactly as `wrangler deploy` would (wrangler.toml: minify, compat flags),
// without deploying, and prints the raw and gzipped size of what would be uploaded.
//   node scripts/size.ts
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const wrangler = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin", "wrangler.js");
const outdir = mkdtempSync(join(tmpdir(), "worker-bundle-"));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

try {
  const build = spawnSync(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", outdir], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (build.status !== 0) {
    console.error(build.stdout, build.stderr);
    process.exit(1);
  }
  // The Worker's modules (source maps and wrangler's metadata are not uploaded as code).
  const modules = files(outdir).filter((path) => /\.(m?js|wasm)$/.test(path));
  let raw = 0;
  let gzipped = 0;
  for (const path of modules) {
    const bytes = readFileSync(path);
    const zipped = gzipSync(bytes, { level: 9 }).byteLength;
    raw += bytes.byteLength;
    gzipped += zipped;
    console.log(`${relative(outdir, path)}: ${kib(bytes.byteLength)} raw, ${kib(zipped)} gzipped`);
  }
  console.log(`worker bundle: ${kib(raw)} raw, ${kib(gzipped)} gzipped (${raw} / ${gzipped} bytes)`);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
