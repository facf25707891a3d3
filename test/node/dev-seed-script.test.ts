import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const SCRIPT = join(import.meta.dirname, "..", "..", "scripts", "dev-seed.mjs");
const run = (file: string) => execFileSync(process.execPath, [SCRIPT, file], { encoding: "utf8" });

describe("scripts/dev-seed.mjs (predev)", () => {
  it("writes a random key to a missing .dev.vars, prints it, and keeps it on later runs", () => {
    const file = join(mkdtempSync(join(tmpdir(), "seed-")), ".dev.vars");
    const out = run(file);
    const key = /^DEV_SEED_KEY=(aib_[0-9A-Za-z]{32})$/m.exec(readFileSync(file, "utf8"))?.[1];
    expect(key).toBeTruthy();
    expect(out).toContain(key);
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(run(file)).toContain(key);
    expect(readFileSync(file, "utf8").match(/DEV_SEED_KEY=/g)).toHaveLength(1);
  });

  it("fills a blank DEV_SEED_KEY= line and leaves the other variables alone", () => {
    const file = join(mkdtempSync(join(tmpdir(), "seed-")), ".dev.vars");
    writeFileSync(file, "ADMIN_SECRET=abc\nDEV_SEED_KEY=\nOPENAI_API_KEY=sk-test\n");
    run(file);
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines[0]).toBe("ADMIN_SECRET=abc");
    expect(lines[1]).toMatch(/^DEV_SEED_KEY=aib_/);
    expect(lines[2]).toBe("OPENAI_API_KEY=sk-test");
  });

  it("adds the key to an existing .dev.vars and keeps every other line, and the file's CRLF line endings", () => {
    const file = join(mkdtempSync(join(tmpdir(), "seed-")), ".dev.vars");
    writeFileSync(file, "# mine\r\nADMIN_SECRET=abc\r\nOPENAI_BASE_URL=http://127.0.0.1:4010/v1");
    const out = run(file);
    const text = readFileSync(file, "utf8");
    const key = /^DEV_SEED_KEY=(aib_[0-9A-Za-z]{32})\r\n$/m.exec(text)?.[1];
    expect(key).toBeTruthy();
    expect(out).toContain(key);
    expect(text).toBe(
      `# mine\r\nADMIN_SECRET=abc\r\nOPENAI_BASE_URL=http://127.0.0.1:4010/v1\r\nDEV_SEED_KEY=${key}\r\n`,
    );
  });

  it("keeps a key the developer chose", () => {
    const file = join(mkdtempSync(join(tmpdir(), "seed-")), ".dev.vars");
    writeFileSync(file, "DEV_SEED_KEY=my-own-dev-key\n");
    expect(run(file)).toContain("my-own-dev-key");
    expect(readFileSync(file, "utf8")).toBe("DEV_SEED_KEY=my-own-dev-key\n");
  });
});
