import { describe, expect, it } from "vitest";
import type { components } from "../../openapi/schema.d.ts";
import { bearer, expectError, gw, gwWith, newAccount, rapid } from "../helpers/gateway.ts";
import { PLANS, SOLD_PLANS } from "../helpers/plans.ts";

/** The gateway deployed with SOLD_PLANS (Stripe prices set). */
const sold = (path: string, init?: RequestInit) => gwWith({ PLANS }, path, init);

type PlanList = components["schemas"]["PlanList"];

async function plans(res: Response): Promise<PlanList> {
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as PlanList;
}

describe("GET /v1/plans", () => {
  it("lists the default table without a key: limits, allowance, nothing purchasable until prices are set", async () => {
    const list = await plans(await gwWith({ PLANS: undefined }, "/v1/plans"));
    expect(list.default_plan).toBe("free");
    expect(list.data.map((p) => p.id)).toEqual(["free", "pro", "ultra", "mega"]);
    expect(list.data[1]).toEqual({
      id: "pro",
      name: "Pro",
      requests_per_minute: 600,
      concurrent_requests: 20,
      monthly_allowance_credits: 2_000,
      purchasable: false,
      on_sale: true,
      default: false,
    });
    expect(list.data.filter((p) => p.default).map((p) => p.id)).toEqual(["free"]);
  });

  it("a PLANS override changes the list; Stripe price ids never leave the gateway", async () => {
    const res = await sold("/v1/plans");
    const text = await res.clone().text();
    expect(text).not.toContain("price_");
    const list = await plans(res);
    expect(list.data.map((p) => [p.id, p.purchasable, p.monthly_allowance_credits])).toEqual([
      ["free", false, 0],
      ["pro", true, 2_000],
      ["ultra", true, 10_000],
    ]);
    const all = await plans(await sold("/v1/plans?all=true"));
    expect(all.data.map((p) => p.id)).toEqual(["free", "pro", "ultra", "legacy"]);
    expect(all.data[3]).toMatchObject({ id: "legacy", on_sale: false, purchasable: false });
  });

  it("answers a key holder too, and 400 naming `all` for a value it does not know", async () => {
    const { key } = await newAccount();
    expect((await plans(await gw("/v1/plans", { headers: bearer(key) }))).data).toHaveLength(4);
    const error = await expectError(await gw("/v1/plans?all=yes"), 400, "INVALID_REQUEST");
    expect(error.param).toBe("all");
  });

  it("through RapidAPI's proxy, answers the plan list billing nothing", async () => {
    const res = await gw("/v1/plans", { headers: rapid("plans-user") });
    expect(res.headers.get("x-rapidapi-billing")).toBe("Credits=0");
    expect((await plans(res)).data).toHaveLength(4);
  });

  it("is in the public OpenAPI document, with no security requirement", async () => {
    const doc = (await (await gw("/openapi.json")).json()) as {
      paths: Record<string, { get?: { security?: unknown[]; operationId?: string } }>;
    };
    expect(doc.paths["/v1/plans"]?.get).toMatchObject({ operationId: "listPlans", security: [] });
  });
});

describe("PLANS validation", () => {
  const plan = (extra: Record<string, unknown> = {}) => ({ ...SOLD_PLANS[1], ...extra });
  const cases: [string, string, RegExp][] = [
    ["not JSON", "[{id: pro}", /expected a JSON array of plans/],
    ["not an array", JSON.stringify({ id: "pro" }), /array/],
    ["an empty table", "[]", /at least one plan/],
    [
      "duplicate ids",
      JSON.stringify([...SOLD_PLANS, plan({ stripe_price_id: "price_other", rapidapi: [] })]),
      /duplicate plan id pro/,
    ],
    [
      "no default plan",
      JSON.stringify(SOLD_PLANS.map((p) => ({ ...p, default: false }))),
      /exactly one default plan, found 0/,
    ],
    ["two default plans", JSON.stringify(SOLD_PLANS.map((p) => ({ ...p, default: true }))), /found 4/],
    ["no plan for RapidAPI's BASIC", JSON.stringify(SOLD_PLANS.map((p) => ({ ...p, rapidapi: [] }))), /BASIC/],
    [
      "two plans on one Stripe price",
      JSON.stringify(SOLD_PLANS.map((p) => ({ ...p, stripe_price_id: "price_same" }))),
      /share a Stripe price/,
    ],
    [
      "a plan missing its limits",
      JSON.stringify([{ id: "free", name: "Free", default: true, rapidapi: ["BASIC"] }]),
      /requests_per_minute/,
    ],
    ["an unknown field", JSON.stringify(SOLD_PLANS.map((p) => ({ ...p, price_usd: 29 }))), /price_usd/],
    ["an upper-case id", JSON.stringify(SOLD_PLANS.map((p) => ({ ...p, id: p.id.toUpperCase() }))), /lowercase id/],
  ];

  for (const [name, value, why] of cases) {
    it(`500 BAD_ENVIRONMENT naming PLANS for ${name}, on every route`, async () => {
      for (const path of ["/health", "/v1/plans"]) {
        const error = await expectError(await gwWith({ PLANS: value }, path), 500, "BAD_ENVIRONMENT");
        expect(error.message).toMatch(/PLANS: /);
        expect(error.message).toMatch(why);
      }
    });
  }

  it("a blank PLANS is the default table; a valid one is accepted", async () => {
    expect((await plans(await gwWith({ PLANS: " " }, "/v1/plans"))).data).toHaveLength(4);
    expect((await plans(await gwWith({ PLANS }, "/v1/plans"))).data).toHaveLength(3);
  });
});
