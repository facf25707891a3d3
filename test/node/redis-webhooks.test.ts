import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeStripe, startFakeStripe } from "../fakes/stripe.ts";
import { PLANS } from "../helpers/plans.ts";
import { purchase, type StripeEventBody, stripeId, subscription } from "../helpers/stripe-events.ts";
import { type FoundRedis, findRedis, startUpstashLocal, type UpstashLocal } from "./helpers/redis.ts";
import { type SwitchableProxy, switchableProxy } from "./helpers/switchable-proxy.ts";
import { type DevServer, startDevServer } from "./helpers/wrangler-dev.ts";

/**
 * Stripe webhooks on the real Worker (wrangler dev) over the Upstash Redis store: the same events as
 * the workerd route tests, signed by the real `stripe` library, with the store cut off for a while.
 */
const found: FoundRedis | null = await findRedis();
const ADMIN_SECRET = "redis-webhooks-admin-secret-0123";
const WEBHOOK_SECRET = "whsec_redis_webhooks_test_secret_00000";
const SECRET_KEY = "sk_test_redis_webhooks_0000000000000";
const seedKey = `aib_redishook${crypto.randomUUID().replaceAll("-", "")}`.slice(0, 36);
let endpoint: UpstashLocal;
let proxy: SwitchableProxy;
let stripe: FakeStripe;
let gateway: DevServer;

