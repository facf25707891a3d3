// scripts/upstash-local.mjs: the production @upstash/redis and @upstash/ratelimit clients, unchanged,
// against a real Redis through the local Upstash-REST endpoint.
import { createHash, randomUUID } from "node:crypto";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findRedis, startUpstashLocal, type UpstashLocal } from "./helpers/redis.ts";

const found = await findRedis();

const sha1 = (text: string) => createHash("sha1").update(text, "utf8").digest("hex");

describe.skipIf(!found)("upstash-local (Upstash REST over a real redis-server)", () => {
  let endpoint: UpstashLocal;
  let redis: Redis;
  let raw: Redis;
  let prefix: string;

  const client = (options: { automaticDeserialization?: boolean; enableAutoPipelining?: boolean } = {}) =>
    new Redis({ url: endpoint.url, token: endpoint.token, retry: false, ...options });

  /** The protocol without the client: POST with the token, JSON in, status + JSON out. */
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${endpoint.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${endpoint.token}`, "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, syncToken: res.headers.get("upstash-sync-token"), json: await res.json() };
  };

  beforeAll(async () => {
    endpoint = await startUpstashLocal({ redisUrl: found?.url, token: `test-${randomUUID()}` });
    redis = client();
    raw = client({ automaticDeserialization: false });
  });

  afterAll(async () => {
    await endpoint?.close();
    await found?.stop();
  });

  beforeEach(() => {
    prefix = `t:${randomUUID()}:`;
  });

  // Only this test's keys go (never FLUSHDB: the Redis may be shared).
  afterEach(async () => {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, { match: `${prefix}*`, count: 1000 });
      if (keys.length > 0) await redis.del(...keys);
      cursor = String(next);
    } while (cursor !== "0");
  });

  it("binds 127.0.0.1", () => {
    expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("sets and gets strings, numbers and objects (default automatic deserialization)", async () => {
    expect(await redis.set(`${prefix}s`, "hello")).toBe("OK");
    expect(await redis.get(`${prefix}s`)).toBe("hello");
    await redis.set(`${prefix}n`, 42);
    expect(await redis.get(`${prefix}n`)).toBe(42);
    await redis.set(`${prefix}o`, { a: 1, b: ["x"] });
    expect(await redis.get(`${prefix}o`)).toEqual({ a: 1, b: ["x"] });
    expect(await redis.get(`${prefix}missing`)).toBeNull();
    expect(await redis.set(`${prefix}s`, "again", { nx: true })).toBeNull();
  });

  it("returns raw strings with automaticDeserialization: false", async () => {
    await raw.set(`${prefix}n`, 42);
    expect(await raw.get(`${prefix}n`)).toBe("42");
    await raw.set(`${prefix}o`, { a: 1 });
    expect(await raw.get(`${prefix}o`)).toBe('{"a":1}');
    expect(await raw.incr(`${prefix}n`)).toBe(43);
  });

  it("round-trips non-ASCII UTF-8 through base64, in plain replies and in arrays", async () => {
    const text = "héllo 日本 🚀";
    await redis.set(`${prefix}u`, text);
    expect(await redis.get(`${prefix}u`)).toBe(text);
    expect(await raw.get(`${prefix}u`)).toBe(text);
    await redis.set(`${prefix}ok`, "OK");
    expect(await raw.mget(`${prefix}u`, `${prefix}ok`, `${prefix}none`)).toEqual([text, "OK", null]);
    await redis.rpush(`${prefix}l`, text, "OK", "PONG");
    expect(await redis.lrange(`${prefix}l`, 0, -1)).toEqual([text, "OK", "PONG"]);
    expect(await redis.ping()).toBe("PONG");
    // With the encoding off (header absent) the endpoint answers plain text.
    const plain = new Redis({ url: endpoint.url, token: endpoint.token, retry: false, responseEncoding: false });
    expect(await plain.get(`${prefix}u`)).toBe(text);
    expect(await plain.lrange(`${prefix}l`, 0, -1)).toEqual([text, "OK", "PONG"]);
    expect((await post("/", ["GET", `${prefix}u`])).json).toEqual({ result: text });
  });

  it("counts with INCR / INCRBY, exactly beyond 2^53 when the value is read back as a string", async () => {
    expect(await redis.incr(`${prefix}c`)).toBe(1);
    expect(await redis.incr(`${prefix}c`)).toBe(2);
    expect(await redis.incrby(`${prefix}c`, 10)).toBe(12);
    await redis.set(`${prefix}big`, "9007199254740993");
    expect(await redis.get(`${prefix}big`)).toBe("9007199254740993");
  });

  it("stores hashes (HSET / HGETALL as a flat RESP2 array)", async () => {
    expect(await redis.hset(`${prefix}h`, { name: "ada", n: 2, who: "日本" })).toBe(3);
    expect(await redis.hgetall(`${prefix}h`)).toEqual({ name: "ada", n: 2, who: "日本" });
    // Without deserialization the client hands back the reply itself: RESP2's flat field/value array.
    expect(await raw.hgetall(`${prefix}h`)).toEqual(["name", "ada", "n", "2", "who", "日本"]);
    expect(await redis.hgetall(`${prefix}none`)).toBeNull();
  });

  it("runs the single-command path (enableAutoPipelining: false)", async () => {
    const single = client({ enableAutoPipelining: false });
    expect(await single.set(`${prefix}k`, "v")).toBe("OK");
    expect(await single.get(`${prefix}k`)).toBe("v");
    await expect(single.incr(`${prefix}k`)).rejects.toThrow(/not an integer/);
  });

  it("runs a pipeline in order, with per-command errors", async () => {
    const p = redis.pipeline();
    p.set(`${prefix}a`, "x");
    p.get(`${prefix}a`);
    p.incr(`${prefix}n`);
    p.hset(`${prefix}h`, { f: "v" });
    p.hgetall(`${prefix}h`);
    expect(await p.exec()).toEqual(["OK", "x", 1, 1, { f: "v" }]);

    const failing = redis.pipeline();
    failing.incr(`${prefix}a`);
    failing.get(`${prefix}a`);
    await expect(failing.exec()).rejects.toThrow(/not an integer/);
    const kept = redis.pipeline();
    kept.incr(`${prefix}a`);
    kept.get(`${prefix}a`);
    const results = await kept.exec({ keepErrors: true });
    expect(results[0]?.error).toMatch(/not an integer/);
    expect(results[1]).toEqual({ error: undefined, result: "x" });
  });

  it("runs a transaction (MULTI/EXEC)", async () => {
    const tx = redis.multi();
    tx.set(`${prefix}a`, "1");
    tx.incr(`${prefix}a`);
    tx.get(`${prefix}a`);
    tx.lpush(`${prefix}l`, "日本");
    tx.lrange(`${prefix}l`, 0, -1);
    expect(await tx.exec()).toEqual(["OK", 2, 2, 1, ["日本"]]);
  });

  it("answers a discarded transaction (EXECABORT) with 400 and an error, and keeps runtime errors per item", async () => {
    const aborted = await post("/multi-exec", [
      ["SET", `${prefix}a`, 1],
      ["NOSUCHCOMMAND", `${prefix}a`],
    ]);
    expect(aborted.status).toBe(400);
    expect(aborted.json).toEqual({ error: expect.stringMatching(/^EXECABORT .*NOSUCHCOMMAND/i) });
    expect(await redis.exists(`${prefix}a`)).toBe(0);

    const partial = await post("/multi-exec", [
      ["SET", `${prefix}a`, "x"],
      ["INCR", `${prefix}a`],
      ["GET", `${prefix}a`],
    ]);
    expect(partial.status).toBe(200);
    expect(partial.json).toEqual([
      { result: "OK" },
      { error: expect.stringMatching(/not an integer/) },
      { result: "x" },
    ]);
  });

  it("answers the raw protocol: base64 strings, raw top-level OK, integers, nulls, sync tokens, path form", async () => {
    const b64 = { "upstash-encoding": "base64" };
    const set = await post("/", ["SET", `${prefix}a`, "é"], b64);
    expect(set).toMatchObject({ status: 200, json: { result: "OK" } });
    const pipe = await post(
      "/pipeline",
      [
        ["SET", `${prefix}b`, 7],
        ["GET", `${prefix}a`],
        ["PING"],
        ["MGET", `${prefix}a`, `${prefix}none`],
        ["EVAL", "return {'OK', 5}", 0],
        ["INCR", `${prefix}a`],
      ],
      b64,
    );
    expect(pipe.status).toBe(200);
    expect(pipe.json).toEqual([
      { result: "OK" },
      { result: Buffer.from("é").toString("base64") },
      { result: Buffer.from("PONG").toString("base64") },
      { result: [Buffer.from("é").toString("base64"), null] },
      { result: [Buffer.from("OK").toString("base64"), 5] },
      { error: expect.stringMatching(/not an integer/) },
    ]);
    expect(Number(pipe.syncToken)).toBeGreaterThan(Number(set.syncToken));
    expect((await post("/", ["GET", `${prefix}a`])).json).toEqual({ result: "é" });
    expect(await post("/", ["INCR", `${prefix}a`])).toMatchObject({
      status: 400,
      json: { error: expect.stringMatching(/not an integer/) },
    });

    const res = await fetch(`${endpoint.url}/get/${encodeURIComponent(`${prefix}b`)}`, {
      headers: { authorization: `Bearer ${endpoint.token}` },
    });
    expect(await res.json()).toEqual({ result: "7" });
  });

  it("rejects a wrong or missing token with 401", async () => {
    const wrong = new Redis({ url: endpoint.url, token: "wrong-token", retry: false });
    await expect(wrong.get(`${prefix}a`)).rejects.toThrow(/nauthorized/);
    const res = await fetch(`${endpoint.url}/`, { method: "POST", body: JSON.stringify(["PING"]) });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: expect.any(String) });
  });

  it("counts HTTP requests and the commands in them (stats, read by npm run bench)", async () => {
    const before = endpoint.stats();
    await post("/", ["SET", `${prefix}n`, "1"]);
    await post("/pipeline", [
      ["INCR", `${prefix}n`],
      ["GET", `${prefix}n`],
    ]);
    await post("/multi-exec", [
      ["INCR", `${prefix}n`],
      ["INCR", `${prefix}n`],
      ["GET", `${prefix}n`],
    ]);
    const unauthorized = await fetch(`${endpoint.url}/`, { method: "POST", body: JSON.stringify(["PING"]) });
    expect(unauthorized.status).toBe(401);
    const after = endpoint.stats();
    const delta = Object.fromEntries(
      Object.entries(after).map(([name, value]) => [name, value - before[name as keyof typeof before]]),
    );
    expect(delta).toEqual({ requests: 4, commands: 6, single: 1, pipeline: 1, multi: 1 });
  });

  it("surfaces a Redis error as an error", async () => {
    await redis.set(`${prefix}a`, "not a number");
    await expect(redis.incr(`${prefix}a`)).rejects.toThrow(/ERR value is not an integer/);
  });

  it("runs EVAL / EVALSHA touching KEYS and returning a big number as a string", async () => {
    // A script text unique to this run, so Redis cannot already know its SHA-1.
    const script = `-- ${prefix}\nredis.call('INCRBY', KEYS[1], ARGV[1])\nreturn redis.call('GET', KEYS[1])`;
    const key = `${prefix}money`;
    await redis.set(key, "9007199254740000");
    await expect(redis.evalsha(sha1(script), [key], [993])).rejects.toThrow(/NOSCRIPT/);
    expect(await redis.eval(script, [key], [993])).toBe("9007199254740993");
    expect(await redis.evalsha(sha1(script), [key], [1000])).toBe("9007199254741993");
    expect(await raw.get(key)).toBe("9007199254741993");
  });

  it("strips `#!lua flags=allow-key-locking` and maps the client's SHA-1 for EVALSHA", async () => {
    const script = `#!lua flags=allow-key-locking\n-- ${prefix}\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])`;
    const key = `${prefix}n`;
    expect(await redis.eval(script, [key], [5])).toBe(5);
    expect(await redis.evalsha(sha1(script), [key], [5])).toBe(10);
    const readOnly = `#!lua flags=no-writes,allow-key-locking\n-- ${prefix}\nreturn redis.call('GET', KEYS[1])`;
    expect(await redis.evalRo(readOnly, [key], [])).toBe(10);
    expect(await redis.evalshaRo(sha1(readOnly), [key], [])).toBe(10);
  });

  it("runs createScript (EVALSHA, NOSCRIPT, EVAL fallback) and SCRIPT LOAD", async () => {
    const text = `#!lua flags=allow-key-locking\n-- ${prefix}\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])`;
    const script = redis.createScript<number>(text);
    expect(await script.exec([`${prefix}n`], ["2"])).toBe(2);
    expect(await script.evalsha([`${prefix}n`], ["3"])).toBe(5);

    const loadedText = `#!lua flags=allow-key-locking\n-- load ${prefix}\nreturn redis.call('GET', KEYS[1])`;
    const sha = await redis.scriptLoad(loadedText);
    expect(sha).toBe(sha1(loadedText));
    expect(await redis.scriptExists(sha)).toEqual([1]);
    expect(await redis.evalsha(sha, [`${prefix}n`], [])).toBe(5);
  });

  it("runs @upstash/ratelimit slidingWindow: exactly 3 in 10 s, then refuses", async () => {
    const limiter = new Ratelimit({ redis, limiter: Ratelimit.slidingWindow(3, "10 s"), prefix: `${prefix}rl` });
    for (let i = 0; i < 3; i++) {
      const r = await limiter.limit("user");
      expect(r.success).toBe(true);
      expect(r.remaining).toBe(2 - i);
      expect(r.reason).toBeUndefined();
    }
    const refused = await limiter.limit("user");
    expect(refused.success).toBe(false);
    expect(refused.remaining).toBe(0);
    expect(refused.reset).toBeGreaterThan(Date.now());
    expect(refused.reason).toBeUndefined();
    expect((await limiter.limit("someone-else")).success).toBe(true);
    expect(await limiter.getRemaining("user")).toMatchObject({ remaining: 0 });
  });

  it("runs @upstash/ratelimit fixedWindow: exactly 3, then refuses", async () => {
    const limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.fixedWindow(3, "10 s"),
      prefix: `${prefix}fw`,
      ephemeralCache: false,
    });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.limit("user"));
    expect(results.map((r) => r.success)).toEqual([true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
    expect(results[3]?.reset).toBeGreaterThan(Date.now());
    expect(results.every((r) => r.reason === undefined)).toBe(true);
  });

  it("keeps 50 concurrent transactions apart", async () => {
    const counter = `${prefix}counter`;
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const tx = redis.multi();
        tx.incr(counter);
        tx.set(`${prefix}own:${i}`, `v${i}`);
        return tx.exec();
      }),
    );
    for (const outcome of outcomes) expect(outcome).toEqual([expect.any(Number), "OK"]);
    expect(new Set(outcomes.map((o) => o[0])).size).toBe(50);
    expect(await redis.get(counter)).toBe(50);
    expect(await redis.get(`${prefix}own:49`)).toBe("v49");
  });

  it("fails fast (HTTP 503) when Redis is unreachable", async () => {
    const dead = await startUpstashLocal({ redisUrl: "redis://127.0.0.1:1", token: "t" });
    try {
      const deadRedis = new Redis({ url: dead.url, token: dead.token, retry: false });
      for (const call of [() => deadRedis.get("k"), () => deadRedis.multi().incr("k").exec()]) {
        const started = Date.now();
        await expect(call()).rejects.toThrow(/unavailable/i);
        expect(Date.now() - started).toBeLessThan(2000);
      }
      const res = await fetch(dead.url, {
        method: "POST",
        headers: { authorization: "Bearer t" },
        body: JSON.stringify(["PING"]),
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: expect.any(String) });
    } finally {
      await dead.close();
    }
  });

  it("answers 503 once its Redis connections are stopped", async () => {
    const other = await startUpstashLocal({ redisUrl: found?.url, token: "t" });
    try {
      const r = new Redis({ url: other.url, token: other.token, retry: false });
      expect(await r.ping()).toBe("PONG");
      await other.stopRedisConnections();
      const started = Date.now();
      await expect(r.ping()).rejects.toThrow(/unavailable/i);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await other.close();
    }
  });
});
