import { DurableObject } from "cloudflare:workers";
import { type AnalyticsData, type AnalyticsDelta, MONEY_FIELDS, type MoneyAggregate } from "../../analytics/types.ts";
import { ATTO_PER_NANO, splitAtto } from "../../analytics/usd.ts";
import { utcDay } from "../../lib/time.ts";
import type { AccountSource } from "../ports.ts";

/** Ids of applied deltas are kept this long: an outbox row is re-sent within minutes, not weeks. */
const APPLIED_KEEP_DAYS = 35;

const SCHEMA = [
  "CREATE TABLE IF NOT EXISTS applied (id TEXT PRIMARY KEY, day TEXT NOT NULL)",
  "CREATE INDEX IF NOT EXISTS applied_day ON applied (day)",
  // Costs: nano-USD plus an atto-USD remainder below 1e9, both int64, so sums stay exact.
  `CREATE TABLE IF NOT EXISTS usage_daily (
    day TEXT NOT NULL, source TEXT NOT NULL, plan TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL,
    calls INTEGER NOT NULL DEFAULT 0, charged INTEGER NOT NULL DEFAULT 0,
    cost_nano INTEGER NOT NULL DEFAULT 0, cost_atto INTEGER NOT NULL DEFAULT 0,
    uncollected INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, source, plan, provider, model)
  )`,
  `CREATE TABLE IF NOT EXISTS money_daily (
    day TEXT NOT NULL, source TEXT NOT NULL, plan TEXT NOT NULL,
    ${MONEY_FIELDS.map((field) => `${field} INTEGER NOT NULL DEFAULT 0`).join(", ")},
    PRIMARY KEY (day, source, plan)
  )`,
  `CREATE TABLE IF NOT EXISTS account_daily (
    day TEXT NOT NULL, account TEXT NOT NULL, charged INTEGER NOT NULL DEFAULT 0, calls INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, account)
  )`,
];

const dayBefore = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

/**
 * Per-day aggregates for the Durable Object store: one object, named ANALYTICS_OBJECT (analytics-name.ts). Account objects write each money operation's
 * delta to their outbox in the same transaction as its ledger entries and send it here; a delta is
 * applied once by its id, so a re-sent outbox row changes nothing. A null plan is stored as ''.
 */
export class AnalyticsObject extends DurableObject {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.sql = ctx.storage.sql;
    for (const statement of SCHEMA) this.sql.exec(statement);
  }

  apply(deltas: AnalyticsDelta[]): number {
    return this.ctx.storage.transactionSync(() => {
      let applied = 0;
      for (const delta of deltas) {
        if (
          this.sql.exec("INSERT OR IGNORE INTO applied (id, day) VALUES (?, ?)", delta.id, delta.day).rowsWritten === 0
        )
          continue;
        applied++;
        this.applyOne(delta);
      }
      // By the clock, not by the deltas' days: a delta's day says nothing about when it is re-sent.
      this.sql.exec("DELETE FROM applied WHERE day < ?", dayBefore(utcDay(Date.now()), APPLIED_KEEP_DAYS));
      return applied;
    });
  }

  private applyOne(delta: AnalyticsDelta): void {
    const plan = delta.plan ?? "";
    let charged = 0;
    let calls = 0;
    for (const usage of delta.usage) {
      const [nano, atto] = splitAtto(BigInt(usage.cost_atto_usd));
      this.sql.exec(
        `INSERT INTO usage_daily (day, source, plan, provider, model, calls, charged, cost_nano, cost_atto, uncollected)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (day, source, plan, provider, model) DO UPDATE SET
           calls = calls + excluded.calls, charged = charged + excluded.charged,
           cost_nano = cost_nano + excluded.cost_nano + (cost_atto + excluded.cost_atto) / ${ATTO_PER_NANO},
           cost_atto = (cost_atto + excluded.cost_atto) % ${ATTO_PER_NANO},
           uncollected = uncollected + excluded.uncollected`,
        delta.day,
        delta.source,
        plan,
        usage.provider,
        usage.model,
        usage.calls,
        usage.charged_micros,
        Number(nano),
        Number(atto),
        usage.uncollected_micros,
      );
      charged += usage.charged_micros;
      calls += usage.calls;
    }
    if (calls > 0) {
      this.sql.exec(
        `INSERT INTO account_daily (day, account, charged, calls) VALUES (?, ?, ?, ?)
         ON CONFLICT (day, account) DO UPDATE SET charged = charged + excluded.charged, calls = calls + excluded.calls`,
        delta.day,
        delta.account_id,
        charged,
        calls,
      );
    }
    const money = delta.money;
    if (money && MONEY_FIELDS.some((field) => money[field] !== 0)) {
      this.sql.exec(
        `INSERT INTO money_daily (day, source, plan, ${MONEY_FIELDS.join(", ")})
         VALUES (?, ?, ?, ${MONEY_FIELDS.map(() => "?").join(", ")})
         ON CONFLICT (day, source, plan) DO UPDATE SET
           ${MONEY_FIELDS.map((field) => `${field} = ${field} + excluded.${field}`).join(", ")}`,
        delta.day,
        delta.source,
        plan,
        ...MONEY_FIELDS.map((field) => money[field]),
      );
    }
  }

  read(from: string, to: string, topAccounts: number): AnalyticsData {
    const usage = this.sql
      .exec<{
        day: string;
        source: AccountSource;
        plan: string;
        provider: string;
        model: string;
        calls: number;
        charged: number;
        cost_nano: string;
        cost_atto: string;
        uncollected: number;
      }>(
        `SELECT day, source, plan, provider, model, calls, charged, CAST(cost_nano AS TEXT) AS cost_nano,
           CAST(cost_atto AS TEXT) AS cost_atto, uncollected
         FROM usage_daily WHERE day >= ? AND day <= ?`,
        from,
        to,
      )
      .toArray()
      .map((row) => ({
        day: row.day,
        source: row.source,
        plan: row.plan === "" ? null : row.plan,
        provider: row.provider,
        model: row.model,
        calls: row.calls,
        charged_micros: row.charged,
        cost_atto_usd: (BigInt(row.cost_nano) * ATTO_PER_NANO + BigInt(row.cost_atto)).toString(),
        uncollected_micros: row.uncollected,
      }));
    const money = this.sql
      .exec<Record<keyof MoneyAggregate, SqlStorageValue>>(
        `SELECT day, source, plan, ${MONEY_FIELDS.join(", ")} FROM money_daily WHERE day >= ? AND day <= ?`,
        from,
        to,
      )
      .toArray()
      .map((row) => ({ ...(row as unknown as MoneyAggregate), plan: row.plan === "" ? null : (row.plan as string) }));
    const top_accounts = this.sql
      .exec<{ account_id: string; charged_micros: number; calls: number }>(
        `SELECT account AS account_id, SUM(charged) AS charged_micros, SUM(calls) AS calls
         FROM account_daily WHERE day >= ? AND day <= ?
         GROUP BY account ORDER BY charged_micros DESC, calls DESC, account_id LIMIT ?`,
        from,
        to,
        topAccounts,
      )
      .toArray();
    return { usage, money, top_accounts };
  }
}
