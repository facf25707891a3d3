import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type AnalyticsDelta, zeroMoney } from "../../src/analytics/types.ts";
import { utcDay } from "../../src/lib/time.ts";
import { createDurableObjectStore } from "../../src/stores/durable-object/store.ts";

const store = createDurableObjectStore(env);
const acct = () => `acct_d${crypto.randomUUID().replaceAll("-", "").slice(0, 19)}`;
/** A day no other test writes. */
const T = Date.UTC(3100 + Math.floor(Math.random() * 800), 5, 15, 12);
const day = utcDay(T);

async function granted(): Promise<number> {
  const { money } = await store.analytics.read(day, day, 10);
  return money.reduce((sum, row) => sum + row.granted_micros, 0);
}

describe("Durable Object analytics delivery", () => {
  it("a delta left in an account's outbox is delivered by the alarm, once; a re-sent one changes nothing", async () => {
    const account = acct();
    const grant = { amount_micros: 5, reason: "admin_grant" as const, reference: null, create_account: true };
    await store.ledger.credit(account, { ...grant, idempotency_key: "seed" }, T);
    const deadline = Date.now() + 5_000;
    while ((await granted()) !== 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(await granted()).toBe(5);

    // As if a delivery had failed (or the object was evicted before it): rows left, an alarm set.
    const stub = env.ACCOUNTS.get(env.ACCOUNTS.idFromName(account));
    const delta = (id: string, micros: number): AnalyticsDelta => ({
      id,
      day,
      account_id: account,
      source: "key",
      plan: null,
      usage: [],
      money: { ...zeroMoney(), granted_micros: micros },
    });
    await runInDurableObject(stub, async (_, state) => {
      for (const row of [delta(`${account}|credit:seed`, 5), delta(`${account}|credit:late`, 7)]) {
        state.storage.sql.exec("INSERT INTO analytics_outbox (id, body) VALUES (?, ?)", row.id, JSON.stringify(row));
      }
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await granted()).toBe(12);
    const left = await runInDurableObject(stub, (_, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM analytics_outbox").one(),
    );
    expect(left.n).toBe(0);
    // Delivered: another alarm changes nothing.
    await runInDurableObject(stub, (_, state) => state.storage.setAlarm(Date.now() + 60_000));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await granted()).toBe(12);
  });
});
