import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

describe("npm run openapi:lint", () => {
  it("finds no error and no warning in the public and the admin document (Redocly, recommended rules)", () => {
    const run = spawnSync(process.execPath, [join(root, "scripts", "lint-openapi.ts")], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("public document: 0 errors, 0 warnings");
    expect(run.stdout).toContain("admin document: 0 errors, 0 warnings");
    expect(run.status).toBe(0);
  }, 90_000);

  it("keeps Redocly offline: telemetry off in its config", () => {
    expect(readFileSync(join(root, "redocly.yaml"), "utf8")).toMatch(/^telemetry: off$/m);
  });
});
