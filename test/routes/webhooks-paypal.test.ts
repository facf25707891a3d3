import { describe, expect, it } from "vitest";
import { admin, balanceOf, bearer, expectError, gw, gwWith, newAccount } from "../helpers/gateway.ts";
import {
  approvedOrder,
  captureAtPayPal,
  captured,
  deliveredPayPal,
  deliverPayPal,
  orderAtPayPal,
  type PayPalEventBody,
  paypal,
  paypalEvent,
} from "../helpers/paypal.ts";
import { postPayPal } from "../helpers/paypal-events.ts";
import { gatewayWith } from "../helpers/store-bindings.ts";
import { paymentEvents } from "../helpers/stripe.ts";

type Entry = { reason: string; amount_micros: number; reference: string | null };
const CREDIT = 1_000_000;

async function ledger(key: string): Promise<Entry[]> {
  const res = await gw("/v1/usage?limit=100", { headers: bearer(key) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Entry[] }).data;
}

/** An account that bought `credits` with PayPal (captured by the buyer's page, granted by the webhook). */
async function bought(credits: number) {
  const account = await newAccount();
  const orderId = await approvedOrder(account.key, credits);
  const captureId = await captureAtPayPal(orderId);
  const completed = paypalEvent("PAYMENT.CAPTURE.COMPLETED", await paypal.capture(captureId));
  return { ...account, orderId, captureId, completed };
}

const refunded = async (captureId: string, value: string, options: { total?: boolean } = {}) =>
  paypalEvent("PAYMENT.CAPTURE.REFUNDED", await paypal.refund(captureId, value, options));

describe("POST /webhooks/paypal: PAYMENT.CAPTURE.COMPLETED", () => {
  it("grants a capture the capture route has not, once however often it is delivered", async () => {
    const { key, completed, captureId } = await bought(5000);
    expect((await balanceOf(key)).credits).toBe(0);
    expect(await deliveredPayPal(completed)).toBe("granted");
    expect(await deliveredPayPal(completed)).toBe("granted");
    const concurrent = await Promise.all(Array.from({ length: 6 }, () => deliverPayPal(completed)));
    expect(concurrent.map((res) => res.status)).toEqual(Array(6).fill(200));
    // The same capture under another event id (PayPal's resend makes a new one) is unchanged.
    const resent = paypalEvent("PAYMENT.CAPTURE.COMPLETED", completed.resource);
    expect(await deliveredPayPal(resent)).toBe("unchanged");
    expect(await balanceOf(key)).toMatchObject({ credits: 5000, credits_micros: 5000 * CREDIT });
    expect(await ledger(key)).toEqual([
      expect.objectContaining({ reason: "purchase", amount_micros: 5000 * CREDIT, reference: `paypal:${captureId}` }),
    ]);
  });

  it("the capture route after the webhook answers completed and adds nothing", async () => {
    const { key, orderId, completed, captureId } = await bought(700);
    expect(await deliveredPayPal(completed)).toBe("granted");
    expect(await captured(key, orderId)).toEqual({
      id: orderId,
      capture_id: captureId,
      status: "completed",
      credits: 700,
    });
    expect((await balanceOf(key)).credits).toBe(700);
  });

  it("grants the order's credits, whatever the event's resource claims", async () => {
    const { key, completed } = await bought(300);
    const inflated = structuredClone(completed) as PayPalEventBody;
    inflated.id = `${completed.id}-X`;
    inflated.resource.amount = { currency_code: "USD", value: "9000.00" };
    // Signed as PayPal sent it (verified), yet the amount is not the order's: nothing granted.
    expect(await deliveredPayPal(inflated)).toBe("recorded");
    expect((await balanceOf(key)).credits).toBe(0);
    expect(await deliveredPayPal(completed)).toBe("granted");
    expect((await balanceOf(key)).credits).toBe(300);
  });

  it("records, never loses, a capture for an account this gateway does not have (200, unassigned)", async () => {
    const orderId = await orderAtPayPal("acct_nobody00000000000000", 100, "1.00");
    await paypal.approve(orderId);
    const captureId = await captureAtPayPal(orderId);
    const event = paypalEvent("PAYMENT.CAPTURE.COMPLETED", await paypal.capture(captureId));
    expect(await deliveredPayPal(event)).toBe("unassigned");
    expect(await deliveredPayPal(event)).toBe("unassigned");
    const listed = (await paymentEvents(null)).data.filter((e) => e.event_id === event.id);
    expect(listed).toEqual([
      expect.objectContaining({ account_id: null, note: "unknown account acct_nobody00000000000000" }),
    ]);
  });

  it("acknowledges events it does not handle, changing nothing", async () => {
    const event = paypalEvent("CHECKOUT.ORDER.APPROVED", { id: "5O190127TN364715T", status: "APPROVED" });
    expect(await deliveredPayPal(event)).toBe("ignored");
  });
});

