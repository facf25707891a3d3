import type { RateLimitTable } from "../../src/stores/limit-ports.ts";
import type { Store } from "../../src/stores/ports.ts";

/** Reserves check and count the plan's rate limits in their one step, as the gateway's do (limits never reached here). */
const BENCH_LIMITS: RateLimitTable = { default_plan: "bench", plans: { bench: [1_000_000, 100_000] } };

export interface BenchRow {
  op: "reserve" | "settle";
  concurrency: number;
  ops: number;
  round_trips_per_op: number;
  ops_per_second: number;
}

/**
 * Reserve then settle `n` holds on one funded account, at each concurrency, counting store round
 * trips with `counter` (incremented by the caller's transport) and timing with `now`.
 */
export async function runStoreBench(
  store: Store,
  counter: { calls: number },
  n: number,
  concurrencies: number[],
  now: () => number,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const concurrency of concurrencies) {
    const account = `acct_bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    await store.ledger.credit(
      account,
      {
        amount_micros: n * 1_000_000,
        reason: "admin_grant",
        reference: null,
        idempotency_key: "bench",
        create_account: true,
      },
      now(),
    );
    const holds = Array.from({ length: n }, (_, i) => `hold_bench_${i}`);
    const pool = async (work: (hold: string) => Promise<unknown>) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < holds.length) await work(holds[next++] as string);
        }),
      );
    };
    for (const op of ["reserve", "settle"] as const) {
      const calls = counter.calls;
      const started = now();
      await pool((hold) =>
        op === "reserve"
          ? store.ledger.reserve(account, hold, 500_000, 600_000, now(), null, BENCH_LIMITS)
          : store.ledger.settle(
              account,
              hold,
              {
                amount_micros: 360_000,
                request_id: hold,
                provider: "openai",
                model: "gpt-4o-mini",
                usage: { input: 16, output: 9 },
                cost_usd: "0.002",
              },
              now(),
            ),
      );
      const seconds = Math.max(1, now() - started) / 1000;
      rows.push({
        op,
        concurrency,
        ops: n,
        round_trips_per_op: (counter.calls - calls) / n,
        ops_per_second: Math.round(n / seconds),
      });
    }
  }
  return rows;
}
