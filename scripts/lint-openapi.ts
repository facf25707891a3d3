// Lints the public and the admin OpenAPI documents, as the code generates them, with Redocly CLI's
// recommended rules (redocly.yaml). Any error or warning fails the run.
//   node scripts/lint-openapi.ts
// Works offline: Redocly's telemetry and update check are switched off.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { app } from "../src/app.ts";
import { type Audience, buildOpenAPIDocument } from "../src/lib/configure-openapi.ts";

type Report = {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer?: string }[] }[];
};

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(dirname(createRequire(import.meta.url).resolve("@redocly/cli/package.json")), "bin", "cli.js");
const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" };
const dir = mkdtempSync(join(tmpdir(), "openapi-lint-"));

let failed = false;
try {
  for (const audience of ["public", "admin"] satisfies Audience[]) {
    const file = join(dir, `${audience}.json`);
    writeFileSync(file, JSON.stringify(buildOpenAPIDocument(app, audience), null, 2));
    const args = [cli, "lint", "--config", join(root, "redocly.yaml"), "--format", "json", file];
    const run = spawnSync(process.execPath, args, { env, encoding: "utf8", timeout: 120_000 });
    let report: Report;
    try {
      report = JSON.parse(run.stdout) as Report;
    } catch {
      console.error(`openapi:lint: redocly did not report on the ${audience} document:\n${run.stderr}`);
      failed = true;
      continue;
    }
    for (const problem of report.problems) {
      const where = problem.location[0]?.pointer ?? "";
      console.error(`${audience}: ${problem.severity} ${problem.ruleId} ${where}: ${problem.message}`);
    }
    const { errors, warnings } = report.totals;
    console.log(`openapi:lint: ${audience} document: ${errors} errors, ${warnings} warnings`);
    if (errors + warnings > 0 || run.status !== 0) failed = true;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (failed) process.exit(1);
