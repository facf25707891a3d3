import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDurableObjectStore } from "../../src/stores/durable-object/store.ts";
import { balanceOf, bearer, gw, newAccount } from "../helpers/gateway.ts";
import { securitySuite } from "../helpers/security.ts";
import { delivered, paymentEvents, purchase, registerIntent, stripeId, stripeRequests } from "../helpers/stripe.ts";

const CREDIT = 1_000_000;
const store = createDurableObjectStore(env);

/** The ledger as the customer sees it, oldest first: [reason, credits]. */
async function usage(key: string): Promise<[string, number][]> {
  const res = await gw("/v1/usage?limit=100", { headers: bearer(key) });
  expect(res.status).toBe(200);
  const { data } = (await res.json()) as { data: { reason: string; credits: number }[] };
  return data.map((e): [string, number] => [e.reason, e.credits]).reverse();
}

/** Spends `credits` of the account's balance, as a settled call would. */
async function spend(account: string, credits: number) {
  const hold = `hold_${crypto.randomUUID()}`;
  const now = Date.now();
  await store.ledger.reserve(account, hold, credits * CREDIT, 60_000, now, null);
  await store.ledger.settle(
    account,
    hold,
    {
      amount_micros: credits * CREDIT,
      request_id: "req_spend",
      provider: "openai",
      model: "gpt-4o-mini",
      usage: {},
      cost_usd: "0",
    },
    now,
  );
}

describe("POST /webhooks/stripe: refunds", () => {
  it("a full refund takes the 5,000 credits back, and GET /v1/usage shows both changes", async () => {
    const { key, account_id } = await newAccount();
    const p = purchase(account_id);
    await delivered(p.completed());
    expect((await balanceOf(key)).credits).toBe(5000);
    const refund = p.refunded(5000);
    expect(await delivered(refund)).toBe("clawed_back");
    expect(await delivered(refund)).toBe("clawed_back");
    expect((await balanceOf(key)).credits).toBe(0);
    expect(await usage(key)).toEqual([
      ["purchase", 5000],
      ["clawback", -5000],
    ]);
    // The Stripe API was not needed: the charge carries its payment intent's metadata.
    expect(await stripeRequests(p.intent)).toEqual([]);
  });

  it("partial refunds claw back the cumulative refunded share minus what was already taken; a stale one changes nothing", async () => {
    const { key, account_id } = await newAccount();
    const p = purchase(account_id);
    await delivered(p.completed());
    const first = p.refunded(1000);
    const second = p.refunded(3000);
    expect(await delivered(first)).toBe("clawed_back");
    expect(await delivered(second)).toBe("clawed_back");
    expect(await delivered(p.refunded(1000))).toBe("unchanged");
    expect((await balanceOf(key)).credits).toBe(2000);
    expect(await usage(key)).toEqual([
      ["purchase", 5000],
      ["clawback", -1000],
      ["clawback", -2000],
    ]);
  });

  it("a refund delivered before its grant ends in the right balance: nothing moves until the grant, which applies it", async () => {
    const { key, account_id } = await newAccount();
    const p = purchase(account_id);
    expect(await delivered(p.refunded(5000))).toBe("pending");
    expect((await balanceOf(key)).credits).toBe(0);
    expect(await usage(key)).toEqual([]);
    expect(await delivered(p.completed())).toBe("granted");
    expect((await balanceOf(key)).credits).toBe(0);
    expect(await usage(key)).toEqual([
      ["purchase", 5000],
      ["clawback", -5000],
    ]);
  });

  it("a claw-back larger than the balance takes what is there and records the rest as owed, which the next purchase pays", async () => {
    const { key, account_id } = await newAccount();
    const p = purchase(account_id);
    await delivered(p.completed());
    await spend(account_id, 3000);
    expect(await delivered(p.refunded(5000))).toBe("clawed_back");
    expect(await balanceOf(key)).toMatchObject({ credits: 0, credits_micros: 0 });
    const res = await gw("/v1/usage?limit=1", { headers: bearer(key) });
    const [owed] = ((await res.json()) as { data: unknown[] }).data;
    expect(owed).toMatchObject({ reason: "uncollected", amount_micros: 0, uncollected_micros: 3000 * CREDIT });
    expect((await usage(key)).map(([reason]) => reason)).toEqual(["purchase", "usage", "clawback", "uncollected"]);
    expect((await paymentEvents(account_id)).owed_micros).toBe(3000 * CREDIT);
    // The next purchase pays what is owed first.
    expect(await delivered(purchase(account_id, 5000).completed())).toBe("granted");
    expect((await balanceOf(key)).credits).toBe(2000);
    expect((await usage(key)).slice(-2)).toEqual([
      ["purchase", 5000],
      ["clawback", -3000],
    ]);
    expect((await paymentEvents(account_id)).owed_micros).toBe(0);
  });
});

