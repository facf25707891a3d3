import { describe, expect, it } from "vitest";
import { admin, balanceOf, bearer, expectError, gw, gwWith, newAccount } from "../helpers/gateway.ts";
import { gatewayWith } from "../helpers/store-bindings.ts";
import { deliver, delivered, event, paymentEvents, purchase, signature, stripeId } from "../helpers/stripe.ts";

type Entry = { reason: string; amount_micros: number; reference: string | null; amount_paid_cents: number | null };

async function ledger(key: string): Promise<Entry[]> {
  const res = await gw("/v1/usage?limit=100", { headers: bearer(key) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Entry[] }).data;
}

const CREDIT = 1_000_000;

describe("POST /webhooks/stripe: a purchase", () => {
  it("a signed checkout.session.completed for 5,000 credits raises the balance by exactly 5,000, once, however often it is delivered", async () => {
    const { key, account_id } = await newAccount();
    const p = purchase(account_id);
    const completed = p.completed();
    expect(await delivered(completed)).toBe("granted");
    for (let i = 0; i < 3; i++) expect(await delivered(completed)).toBe("granted");
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => deliver(completed)));
    expect(concurrent.map((res) => res.status)).toEqual(Array(10).fill(200));
    expect(await balanceOf(key)).toMatchObject({ credits: 5000, credits_micros: 5_000 * CREDIT });
    expect(await ledger(key)).toEqual([
      expect.objectContaining({
        reason: "purchase",
        amount_micros: 5_000 * CREDIT,
        reference: `stripe:${p.session}`,
        amount_paid_cents: 5000,
      }),
    ]);
  });

  it("the same session under two event ids grants once", async () => {
    const { key, account_id } = await newAccount();
    const p = purchase(account_id);
    expect(await delivered(p.completed())).toBe("granted");
    expect(await delivered(p.completed())).toBe("unchanged");
    expect(await delivered(p.asyncSucceeded())).toBe("unchanged");
    expect((await balanceOf(key)).credits).toBe(5000);
    expect((await paymentEvents(account_id)).data.map((e) => e.outcome)).toEqual(["unchanged", "unchanged", "granted"]);
  });

  it("grants an unpaid session only when its async payment succeeds; a failed one is recorded", async () => {
    const { key, account_id } = await newAccount();
    const p = purchase(account_id, 1_000);
    expect(await delivered(p.completed({ payment_status: "unpaid" }))).toBe("recorded");
    expect((await balanceOf(key)).credits).toBe(0);
    expect(await delivered(p.asyncSucceeded())).toBe("granted");
    expect((await balanceOf(key)).credits).toBe(1000);
    const failed = purchase(account_id, 2_000);
    expect(await delivered(failed.asyncFailed())).toBe("recorded");
    expect((await balanceOf(key)).credits).toBe(1000);
    expect((await paymentEvents(account_id)).data[0]).toMatchObject({ outcome: "recorded", note: "payment failed" });
  });

  it("finds the account in metadata.account_id when client_reference_id is missing", async () => {
    const { key, account_id } = await newAccount();
    expect(await delivered(purchase(account_id, 300).completed({ client_reference_id: null }))).toBe("granted");
    expect((await balanceOf(key)).credits).toBe(300);
  });

  it("records, never loses, an event for an unknown account or for none", async () => {
    const unknown = purchase("acct_nobody0000000000").completed();
    expect(await delivered(unknown)).toBe("unassigned");
    const anonymous = purchase("x").completed({ client_reference_id: null, metadata: {} });
    expect(await delivered(anonymous)).toBe("unassigned");
    const listed = (await paymentEvents(null)).data;
    expect(listed).toContainEqual(
      expect.objectContaining({
        event_id: unknown.id,
        account_id: null,
        note: "unknown account acct_nobody0000000000",
      }),
    );
    expect(listed).toContainEqual(expect.objectContaining({ event_id: anonymous.id, account_id: null }));
    // Delivered again: recorded once.
    await delivered(unknown);
    expect((await paymentEvents(null)).data.filter((e) => e.event_id === unknown.id)).toHaveLength(1);
  });

  it("acknowledges events it does not handle, changing nothing", async () => {
    expect(await delivered(event("customer.created", { id: stripeId("cus") }))).toBe("ignored");
  });
});

