import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { components } from "../../openapi/schema.d.ts";
import { STRIPE_API_VERSION } from "../../src/billing/stripe.ts";
import { bearer, expectError, gw, gwWith, json, newAccount } from "../helpers/gateway.ts";
import { securitySuite } from "../helpers/security.ts";
import { stripeApi, stripeFails, stripeRequests } from "../helpers/stripe.ts";

type Session = components["schemas"]["CheckoutSession"];

const checkout = (key: string, body: unknown, headers: Record<string, string> = {}) =>
  gw("/v1/billing/checkout", json(body, { ...bearer(key), ...headers }));

describe("POST /v1/billing/checkout", () => {
  it("creates a payment-mode Checkout Session for the credits, priced in integer cents, and answers {id, url}", async () => {
    const { key, account_id } = await newAccount();
    const res = await checkout(key, { credits: 5000 });
    expect(res.status, await res.clone().text()).toBe(200);
    const session = (await res.json()) as Session;
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toBe(`https://checkout.stripe.com/c/pay/${session.id}`);

    const [sent, ...more] = await stripeRequests(account_id);
    expect(more).toEqual([]);
    expect(sent).toMatchObject({ method: "POST", path: "/v1/checkout/sessions" });
    const metadata = { account_id, credits: "5000" };
    expect(sent?.form).toEqual({
      mode: "payment",
      client_reference_id: account_id,
      metadata,
      payment_intent_data: { metadata },
      line_items: [
        {
          quantity: "1",
          price_data: { currency: "usd", unit_amount: "5000", product_data: { name: "5,000 credits" } },
        },
      ],
      success_url: "http://gateway.test/dashboard?checkout=success&session_id={CHECKOUT_SESSION_ID}",
      cancel_url: "http://gateway.test/dashboard?checkout=cancelled",
    });
    // The real library, on the pinned API version, with the gateway's key and an idempotency key.
    expect(sent?.headers).toMatchObject({
      authorization: `Bearer ${env.STRIPE_SECRET_KEY}`,
      "stripe-version": STRIPE_API_VERSION,
      "idempotency-key": expect.stringMatching(/^checkout_[0-9a-f]{64}$/),
    });
    expect(sent?.headers["user-agent"]).toMatch(/^Stripe\/v1 NodeBindings\//);
  });

  it("prices from the decimal USD_PER_CREDIT exactly, never through a float", async () => {
    const { key, account_id } = await newAccount();
    const priced = (price: string, credits: number) =>
      gwWith({ STRIPE_PRICE_USD_PER_CREDIT: price }, "/v1/billing/checkout", json({ credits }, bearer(key)));
    expect((await priced("0.0125", 1000)).status).toBe(200);
    // 0.07 x 100 is 7.000000000000001 in floating point.
    expect((await priced("0.07", 100)).status).toBe(200);
    const amounts = (await stripeRequests(account_id)).map(
      (r) => (r.form.line_items as { price_data: { unit_amount: string } }[])[0]?.price_data.unit_amount,
    );
    expect(amounts).toEqual(["1250", "700"]);
  });

  it("uses CHECKOUT_SUCCESS_URL and CHECKOUT_CANCEL_URL when set", async () => {
    const { key, account_id } = await newAccount();
    const urls = {
      CHECKOUT_SUCCESS_URL: "https://shop.example/thanks",
      CHECKOUT_CANCEL_URL: "https://shop.example/cart",
    };
    const res = await gwWith(urls, "/v1/billing/checkout", json({ credits: 100 }, bearer(key)));
    expect(res.status).toBe(200);
    expect((await stripeRequests(account_id))[0]?.form).toMatchObject({
      success_url: "https://shop.example/thanks",
      cancel_url: "https://shop.example/cart",
    });
  });

  it("a retried request with the same Idempotency-Key answers the same session; another key, another session", async () => {
    const { key, account_id } = await newAccount();
    const first = (await (await checkout(key, { credits: 250 }, { "idempotency-key": "buy-1" })).json()) as Session;
    const again = (await (await checkout(key, { credits: 250 }, { "idempotency-key": "buy-1" })).json()) as Session;
    const other = (await (await checkout(key, { credits: 250 }, { "idempotency-key": "buy-2" })).json()) as Session;
    expect(again.id).toBe(first.id);
    expect(other.id).not.toBe(first.id);
    const keys = (await stripeRequests(account_id)).map((r) => r.headers["idempotency-key"]);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
    // The same key for a different purchase is refused, naming the header.
    const reused = await checkout(key, { credits: 300 }, { "idempotency-key": "buy-1" });
    expect((await expectError(reused, 400, "INVALID_REQUEST")).param).toBe("Idempotency-Key");
  });

  it("the same key from two accounts makes two sessions", async () => {
    const [a, b] = await Promise.all([newAccount(), newAccount()]);
    const headers = { "idempotency-key": "shared-key" };
    const sa = (await (await checkout(a.key, { credits: 100 }, headers)).json()) as Session;
    const sb = (await (await checkout(b.key, { credits: 100 }, headers)).json()) as Session;
    expect(sa.id).not.toBe(sb.id);
  });

  it.each([
    [{ credits: 99 }],
    [{ credits: 1_000_001 }],
    [{ credits: 150.5 }],
    [{ credits: "5000" }],
    [{ credits: -100 }],
    [{}],
  ])("400 naming credits for %j, sending nothing to Stripe", async (body) => {
    const { key, account_id } = await newAccount();
    expect((await expectError(await checkout(key, body), 400, "INVALID_REQUEST")).param).toBe("credits");
    expect(await stripeRequests(account_id)).toEqual([]);
  });

  it("400 naming credits when the price does not come to whole cents, or to less than Stripe's $0.50", async () => {
    const { key, account_id } = await newAccount();
    const at = (price: string, credits: number) =>
      gwWith({ STRIPE_PRICE_USD_PER_CREDIT: price }, "/v1/billing/checkout", json({ credits }, bearer(key)));
    const fraction = await expectError(await at("0.0033", 150), 400, "INVALID_REQUEST");
    expect(fraction).toMatchObject({ param: "credits", message: expect.stringMatching(/multiple of 100/) });
    const small = await expectError(await at("0.001", 100), 400, "INVALID_REQUEST");
    expect(small).toMatchObject({ param: "credits", message: expect.stringMatching(/\$0\.50/) });
    expect(await stripeRequests(account_id)).toEqual([]);
  });

  it("503 BILLING_NOT_CONFIGURED, not to be retried, without STRIPE_SECRET_KEY", async () => {
    const { key } = await newAccount();
    const res = await gwWith(
      { STRIPE_SECRET_KEY: undefined },
      "/v1/billing/checkout",
      json({ credits: 100 }, bearer(key)),
    );
    await expectError(res, 503, "BILLING_NOT_CONFIGURED");
    expect(res.headers.get("x-should-retry")).toBe("false");
  });

  it("502 PROVIDER_ERROR when Stripe fails, without Stripe's words or the gateway's key", async () => {
    const { key, account_id } = await newAccount();
    await stripeApi("/__fake/fail", { method: "POST", body: JSON.stringify({ marker: account_id, status: 500 }) });
    const res = await checkout(key, { credits: 100 });
    const text = await res.clone().text();
    const error = await expectError(res, 502, "PROVIDER_ERROR");
    expect(error.message).toMatch(/Stripe/);
    expect(text).not.toContain(env.STRIPE_SECRET_KEY as string);
    expect(text).not.toContain("Something went wrong");
    expect(res.headers.get("x-should-retry")).toBe("true");
  });

  it("504 PROVIDER_TIMEOUT, retryable, when Stripe does not answer in time (its one retry included)", async () => {
    const { key, account_id } = await newAccount();
    await stripeFails(account_id, "stall");
    try {
      const res = await checkout(key, { credits: 100 });
      const error = await expectError(res, 504, "PROVIDER_TIMEOUT");
      expect(error.message).toMatch(/Stripe did not answer in time/);
      expect(res.headers.get("x-should-retry")).toBe("true");
    } finally {
      await stripeFails(account_id, 0);
    }
    // Stripe answers again: the same request makes its session.
    expect((await checkout(key, { credits: 100 })).status).toBe(200);
  });

  it("502 PROVIDER_ERROR, not retried, when Stripe refuses the gateway's key", async () => {
    const { key } = await newAccount();
    const res = await gwWith(
      { STRIPE_SECRET_KEY: "sk_test_wrong" },
      "/v1/billing/checkout",
      json({ credits: 100 }, bearer(key)),
    );
    const text = await res.clone().text();
    await expectError(res, 502, "PROVIDER_ERROR");
    expect(res.headers.get("x-should-retry")).toBe("false");
    expect(text).not.toContain("sk_test_wrong");
  });
});

securitySuite("billing", "keyHolder", [
  { method: "POST", path: "/v1/billing/checkout", body: { credits: 100 } },
  { method: "POST", path: "/v1/billing/checkout", body: { plan: "pro" } },
  { method: "POST", path: "/v1/billing/portal" },
]);
