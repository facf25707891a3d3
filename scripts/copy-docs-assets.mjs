// Copies the Scalar API reference bundle into Workers static assets, so /docs renders with no CDN.
// Runs on `npm install` (postinstall); the copy is ignored by git and tied to the locked version.
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "node_modules", "@scalar", "api-reference", "dist", "browser", "standalone.js");
const target = join(root, "public", "docs", "scalar.js");

if (!existsSync(source)) {
  console.error(`copy-docs-assets: ${source} is missing; is @scalar/api-reference installed?`);
  process.exit(1);
}
mkdirSync(dirname(target), { recursive: true });
copyFileSync(source, target);
console.log(`copy-docs-assets: ${target}`);
