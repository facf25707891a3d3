import { createExecutionContext, createMessageBatch, env, getQueueResult, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { ApiError } from "../../src/lib/errors.ts";
import { findModel } from "../../src/metering/catalog.ts";
import { type LedgerMessage, retryDelaySeconds } from "../../src/metering/ledger-queue.ts";
import { Meter } from "../../src/metering/meter.ts";
import { pricingConfig } from "../../src/metering/pricing.ts";
import { LEDGER_DEAD_LETTERS, LEDGER_QUEUE } from "../../src/queue.ts";
import type { AccountObject } from "../../src/stores/durable-object/account-object.ts";
import { createDurableObjectStore } from "../../src/stores/durable-object/store.ts";
import type { Store } from "../../src/stores/ports.ts";
import { admin, gw } from "../helpers/gateway.ts";

const entry = findModel("openai/gpt-4o-mini");
if (!entry) throw new Error("catalog");
const pricing = pricingConfig({ MARGIN_MULTIPLIER: "1.8", STRIPE_PRICE_USD_PER_CREDIT: "0.01" });
const real = createDurableObjectStore(env);

/** The real store whose settle and release fail until `up` is set, as a store outage would. */
function outage(): { store: Store; restore: () => void } {
  const state = { up: false };
  const down = () => Promise.reject(new ApiError("STORE_UNAVAILABLE", "down"));
  const store: Store = {
    ...real,
    ledger: {
      ...real.ledger,
      settle: (...args) => (state.up ? real.ledger.settle(...args) : down()),
      release: (...args) => (state.up ? real.ledger.release(...args) : down()),
    },
  };
  return { store, restore: () => (state.up = true) };
}

async function funded(micros = 1_000_000) {
  const account = `acct_queue${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await real.ledger.credit(
    account,
    { amount_micros: micros, reason: "admin_grant", reference: null, idempotency_key: "fund", create_account: true },
    Date.now(),
  );
  return account;
}

async function openMeter(store: Store, queued: LedgerMessage[], account: string) {
  const caller = { account_id: account, source: "key" as const, plan: null, key: null };
  return Meter.open(
    {
      store,
      now: Date.now,
      pricing,
      ledgerQueue: {
        send: async (message) => {
          queued.push(structuredClone(message));
        },
      },
    },
    caller,
    entry as NonNullable<typeof entry>,
    "req_queue",
    60_000,
    {
      micros: 50_000,
      worstCase: { input: 100, output: 100 },
      interrupted: ({ streamedBytes }) => ({ input: 100, output: Math.ceil(streamedBytes / 4) }),
    },
  );
}

/** Delivers messages to the Worker's own queue consumer, as the Queues runtime does. */
async function deliver(queue: string, bodies: unknown[], bindings: object = env) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: `msg_${crypto.randomUUID()}_${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, bindings as never);
  return { batch, result: await getQueueResult(batch, ctx) };
}

describe("ledger queue", () => {
  it("a settle the store cannot take is queued, and the consumer charges it once when the store is back", async () => {
    const account = await funded();
    const queued: LedgerMessage[] = [];
    const { store, restore } = outage();
    const meter = await openMeter(store, queued, account);
    // The answer does not wait: the charge is known.
    expect(await meter.settleCharge({ input: 16, output: 9 })).toMatchObject({ charged_micros: 1404 });
    await meter.ended;
    expect(queued).toEqual([
      {
        kind: "settle",
        account_id: account,
        hold_id: expect.stringMatching(/^hold_/),
        charge: expect.objectContaining({ amount_micros: 1404, request_id: "req_queue", model: entry?.id }),
        at: expect.any(Number),
      },
    ]);
    // Meanwhile the hold covers the call: nothing can overspend.
    expect(await real.ledger.balance(account, Date.now(), null)).toMatchObject({
      balance_micros: 1_000_000,
      held_micros: 50_000,
    });

    restore();
    // Delivered twice (queues deliver at least once): applied once.
    const first = await deliver(LEDGER_QUEUE, queued);
    const second = await deliver(LEDGER_QUEUE, queued);
    expect(first.result.explicitAcks).toHaveLength(1);
    expect(second.result.explicitAcks).toHaveLength(1);
    expect(await real.ledger.balance(account, Date.now(), null)).toMatchObject({
      balance_micros: 1_000_000 - 1404,
      held_micros: 0,
    });
    const entries = await real.ledger.entries(account, { limit: 10 }, null);
    expect(entries.filter((e) => e.reason === "usage").map((e) => e.amount_micros)).toEqual([-1404]);
  });

  it("a release the store cannot take is queued too, and drops the hold once applied", async () => {
    const account = await funded();
    const queued: LedgerMessage[] = [];
    const { store, restore } = outage();
    const meter = await openMeter(store, queued, account);
    await expect(meter.release()).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    await meter.ended;
    expect(queued).toMatchObject([{ kind: "release", account_id: account }]);
    restore();
    await deliver(LEDGER_QUEUE, queued);
    expect(await real.ledger.balance(account, Date.now(), null)).toMatchObject({
      balance_micros: 1_000_000,
      held_micros: 0,
    });
  });

  it("while the store is still down the message is retried with backoff, not acknowledged", async () => {
    const account = await funded();
    const message: LedgerMessage = {
      kind: "release",
      account_id: account,
      hold_id: "hold_missing",
      at: Date.now(),
    };
    // The Redis store behind an address nothing listens on: every call fails as an outage.
    const { batch, result } = await deliver(LEDGER_QUEUE, [message], {
      ...env,
      UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9",
      UPSTASH_REDIS_REST_TOKEN: "token",
    });
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: batch.messages[0]?.id }]);
    expect([1, 2, 3, 6, 10].map(retryDelaySeconds)).toEqual([10, 20, 40, 300, 300]);
  });

  it("something that is not a ledger message is acknowledged and dropped, never retried forever", async () => {
    const { result } = await deliver(LEDGER_QUEUE, [{ kind: "refund", account_id: 7 }]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
  });

  it("dead letters are kept and listed by GET /admin/holds?stale=1", async () => {
    const account = await funded();
    const body: LedgerMessage = {
      kind: "settle",
      account_id: account,
      hold_id: `hold_dead_${crypto.randomUUID()}`,
      charge: {
        amount_micros: 777,
        request_id: "req_dead",
        provider: "openai",
        model: "openai/gpt-4o-mini",
        usage: { input: 1 },
        cost_usd: "0.000001",
      },
      at: Date.now(),
    };
    const { batch, result } = await deliver(LEDGER_DEAD_LETTERS, [body]);
    await deliver(
      LEDGER_DEAD_LETTERS,
      [body].map(() => body),
    ); // another delivery, another message id
    expect(result.explicitAcks).toEqual([batch.messages[0]?.id]);

    const res = await gw("/admin/holds?stale=1", { headers: admin() });
    expect(res.status).toBe(200);
    const listed = (await res.json()) as { dead_letters: { id: string; body: LedgerMessage }[] };
    expect(listed.dead_letters.filter((letter) => letter.id === batch.messages[0]?.id)).toEqual([
      expect.objectContaining({ id: batch.messages[0]?.id, attempts: 1, body }),
    ]);
  });
});

describe("GET /admin/holds?stale=1", () => {
  it("lists a hold its call outlived, with its account, until its ending lands", async () => {
    const account = await funded();
    const now = Date.now();
    await real.ledger.reserve(account, "hold_outlived", 123_000, 1, now - 10, null);
    const stub = env.ACCOUNTS.get(env.ACCOUNTS.idFromName(account));
    await runInDurableObject(stub, (instance: AccountObject) => instance.alarm());

    const list = async () => {
      const res = await gw("/admin/holds?stale=1&limit=1000", { headers: admin() });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { stale_holds: { account_id: string }[] };
      return body.stale_holds.filter((hold) => hold.account_id === account);
    };
    expect(await list()).toEqual([
      { account_id: account, hold_id: "hold_outlived", amount_micros: 123_000, expired_at: now - 9 },
    ]);
    await real.ledger.release(account, "hold_outlived", Date.now());
    expect(await list()).toEqual([]);
  });

  it("asks for stale=1 and an admin secret", async () => {
    expect((await gw("/admin/holds", { headers: admin() })).status).toBe(400);
    expect((await gw("/admin/holds?stale=1")).status).toBe(401);
  });
});
