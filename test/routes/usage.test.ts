import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDurableObjectStore } from "../../src/stores/durable-object/store.ts";
import { bearer, expectError, grant, gw, newAccount } from "../helpers/gateway.ts";
import { securitySuite } from "../helpers/security.ts";

type Entry = {
  id: string;
  amount_micros: number;
  credits: number;
  reason: string;
  request_id: string | null;
  usage: unknown;
};
type Usage = {
  object: string;
  data: Entry[];
  next_cursor: string | null;
  daily: { date: string; charged_micros: number; requests: number }[];
};

const store = createDurableObjectStore(env);

async function usage(key: string, query = ""): Promise<Usage> {
  const res = await gw(`/v1/usage${query}`, { headers: bearer(key) });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Usage;
}

describe("GET /v1/usage", () => {
  it("shows every balance change newest first, with daily usage totals", async () => {
    const { key, account_id } = await newAccount();
    await grant({ accountId: account_id }, 10);
    const now = Date.now();
    const holds = ["h1", "h2"].map((h) => `${h}-${crypto.randomUUID()}`);
    for (const [i, hold] of holds.entries()) {
      await store.ledger.reserve(account_id, hold, 1_000_000, 60_000, now, null);
      await store.ledger.settle(
        account_id,
        hold,
        {
          amount_micros: 360_000 + i,
          request_id: `req_usage_${i}`,
          provider: "openai",
          model: "gpt-4o-mini",
          usage: { input: 16, output: 300 },
          cost_usd: "0.002",
        },
        now,
      );
    }
    const body = await usage(key);
    expect(body.data.map((e) => [e.reason, e.amount_micros])).toEqual([
      ["usage", -360_001],
      ["usage", -360_000],
      ["admin_grant", 10_000_000],
    ]);
    expect(body.data[0]).toMatchObject({
      credits: -0.360001,
      request_id: "req_usage_1",
      usage: { input: 16, output: 300 },
    });
    expect(JSON.stringify(body)).not.toContain("cost_usd");
    expect(body.next_cursor).toBeNull();
    expect(body.daily).toEqual([
      { date: new Date(now).toISOString().slice(0, 10), charged_micros: 720_001, requests: 2 },
    ]);
    // The ledger explains the balance exactly.
    const balance = (await (await gw("/v1/balance", { headers: bearer(key) })).json()) as { credits_micros: number };
    expect(body.data.reduce((sum, e) => sum + e.amount_micros, 0)).toBe(balance.credits_micros);
  });

  it("pages with next_cursor until the oldest entry", async () => {
    const { key, account_id } = await newAccount();
    for (let i = 1; i <= 5; i++) await grant({ accountId: account_id }, i);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Usage = await usage(key, `?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((e) => e.credits));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([5, 4, 3, 2, 1]);
  });

  it("400 naming a bad limit or cursor", async () => {
    const { key } = await newAccount();
    expect(
      (await expectError(await gw("/v1/usage?limit=500", { headers: bearer(key) }), 400, "INVALID_REQUEST")).param,
    ).toBe("limit");
    expect(
      (await expectError(await gw("/v1/usage?cursor=nonsense", { headers: bearer(key) }), 400, "INVALID_REQUEST"))
        .param,
    ).toBe("cursor");
  });
});

securitySuite("usage", "customer", [{ method: "GET", path: "/v1/usage" }]);
