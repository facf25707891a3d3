// predev: makes sure .dev.vars holds a DEV_SEED_KEY and prints it, so `npm run dev` starts with a
// working key. The Worker grants that key 10,000 credits on first use (once). Nothing else is touched:
// the file's other lines, and its line endings, stay as they are.
//   node scripts/dev-seed.mjs [path-to-.dev.vars]
import { randomInt } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const file = process.argv[2] ?? join(process.cwd(), ".dev.vars");
const port = process.env.PORT ?? "8787";

const text = existsSync(file) ? readFileSync(file, "utf8") : "";
const eol = text.includes("\r\n") ? "\r\n" : "\n";
const lines = text === "" ? [] : text.replace(/\r?\n$/, "").split(/\r?\n/);
const index = lines.findIndex((line) => /^\s*DEV_SEED_KEY\s*=/.test(line));
let key =
  index >= 0
    ? lines[index]
        .slice(lines[index].indexOf("=") + 1)
        .trim()
        .replace(/^"(.*)"$/, "$1")
    : "";

if (key === "") {
  key = `aib_${Array.from({ length: 32 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("")}`;
  const line = `DEV_SEED_KEY=${key}`;
  if (index >= 0) lines[index] = line;
  else lines.push(line);
  writeFileSync(file, `${lines.join(eol)}${eol}`, { mode: 0o600 });
  console.log(`dev-seed: wrote a new DEV_SEED_KEY to ${file}`);
}

console.log(`
  Development key (10,000 credits on first use):
    ${key}

  Try it:
    curl -H "Authorization: Bearer ${key}" http://127.0.0.1:${port}/v1/balance
`);