describe("POST /webhooks/stripe: signatures", () => {
  const refusals: [
    string,
    (body: string) => Promise<{ signature?: string | null; secret?: string; timestamp?: number }>,
  ][] = [
    ["the seed's unsigned request (stripe-signature: test-sig)", async () => ({ signature: "test-sig" })],
    ["no Stripe-Signature header", async () => ({ signature: null })],
    ["a signature made with another secret", async () => ({ secret: "whsec_someone_else" })],
    ["a signature 301 s old", async () => ({ timestamp: Math.floor(Date.now() / 1000) - 301 })],
    ["a signature of another body", async (body) => ({ signature: await signature(`${body} `) })],
    [
      "a v0 (test-mode scheme) signature only",
      async () => ({ signature: `t=${Math.floor(Date.now() / 1000)},v0=abc` }),
    ],
  ];

  for (const [name, options] of refusals) {
    it(`400 INVALID_SIGNATURE for ${name}, and nothing changes`, async () => {
      const { key, account_id } = await newAccount();
      const completed = purchase(account_id).completed();
      const res = await deliver(completed, await options(JSON.stringify(completed, null, 2)));
      await expectError(res, 400, "INVALID_SIGNATURE");
      expect(await balanceOf(key)).toMatchObject({ credits: 0 });
      expect(await ledger(key)).toEqual([]);
      expect((await paymentEvents(account_id)).data).toEqual([]);
    });
  }

  it("accepts a signature 299 s old", async () => {
    const { key, account_id } = await newAccount();
    const res = await deliver(purchase(account_id, 100).completed(), {
      timestamp: Math.floor(Date.now() / 1000) - 299,
    });
    expect(res.status).toBe(200);
    expect((await balanceOf(key)).credits).toBe(100);
  });

  it("503 BILLING_NOT_CONFIGURED without STRIPE_WEBHOOK_SECRET, so Stripe keeps the event and retries", async () => {
    const { key, account_id } = await newAccount();
    const via = (path: string, init: RequestInit) => gwWith({ STRIPE_WEBHOOK_SECRET: undefined }, path, init);
    await expectError(await deliver(purchase(account_id).completed(), { via }), 503, "BILLING_NOT_CONFIGURED");
    expect((await balanceOf(key)).credits).toBe(0);
  });

  it("is not in the public OpenAPI document, and is in the admin one", async () => {
    const pub = (await (await gw("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(pub.paths).filter((path) => path.startsWith("/webhooks"))).toEqual([]);
    const full = (await (await gw("/admin/openapi.json", { headers: admin() })).json()) as typeof pub;
    expect(Object.keys(full.paths)).toEqual(expect.arrayContaining(["/webhooks/stripe", "/admin/billing/events"]));
  });
});

describe("POST /webhooks/stripe: store outage", () => {
  it("answers 503 STORE_UNAVAILABLE while the store is down, changing nothing; Stripe's retry then grants once", async () => {
    const { key, account_id } = await newAccount();
    const completed = purchase(account_id, 700).completed();
    const down = gatewayWith({
      accounts: async () => {
        throw new Error("Network connection lost.");
      },
    });
    const res = await deliver(completed, { via: down });
    await expectError(res, 503, "STORE_UNAVAILABLE");
    expect(res.headers.get("x-should-retry")).toBe("true");
    expect((await balanceOf(key)).credits).toBe(0);
    expect(await delivered(completed)).toBe("granted");
    expect(await delivered(completed)).toBe("granted");
    expect((await balanceOf(key)).credits).toBe(700);
  });
});
