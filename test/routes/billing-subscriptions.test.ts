import { describe, expect, it } from "vitest";
import type { components } from "../../openapi/schema.d.ts";
import { chat, prompt, settledAccount } from "../helpers/chat.ts";
import { bearer, expectError, gwWith, json, newAccount, rapid } from "../helpers/gateway.ts";
import { PLANS } from "../helpers/plans.ts";
import {
  delivered,
  paymentEvents,
  deliver as post,
  registerInvoice,
  stripeFails,
  stripeRequests,
  subscription,
} from "../helpers/stripe.ts";

/** The gateway deployed with SOLD_PLANS (Stripe prices set). */
const sold = (path: string, init?: RequestInit) => gwWith({ PLANS }, path, init);

type Session = components["schemas"]["CheckoutSession"];
type Balance = components["schemas"]["Balance"];
type Entry = { reason: string; amount_micros: number; reference: string | null; amount_paid_cents: number | null };

const CREDIT = 1_000_000;
const subscribe = (key: string, body: unknown, headers: Record<string, string> = {}) =>
  sold("/v1/billing/checkout", json(body, { ...bearer(key), ...headers }));

async function balance(key: string): Promise<Balance> {
  const res = await sold("/v1/balance", { headers: bearer(key) });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Balance;
}

async function ledger(key: string): Promise<Entry[]> {
  const res = await sold("/v1/usage?limit=100", { headers: bearer(key) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Entry[] }).data;
}

/** What the fake Stripe was sent for the account: customer creations and checkout sessions. */
async function sent(accountId: string) {
  const requests = await stripeRequests(accountId);
  return {
    customers: requests.filter((r) => r.path === "/v1/customers"),
    sessions: requests.filter((r) => r.path === "/v1/checkout/sessions"),
  };
}

/** An account that went through checkout for `plan`: its key and the Stripe customer the gateway made. */
async function subscribed(plan = "pro") {
  const account = await newAccount();
  const res = await subscribe(account.key, { plan });
  expect(res.status, await res.clone().text()).toBe(200);
  const customer = (await sent(account.account_id)).sessions[0]?.form.customer as string;
  expect(customer).toMatch(/^cus_test_/);
  return { ...account, customer };
}

const deliver = (body: Parameters<typeof delivered>[0]) => delivered(body, sold);

