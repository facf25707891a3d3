import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { components } from "../../openapi/schema.d.ts";
import { balanceOf, bearer, expectError, gw, gwWith, newAccount } from "../helpers/gateway.ts";
import {
  approvedOrder,
  captured,
  captureOrder,
  createOrder,
  deliveredPayPal,
  newOrder,
  paypal,
  paypalEvent,
} from "../helpers/paypal.ts";
import { securitySuite } from "../helpers/security.ts";

type Order = components["schemas"]["PayPalOrder"];
type Entry = { reason: string; amount_micros: number; reference: string | null; amount_paid_cents: number | null };

const CREDIT = 1_000_000;

async function ledger(key: string): Promise<Entry[]> {
  const res = await gw("/v1/usage?limit=100", { headers: bearer(key) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Entry[] }).data;
}

const sentOrders = async (accountId: string) =>
  (await paypal.requests(accountId)).filter((r) => r.path === "/v2/checkout/orders");

describe("POST /v1/billing/paypal/orders", () => {
  it("creates a CAPTURE order in USD for the credits with the account as custom_id, and answers {id, approve_url}", async () => {
    const { key, account_id } = await newAccount();
    const res = await createOrder(key, { credits: 5000 });
    expect(res.status, await res.clone().text()).toBe(200);
    const order = (await res.json()) as Order;
    expect(order.approve_url).toBe(`https://www.sandbox.paypal.com/checkoutnow?token=${order.id}`);
    const [sent, ...more] = await sentOrders(account_id);
    expect(more).toEqual([]);
    expect(JSON.parse(sent?.rawBody ?? "")).toMatchObject({
      intent: "CAPTURE",
      purchase_units: [
        {
          reference_id: "credits:5000",
          custom_id: account_id,
          description: "5,000 credits",
          amount: { currency_code: "USD", value: "50.00" },
        },
      ],
      payment_source: {
        paypal: { experience_context: { return_url: "http://gateway.test/dashboard?paypal=approved" } },
      },
    });
    expect(sent?.headers).toMatchObject({
      authorization: expect.stringMatching(/^Bearer A21AA/),
      "paypal-request-id": expect.stringMatching(/^order-[0-9a-f]{64}$/),
      "content-type": "application/json",
    });
  });

  it("prices from the decimal USD per credit exactly, never through a float", async () => {
    const { key, account_id } = await newAccount();
    const at = (price: string, credits: number) =>
      createOrder(key, { credits }, {}, (path, init) => gwWith({ STRIPE_PRICE_USD_PER_CREDIT: price }, path, init));
    expect((await at("0.0125", 1000)).status).toBe(200);
    // 0.07 x 100 is 7.000000000000001 in floating point.
    expect((await at("0.07", 100)).status).toBe(200);
    expect((await at("1", 999_999)).status).toBe(200);
    const values = (await sentOrders(account_id)).map(
      (r) => (JSON.parse(r.rawBody) as { purchase_units: { amount: { value: string } }[] }).purchase_units[0]?.amount,
    );
    expect(values).toEqual([
      { currency_code: "USD", value: "12.50" },
      { currency_code: "USD", value: "7.00" },
      { currency_code: "USD", value: "999999.00" },
    ]);
  });

  it("the same Idempotency-Key answers the same order; another key, another order", async () => {
    const { key } = await newAccount();
    const order = async (idem: string) =>
      (await (await createOrder(key, { credits: 250 }, { "idempotency-key": idem })).json()) as Order;
    const first = await order("buy-1");
    expect((await order("buy-1")).id).toBe(first.id);
    expect((await order("buy-2")).id).not.toBe(first.id);
  });

  it.each([[{ credits: 99 }], [{ credits: 1_000_001 }], [{ credits: 150.5 }], [{ credits: "5000" }], [{}]])(
    "400 naming credits for %j, sending nothing to PayPal",
    async (body) => {
      const { key, account_id } = await newAccount();
      expect((await expectError(await createOrder(key, body), 400, "INVALID_REQUEST")).param).toBe("credits");
      expect(await sentOrders(account_id)).toEqual([]);
    },
  );

  it("400 naming credits when the price does not come to whole cents, or to less than $0.50", async () => {
    const { key, account_id } = await newAccount();
    const at = (price: string, credits: number) =>
      createOrder(key, { credits }, {}, (path, init) => gwWith({ STRIPE_PRICE_USD_PER_CREDIT: price }, path, init));
    const fraction = await expectError(await at("0.0033", 150), 400, "INVALID_REQUEST");
    expect(fraction).toMatchObject({ param: "credits", message: expect.stringMatching(/multiple of 100/) });
    const small = await expectError(await at("0.001", 100), 400, "INVALID_REQUEST");
    expect(small).toMatchObject({ param: "credits", message: expect.stringMatching(/\$0\.50/) });
    expect(await sentOrders(account_id)).toEqual([]);
  });

  for (const unset of ["PAYPAL_CLIENT_ID", "PAYPAL_CLIENT_SECRET"]) {
    it(`503 BILLING_NOT_CONFIGURED without ${unset}, for orders and captures`, async () => {
      const { key } = await newAccount();
      const via = (path: string, init: RequestInit) => gwWith({ [unset]: undefined }, path, init);
      const res = await createOrder(key, { credits: 100 }, {}, via);
      expect((await expectError(res, 503, "BILLING_NOT_CONFIGURED")).message).toContain(unset);
      expect(res.headers.get("x-should-retry")).toBe("false");
      await expectError(await captureOrder(key, "5O190127TN364715T", via), 503, "BILLING_NOT_CONFIGURED");
    });
  }

  it("502 PROVIDER_ERROR, retryable, when PayPal cannot be reached", async () => {
    const { key } = await newAccount();
    const res = await createOrder(key, { credits: 100 }, {}, (path, init) =>
      gwWith({ PAYPAL_BASE_URL: "http://127.0.0.1:9" }, path, init),
    );
    await expectError(res, 502, "PROVIDER_ERROR");
    expect(res.headers.get("x-should-retry")).toBe("true");
  });

  it("502 PROVIDER_ERROR, not retried, when PayPal refuses the credentials; no secret in the answer", async () => {
    const { key } = await newAccount();
    const res = await createOrder(key, { credits: 100 }, {}, (path, init) =>
      gwWith({ PAYPAL_CLIENT_SECRET: "wrong-paypal-secret-000" }, path, init),
    );
    const text = await res.clone().text();
    await expectError(res, 502, "PROVIDER_ERROR");
    expect(res.headers.get("x-should-retry")).toBe("false");
    expect(text).not.toContain("wrong-paypal-secret-000");
    expect(text).not.toContain(env.PAYPAL_CLIENT_ID as string);
  });
});