describe.skipIf(!found)("Stripe webhooks on the Redis store (wrangler dev)", () => {
  beforeAll(async () => {
    endpoint = await startUpstashLocal({ redisUrl: found?.url });
    proxy = await switchableProxy(() => endpoint.url);
    stripe = await startFakeStripe(SECRET_KEY);
    gateway = await startDevServer({
      vars: {
        UPSTASH_REDIS_REST_URL: proxy.url,
        UPSTASH_REDIS_REST_TOKEN: endpoint.token,
        ADMIN_SECRET,
        STRIPE_SECRET_KEY: SECRET_KEY,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_BASE_URL: stripe.url,
        DEV_SEED_KEY: seedKey,
        PLANS,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await stripe?.close();
    proxy?.close();
    await endpoint?.close();
    await found?.stop();
  });

  const auth = { authorization: `Bearer ${seedKey}` };
  const balance = async () => {
    const res = await fetch(`${gateway.url}/v1/balance`, { headers: auth });
    expect(res.status).toBe(200);
    return (await res.json()) as { account_id: string; credits_micros: number };
  };
  const reasons = async () => {
    const res = await fetch(`${gateway.url}/v1/usage?limit=100`, { headers: auth });
    return ((await res.json()) as { data: { reason: string; credits: number }[] }).data.map((e) => [
      e.reason,
      e.credits,
    ]);
  };
  const deliver = async (body: StripeEventBody, secret = WEBHOOK_SECRET) => {
    const payload = JSON.stringify(body);
    const header = await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret });
    return fetch(`${gateway.url}/webhooks/stripe`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": header },
      body: payload,
    });
  };
  const outcome = async (body: StripeEventBody) => {
    const res = await deliver(body);
    expect(res.status, await res.clone().text()).toBe(200);
    return ((await res.json()) as { outcome: string }).outcome;
  };

  it("grants a purchase once however often it is delivered, refuses an unsigned one, and a full refund takes it back", async () => {
    const { account_id, credits_micros: start } = await balance();
    const p = purchase(account_id);
    const unsigned = await fetch(`${gateway.url}/webhooks/stripe`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": "test-sig" },
      body: JSON.stringify(p.completed()),
    });
    expect(unsigned.status).toBe(400);
    expect((await deliver(p.completed(), "whsec_wrong")).status).toBe(400);
    expect((await balance()).credits_micros).toBe(start);

    const completed = p.completed();
    expect(await outcome(completed)).toBe("granted");
    const again = await Promise.all(Array.from({ length: 8 }, () => deliver(completed)));
    expect(again.map((res) => res.status)).toEqual(Array(8).fill(200));
    expect(await outcome(p.completed())).toBe("unchanged");
    expect((await balance()).credits_micros).toBe(start + 5_000_000_000);

    expect(await outcome(p.refunded(5000))).toBe("clawed_back");
    expect((await balance()).credits_micros).toBe(start);
    expect((await reasons()).slice(0, 2)).toEqual([
      ["clawback", -5000],
      ["purchase", 5000],
    ]);
  });

  it("a refund before its grant, and a dispute won, end in the right balance", async () => {
    const { account_id, credits_micros: start } = await balance();
    const early = purchase(account_id, 1000);
    expect(await outcome(early.refunded(400))).toBe("pending");
    expect(await outcome(early.completed())).toBe("granted");
    expect((await balance()).credits_micros).toBe(start + 600_000_000);

    const disputed = purchase(account_id, 2000);
    await fetch(`${stripe.url}/__fake/payment_intents`, {
      method: "POST",
      body: JSON.stringify(disputed.intentObject()),
    });
    await outcome(disputed.completed());
    const dispute = stripeId("du");
    expect(await outcome(disputed.dispute("charge.dispute.created", dispute, "needs_response"))).toBe("clawed_back");
    expect(await outcome(disputed.dispute("charge.dispute.closed", dispute, "won"))).toBe("reversed");
    expect((await balance()).credits_micros).toBe(start + 2_600_000_000);
    const events = await fetch(`${gateway.url}/admin/billing/events?account_id=${account_id}`, {
      headers: { "x-admin-secret": ADMIN_SECRET },
    });
    expect(((await events.json()) as { disputed_at: string | null }).disputed_at).toMatch(/^\d{4}-/);
  });

  it("answers 503 while the store is unreachable, so Stripe retries; the retry grants once", async () => {
    const { account_id, credits_micros: start } = await balance();
    const completed = purchase(account_id, 700).completed();
    proxy.mode = "refuse";
    try {
      const res = await deliver(completed);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("STORE_UNAVAILABLE");
    } finally {
      proxy.mode = "pass";
    }
    expect(await outcome(completed)).toBe("granted");
    expect(await outcome(completed)).toBe("granted");
    expect((await balance()).credits_micros).toBe(start + 700_000_000);
  });

  it("a subscription: checkout {plan} makes one customer, invoice.paid grants once and sets the plan, a late update cannot undo the deletion", async () => {
    const { account_id, credits_micros: start } = await balance();
    const plan = async () => ((await balance()) as unknown as { plan: string }).plan;
    expect(await plan()).toBe("free");
    const checkout = (idempotencyKey: string) =>
      fetch(`${gateway.url}/v1/billing/checkout`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", "idempotency-key": idempotencyKey },
        body: JSON.stringify({ plan: "pro" }),
      });
    expect((await checkout("r-1")).status).toBe(200);
    expect((await checkout("r-2")).status).toBe(200);
    const sessions = stripe.requests.filter(
      (r) => r.path === "/v1/checkout/sessions" && r.form.client_reference_id === account_id,
    );
    expect(sessions.map((r) => r.form.mode)).toEqual(["subscription", "subscription"]);
    const customer = sessions[0]?.form.customer as string;
    expect(sessions[1]?.form.customer).toBe(customer);

    const sub = subscription(account_id, customer, "price_test_pro");
    const now = Math.floor(Date.now() / 1000);
    const paid = sub.invoicePaid({ created: now - 100 });
    expect(await outcome(paid)).toBe("granted");
    expect(await outcome(paid)).toBe("granted");
    expect(await outcome(sub.invoicePaid({ invoice: paid.data.object.id as string }))).toBe("unchanged");
    expect((await balance()).credits_micros).toBe(start + 2_000_000_000);
    expect(await plan()).toBe("pro");

    expect(await outcome(sub.deleted(now))).toBe("plan_changed");
    expect(await outcome(sub.updated({ price: "price_test_ultra", created: now - 50 }))).toBe("stale");
    expect(await plan()).toBe("free");
    expect((await balance()).credits_micros).toBe(start + 2_000_000_000);

    const portal = await fetch(`${gateway.url}/v1/billing/portal`, { method: "POST", headers: auth });
    expect(portal.status, await portal.clone().text()).toBe(200);
    expect(((await portal.json()) as { url: string }).url).toMatch(/^https:\/\/billing\.stripe\.com\//);
  });
});