describe("POST /webhooks/paypal: refunds and reversals", () => {
  it("a partial refund takes back its share, then the rest takes back the rest; replays change nothing", async () => {
    const { key, completed, captureId } = await bought(5000);
    await deliveredPayPal(completed);
    const first = await refunded(captureId, "20.00");
    expect(await deliveredPayPal(first)).toBe("clawed_back");
    expect(await deliveredPayPal(first)).toBe("clawed_back");
    expect((await balanceOf(key)).credits).toBe(3000);
    const rest = await refunded(captureId, "30.00");
    expect(await deliveredPayPal(rest)).toBe("clawed_back");
    expect(await deliveredPayPal(first)).toBe("clawed_back");
    expect(await balanceOf(key)).toMatchObject({ credits: 0, credits_micros: 0 });
    expect((await ledger(key)).map((e) => [e.reason, e.amount_micros / CREDIT, e.reference])).toEqual([
      ["clawback", -3000, `paypal:refund:${captureId}`],
      ["clawback", -2000, `paypal:refund:${captureId}`],
      ["purchase", 5000, `paypal:${captureId}`],
    ]);
  });

  it("takes the running total from the refund PayPal holds when the event leaves it out", async () => {
    const { key, completed, captureId } = await bought(1000);
    await deliveredPayPal(completed);
    await deliveredPayPal(await refunded(captureId, "4.00", { total: false }));
    expect((await balanceOf(key)).credits).toBe(600);
    // Out of order: the later refund's event first brings the running total; the earlier one adds nothing.
    const a = await refunded(captureId, "1.00", { total: false });
    const b = await refunded(captureId, "2.00", { total: false });
    expect(await deliveredPayPal(b)).toBe("clawed_back");
    expect(await deliveredPayPal(a)).toBe("unchanged");
    expect((await balanceOf(key)).credits).toBe(300);
  });

  it("a reversal takes the purchase back", async () => {
    const { key, completed, captureId } = await bought(2000);
    await deliveredPayPal(completed);
    const reversal = paypalEvent("PAYMENT.CAPTURE.REVERSED", await paypal.refund(captureId, "20.00"));
    expect(await deliveredPayPal(reversal)).toBe("clawed_back");
    expect(await deliveredPayPal(reversal)).toBe("clawed_back");
    expect((await balanceOf(key)).credits).toBe(0);
    expect((await ledger(key))[0]).toMatchObject({ reason: "clawback", amount_micros: -2000 * CREDIT });
  });

  it("a refund before its grant is kept and applied when the capture is granted", async () => {
    const { key, completed, captureId } = await bought(1000);
    expect(await deliveredPayPal(await refunded(captureId, "2.50"))).toBe("pending");
    expect((await balanceOf(key)).credits).toBe(0);
    expect(await deliveredPayPal(completed)).toBe("granted");
    expect((await balanceOf(key)).credits).toBe(750);
  });
});