describe("POST /v1/billing/checkout {plan}", () => {
  it("opens Checkout in subscription mode for the plan's price, with a Stripe customer made for the account", async () => {
    const { key, account_id } = await newAccount();
    const res = await subscribe(key, { plan: "pro" });
    expect(res.status, await res.clone().text()).toBe(200);
    const session = (await res.json()) as Session;
    expect(session.url).toBe(`https://checkout.stripe.com/c/pay/${session.id}`);

    const { customers, sessions } = await sent(account_id);
    expect(customers).toHaveLength(1);
    expect(customers[0]?.form).toEqual({ metadata: { account_id } });
    expect(customers[0]?.headers["idempotency-key"]).toMatch(/^customer_[0-9a-f]{64}$/);
    expect(sessions).toHaveLength(1);
    const metadata = { account_id, plan: "pro" };
    expect(sessions[0]?.form).toEqual({
      mode: "subscription",
      customer: expect.stringMatching(/^cus_test_/),
      client_reference_id: account_id,
      metadata,
      subscription_data: { metadata },
      line_items: [{ price: "price_test_pro", quantity: "1" }],
      success_url: "http://gateway.test/dashboard?checkout=success&session_id={CHECKOUT_SESSION_ID}",
      cancel_url: "http://gateway.test/dashboard?checkout=cancelled",
    });
    expect(sessions[0]?.headers["idempotency-key"]).toMatch(/^subscribe_[0-9a-f]{64}$/);
  });

  it("a second checkout reuses the account's customer; the same Idempotency-Key answers the same session", async () => {
    const { key, account_id } = await newAccount();
    const first = (await (await subscribe(key, { plan: "pro" }, { "idempotency-key": "s-1" })).json()) as Session;
    const again = (await (await subscribe(key, { plan: "pro" }, { "idempotency-key": "s-1" })).json()) as Session;
    const other = (await (await subscribe(key, { plan: "ultra" }, { "idempotency-key": "s-2" })).json()) as Session;
    expect(again.id).toBe(first.id);
    expect(other.id).not.toBe(first.id);
    const { customers, sessions } = await sent(account_id);
    expect(customers).toHaveLength(1);
    expect(new Set(sessions.map((s) => s.form.customer)).size).toBe(1);
    expect(sessions[2]?.form.line_items).toEqual([{ price: "price_test_ultra", quantity: "1" }]);
  });

  it("concurrent first checkouts of one account make one customer", async () => {
    const { key, account_id } = await newAccount();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => subscribe(key, { plan: "pro" }, { "idempotency-key": `c-${i}` })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    const { customers, sessions } = await sent(account_id);
    expect(sessions).toHaveLength(6);
    expect(new Set(sessions.map((s) => s.form.customer)).size).toBe(1);
    // However many reached Stripe, they carried one Idempotency-Key, so Stripe made one customer.
    expect(new Set(customers.map((c) => c.headers["idempotency-key"])).size).toBe(1);
  });

  it.each([
    [{ plan: "platinum" }, "plan", /does not exist/],
    [{ plan: "free" }, "plan", /cannot be bought/],
    [{ plan: "legacy" }, "plan", /cannot be bought/],
    [{ plan: "pro", credits: 100 }, "plan", /exactly one/],
    [{ plan: 3 }, "plan", /string/],
    [{}, "credits", /exactly one/],
  ])("400 naming the field for %j, sending nothing to Stripe", async (body, param, message) => {
    const { key, account_id } = await newAccount();
    const error = await expectError(await subscribe(key, body), 400, "INVALID_REQUEST");
    expect(error).toMatchObject({ param, message: expect.stringMatching(message) });
    expect(await stripeRequests(account_id)).toEqual([]);
  });

  it("403 for RapidAPI subscribers", async () => {
    const res = await sold("/v1/billing/checkout", json({ plan: "pro" }, rapid("sub-user-1")));
    await expectError(res, 403, "FORBIDDEN");
  });

  it("an account already on a paid plan is sent to the portal instead of a second subscription", async () => {
    const { key, customer, account_id } = await subscribed();
    await deliver(subscription(account_id, customer, "price_test_pro").invoicePaid());
    const error = await expectError(await subscribe(key, { plan: "ultra" }), 400, "INVALID_REQUEST");
    expect(error).toMatchObject({ param: "plan", message: expect.stringMatching(/billing portal/) });
  });
});

