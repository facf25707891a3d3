// Finds a real Redis for node tests, and starts the local Upstash-REST endpoint (scripts/upstash-local.mjs)
// in front of it with types.
//   REDIS_URL (default redis://127.0.0.1:6379) if something answers there; else a throwaway
//   `redis-server` from PATH on a free port; else null (the caller skips, loudly) — or, under CI, a throw.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { createClient } from "redis";

export interface FoundRedis {
  url: string;
  stop(): Promise<void>;
}

export interface UpstashLocalOptions {
  port?: number;
  redisUrl?: string;
  token?: string;
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  onLog?: (line: string) => void;
}

export interface UpstashLocalStats {
  /** Every HTTP request received, whatever its answer. */
  requests: number;
  /** The commands parsed from them. */
  commands: number;
  /** Parsed requests per kind: POST / (or a command in the path), /pipeline, /multi-exec. */
  single: number;
  pipeline: number;
  multi: number;
}

export interface UpstashLocal {
  url: string;
  token: string;
  port: number;
  redisUrl: string;
  close(): Promise<void>;
  stopRedisConnections(): Promise<void>;
  /** Counters since start (the bench reads store round trips per gateway call from these). */
  stats(): UpstashLocalStats;
}

const UPSTASH_LOCAL_SCRIPT = new URL("../../../scripts/upstash-local.mjs", import.meta.url).href;

/** Starts scripts/upstash-local.mjs in this process (127.0.0.1, a free port unless one is given). */
export async function startUpstashLocal(options: UpstashLocalOptions = {}): Promise<UpstashLocal> {
  const mod = (await import(UPSTASH_LOCAL_SCRIPT)) as {
    startUpstashLocal(options: UpstashLocalOptions): Promise<UpstashLocal>;
  };
  return mod.startUpstashLocal(options);
}

/** True when a Redis answers PING at `url` within a second. */
export async function redisAnswers(url: string): Promise<boolean> {
  const client = createClient({
    url,
    RESP: 2,
    disableOfflineQueue: true,
    socket: { connectTimeout: 1000, reconnectStrategy: false },
  });
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    try {
      client.destroy();
    } catch {
      // never opened
    }
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startRedisServer(): Promise<FoundRedis | null> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess;
  try {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    });
  } catch {
    return null;
  }
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once("error", () => {
      exited = true;
      resolve();
    });
    child.once("exit", () => {
      exited = true;
      resolve();
    });
  });
  const stop = async () => {
    if (exited) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exit;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && !exited) {
    if (await redisAnswers(url)) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  return null;
}

/**
 * A Redis to test against: REDIS_URL / 127.0.0.1:6379 when it answers (stop() does nothing), else a
 * `redis-server` child on a free port (stop() kills it). Null when there is none and skipping is allowed;
 * throws under CI, where a missing Redis is a broken setup.
 */
export async function findRedis(): Promise<FoundRedis | null> {
  const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  if (await redisAnswers(url)) return { url, stop: async () => {} };
  const started = await startRedisServer();
  if (started) return started;
  const problem = `no Redis: nothing answers at ${url} and no redis-server could be started from PATH`;
  if (process.env.CI) throw new Error(`${problem} (CI must provide Redis: install redis-server or set REDIS_URL)`);
  const warning = `\n!!! SKIPPING Redis-backed tests: ${problem} (apt-get install -y redis-server)\n`;
  console.warn(warning);
  process.stderr.write(`${warning}\n`); // vitest hides console output of passing/skipped files
  return null;
}
