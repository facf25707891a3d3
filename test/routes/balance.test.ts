import { describe, expect, it } from "vitest";
import { balanceOf, bearer, expectError, grant, gw, newAccount, rapid, uniqueKey } from "../helpers/gateway.ts";
import { securitySuite } from "../helpers/security.ts";

describe("GET /v1/balance", () => {
  it("the original flow: grant 10000 credits to an imported key, then read them", async () => {
    const key = uniqueKey("original");
    const granted = await grant({ apiKey: key }, 10000);
    expect(granted.status).toBe(200);
    const res = await gw("/v1/balance", { headers: bearer(key) });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const body = await res.json();
    expect(body).toEqual({
      account_id: expect.stringMatching(/^acct_[0-9a-f]{20}$/),
      credits: 10000,
      credits_micros: 10_000_000_000,
      held_micros: 0,
      source: "key",
      // No subscription: the default plan of the default table.
      plan: "free",
    });
  });

  it("accepts the key as X-API-Key too", async () => {
    const { key } = await newAccount();
    const res = await gw("/v1/balance", { headers: { "x-api-key": key } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { credits: number }).credits).toBe(0);
  });

  it("shows fractional credits exactly", async () => {
    const { key, account_id } = await newAccount();
    await grant({ accountId: account_id }, 0.000001);
    await grant({ accountId: account_id }, 2.5);
    expect(await balanceOf(key)).toMatchObject({ credits: 2.500001, credits_micros: 2_500_001 });
  });

  it("answers RapidAPI subscribers with the plan their subscription maps to, and no prepaid credits", async () => {
    const res = await gw("/v1/balance", { headers: rapid("alice-42", "ULTRA") });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      account_id: "rapidapi:alice-42",
      credits: null,
      credits_micros: null,
      held_micros: 0,
      source: "rapidapi",
      plan: "ultra",
      accrued_micros: 0,
      unbilled_micros: 0,
    });
  });

  it("serves an unknown or missing RapidAPI subscription as BASIC's plan", async () => {
    const plan = async (subscription: string | null) => {
      const headers: Record<string, string> = rapid("bob-7", subscription ?? "");
      if (subscription === null) delete headers["x-rapidapi-subscription"];
      const res = await gw("/v1/balance", { headers });
      expect(res.status).toBe(200);
      return ((await res.json()) as { plan: string }).plan;
    };
    expect(await plan("CUSTOM")).toBe("free");
    expect(await plan(null)).toBe("free");
    expect(await plan("mega")).toBe("mega");
  });

  it("401 for an unknown key with the envelope", async () => {
    const error = await expectError(await gw("/v1/balance", { headers: bearer(uniqueKey()) }), 401, "INVALID_API_KEY");
    expect(error.type).toBe("authentication_error");
  });
});

securitySuite("balance", "customer", [{ method: "GET", path: "/v1/balance" }]);