describe("POST /webhooks/stripe: subscriptions", () => {
  it("invoice.paid grants the plan's allowance once and puts the account on the plan", async () => {
    const { key, account_id, customer } = await subscribed();
    expect(await balance(key)).toMatchObject({ credits: 0, plan: "free" });
    const sub = subscription(account_id, customer, "price_test_pro");
    const paid = sub.invoicePaid({ billing_reason: "subscription_create" });
    expect(await deliver(paid)).toBe("granted");
    // Replayed, and the same invoice under another event id: nothing more.
    expect(await deliver(paid)).toBe("granted");
    const invoice = paid.data.object.id as string;
    expect(await deliver(sub.invoicePaid({ invoice }))).toBe("unchanged");
    expect(await balance(key)).toMatchObject({ credits: 2_000, plan: "pro" });
    expect(await ledger(key)).toEqual([
      expect.objectContaining({
        reason: "plan_allowance",
        amount_micros: 2_000 * CREDIT,
        reference: `stripe:${invoice}`,
        amount_paid_cents: 2900,
      }),
    ]);
    // The next month's invoice grants again; what was not used stays.
    expect(await deliver(sub.invoicePaid())).toBe("granted");
    expect(await balance(key)).toMatchObject({ credits: 4_000, plan: "pro" });
  });

  it("a plan change's proration invoice and a free trial invoice set the plan but grant nothing", async () => {
    const { key, account_id, customer } = await subscribed();
    const sub = subscription(account_id, customer, "price_test_ultra");
    expect(await deliver(sub.invoicePaid({ amount_paid: 0, billing_reason: "subscription_create" }))).toBe("granted");
    expect(await balance(key)).toMatchObject({ credits: 0, plan: "ultra" });
    expect(await deliver(sub.invoicePaid({ billing_reason: "subscription_update" }))).toBe("granted");
    expect(await balance(key)).toMatchObject({ credits: 0, plan: "ultra" });
  });

  it("an upgrade's proration invoice puts the account on the new plan, not the one credited back", async () => {
    const { key, account_id, customer } = await subscribed();
    const sub = subscription(account_id, customer, "price_test_pro");
    const now = Math.floor(Date.now() / 1000);
    await deliver(sub.invoicePaid({ created: now - 10 }));
    const upgrade = sub.invoicePaid({
      created: now,
      billing_reason: "subscription_update",
      amount_paid: 5_000,
      lines: [
        { price: "price_test_pro", amount: -1_450, proration: true },
        { price: "price_test_ultra", amount: 6_450, proration: true },
      ],
    });
    expect(await deliver(upgrade)).toBe("granted");
    expect(await balance(key)).toMatchObject({ credits: 2_000, plan: "ultra" });
  });

  it("follows an upgrade through customer.subscription.updated, and a deletion returns the account to the default plan", async () => {
    const { key, account_id, customer } = await subscribed();
    const sub = subscription(account_id, customer, "price_test_pro");
    const now = Math.floor(Date.now() / 1000);
    await deliver(sub.invoicePaid({ created: now - 30 }));
    expect(await deliver(sub.updated({ price: "price_test_ultra", created: now - 20 }))).toBe("plan_changed");
    expect(await balance(key)).toMatchObject({ credits: 2_000, plan: "ultra" });
    expect(await deliver(sub.updated({ price: "price_test_ultra", status: "unpaid", created: now - 10 }))).toBe(
      "plan_changed",
    );
    expect((await balance(key)).plan).toBe("free");
    expect(await deliver(sub.updated({ price: "price_test_ultra", created: now - 5 }))).toBe("plan_changed");
    expect((await balance(key)).plan).toBe("ultra");
    expect(await deliver(sub.deleted(now))).toBe("plan_changed");
    // Unused allowance stays.
    expect(await balance(key)).toMatchObject({ credits: 2_000, plan: "free" });
  });

  it("out of order: a deletion delivered before an older update stays on the default plan", async () => {
    const { key, account_id, customer } = await subscribed();
    const sub = subscription(account_id, customer, "price_test_pro");
    const now = Math.floor(Date.now() / 1000);
    await deliver(sub.invoicePaid({ created: now - 120 }));
    const older = sub.updated({ price: "price_test_ultra", created: now - 60 });
    expect(await deliver(sub.deleted(now))).toBe("plan_changed");
    expect(await deliver(older)).toBe("stale");
    expect(await deliver(older)).toBe("stale");
    // A late invoice of the ended subscription still grants what was paid, but not the plan.
    expect(await deliver(sub.invoicePaid({ created: now - 90 }))).toBe("granted");
    expect(await balance(key)).toMatchObject({ credits: 4_000, plan: "free" });
    const events = (await paymentEvents(account_id)).data;
    expect(events.find((e) => e.event_id === older.id)).toMatchObject({ outcome: "stale", changed_micros: 0 });
  });

  it("records invoice.payment_failed on the account, changing nothing", async () => {
    const { key, account_id, customer } = await subscribed();
    const sub = subscription(account_id, customer, "price_test_pro");
    await deliver(sub.invoicePaid());
    const failed = sub.paymentFailed({ attempt_count: 2 });
    expect(await deliver(failed)).toBe("recorded");
    expect(await balance(key)).toMatchObject({ credits: 2_000, plan: "pro" });
    expect((await paymentEvents(account_id)).data[0]).toMatchObject({
      event_id: failed.id,
      outcome: "recorded",
      note: expect.stringMatching(/^payment failed \(attempt 2\)/),
    });
  });

  it("finds the account through the Stripe customer when the invoice names none", async () => {
    const { key, account_id, customer } = await subscribed();
    const sub = subscription(account_id, customer, "price_test_pro");
    expect(await deliver(sub.invoicePaid({ no_metadata: true }))).toBe("granted");
    expect(await balance(key)).toMatchObject({ credits: 2_000, plan: "pro" });
  });

  it("keeps an invoice for a price no plan sells, or for no known account, for the operator", async () => {
    const { key, account_id, customer } = await subscribed();
    const other = subscription(account_id, customer, "price_someone_elses");
    expect(await deliver(other.invoicePaid())).toBe("recorded");
    expect(await balance(key)).toMatchObject({ credits: 0, plan: "free" });
    const stranger = subscription("acct_nobody0000000000", "cus_test_unknown", "price_test_pro").invoicePaid();
    expect(await deliver(stranger)).toBe("unassigned");
    expect((await paymentEvents(null)).data).toContainEqual(expect.objectContaining({ event_id: stranger.id }));
  });
});

