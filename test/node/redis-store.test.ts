import { errors, Redis } from "@upstash/redis/cloudflare";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { classifyRedisError } from "../../src/stores/redis/errors.ts";
import { createRedisStore } from "../../src/stores/redis/store.ts";
import { storeContract } from "../contract/store.contract.ts";
import { holdsContract } from "../contract/store-holds.contract.ts";
import { type FoundRedis, findRedis, startUpstashLocal, type UpstashLocal } from "./helpers/redis.ts";

/**
 * The store contract against the Redis adapter, through the production @upstash/redis client,
 * the local Upstash REST endpoint and a real redis-server. Each run uses its own key prefix.
 */
const found: FoundRedis | null = await findRedis();
let endpoint: UpstashLocal | undefined;
let ran = 0;
const prefix = `test:${crypto.randomUUID()}:`;
const client = (url = endpoint?.url as string, token = endpoint?.token as string) =>
  new Redis({ url, token, retry: false, automaticDeserialization: false });

describe.skipIf(!found)("redis store", () => {
  beforeAll(async () => {
    endpoint = await startUpstashLocal({ redisUrl: found?.url });
  });
  afterAll(async () => {
    await endpoint?.close();
    await found?.stop();
    process.stdout.write(`\nredis: ${ran} tests ran\n`);
  });

  storeContract("redis", () => {
    ran++;
    return createRedisStore(client(), prefix);
  });

  holdsContract("redis", () => {
    ran++;
    return createRedisStore(client(), prefix);
  });

  describe("records written by the previous layout", () => {
    const T = Date.parse("2026-11-24T12:00:00Z");

    it("are listed, checked, rotated and revoked, lone surrogates and cjson re-encodings included", async () => {
      ran++;
      const redis = client();
      const store = createRedisStore(redis, prefix);
      const account = `acct_legacy${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
      await store.ledger.credit(
        account,
        { amount_micros: 1_000, reason: "admin_grant", reference: null, idempotency_key: "g", create_account: true },
        T,
      );
      const record = (id: string, name: string, at: number) =>
        JSON.stringify({ id, name, prefix: `aib_${id}`, hash: `h-${id}`, created_at: at, revoked_at: null });
      // What the previous addKey wrote (JSON.stringify escapes the lone surrogate as \ud800, which
      // cjson.decode refuses), and what its cjson-based revoke wrote back (any order, \/ escapes).
      await redis.hset(`${prefix}{a:${account}}:keys`, {
        backdoor: record("backdoor", "backdoor\ud800", T),
        live: record("live", "live", T + 1),
        gone: '{"revoked_at":1764000000000,"name":"gone","hash":"h-gone","id":"gone","created_at":1764000000000,"prefix":"aib\\/gone"}',
      });
      const as = (id: string, hash = `h-${id}`) => ({ key_id: id, hash });

      expect(await store.accounts.listKeys(account, as("live"))).toMatchObject([
        { id: "gone", name: "gone", prefix: "aib/gone", hash: "h-gone", revoked_at: 1764000000000 },
        { id: "backdoor", name: "backdoor\ud800", hash: "h-backdoor", revoked_at: null },
        { id: "live", hash: "h-live", revoked_at: null, last_used_at: expect.any(Number) },
      ]);
      expect((await store.ledger.balance(account, T, as("backdoor"))).balance_micros).toBe(1_000);
      await expect(store.ledger.balance(account, T, as("gone"))).rejects.toMatchObject({ code: "INVALID_API_KEY" });

      const next = { prefix: "aib_rotated", hash: "h-rotated" };
      expect(await store.accounts.rotateKey(account, "backdoor", next, as("live"))).toMatchObject({
        old_hash: "h-backdoor",
        key: { id: "backdoor", ...next, revoked_at: null },
      });
      await expect(store.ledger.balance(account, T, as("backdoor"))).rejects.toMatchObject({ code: "INVALID_API_KEY" });
      expect((await store.ledger.reserve(account, "h1", 1, 60_000, T, as("backdoor", "h-rotated"))).status).toBe(
        "reserved",
      );
      expect(await store.accounts.revokeKey(account, "backdoor", T + 5, as("live"))).toMatchObject({
        hash: "h-rotated",
        revoked_at: T + 5,
      });
      await expect(store.ledger.balance(account, T, as("backdoor", "h-rotated"))).rejects.toMatchObject({
        code: "INVALID_API_KEY",
      });
      expect((await store.accounts.revokeKey(account, "gone", T + 9, null))?.revoked_at).toBe(1764000000000);
      expect(await store.accounts.rotateKey(account, "gone", next, null)).toBeNull();
    });
  });

  describe("failures", () => {
    const balance = (redis: Redis) => createRedisStore(redis, prefix).ledger.balance("acct_failures", Date.now(), null);

    it("a script that fails in Redis is a fault: logged as an error, 500 INTERNAL_ERROR", async () => {
      ran++;
      const redis = client();
      const account = `acct_broken${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
      await redis.set(`${prefix}{a:${account}}:acct`, "not a hash"); // WRONGTYPE inside the script
      const logs = vi.spyOn(console, "error").mockImplementation(() => {});
      try {
        await expect(createRedisStore(redis, prefix).ledger.balance(account, Date.now(), null)).rejects.toMatchObject({
          code: "INTERNAL_ERROR",
          status: 500,
        });
        expect(logs.mock.calls.map(([line]) => JSON.parse(String(line)))).toContainEqual(
          expect.objectContaining({ level: "error", msg: "store fault", store: "redis", op: "ledger.balance" }),
        );
      } finally {
        logs.mockRestore();
      }
    });

    it("a store that cannot be reached is unavailable: 503 STORE_UNAVAILABLE", async () => {
      ran++;
      const logs = vi.spyOn(console, "error").mockImplementation(() => {});
      const behind = await startUpstashLocal({ redisUrl: "redis://127.0.0.1:1" });
      try {
        // Nothing listens at all.
        await expect(balance(client("http://127.0.0.1:1", "t"))).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
        // The endpoint answers 503: Redis behind it does not.
        await expect(balance(client(behind.url, behind.token))).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
      } finally {
        await behind.close();
        logs.mockRestore();
      }
    });
  });
});

describe("classifyRedisError", () => {
  const upstash = (message: string) => new errors.UpstashError(message);

  it("a Redis error reply inside an answer is a fault, unless Redis says it cannot serve right now", () => {
    expect(
      classifyRedisError(upstash("Command failed: ERR user_script:3: Script attempted to access a non local key")),
    ).toBe("fault");
    expect(classifyRedisError(upstash("Command 1 [ evalsha ] failed: WRONGTYPE Operation against a key"))).toBe(
      "fault",
    );
    for (const reply of [
      "BUSY Redis is busy running a script",
      "LOADING Redis is loading",
      "OOM command not allowed",
    ]) {
      expect(classifyRedisError(upstash(`Command failed: ${reply}`))).toBe("unavailable");
    }
    expect(classifyRedisError(upstash("Command failed: ERR max daily request limit exceeded"))).toBe("unavailable");
  });

  it("a refused request, an unreadable answer or a network error is the store being unavailable", () => {
    expect(classifyRedisError(upstash('ERR Redis unavailable at redis://x, command was: [["evalsha"]]'))).toBe(
      "unavailable",
    );
    expect(classifyRedisError(new errors.UpstashJSONParseError("<html>502</html>"))).toBe("unavailable");
    expect(classifyRedisError(new TypeError("fetch failed"))).toBe("unavailable");
    expect(classifyRedisError(new DOMException("timed out", "TimeoutError"))).toBe("unavailable");
  });
});
