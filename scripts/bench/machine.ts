// Where and on what a bench ran: date, commit, versions, the machine and its load.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";

function git(root: string, ...args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

export const loadAverage = () => loadavg().map((value) => Number(value.toFixed(2)));

export function machineInfo(root: string) {
  const version = (path: string) => (JSON.parse(readFileSync(join(root, path), "utf8")) as { version: string }).version;
  return {
    date: new Date().toISOString(),
    commit: git(root, "rev-parse", "HEAD"),
    dirty: git(root, "status", "--porcelain") !== "",
    node: process.version,
    wrangler: version("node_modules/wrangler/package.json"),
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memory_gib: Number((totalmem() / 2 ** 30).toFixed(1)),
    kernel: release(),
    load_average_at_start: loadAverage(),
  };
}
