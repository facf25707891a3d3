import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hashKey } from "../../src/lib/api-keys.ts";
import { createDurableObjectStore } from "../../src/stores/durable-object/store.ts";
import { bearer, expectError, grant, json, newAccount } from "../helpers/gateway.ts";
import { countingGateway, gatewayWith } from "../helpers/store-bindings.ts";

/** The store as another isolate sees it: changes made here never pass through this gateway's cache. */
const elsewhere = createDurableObjectStore(env);

describe("key cache (KEY_CACHE_TTL_MS)", () => {
  it("a warm key is not looked up again: a balance read is one store call (and the rate limiter's, which also names the plan)", async () => {
    const { key } = await newAccount();
    const gateway = countingGateway();
    expect((await gateway.request("/v1/balance", { headers: bearer(key) })).status).toBe(200);
    expect(gateway.calls).toEqual(["lookup", "hitLimit", "balance"]);
    gateway.calls.length = 0;
    expect((await gateway.request("/v1/balance", { headers: bearer(key) })).status).toBe(200);
    expect(gateway.calls).toEqual(["hitLimit", "balance"]);
  });

  it("a key revoked in another isolate is refused at once from a warm cache, then forgotten", async () => {
    const { key, key_id, account_id } = await newAccount();
    const gateway = countingGateway();
    expect((await gateway.request("/v1/balance", { headers: bearer(key) })).status).toBe(200);
    await elsewhere.accounts.revokeKey(account_id, key_id, Date.now(), null);
    await expectError(await gateway.request("/v1/balance", { headers: bearer(key) }), 401, "INVALID_API_KEY");
    gateway.calls.length = 0;
    // The refusal evicted it: the next request asks the key index again (which has not heard yet, here).
    await expectError(await gateway.request("/v1/balance", { headers: bearer(key) }), 401, "INVALID_API_KEY");
    expect(gateway.calls[0]).toBe("lookup");
  });

  it("a key rotated in another isolate: the old secret is refused at once, with nothing held", async () => {
    const { key, key_id, account_id } = await newAccount();
    const gateway = countingGateway();
    expect((await gateway.request("/v1/balance", { headers: bearer(key) })).status).toBe(200);
    await elsewhere.accounts.rotateKey(
      account_id,
      key_id,
      { prefix: "aib_rotated0", hash: await hashKey(`rotated-${crypto.randomUUID()}`) },
      null,
    );
    const res = await gateway.request(
      "/v1/chat/completions",
      json({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }, bearer(key)),
    );
    await expectError(res, 401, "INVALID_API_KEY");
    expect(await elsewhere.ledger.balance(account_id, Date.now(), null)).toMatchObject({ held_micros: 0 });
  });

  it("KEY_CACHE_TTL_MS=0 turns the cache off", async () => {
    const { key } = await newAccount();
    const gateway = countingGateway({ KEY_CACHE_TTL_MS: "0" });
    await gateway.request("/v1/balance", { headers: bearer(key) });
    await gateway.request("/v1/balance", { headers: bearer(key) });
    expect(gateway.calls).toEqual(["lookup", "hitLimit", "balance", "lookup", "hitLimit", "balance"]);
  });
});

describe("the hot path (DESIGN 'Hot-path budget')", () => {
  /** A gateway whose store settles only when `release()` is called; records every store call. */
  function gatedGateway() {
    const calls: string[] = [];
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let settled = false;
    const request = gatewayWith({
      keys: (method, call) => {
        calls.push(method);
        return call();
      },
      accounts: async (method, call) => {
        calls.push(method);
        if (method !== "settle") return call();
        await gate;
        const result = await call();
        settled = true;
        return result;
      },
    });
    return { request, calls, release: () => open(), settled: () => settled };
  }

  it.each([false, true])(
    "a warm metered call (stream: %s) makes one store call before the upstream, and is answered before its settle lands",
    async (stream) => {
      const { key, account_id } = await newAccount();
      await grant({ accountId: account_id }, 10);
      const gateway = gatedGateway();
      await gateway.request("/v1/balance", { headers: bearer(key) }); // warms the key
      gateway.calls.length = 0;
      const body = { model: "openai/gpt-4o-mini", stream, messages: [{ role: "user", content: "Say hi" }] };
      const res = await gateway.request("/v1/chat/completions", json(body, bearer(key)));
      const text = await res.text(); // the whole answer, [DONE] included for a stream
      expect(res.status).toBe(200);
      if (stream) expect(text).toContain("data: [DONE]");
      else expect(res.headers.get("x-credits-charged")).toBe("0.001404");
      // One store call before the upstream (the hold); the settle is under way, not awaited.
      expect(gateway.calls).toEqual(["reserve", "settle"]);
      expect(gateway.settled()).toBe(false);
      gateway.release();
      await expect.poll(() => gateway.settled()).toBe(true);
      expect(await elsewhere.ledger.balance(account_id, Date.now(), null)).toMatchObject({
        balance_micros: 10_000_000 - 1404,
        held_micros: 0,
      });
    },
  );
});
