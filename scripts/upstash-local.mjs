// A local Upstash-REST-compatible endpoint in front of a real redis-server, so the production clients
// (@upstash/redis, @upstash/ratelimit) run unchanged against real Redis in tests and local dev.
//   npx node scripts/upstash-local.mjs [--port 8079] [--redis redis://127.0.0.1:6379] [--token local-dev-token]
//   env fallbacks: UPSTASH_LOCAL_PORT, REDIS_URL, UPSTASH_LOCAL_TOKEN
// Then: new Redis({ url: "http://127.0.0.1:8079", token: "local-dev-token" }).
//
// Protocol (see /work/shared/UPSTASH-REST.md): POST / with ["CMD", ...args], POST /pipeline and
// POST /multi-exec with [[...], ...], or the command in the path (GET /get/key, POST /set/key with the
// value as body). Answers {"result"} / {"error"} (400 for a Redis error), arrays of those for
// /pipeline and /multi-exec, 401 for a wrong token, 503 when Redis is unreachable, 504 on a timeout.
// With `Upstash-Encoding: base64` every string in a result is base64 of its raw bytes (a top-level
// "OK" stays raw); integers and null pass through; errors are never encoded.
// Lua: unsupported `#!lua flags=` (e.g. allow-key-locking from @upstash/ratelimit) are stripped, and the
// SHA-1 of the original script text is mapped to the SHA-1 of the script Redis stores, so EVALSHA hits.
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { createClient, ErrorReply, RESP_TYPES } from "redis";

const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
const DEFAULT_TOKEN = "local-dev-token";
const DEFAULT_PORT = 8079;
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const MAX_IDLE_DEDICATED = 16;

// Replies: integers as decimal strings (exact beyond 2^53), every string (bulk or status) as raw bytes.
const TYPE_MAPPING = {
  [RESP_TYPES.NUMBER]: String,
  [RESP_TYPES.SIMPLE_STRING]: Buffer,
  [RESP_TYPES.BLOB_STRING]: Buffer,
};

// Commands that change the state of a connection shared by all requests, or that own it.
const REFUSED = new Set([
  "MULTI",
  "EXEC",
  "DISCARD",
  "WATCH",
  "UNWATCH",
  "SELECT",
  "SWAPDB",
  "SUBSCRIBE",
  "PSUBSCRIBE",
  "SSUBSCRIBE",
  "UNSUBSCRIBE",
  "PUNSUBSCRIBE",
  "SUNSUBSCRIBE",
  "MONITOR",
  "QUIT",
  "RESET",
  "HELLO",
  "AUTH",
  "SYNC",
  "PSYNC",
  "REPLCONF",
]);
const REFUSED_CLIENT_SUBCOMMANDS = new Set(["REPLY", "TRACKING", "CACHING", "PAUSE"]);

// Commands that may block their connection: they run on a dedicated connection, without a timeout.
const BLOCKING = new Set([
  "BLPOP",
  "BRPOP",
  "BRPOPLPUSH",
  "BLMOVE",
  "BLMPOP",
  "BZPOPMIN",
  "BZPOPMAX",
  "BZMPOP",
  "WAIT",
  "WAITAOF",
]);

// Script flags vanilla Redis (7.0+) understands; anything else (allow-key-locking, ...) is dropped.
const KNOWN_SCRIPT_FLAGS = new Set(["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"]);

class RedisUnavailableError extends Error {}
class RequestTimeoutError extends Error {}
class BadRequestError extends Error {}

/**
 * @typedef {{ requests: number, commands: number, single: number, pipeline: number, multi: number }} UpstashLocalStats
 *   requests: every HTTP request received (401s and bad bodies too); commands: the commands parsed from them;
 *   single / pipeline / multi: the requests of each kind that were parsed (POST /, /pipeline, /multi-exec).
 */

const sha1 = (text) => createHash("sha1").update(text, "utf8").digest("hex");

/** Removes unsupported `#!lua flags=...` from the first line, keeping the line count (error line numbers). */
export function rewriteScript(script) {
  if (!script.startsWith("#!")) return script;
  const newline = script.indexOf("\n");
  const first = newline === -1 ? script : script.slice(0, newline);
  const rest = newline === -1 ? "" : script.slice(newline);
  const [engine, ...params] = first.slice(2).trim().split(/\s+/);
  if (engine !== "lua") return script; // let Redis report it
  const flags = [];
  for (const param of params) {
    if (!param.startsWith("flags=")) continue;
    for (const flag of param.slice("flags=".length).split(",")) {
      if (KNOWN_SCRIPT_FLAGS.has(flag) && !flags.includes(flag)) flags.push(flag);
    }
  }
  return `${flags.length > 0 ? `#!lua flags=${flags.join(",")}` : ""}${rest}`;
}

