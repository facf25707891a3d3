import { expect } from "vitest";
import type { Store, UsageCharge } from "../../src/stores/ports.ts";

/** Shared by the store contract's files; ids are random per test so suites never need a flush. */
export const T0 = Date.parse("2026-11-24T12:00:00Z");
export const acct = () => `acct_c${crypto.randomUUID().replaceAll("-", "").slice(0, 19)}`;
export const hold = () => `hold_${crypto.randomUUID()}`;

export const charge = (amount: number, extra: Partial<UsageCharge> = {}): UsageCharge => ({
  amount_micros: amount,
  request_id: `req_${crypto.randomUUID()}`,
  provider: "openai",
  model: "gpt-4o-mini",
  usage: { input: 16, output: 300 },
  cost_usd: "0.0001824",
  ...extra,
});

export async function fund(store: Store, account: string, micros: number) {
  const result = await store.ledger.credit(
    account,
    {
      amount_micros: micros,
      reason: "admin_grant",
      reference: null,
      idempotency_key: `fund:${crypto.randomUUID()}`,
      create_account: true,
    },
    T0,
  );
  expect(result.status).toBe("applied");
}
