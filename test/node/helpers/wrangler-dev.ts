import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface DevServer {
  url: string;
  /** The spawned `npx wrangler dev`: the root of its process tree, and its process group. */
  pid: number;
  output: () => string;
  stop: () => Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs the project's real `npm run dev` command (wrangler dev) on a free loopback port, or with
 * `config` (a wrangler toml, relative to the project root) another Worker that answers `/health`.
 * Local state (Durable Objects) goes to a fresh directory under `stateRoot` (default: the OS tmpdir).
 */
export async function startDevServer(
  options: { vars?: Record<string, string>; envFile?: string; config?: string; stateRoot?: string } = {},
  timeoutMs = 90_000,
): Promise<DevServer> {
  const { vars = {}, envFile, config, stateRoot = tmpdir() } = options;
  const port = await freePort();
  const state = mkdtempSync(join(stateRoot, "broker-dev-"));
  const varArgs = Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  const child: ChildProcess = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      ...(config ? ["--config", config] : []),
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      "0",
      "--persist-to",
      state,
      "--show-interactive-dev-session=false",
      ...(envFile ? ["--env-file", envFile] : []),
      ...varArgs,
    ],
    {
      cwd: join(import.meta.dirname, "..", "..", ".."),
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-child.pid, "SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    }
    rmSync(state, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) return { url, pid: child.pid as number, output: () => output, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not answer /health within ${timeoutMs} ms:\n${output}`);
}