describe("POST /webhooks/paypal: verification", () => {
  const HEADERS = [
    "paypal-transmission-id",
    "paypal-transmission-time",
    "paypal-transmission-sig",
    "paypal-cert-url",
    "paypal-auth-algo",
  ];

  async function refusedChangingNothing(res: Response, key: string, accountId: string) {
    await expectError(res, 400, "INVALID_SIGNATURE");
    expect((await balanceOf(key)).credits).toBe(0);
    expect(await ledger(key)).toEqual([]);
    expect((await paymentEvents(accountId)).data).toEqual([]);
  }

  it("400 INVALID_SIGNATURE for a forged body (PayPal answers FAILURE), and nothing changes", async () => {
    const { key, account_id, completed } = await bought(5000);
    const signed = await paypal.sign(completed);
    const forged = { ...signed, body: signed.body.replace('"value": "50.00"', '"value": "50.01"') };
    expect(forged.body).not.toBe(signed.body);
    await refusedChangingNothing(await postPayPal(async (p, i) => gw(p, i), forged), key, account_id);
  });

  it("400 INVALID_SIGNATURE for a made-up signature, and nothing changes", async () => {
    const { key, account_id, completed } = await bought(100);
    const signed = await paypal.sign(completed);
    const made = { ...signed, headers: { ...signed.headers, "paypal-transmission-sig": btoa("made up") } };
    await refusedChangingNothing(await postPayPal(async (p, i) => gw(p, i), made), key, account_id);
  });

  for (const header of HEADERS) {
    it(`400 INVALID_SIGNATURE without ${header}, and nothing changes`, async () => {
      const { key, account_id, completed } = await bought(100);
      const signed = await paypal.sign(completed);
      const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== header));
      await refusedChangingNothing(await postPayPal(async (p, i) => gw(p, i), { ...signed, headers }), key, account_id);
    });
  }

  it("400 INVALID_SIGNATURE for a body that is not JSON", async () => {
    const signed = await paypal.sign(paypalEvent("PAYMENT.CAPTURE.COMPLETED", { id: "X" }));
    const res = await postPayPal(async (p, i) => gw(p, i), { ...signed, body: "not json" });
    await expectError(res, 400, "INVALID_SIGNATURE");
  });

  it("5xx when PayPal cannot be reached to verify, so PayPal retries; nothing changes until it can", async () => {
    const { key, completed } = await bought(400);
    const down = (path: string, init: RequestInit) => gwWith({ PAYPAL_BASE_URL: "http://127.0.0.1:9" }, path, init);
    const res = await deliverPayPal(completed, down);
    await expectError(res, 502, "PROVIDER_ERROR");
    expect(res.headers.get("x-should-retry")).toBe("true");
    expect((await balanceOf(key)).credits).toBe(0);
    expect(await deliveredPayPal(completed)).toBe("granted");
    expect((await balanceOf(key)).credits).toBe(400);
  });

  it("503 BILLING_NOT_CONFIGURED without PAYPAL_WEBHOOK_ID, changing nothing", async () => {
    const { key, completed } = await bought(100);
    const via = (path: string, init: RequestInit) => gwWith({ PAYPAL_WEBHOOK_ID: undefined }, path, init);
    await expectError(await deliverPayPal(completed, via), 503, "BILLING_NOT_CONFIGURED");
    expect((await balanceOf(key)).credits).toBe(0);
  });

  it("is not in the public OpenAPI document, and is in the admin one", async () => {
    const pub = (await (await gw("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(pub.paths)).toEqual(expect.arrayContaining(["/v1/billing/paypal/orders"]));
    expect(Object.keys(pub.paths).filter((path) => path.startsWith("/webhooks"))).toEqual([]);
    const full = (await (await gw("/admin/openapi.json", { headers: admin() })).json()) as typeof pub;
    expect(Object.keys(full.paths)).toContain("/webhooks/paypal");
  });
});

describe("POST /webhooks/paypal: store outage", () => {
  it("503 STORE_UNAVAILABLE while the store is down, changing nothing; PayPal's retry then grants once", async () => {
    const { key, completed } = await bought(700);
    const down = gatewayWith({
      accounts: async () => {
        throw new Error("Network connection lost.");
      },
    });
    const res = await deliverPayPal(completed, down);
    await expectError(res, 503, "STORE_UNAVAILABLE");
    expect(res.headers.get("x-should-retry")).toBe("true");
    expect((await balanceOf(key)).credits).toBe(0);
    expect(await deliveredPayPal(completed)).toBe("granted");
    expect(await deliveredPayPal(completed)).toBe("granted");
    expect((await balanceOf(key)).credits).toBe(700);
  });
});