describe("POST /v1/billing/paypal/orders/{id}/capture", () => {
  it("create → approve → capture adds exactly the credits once, with a purchase entry; captures again add nothing", async () => {
    const { key } = await newAccount();
    expect(await balanceOf(key)).toMatchObject({ credits: 0, credits_micros: 0 });
    const orderId = await approvedOrder(key, 5000);
    const answer = await captured(key, orderId);
    expect(answer).toEqual({ id: orderId, capture_id: expect.any(String), status: "completed", credits: 5000 });
    expect(await balanceOf(key)).toMatchObject({ credits: 5000, credits_micros: 5000 * CREDIT });

    expect(await captured(key, orderId)).toEqual(answer);
    const again = await Promise.all(Array.from({ length: 5 }, () => captureOrder(key, orderId)));
    expect(again.map((res) => res.status)).toEqual(Array(5).fill(200));
    expect(await balanceOf(key)).toMatchObject({ credits: 5000, credits_micros: 5000 * CREDIT });
    expect(await ledger(key)).toEqual([
      expect.objectContaining({
        reason: "purchase",
        amount_micros: 5000 * CREDIT,
        reference: `paypal:${answer.capture_id}`,
        amount_paid_cents: 5000,
      }),
    ]);
    // The webhook for the same capture, arriving after, changes nothing.
    const event = paypalEvent("PAYMENT.CAPTURE.COMPLETED", await paypal.capture(answer.capture_id));
    expect(await deliveredPayPal(event)).toBe("unchanged");
    expect((await balanceOf(key)).credits).toBe(5000);
  });

  it("concurrent first captures grant once", async () => {
    const { key } = await newAccount();
    const orderId = await approvedOrder(key, 300);
    const answers = await Promise.all(Array.from({ length: 6 }, () => captureOrder(key, orderId)));
    expect(answers.map((res) => res.status)).toEqual(Array(6).fill(200));
    expect((await balanceOf(key)).credits).toBe(300);
    expect((await ledger(key)).filter((e) => e.reason === "purchase")).toHaveLength(1);
  });

  it("400 naming id for an order the buyer has not approved; nothing granted", async () => {
    const { key } = await newAccount();
    const { id } = await newOrder(key, 100);
    const error = await expectError(await captureOrder(key, id), 400, "INVALID_REQUEST");
    expect(error).toMatchObject({ param: "id", message: expect.stringMatching(/approve_url/) });
    expect((await balanceOf(key)).credits).toBe(0);
  });

  it("404 for another account's order, checked before anything is captured; the owner then captures it", async () => {
    const owner = await newAccount();
    const other = await newAccount();
    const orderId = await approvedOrder(owner.key, 700);
    await expectError(await captureOrder(other.key, orderId), 404, "NOT_FOUND");
    const captures = (await paypal.requests(orderId)).filter((r) => r.path.endsWith("/capture"));
    expect(captures).toEqual([]);
    expect((await balanceOf(other.key)).credits).toBe(0);
    expect((await captured(owner.key, orderId)).status).toBe("completed");
    expect((await balanceOf(owner.key)).credits).toBe(700);
    expect((await balanceOf(other.key)).credits).toBe(0);
  });

  it("504 PROVIDER_TIMEOUT, retryable, when PayPal stalls before answering or mid-answer; the retry grants once", async () => {
    for (const mode of ["headers", "body"] as const) {
      const { key } = await newAccount();
      const orderId = await approvedOrder(key, 400);
      // "headers": PayPal never answers the capture; "body": it captured, and its answer stops half-way.
      await paypal.stall(`/${orderId}/capture`, mode);
      const res = await captureOrder(key, orderId);
      const error = await expectError(res, 504, "PROVIDER_TIMEOUT");
      expect(error.message).toMatch(/retry is safe/);
      expect(res.headers.get("x-should-retry")).toBe("true");
      expect((await balanceOf(key)).credits).toBe(0);
      // The retry (the same PayPal-Request-Id) answers the capture, granted once.
      expect(await captured(key, orderId)).toMatchObject({ status: "completed", credits: 400 });
      expect((await balanceOf(key)).credits).toBe(400);
      expect((await ledger(key)).filter((e) => e.reason === "purchase")).toHaveLength(1);
    }
  });

  it("404 for an order PayPal does not have", async () => {
    const { key } = await newAccount();
    await expectError(await captureOrder(key, "0AB12345CD678901E"), 404, "NOT_FOUND");
  });

  it("a PENDING capture grants nothing and says pending; the COMPLETED webhook then grants once", async () => {
    const { key } = await newAccount();
    const orderId = await approvedOrder(key, 2000, "PENDING");
    const pending = await captured(key, orderId);
    expect(pending).toMatchObject({ status: "pending", credits: 2000 });
    expect(await captured(key, orderId)).toEqual(pending);
    expect((await balanceOf(key)).credits).toBe(0);

    const completed = paypalEvent("PAYMENT.CAPTURE.COMPLETED", await paypal.complete(pending.capture_id));
    expect(await deliveredPayPal(completed)).toBe("granted");
    expect(await deliveredPayPal(completed)).toBe("granted");
    expect((await balanceOf(key)).credits).toBe(2000);
    expect(await captured(key, orderId)).toEqual({ ...pending, status: "completed" });
    expect((await balanceOf(key)).credits).toBe(2000);
  });

  it("the capture route and the webhook racing for one capture grant exactly once", async () => {
    const { key } = await newAccount();
    const orderId = await approvedOrder(key, 4000, "PENDING");
    const { capture_id } = await captured(key, orderId);
    const resource = await paypal.complete(capture_id);
    const events = [
      paypalEvent("PAYMENT.CAPTURE.COMPLETED", resource),
      paypalEvent("PAYMENT.CAPTURE.COMPLETED", resource),
    ];
    const [routes, hooks] = await Promise.all([
      Promise.all([captured(key, orderId), captured(key, orderId)]),
      Promise.all(events.map((event) => deliveredPayPal(event))),
    ]);
    expect(routes.map((r) => r.status)).toEqual(["completed", "completed"]);
    expect(hooks.filter((outcome) => outcome === "granted").length).toBeLessThanOrEqual(1);
    expect(hooks.every((outcome) => outcome === "granted" || outcome === "unchanged")).toBe(true);
    expect((await balanceOf(key)).credits).toBe(4000);
    expect((await ledger(key)).filter((e) => e.reason === "purchase")).toEqual([
      expect.objectContaining({ amount_micros: 4000 * CREDIT, reference: `paypal:${capture_id}` }),
    ]);
  });
});

securitySuite("paypal billing", "keyHolder", [
  { method: "POST", path: "/v1/billing/paypal/orders", body: { credits: 100 } },
  { method: "POST", path: "/v1/billing/paypal/orders/5O190127TN364715T/capture" },
]);