function toArg(value) {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function parseCommand(value, where) {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadRequestError(`ERR ${where} must be a non-empty JSON array of strings or numbers`);
  }
  const args = value.map(toArg);
  if (args[0] === "") throw new BadRequestError(`ERR ${where}: empty command name`);
  return args;
}

function parseCommands(value) {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadRequestError("ERR body must be a non-empty JSON array of commands (arrays)");
  }
  return value.map((command, i) => parseCommand(command, `command ${i + 1}`));
}

function refusal(args) {
  const name = args[0].toUpperCase();
  if (REFUSED.has(name) || (name === "CLIENT" && REFUSED_CLIENT_SUBCOMMANDS.has(String(args[1]).toUpperCase()))) {
    const hint = name === "MULTI" || name === "EXEC" ? " (use POST /multi-exec)" : "";
    return `ERR ${name} is not supported by this REST endpoint${hint}`;
  }
  return null;
}

function isBlocking(args) {
  const name = args[0].toUpperCase();
  if (BLOCKING.has(name)) return true;
  if (name === "XREAD" || name === "XREADGROUP") return args.some((a) => a.toUpperCase() === "BLOCK");
  return false;
}

/** JSON for a RESP2 reply: Buffers → base64 or UTF-8 text, integer strings → numbers, arrays element-wise. */
function encodeReply(value, base64, topLevel) {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) {
    if (!base64) return value.toString("utf8");
    if (topLevel && value.length === 2 && value[0] === 0x4f && value[1] === 0x4b) return "OK";
    return value.toString("base64");
  }
  if (typeof value === "string") {
    // Integers (TYPE_MAPPING maps them to decimal strings).
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n;
    return typeof JSON.rawJSON === "function" && /^-?\d+$/.test(value) ? JSON.rawJSON(value) : n;
  }
  if (typeof value === "number") return value;
  if (Array.isArray(value)) return value.map((v) => encodeReply(v, base64, false));
  // An error nested in an array (e.g. a Lua table holding an error reply): its text, encoded like a string.
  if (value instanceof Error) return encodeReply(Buffer.from(value.message), base64, false);
  return String(value);
}

function errorMessage(err) {
  return err instanceof Error ? err.message || err.name : String(err);
}

