import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/lib/errors.ts";
import { findModel } from "../../src/metering/catalog.ts";
import { applyEnding, type LedgerMessage, type LedgerQueue } from "../../src/metering/ledger-queue.ts";
import { LOST_RESERVE_RELEASE_DELAY_S, Meter } from "../../src/metering/meter.ts";
import { pricingConfig } from "../../src/metering/pricing.ts";
import { createDurableObjectStore } from "../../src/stores/durable-object/store.ts";
import type { Store } from "../../src/stores/ports.ts";

const entry = findModel("openai/gpt-4o-mini");
if (!entry) throw new Error("catalog");
const pricing = pricingConfig({ MARGIN_MULTIPLIER: "1.8", STRIPE_PRICE_USD_PER_CREDIT: "0.01" });

/** The real Durable Object store, whose settle fails `failures` times first, as a store blip would. */
function flaky(failures: number): { store: Store; attempts: () => number } {
  const real = createDurableObjectStore(env);
  let attempts = 0;
  const store: Store = {
    ...real,
    ledger: {
      ...real.ledger,
      settle: (...args) => {
        attempts++;
        if (attempts <= failures) return Promise.reject(new ApiError("STORE_UNAVAILABLE", "blip"));
        return real.ledger.settle(...args);
      },
    },
  };
  return { store, attempts: () => attempts };
}

async function fundAccount(store: Store): Promise<string> {
  const account = `acct_meter${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await store.ledger.credit(
    account,
    { amount_micros: 1_000_000, reason: "admin_grant", reference: null, idempotency_key: "fund", create_account: true },
    Date.now(),
  );
  return account;
}

function placeHold(store: Store, account: string, ledgerQueue?: LedgerQueue) {
  const caller = { account_id: account, source: "key" as const, plan: null, key: null };
  return Meter.open(
    { store, now: Date.now, pricing, ...(ledgerQueue ? { ledgerQueue } : {}) },
    caller,
    entry as NonNullable<typeof entry>,
    "req_meter",
    60_000,
    {
      micros: 50_000,
      worstCase: { input: 100, output: 100 },
      interrupted: ({ streamedBytes }) => ({ input: 100, output: Math.ceil(streamedBytes / 4) }),
    },
  );
}

async function openMeter(store: Store) {
  const account = await fundAccount(store);
  return { meter: await placeHold(store, account), account };
}

/**
 * The real Durable Object store whose reserve answers 503 STORE_UNAVAILABLE, after placing the hold
 * when `landed` (a Redis request past its time limit whose script still ran) or without placing it.
 */
function lostReserve(landed: boolean): Store {
  const real = createDurableObjectStore(env);
  return {
    ...real,
    ledger: {
      ...real.ledger,
      reserve: async (...args) => {
        if (landed) await real.ledger.reserve(...args);
        throw new ApiError("STORE_UNAVAILABLE", "no answer in time");
      },
    },
  };
}

describe("Meter", () => {
  it("retries a settle through a store blip and charges once", async () => {
    const { store, attempts } = flaky(2);
    const { meter, account } = await openMeter(store);
    const settled = await meter.settleCharge({ input: 16, output: 9 });
    expect(settled).toEqual({ charged_micros: 1404, remaining_micros: 1_000_000 - 1404 });
    await meter.ended;
    expect(attempts()).toBe(3);
    expect(await store.ledger.balance(account, Date.now(), null)).toMatchObject({
      balance_micros: 1_000_000 - 1404,
      held_micros: 0,
    });
  });

  it("answers the charge without waiting for the store, and says when the store gave up", async () => {
    const { store, attempts } = flaky(10);
    const { meter } = await openMeter(store);
    // The charge is decided in the Worker: the answer does not wait for the store.
    expect(await meter.settleCharge({ input: 16, output: 9 })).toMatchObject({ charged_micros: 1404 });
    expect(attempts()).toBe(1);
    await expect(meter.outcome).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect(attempts()).toBe(3);
    await meter.ended; // resolves (logged) even when the store gave up, so waitUntil never rejects
  });

  it("ends once: a settle after a release (or the reverse) changes nothing", async () => {
    const { store } = flaky(0);
    const { meter, account } = await openMeter(store);
    await meter.release();
    expect(await meter.settleCharge({ input: 16, output: 9 })).toMatchObject({ charged_micros: 0 });
    expect(await store.ledger.balance(account, Date.now(), null)).toMatchObject({
      balance_micros: 1_000_000,
      held_micros: 0,
    });
    await meter.ended; // resolves once the call has ended, for waitUntil
  });

  it("usage out of any sane range is the provider's failure: 502, nothing charged, no hold left", async () => {
    const { store } = flaky(0);
    const { meter, account } = await openMeter(store);
    await expect(meter.settleCharge({ input: 16, output: 1e14 })).rejects.toMatchObject({ code: "PROVIDER_ERROR" });
    expect(await store.ledger.balance(account, Date.now(), null)).toMatchObject({
      balance_micros: 1_000_000,
      held_micros: 0,
    });
    expect(await store.ledger.entries(account, { limit: 10 }, null)).toHaveLength(1); // the grant only
  });

  it("an interrupted call is charged its estimate, never more than the hold", async () => {
    const { store } = flaky(0);
    const { meter, account } = await openMeter(store);
    // 4 MB streamed would be a million output tokens: far above the 50,000 µcr held.
    const settled = meter.settleInterruptedCharge({ streamedBytes: 4_000_000 });
    expect(settled?.charged_micros).toBe(50_000);
    await meter.ended;
    expect(await store.ledger.balance(account, Date.now(), null)).toMatchObject({
      balance_micros: 1_000_000 - 50_000,
      held_micros: 0,
    });
  });

  for (const landed of [true, false]) {
    it(`a reserve that answers 503 queues a release of its hold id, so no hold outlives the refused call (hold ${landed ? "placed" : "never placed"})`, async () => {
      const store = lostReserve(landed);
      const account = await fundAccount(store);
      const queued: LedgerMessage[] = [];
      const delays: (number | undefined)[] = [];
      const queue: LedgerQueue = {
        send: async (message, options) => {
          queued.push(message);
          delays.push(options?.delaySeconds);
        },
      };
      await expect(placeHold(store, account, queue)).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
      expect(await store.ledger.balance(account, Date.now(), null)).toMatchObject({
        balance_micros: 1_000_000,
        held_micros: landed ? 50_000 : 0,
      });
      expect(queued).toEqual([
        { kind: "release", account_id: account, hold_id: expect.stringMatching(/^hold_/), at: expect.any(Number) },
      ]);
      // Delivered late enough for a reserve still in flight to land first; then applied by the consumer.
      expect(delays).toEqual([LOST_RESERVE_RELEASE_DELAY_S]);
      for (const message of queued) await applyEnding(store, message);
      expect(await store.ledger.balance(account, Date.now(), null)).toMatchObject({
        balance_micros: 1_000_000,
        held_micros: 0,
      });
      expect(await store.ledger.entries(account, { limit: 10 }, null)).toHaveLength(1); // the grant only
    });
  }
});
