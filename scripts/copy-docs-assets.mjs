// Copies the Scalar API reference bundle (from the @scalar/api-reference dev dependency) into the
// Workers static assets as public/docs/scalar.js, so /docs renders with no CDN. The copy is ignored
// by git and tied to the locked version. It runs wherever the file is needed:
//   - wrangler's build hook ([build] in wrangler.toml): every `wrangler dev` and `wrangler deploy`,
//     so `npm run dev`, `npm run deploy` and the tests that start wrangler dev;
//   - `pretest`: the workerd test pool serves public/ without running wrangler's build hook;
//   - `postinstall`, with --if-installed: after `npm install --omit=dev` the package is absent and
//     the copy is skipped (the Worker itself needs no dev dependency; deploying does).
//   node scripts/copy-docs-assets.mjs [--if-installed]
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "node_modules", "@scalar", "api-reference", "dist", "browser", "standalone.js");
const target = join(root, "public", "docs", "scalar.js");

if (!existsSync(source)) {
  if (process.argv.includes("--if-installed")) {
    console.log("copy-docs-assets: skipped, @scalar/api-reference is not installed (dev dependencies omitted)");
    process.exit(0);
  }
  console.error(
    `copy-docs-assets: ${source} is missing. /docs needs the @scalar/api-reference dev dependency: ` +
      "install with dev dependencies (npm ci) before running dev, test or deploy.",
  );
  process.exit(1);
}
// Left alone when already current: wrangler dev may watch the folder, and an unchanged file keeps its mtime.
const bundle = readFileSync(source);
if (existsSync(target) && readFileSync(target).equals(bundle)) {
  console.log(`copy-docs-assets: ${target} is up to date`);
} else {
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(source, target);
  console.log(`copy-docs-assets: ${target}`);
}