describe("POST /webhooks/stripe: refunds of subscription invoices", () => {
  /** A subscribed account whose first invoice, paid by a payment intent Stripe knows, granted 2,000 credits. */
  async function paidSubscriber() {
    const account = await subscribed();
    const invoice = subscription(account.account_id, account.customer, "price_test_pro").paidInvoice({
      billing_reason: "subscription_create",
    });
    await registerInvoice(invoice);
    expect(await deliver(invoice.paid())).toBe("granted");
    return { ...account, invoice };
  }

  it("charge.refunded of the invoice's payment takes back the allowance's refunded share; a replay nothing more", async () => {
    const { key, account_id, invoice } = await paidSubscriber();
    const res = await chat(key, { max_tokens: 200, messages: [{ role: "user", content: prompt().content }] });
    expect(res.status, await res.text()).toBe(200);
    const before = (await settledAccount(key)).credits_micros;
    expect(before).toBeGreaterThan(1_000 * CREDIT);
    expect(before).toBeLessThan(2_000 * CREDIT);

    // Half of the 29.00 paid: half of the 2,000 credits.
    const refund = invoice.refunded(1_450);
    expect(await deliver(refund)).toBe("clawed_back");
    expect((await balance(key)).credits_micros).toBe(before - 1_000 * CREDIT);
    const clawbacks = (await ledger(key)).filter((e) => e.reason === "clawback");
    expect(clawbacks).toEqual([
      expect.objectContaining({ amount_micros: -1_000 * CREDIT, reference: `stripe:refund:${invoice.intent}` }),
    ]);
    expect(await deliver(refund)).toBe("clawed_back");
    expect((await balance(key)).credits_micros).toBe(before - 1_000 * CREDIT);
    expect((await ledger(key)).filter((e) => e.reason === "clawback")).toHaveLength(1);
    const { data } = await paymentEvents(account_id);
    expect(data.find((e) => e.event_id === refund.id)).toMatchObject({
      outcome: "clawed_back",
      changed_micros: -1_000 * CREDIT,
    });
    const unassigned = await paymentEvents(null);
    expect(unassigned.data.some((e) => e.event_id === refund.id)).toBe(false);
  });

  it("Stripe's invoice payments lookup down: 5xx and nothing changes, so Stripe's retry applies it once", async () => {
    const { key, account_id, invoice } = await paidSubscriber();
    const refund = invoice.refunded(2_900);
    // Only the invoice payments lookup names the payment intent in its query: it alone fails.
    await stripeFails(invoice.intent, 500);
    const res = await post(refund, { via: sold });
    expect(res.status, await res.clone().text()).toBeGreaterThanOrEqual(500);
    expect((await balance(key)).credits_micros).toBe(2_000 * CREDIT);
    expect((await ledger(key)).map((e) => e.reason)).toEqual(["plan_allowance"]);
    expect((await paymentEvents(account_id)).data.some((e) => e.event_id === refund.id)).toBe(false);

    await stripeFails(invoice.intent, 0);
    expect(await deliver(refund)).toBe("clawed_back");
    expect((await balance(key)).credits_micros).toBe(0);
  });
});

describe("POST /v1/billing/portal", () => {
  it("answers the Stripe billing portal URL for the account's customer", async () => {
    const { key, customer } = await subscribed();
    const res = await sold("/v1/billing/portal", { method: "POST", headers: bearer(key) });
    expect(res.status, await res.clone().text()).toBe(200);
    const { url } = (await res.json()) as { url: string };
    expect(url).toMatch(/^https:\/\/billing\.stripe\.com\/p\/session\/bps_test_/);
    const [portal] = (await stripeRequests(customer)).filter((r) => r.path === "/v1/billing_portal/sessions");
    expect(portal?.form).toEqual({ customer, return_url: "http://gateway.test/dashboard" });
  });

  it("404 NOT_FOUND before the account's first subscription checkout, asking nothing of Stripe", async () => {
    const { key, account_id } = await newAccount();
    const error = await expectError(
      await sold("/v1/billing/portal", { method: "POST", headers: bearer(key) }),
      404,
      "NOT_FOUND",
    );
    expect(error.message).toMatch(/checkout/);
    expect(await stripeRequests(account_id)).toEqual([]);
  });
});