describe("POST /webhooks/stripe: disputes", () => {
  it("an opened dispute claws back and flags the account; won, the credits come back once (a reversal)", async () => {
    const { key, account_id } = await newAccount();
    const p = purchase(account_id);
    await registerIntent(p);
    await delivered(p.completed());
    const dispute = stripeId("du");
    expect(await delivered(p.dispute("charge.dispute.created", dispute, "needs_response"))).toBe("clawed_back");
    expect((await balanceOf(key)).credits).toBe(0);
    expect((await paymentEvents(account_id)).disputed_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    // The dispute names no account: the gateway read it from the payment intent, through the Stripe API.
    expect((await stripeRequests(p.intent)).map((r) => `${r.method} ${r.path}`)).toContain(
      `GET /v1/payment_intents/${p.intent}`,
    );
    const won = p.dispute("charge.dispute.closed", dispute, "won");
    expect(await delivered(won)).toBe("reversed");
    expect(await delivered(won)).toBe("reversed");
    expect((await balanceOf(key)).credits).toBe(5000);
    expect(await usage(key)).toEqual([
      ["purchase", 5000],
      ["clawback", -5000],
      ["reversal", 5000],
    ]);
  });

  it("a lost dispute keeps the credits taken back", async () => {
    const { key, account_id } = await newAccount();
    const p = purchase(account_id, 2000);
    await registerIntent(p);
    await delivered(p.completed());
    const dispute = stripeId("du");
    await delivered(p.dispute("charge.dispute.created", dispute, "needs_response"));
    expect(await delivered(p.dispute("charge.dispute.closed", dispute, "lost"))).toBe("unchanged");
    expect((await balanceOf(key)).credits).toBe(0);
    expect((await usage(key)).map(([reason]) => reason)).toEqual(["purchase", "clawback"]);
  });

  it("a dispute closed won before it was seen opening, and before the grant, still ends with the credits", async () => {
    const { key, account_id } = await newAccount();
    const p = purchase(account_id, 1000);
    await registerIntent(p);
    const dispute = stripeId("du");
    expect(await delivered(p.dispute("charge.dispute.closed", dispute, "won"))).toBe("pending");
    expect(await delivered(p.dispute("charge.dispute.created", dispute, "needs_response"))).toBe("pending");
    expect(await delivered(p.completed())).toBe("granted");
    expect((await balanceOf(key)).credits).toBe(1000);
  });

  it("a dispute whose payment intent names no known account, or that Stripe does not know, is kept as unassigned", async () => {
    const p = purchase("acct_stranger00000000");
    await registerIntent(p);
    const stranger = p.dispute("charge.dispute.created", stripeId("du"), "needs_response");
    expect(await delivered(stranger)).toBe("unassigned");
    const unknown = purchase("acct_whoever000000000").dispute(
      "charge.dispute.created",
      stripeId("du"),
      "needs_response",
    );
    expect(await delivered(unknown)).toBe("unassigned");
    const kept = (await paymentEvents(null)).data.map((e) => e.event_id);
    expect(kept).toEqual(expect.arrayContaining([stranger.id, unknown.id]));
  });
});

securitySuite("billing events", "admin", [{ method: "GET", path: "/admin/billing/events?unassigned=1" }]);
