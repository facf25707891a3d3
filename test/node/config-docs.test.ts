import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ENV_VAR_NAMES } from "../../src/env.ts";

const root = join(import.meta.dirname, "..", "..");
const read = (file: string) => readFileSync(join(root, file), "utf8");
/**
 * Variables added on a branch that may not edit the README (issue 9: the README is updated
 * separately). Empty this list when the README names them: the second test fails once it does.
 */
const README_PENDING: string[] = [];

describe("configuration documentation", () => {
  it(".dev.vars.example lists every variable the Worker reads, and nothing else", () => {
    const listed = read(".dev.vars.example")
      .split("\n")
      .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
      .map((line) => line.slice(0, line.indexOf("=")));
    expect([...listed].sort()).toEqual([...ENV_VAR_NAMES].sort());
  });

  it("the README names every variable", () => {
    const readme = read("README.md");
    const missing = ENV_VAR_NAMES.filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual(README_PENDING);
  });

  it("lists a variable as pending in the README only while the README still lacks it", () => {
    const readme = read("README.md");
    expect(README_PENDING.filter((name) => readme.includes(`\`${name}\``))).toEqual([]);
  });
});