function maskUrl(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * Starts the endpoint on 127.0.0.1.
 * @param {{ port?: number, redisUrl?: string, token?: string, commandTimeoutMs?: number,
 *   connectTimeoutMs?: number, onLog?: (line: string) => void }} [options]
 * @returns {Promise<{ url: string, token: string, port: number, redisUrl: string, close(): Promise<void>,
 *   stopRedisConnections(): Promise<void>, stats(): UpstashLocalStats }>}
 */
export async function startUpstashLocal({
  port = 0,
  redisUrl = process.env.REDIS_URL ?? DEFAULT_REDIS_URL,
  token = process.env.UPSTASH_LOCAL_TOKEN ?? DEFAULT_TOKEN,
  commandTimeoutMs = 10_000,
  connectTimeoutMs = 1_000,
  onLog = () => {},
} = {}) {
  if (!token) throw new Error("upstash-local: a token is required");
  const expectedAuth = createHash("sha256").update(`Bearer ${token}`).digest();
  const tokenDigest = createHash("sha256").update(token).digest();

  let stopped = false;
  let syncToken = 0;
  /** What the bench reads (store round trips per gateway call): every HTTP request, and the commands in them. */
  const counts = { requests: 0, commands: 0, single: 0, pipeline: 0, multi: 0 };
  /** SHA-1 of a script as the client sent it → SHA-1 of the script Redis stores. */
  const shaMap = new Map();

  const clientOptions = (reconnect) => ({
    url: redisUrl,
    RESP: 2,
    disableOfflineQueue: true,
    maintNotifications: "disabled",
    commandOptions: { typeMapping: TYPE_MAPPING },
    socket: {
      connectTimeout: connectTimeoutMs,
      reconnectStrategy: reconnect ? (retries) => Math.min(50 * 2 ** retries, 2_000) : false,
    },
  });

  // Shared connection for single commands and pipelines; keeps reconnecting in the background.
  const shared = createClient(clientOptions(true));
  let sharedState = "connecting";
  let lastError = "not connected yet";
  shared.on("error", (err) => {
    lastError = errorMessage(err);
    if (sharedState !== "down") onLog(`redis ${maskUrl(redisUrl)} unavailable: ${errorMessage(err)}`);
    sharedState = "down";
  });
  shared.on("ready", () => {
    if (sharedState === "down") onLog(`redis ${maskUrl(redisUrl)} is back`);
    sharedState = "ready";
  });
  shared.connect().catch(() => {}); // resolves once connected; retries in the background until then

  // Dedicated connections (transactions, blocking commands); idle ones are reused.
  const idle = [];
  const dedicated = new Set();
  const destroy = (client) => {
    dedicated.delete(client);
    try {
      client.destroy();
    } catch {
      // already closed
    }
  };
  async function acquire() {
    while (idle.length > 0) {
      const client = idle.pop();
      if (client.isReady) return client;
      destroy(client);
    }
    if (stopped) throw new RedisUnavailableError("connections to Redis were stopped");
    if (!shared.isReady) await waitForShared();
    const client = createClient(clientOptions(false));
    client.on("error", () => {});
    dedicated.add(client);
    try {
      await client.connect();
    } catch (err) {
      destroy(client);
      throw new RedisUnavailableError(errorMessage(err));
    }
    if (stopped) {
      destroy(client);
      throw new RedisUnavailableError("connections to Redis were stopped");
    }
    return client;
  }
  function release(client, healthy) {
    if (healthy && !stopped && client.isReady && idle.length < MAX_IDLE_DEDICATED) idle.push(client);
    else destroy(client);
  }

  /** Waits briefly for the shared connection (startup, reconnect); fails fast when Redis is down. */
  let readyWait = null;
  function waitForShared() {
    if (shared.isReady) return Promise.resolve();
    if (stopped || !shared.isOpen)
      return Promise.reject(new RedisUnavailableError("connections to Redis were stopped"));
    readyWait ??= new Promise((resolve, reject) => {
      const finish = (err) => {
        clearTimeout(timer);
        shared.off("ready", onReady);
        shared.off("error", onError);
        readyWait = null;
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => finish();
      const onError = () => finish(new RedisUnavailableError(`cannot reach it (${lastError})`));
      const timer = setTimeout(onError, Math.min(500, connectTimeoutMs));
      shared.on("ready", onReady);
      shared.on("error", onError);
    });
    return readyWait;
  }

  /** Lua adjustments; returns the args to send and a transform for the reply. */
  function prepare(args) {
    const name = args[0].toUpperCase();
    const same = (reply) => reply;
    if ((name === "EVAL" || name === "EVAL_RO") && args.length > 1) {
      const rewritten = rewriteScript(args[1]);
      if (rewritten !== args[1]) {
        shaMap.set(sha1(args[1]), sha1(rewritten));
        return { args: [args[0], rewritten, ...args.slice(2)], post: same };
      }
    } else if ((name === "EVALSHA" || name === "EVALSHA_RO") && args.length > 1) {
      const mapped = shaMap.get(args[1].toLowerCase());
      if (mapped) return { args: [args[0], mapped, ...args.slice(2)], post: same };
    } else if (name === "SCRIPT" && args.length > 2) {
      const sub = args[1].toUpperCase();
      if (sub === "LOAD") {
        const rewritten = rewriteScript(args[2]);
        if (rewritten !== args[2]) {
          const original = sha1(args[2]);
          shaMap.set(original, sha1(rewritten));
          // Answer with the SHA-1 the client computes, so EVALSHA <that sha> maps.
          const post = (reply) => (Buffer.isBuffer(reply) ? Buffer.from(original) : reply);
          return { args: [args[0], args[1], rewritten, ...args.slice(3)], post };
        }
      } else if (sub === "EXISTS") {
        const shas = args.slice(2).map((sha) => shaMap.get(sha.toLowerCase()) ?? sha);
        return { args: [args[0], args[1], ...shas], post: same };
      }
    }
    return { args, post: same };
  }

  /** Runs commands in order on one connection; each item is { result } or { error } (raw replies). */
  async function runPipeline(client, commands) {
    const prepared = commands.map((args) => {
      const refused = refusal(args);
      return refused ? { refused } : prepare(args);
    });
    const settled = await Promise.allSettled(
      prepared.map((p) => (p.refused ? Promise.reject(new ErrorReply(p.refused)) : client.sendCommand(p.args))),
    );
    return settled.map((s, i) => {
      if (s.status === "fulfilled") return { result: prepared[i].post(s.value) };
      if (s.reason instanceof ErrorReply) return { error: s.reason.message };
      throw new RedisUnavailableError(errorMessage(s.reason));
    });
  }

  async function runPlain(commands) {
    if (commands.some(isBlocking)) {
      const client = await acquire();
      let healthy = false;
      try {
        const items = await runPipeline(client, commands);
        healthy = true;
        return items;
      } finally {
        release(client, healthy);
      }
    }
    await waitForShared();
    return runPipeline(shared, commands);
  }

  /** MULTI/EXEC on a dedicated connection, so concurrent transactions never interleave. */
  async function runTransaction(commands) {
    for (const [i, args] of commands.entries()) {
      const refused = refusal(args);
      if (refused) return { status: 400, body: { error: `${refused} (command ${i + 1})` } };
    }
    const prepared = commands.map(prepare);
    const client = await acquire();
    let healthy = false;
    try {
      const promises = [
        client.sendCommand(["MULTI"]),
        ...prepared.map((p) => client.sendCommand(p.args)),
        client.sendCommand(["EXEC"]),
      ];
      const settled = await Promise.allSettled(promises);
      for (const s of settled) {
        if (s.status === "rejected" && !(s.reason instanceof ErrorReply)) {
          throw new RedisUnavailableError(errorMessage(s.reason));
        }
      }
      healthy = true;
      const exec = settled[settled.length - 1];
      if (exec.status === "rejected" || exec.value === null) {
        const queued = settled.slice(1, -1).findIndex((s) => s.status === "rejected");
        const cause = queued >= 0 ? ` (command ${queued + 1}: ${settled[queued + 1].reason.message})` : "";
        const message = exec.status === "rejected" ? exec.reason.message : "EXECABORT Transaction aborted";
        return { status: 400, body: { error: `${message}${cause}` } };
      }
      const items = exec.value.map((reply, i) =>
        reply instanceof ErrorReply ? { error: reply.message } : { result: prepared[i].post(reply) },
      );
      return { status: 200, items };
    } finally {
      release(client, healthy);
    }
  }

  function withTimeout(promise, blocking) {
    if (blocking || !commandTimeoutMs) return promise;
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new RequestTimeoutError(`ERR no reply from Redis within ${commandTimeoutMs} ms`)),
        commandTimeoutMs,
      );
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  function authorized(req, url) {
    const header = req.headers.authorization;
    if (typeof header === "string") {
      return timingSafeEqual(createHash("sha256").update(header).digest(), expectedAuth);
    }
    const query = url.searchParams.get("_token");
    return query !== null && timingSafeEqual(createHash("sha256").update(query).digest(), tokenDigest);
  }

  async function readBody(req) {
    const chunks = [];
    let size = 0;
    for await (const chunk of req) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw new BadRequestError(`ERR request body larger than ${MAX_BODY_BYTES} bytes`);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  function parseJson(text) {
    try {
      return JSON.parse(text);
    } catch {
      throw new BadRequestError("ERR failed to parse the request body as JSON");
    }
  }

  async function handle(req) {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (!authorized(req, url)) return { status: 401, body: { error: "Unauthorized: invalid or missing token" } };
    if (req.method !== "POST" && req.method !== "GET") return { status: 405, body: { error: "ERR use POST" } };
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const body = await readBody(req);
    const path = url.pathname.replace(/\/+$/, "");

    let mode;
    let commands;
    if (path === "" || path === "/pipeline" || path === "/multi-exec") {
      if (req.method !== "POST") return { status: 405, body: { error: `ERR use POST for ${path || "/"}` } };
      if (path === "") {
        mode = "single";
        commands = [parseCommand(parseJson(body), "body")];
      } else {
        mode = path === "/pipeline" ? "pipeline" : "multi";
        commands = parseCommands(parseJson(body));
      }
    } else {
      // Command in the path: /set/key/value?EX=10, optionally the last argument as the POST body.
      mode = "single";
      const args = url.pathname.slice(1).split("/").map(decodeURIComponent);
      if (args.length > 1 && args[args.length - 1] === "") args.pop();
      for (const [key, value] of url.searchParams) {
        if (key === "_token") continue;
        args.push(key);
        if (value !== "") args.push(value);
      }
      if (req.method === "POST" && body !== "") args.push(body);
      commands = [parseCommand(args, "path")];
    }

    counts.commands += commands.length;
    counts[mode] += 1;
    const blocking = commands.some(isBlocking);
    if (mode === "multi") {
      const outcome = await withTimeout(runTransaction(commands), blocking);
      if (!outcome.items) return outcome;
      return { status: 200, body: outcome.items.map((item) => encodeItem(item, base64)) };
    }
    const items = await withTimeout(runPlain(commands), blocking);
    if (mode === "pipeline") return { status: 200, body: items.map((item) => encodeItem(item, base64)) };
    const [item] = items;
    return item.error !== undefined ? { status: 400, body: { error: item.error } } : encodeItem(item, base64, true);
  }

  function encodeItem(item, base64, wrap = false) {
    const body = item.error !== undefined ? { error: item.error } : { result: encodeReply(item.result, base64, true) };
    return wrap ? { status: 200, body } : body;
  }

  const server = createServer((req, res) => {
    counts.requests += 1;
    handle(req)
      .catch((err) => {
        if (err instanceof BadRequestError) return { status: 400, body: { error: err.message } };
        if (err instanceof RequestTimeoutError) return { status: 504, body: { error: err.message } };
        if (err instanceof RedisUnavailableError) {
          return { status: 503, body: { error: `ERR Redis unavailable at ${maskUrl(redisUrl)}: ${err.message}` } };
        }
        onLog(`internal error: ${err instanceof Error ? err.stack : String(err)}`);
        return { status: 500, body: { error: `ERR internal error: ${errorMessage(err)}` } };
      })
      .then(({ status, body }) => {
        syncToken += 1;
        res.writeHead(status, { "content-type": "application/json", "upstash-sync-token": String(syncToken) });
        res.end(JSON.stringify(body));
      })
      .catch((err) => {
        onLog(`cannot answer: ${errorMessage(err)}`);
        res.destroy();
      });
  });
  server.keepAliveTimeout = 30_000;

  async function stopRedisConnections() {
    if (stopped) return;
    stopped = true;
    try {
      shared.destroy();
    } catch {
      // already closed
    }
    for (const client of [...dedicated]) destroy(client);
    idle.length = 0;
  }

  try {
    await new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    await stopRedisConnections();
    throw err;
  }
  // Give the first connection a moment (until ready, a first error or the connect timeout), so the first
  // request does not race it; Redis may also come up later.
  await new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      shared.off("ready", done);
      shared.off("error", done);
      resolve();
    };
    const timer = setTimeout(done, connectTimeoutMs);
    shared.once("ready", done);
    shared.once("error", done);
    if (shared.isReady) done();
  });

  const address = server.address();
  const boundPort = typeof address === "object" && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${boundPort}`,
    token,
    port: boundPort,
    redisUrl,
    stopRedisConnections,
    /** Counters since start: HTTP requests (any answer), commands run, requests per kind. */
    stats: () => ({ ...counts }),
    async close() {
      await stopRedisConnections();
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function parseCli(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const key = { "--port": "port", "--redis": "redisUrl", "--token": "token" }[flag];
    if (!key) throw new Error(`unknown option ${flag} (use --port, --redis, --token)`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`missing value for ${flag}`);
    options[key] = value;
  }
  return options;
}

async function main() {
  let cli;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (err) {
    console.error(`upstash-local: ${errorMessage(err)}`);
    process.exit(2);
  }
  const port = Number(cli.port ?? process.env.UPSTASH_LOCAL_PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`upstash-local: invalid port ${cli.port ?? process.env.UPSTASH_LOCAL_PORT}`);
    process.exit(2);
  }
  const redisUrl = cli.redisUrl ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  const endpoint = await startUpstashLocal({
    port,
    redisUrl,
    token: cli.token ?? process.env.UPSTASH_LOCAL_TOKEN ?? DEFAULT_TOKEN,
    onLog: (line) => console.error(`upstash-local: ${line}`),
  });
  console.log(`upstash-local: ${endpoint.url} -> ${maskUrl(redisUrl)}`);
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    endpoint.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(`upstash-local: ${errorMessage(err)}`);
    process.exit(1);
  });
}
