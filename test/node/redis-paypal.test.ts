import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakePayPal, startFakePayPal } from "../fakes/paypal.ts";
import {
  type PayPalControl,
  type PayPalEventBody,
  paypalControl,
  paypalEvent,
  postPayPal,
} from "../helpers/paypal-events.ts";
import { type FoundRedis, findRedis, startUpstashLocal, type UpstashLocal } from "./helpers/redis.ts";
import { type SwitchableProxy, switchableProxy } from "./helpers/switchable-proxy.ts";
import { type DevServer, startDevServer } from "./helpers/wrangler-dev.ts";

/**
 * The PayPal flow on the real Worker (wrangler dev) over the Upstash Redis store: order, approval,
 * capture, the webhook for the same capture, a refund, a forged delivery and a store outage.
 */
const found: FoundRedis | null = await findRedis();
const CLIENT_ID = "redis-paypal-client-id-0123456789";
const CLIENT_SECRET = "redis-paypal-client-secret-0123456789";
const WEBHOOK_ID = "8PT597110X687430LKGECATA";
const seedKey = `aib_redispaypal${crypto.randomUUID().replaceAll("-", "")}`.slice(0, 36);
let endpoint: UpstashLocal;
let proxy: SwitchableProxy;
let fake: FakePayPal;
let control: PayPalControl;
let gateway: DevServer;

describe.skipIf(!found)("PayPal on the Redis store (wrangler dev)", () => {
  beforeAll(async () => {
    endpoint = await startUpstashLocal({ redisUrl: found?.url });
    proxy = await switchableProxy(() => endpoint.url);
    fake = await startFakePayPal({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, webhookId: WEBHOOK_ID });
    control = paypalControl(fake.url);
    gateway = await startDevServer({
      vars: {
        UPSTASH_REDIS_REST_URL: proxy.url,
        UPSTASH_REDIS_REST_TOKEN: endpoint.token,
        ADMIN_SECRET: "redis-paypal-admin-secret-0123",
        PAYPAL_CLIENT_ID: CLIENT_ID,
        PAYPAL_CLIENT_SECRET: CLIENT_SECRET,
        PAYPAL_WEBHOOK_ID: WEBHOOK_ID,
        PAYPAL_BASE_URL: fake.url,
        DEV_SEED_KEY: seedKey,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await fake?.close();
    proxy?.close();
    await endpoint?.close();
    await found?.stop();
  });

  const auth = { authorization: `Bearer ${seedKey}` };
  const gw = (path: string, init: RequestInit = {}) => fetch(`${gateway.url}${path}`, init);
  const micros = async () => {
    const res = await gw("/v1/balance", { headers: auth });
    expect(res.status).toBe(200);
    return ((await res.json()) as { credits_micros: number }).credits_micros;
  };
  const reasons = async () => {
    const res = await gw("/v1/usage?limit=100", { headers: auth });
    return ((await res.json()) as { data: { reason: string; credits: number; reference: string }[] }).data.map((e) => [
      e.reason,
      e.credits,
      e.reference,
    ]);
  };
  const order = async (credits: number, capture?: "PENDING") => {
    const res = await gw("/v1/billing/paypal/orders", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ credits }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const { id } = (await res.json()) as { id: string };
    await control.approve(id, capture);
    return id;
  };
  const capture = async (orderId: string) => {
    const res = await gw(`/v1/billing/paypal/orders/${orderId}/capture`, { method: "POST", headers: auth });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as { capture_id: string; status: string };
  };
  const deliver = async (event: PayPalEventBody) => postPayPal(gw, await control.sign(event));
  const outcome = async (event: PayPalEventBody) => {
    const res = await deliver(event);
    expect(res.status, await res.clone().text()).toBe(200);
    return ((await res.json()) as { outcome: string }).outcome;
  };

  it("order → approve → capture grants once; the webhook for it is unchanged; a partial refund and the rest claw back", async () => {
    const start = await micros();
    const orderId = await order(5000);
    const { capture_id, status } = await capture(orderId);
    expect(status).toBe("completed");
    await capture(orderId);
    expect(await micros()).toBe(start + 5_000_000_000);
    expect(await outcome(paypalEvent("PAYMENT.CAPTURE.COMPLETED", await control.capture(capture_id)))).toBe(
      "unchanged",
    );
    const partial = paypalEvent("PAYMENT.CAPTURE.REFUNDED", await control.refund(capture_id, "20.00"));
    expect(await outcome(partial)).toBe("clawed_back");
    expect(await outcome(partial)).toBe("clawed_back");
    expect(await micros()).toBe(start + 3_000_000_000);
    expect(await outcome(paypalEvent("PAYMENT.CAPTURE.REVERSED", await control.refund(capture_id, "30.00")))).toBe(
      "clawed_back",
    );
    expect(await micros()).toBe(start);
    expect((await reasons()).slice(0, 3)).toEqual([
      ["clawback", -3000, `paypal:refund:${capture_id}`],
      ["clawback", -2000, `paypal:refund:${capture_id}`],
      ["purchase", 5000, `paypal:${capture_id}`],
    ]);
  });

  it("a forged delivery is 400 and changes nothing; a PENDING capture, then the capture route racing the webhook, grants once", async () => {
    const start = await micros();
    const orderId = await order(1000, "PENDING");
    const pending = await capture(orderId);
    expect(pending.status).toBe("pending");
    expect(await micros()).toBe(start);
    const completed = paypalEvent("PAYMENT.CAPTURE.COMPLETED", await control.complete(pending.capture_id));
    const signed = await control.sign(completed);
    const forged = await postPayPal(gw, {
      ...signed,
      body: signed.body.replace('"value": "10.00"', '"value": "99.00"'),
    });
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe("INVALID_SIGNATURE");
    expect(await micros()).toBe(start);
    const [routes, hook] = await Promise.all([Promise.all([capture(orderId), capture(orderId)]), outcome(completed)]);
    expect(routes.map((r) => r.status)).toEqual(["completed", "completed"]);
    expect(["granted", "unchanged"]).toContain(hook);
    expect(await micros()).toBe(start + 1_000_000_000);
  });

  it("answers 503 while the store is unreachable, so PayPal retries; the retry grants once", async () => {
    const start = await micros();
    const orderId = await order(700, "PENDING");
    const { capture_id } = await capture(orderId);
    const completed = paypalEvent("PAYMENT.CAPTURE.COMPLETED", await control.complete(capture_id));
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
    expect(await micros()).toBe(start + 700_000_000);
  });
});
