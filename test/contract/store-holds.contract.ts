import { describe, expect, it } from "vitest";
import type { Store, UsageCharge } from "../../src/stores/ports.ts";

const T = Date.parse("2026-11-30T12:00:00Z");

const charge = (amount: number): UsageCharge => ({
  amount_micros: amount,
  request_id: "req_stale",
  provider: "openai",
  model: "openai/gpt-4o-mini",
  usage: { input: 10, output: 5 },
  cost_usd: "0.000004500",
});

/**
 * Stale holds (GET /admin/holds?stale=1): a hold past its expiry that no settle or release removed
 * is listed, stops counting against the balance, and leaves the list once its ending lands.
 * `expired(account, at)` is what the store needs to notice an expiry (the Durable Object's alarm).
 */
export function holdsContract(
  name: string,
  makeStore: () => Store,
  expired: (accountId: string, at: number) => Promise<void> = async () => {},
) {
  describe(`${name}: stale holds`, () => {
    const fund = async (store: Store, micros: number) => {
      const account = `acct_stale${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
      await store.ledger.credit(
        account,
        {
          amount_micros: micros,
          reason: "admin_grant",
          reference: null,
          idempotency_key: "fund",
          create_account: true,
        },
        T,
      );
      return account;
    };
    const mine = (list: Awaited<ReturnType<Store["holds"]["stale"]>>, account: string) =>
      list.filter((hold) => hold.account_id === account);

    it("lists a hold its call outlived until its settle lands, which still charges it once", async () => {
      const store = makeStore();
      const account = await fund(store, 1_000_000);
      await store.ledger.reserve(account, "hold_live", 100_000, 60_000, T, null);
      await store.ledger.reserve(account, "hold_stale", 300_000, 1_000, T, null);
      await expect(store.ledger.reserve(account, "hold_done", 50_000, 1_000, T, null)).resolves.toMatchObject({
        status: "reserved",
      });
      await store.ledger.release(account, "hold_done", T + 10);
      await expired(account, T + 5_000);

      const stale = mine(await store.holds.stale(T + 5_000, 100), account);
      expect(stale).toEqual([
        { account_id: account, hold_id: "hold_stale", amount_micros: 300_000, expired_at: T + 1_000 },
      ]);
      // It no longer counts against the balance.
      expect(await store.ledger.balance(account, T + 5_000, null)).toMatchObject({
        balance_micros: 1_000_000,
        held_micros: 100_000,
      });

      // The queued settle lands late: charged once, and the hold leaves the list.
      const first = await store.ledger.settle(account, "hold_stale", charge(250_000), T + 6_000);
      const again = await store.ledger.settle(account, "hold_stale", charge(250_000), T + 7_000);
      expect([first.status, again.status]).toEqual(["settled", "replayed"]);
      expect(mine(await store.holds.stale(T + 8_000, 100), account)).toEqual([]);
      expect(await store.ledger.balance(account, T + 8_000, null)).toMatchObject({
        balance_micros: 750_000,
        held_micros: 100_000,
      });
    });

    it("a release also clears a stale hold", async () => {
      const store = makeStore();
      const account = await fund(store, 1_000_000);
      await store.ledger.reserve(account, "hold_a", 10_000, 1_000, T, null);
      await expired(account, T + 2_000);
      expect(mine(await store.holds.stale(T + 2_000, 100), account)).toHaveLength(1);
      expect(await store.ledger.release(account, "hold_a", T + 3_000)).toBe(true);
      expect(mine(await store.holds.stale(T + 3_000, 100), account)).toEqual([]);
    });
  });
}
