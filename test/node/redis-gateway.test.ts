import { Redis } from "@upstash/redis/cloudflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisStore } from "../../src/stores/redis/store.ts";
import { type FakeUpstream, startFakeUpstream } from "../fakes/upstream.ts";
import { type FoundRedis, findRedis, startUpstashLocal, type UpstashLocal } from "./helpers/redis.ts";
import { type SwitchableProxy, switchableProxy } from "./helpers/switchable-proxy.ts";
import { type DevServer, startDevServer } from "./helpers/wrangler-dev.ts";

/**
 * The real Worker (wrangler dev) on the Upstash Redis store: a local Upstash endpoint over a real
 * redis-server, reached through a switchable proxy so the store can be cut off mid-test.
 */
const found: FoundRedis | null = await findRedis();
let endpoint: UpstashLocal;
let proxy: SwitchableProxy;
let openai: FakeUpstream;
let gateway: DevServer;
const seedKey = `aib_redisdev${crypto.randomUUID().replaceAll("-", "")}`.slice(0, 36);
const rapidSecret = `rapid-secret-${crypto.randomUUID()}`;
const adminSecret = `admin-secret-${crypto.randomUUID()}`;

describe.skipIf(!found)("the gateway on the Redis store (wrangler dev)", () => {
  beforeAll(async () => {
    endpoint = await startUpstashLocal({ redisUrl: found?.url });
    proxy = await switchableProxy(() => endpoint.url);
    openai = await startFakeUpstream("openai");
    gateway = await startDevServer({
      vars: {
        UPSTASH_REDIS_REST_URL: proxy.url,
        UPSTASH_REDIS_REST_TOKEN: endpoint.token,
        OPENAI_API_KEY: "sk-fake-gateway-key",
        OPENAI_BASE_URL: `${openai.url}/v1`,
        DEV_SEED_KEY: seedKey,
        RAPIDAPI_SECRET: rapidSecret,
        ADMIN_SECRET: adminSecret,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await openai?.close();
    proxy?.close();
    await endpoint?.close();
    await found?.stop();
  });

  const auth = { authorization: `Bearer ${seedKey}` };
  const chat = (marker: string) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: `Say hi ${marker}` }] }),
    });

  it("seeds, meters a chat call and shows the ledger on Redis", async () => {
    proxy.mode = "pass";
    const before = await fetch(`${gateway.url}/v1/balance`, { headers: auth });
    expect(before.status).toBe(200);
    const start = ((await before.json()) as { credits_micros: number }).credits_micros;
    expect(start).toBeGreaterThan(0);
    const res = await chat(crypto.randomUUID());
    expect(res.status).toBe(200);
    // "Say hi <uuid>" is billed as the fake reports it: 16 in, 9 out = 1404 µcr
    expect(res.headers.get("x-credits-charged")).toBe("0.001404");
    // Counted against the default plan (free: 60 a minute) in the hold's own script.
    expect(res.headers.get("x-ratelimit-limit-requests")).toBe("60");
    expect(Number(res.headers.get("x-ratelimit-remaining-requests"))).toBeLessThan(59);
    const after = (await (await fetch(`${gateway.url}/v1/balance`, { headers: auth })).json()) as {
      credits_micros: number;
      held_micros: number;
    };
    expect(after).toMatchObject({ credits_micros: start - 1404, held_micros: 0 });
    const usage = (await (await fetch(`${gateway.url}/v1/usage`, { headers: auth })).json()) as {
      data: { reason: string; request_id: string | null }[];
    };
    expect(usage.data[0]).toMatchObject({ reason: "usage", request_id: res.headers.get("x-request-id") });
  });

  it("RapidAPI subscribers: the billed credits are the exact cost rounded up once, on Redis", async () => {
    proxy.mode = "pass";
    const headers = {
      "x-rapidapi-proxy-secret": rapidSecret,
      "x-rapidapi-user": `redis-user-${crypto.randomUUID().slice(0, 8)}`,
      "x-rapidapi-subscription": "PRO",
      "content-type": "application/json",
    };
    let billed = 0;
    for (const stream of [false, false, true, false, true, false]) {
      const res = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers,
        body: JSON.stringify({ model: "openai/gpt-4o-mini", stream, messages: [{ role: "user", content: "Say hi" }] }),
      });
      expect(res.status).toBe(200);
      await res.text();
      billed += Number(res.headers.get("x-rapidapi-billing")?.replace("Credits=", ""));
    }
    // Six calls of 1404 µcr each; the last answer is plain, so it covers everything: 0.008424 credits → 1.
    const balance = (await (await fetch(`${gateway.url}/v1/balance`, { headers })).json()) as {
      accrued_micros: number;
      unbilled_micros: number;
    };
    expect(balance.accrued_micros).toBe(6 * 1404);
    expect(billed).toBe(Math.ceil(balance.accrued_micros / 1_000_000));
    expect(balance.unbilled_micros).toBe(balance.accrued_micros - billed * 1_000_000);
  });

  it("analytics on Redis: a few calls move the totals by exactly the ledger's sums", async () => {
    proxy.mode = "pass";
    type Totals = { calls: number; usage_revenue_micros: number; provider_cost_usd: string };
    const totals = async () => {
      const res = await fetch(`${gateway.url}/admin/analytics?group_by=provider`, {
        headers: { "x-admin-secret": adminSecret },
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { totals: Totals }).totals;
    };
    // USD as integers of 1e-18, to compare exact decimal strings.
    const atto = (usd: string) => {
      const [whole, fraction = ""] = usd.split(".");
      return BigInt(whole as string) * 10n ** 18n + BigInt(fraction.padEnd(18, "0"));
    };
    const { account_id } = (await (await fetch(`${gateway.url}/v1/balance`, { headers: auth })).json()) as {
      account_id: string;
    };
    // The same Redis the Worker writes (its default key prefix), read directly: the ledger itself.
    const store = createRedisStore(
      new Redis({ url: endpoint.url, token: endpoint.token, automaticDeserialization: false }),
      "aib:",
    );
    const before = await totals();
    const requestIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await chat(crypto.randomUUID());
      expect(res.status).toBe(200);
      requestIds.push(res.headers.get("x-request-id") as string);
    }
    // Settles run after the answer: wait until the three have landed (their aggregates land with them).
    const settled = async () =>
      (await store.ledger.entries(account_id, { limit: 50 }, null)).filter(
        (e) => e.reason === "usage" && requestIds.includes(e.request_id ?? ""),
      );
    const deadline = Date.now() + 5_000;
    let entries = await settled();
    while (entries.length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      entries = await settled();
    }
    expect(entries).toHaveLength(3);
    const after = await totals();
    expect(after.calls - before.calls).toBe(3);
    expect(after.usage_revenue_micros - before.usage_revenue_micros).toBe(
      entries.reduce((sum, e) => sum - e.amount_micros, 0),
    );
    expect(atto(after.provider_cost_usd) - atto(before.provider_cost_usd)).toBe(
      entries.reduce((sum, e) => sum + atto(e.cost_usd ?? "0"), 0n),
    );
  });

  for (const outage of ["refuse", "hang"] as const) {
    it(`with the store unreachable (${outage}), balance and metered routes answer 503 within 2 s and call no provider`, async () => {
      proxy.mode = outage;
      try {
        for (const call of [
          () => fetch(`${gateway.url}/v1/balance`, { headers: auth }),
          () => fetch(`${gateway.url}/v1/usage`, { headers: auth }),
          () => chat("outage-marker"),
        ]) {
          const started = Date.now();
          const res = await call();
          const elapsed = Date.now() - started;
          expect(res.status).toBe(503);
          expect(((await res.json()) as { error: { code: string } }).error.code).toBe("STORE_UNAVAILABLE");
          expect(elapsed).toBeLessThan(2000);
        }
        expect(openai.requests.filter((r) => r.rawBody.includes("outage-marker"))).toEqual([]);
      } finally {
        proxy.mode = "pass";
      }
    });
  }
});
