import { creditsToBill, MICROS_PER_CREDIT } from "../rapidapi-credits.ts";
import type { RapidApiAccrual, RapidApiDay, RapidApiOutcome } from "../rapidapi-ports.ts";
import type { AccountLedger } from "./account-ledger.ts";

const SCHEMA = [
  // What each call billed, so a replayed step answers the same credits.
  "CREATE TABLE IF NOT EXISTS rapid_calls (call_id TEXT PRIMARY KEY, credits INTEGER NOT NULL)",
  // Credits billed through X-RapidAPI-Billing per UTC day, for reconciliation.
  "CREATE TABLE IF NOT EXISTS rapid_billed (day TEXT PRIMARY KEY, credits INTEGER NOT NULL)",
];

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * A RapidAPI subscriber's account: no holds and no prepaid balance. Each call's cost is a `usage`
 * entry (the balance is minus what was accrued), `unbilled` carries what is owed and not yet
 * billed. Runs inside the account object's calls, so each accrual is one atomic step.
 */
export class AccountRapidApi {
  private readonly ledger: AccountLedger;

  constructor(ledger: AccountLedger) {
    this.ledger = ledger;
    for (const statement of SCHEMA) ledger.sql.exec(statement);
  }

  private outcome(status: RapidApiOutcome["status"], credits: number): RapidApiOutcome {
    const row = this.ledger.one<{ balance: number; unbilled: number }>(
      "SELECT balance, unbilled FROM account WHERE one = 1",
    );
    return {
      status,
      billed_credits: credits,
      unbilled_micros: row?.unbilled ?? 0,
      accrued_micros: -(row?.balance ?? 0),
    };
  }

  accrue(accountId: string, accrual: RapidApiAccrual, now: number): RapidApiOutcome {
    const { sql } = this.ledger;
    const prior = this.ledger.one<{ credits: number }>(
      "SELECT credits FROM rapid_calls WHERE call_id = ?",
      accrual.call_id,
    );
    if (prior && accrual.billing_lost && prior.credits > 0) {
      // Billed by a step whose answer was lost: the credits go back to owed, once.
      sql.exec("UPDATE account SET unbilled = unbilled + ? WHERE one = 1", prior.credits * MICROS_PER_CREDIT);
      sql.exec("UPDATE rapid_billed SET credits = credits - ? WHERE day = ?", prior.credits, utcDay(now));
      sql.exec("UPDATE rapid_calls SET credits = 0 WHERE call_id = ?", accrual.call_id);
      return this.outcome("replayed", 0);
    }
    if (prior) return this.outcome("replayed", prior.credits);
    this.ledger.ensure(accountId, "rapidapi", accrual.plan, now);
    if (accrual.plan !== null) sql.exec("UPDATE account SET plan = ? WHERE one = 1", accrual.plan);
    const { charge } = accrual;
    if (charge) {
      this.ledger.write(
        accountId,
        {
          amount: -charge.amount_micros,
          reason: "usage",
          reference: `rapidapi:${accrual.call_id}`,
          idempotency_key: `rapid:${accrual.call_id}`,
          request_id: charge.request_id,
          provider: charge.provider,
          model: charge.model,
          usage: charge.usage,
          cost_usd: charge.cost_usd,
          uncollected: null,
        },
        now,
      );
      sql.exec("UPDATE account SET unbilled = unbilled + ? WHERE one = 1", charge.amount_micros);
    }
    let credits = 0;
    if (accrual.bill) {
      const unbilled =
        this.ledger.one<{ unbilled: number }>("SELECT unbilled FROM account WHERE one = 1")?.unbilled ?? 0;
      credits = creditsToBill(unbilled);
      if (credits > 0) {
        sql.exec("UPDATE account SET unbilled = unbilled - ? WHERE one = 1", credits * MICROS_PER_CREDIT);
        sql.exec(
          `INSERT INTO rapid_billed (day, credits) VALUES (?, ?)
           ON CONFLICT (day) DO UPDATE SET credits = credits + excluded.credits`,
          utcDay(now),
          credits,
        );
      }
    }
    sql.exec("INSERT INTO rapid_calls (call_id, credits) VALUES (?, ?)", accrual.call_id, credits);
    return this.outcome("applied", credits);
  }

  report(from: string, to: string): RapidApiDay[] {
    const days = new Map<string, RapidApiDay>();
    const day = (date: string) => {
      let found = days.get(date);
      if (!found) {
        found = { date, calls: 0, accrued_micros: 0, billed_credits: 0 };
        days.set(date, found);
      }
      return found;
    };
    const usage = this.ledger.sql
      .exec<{ date: string; accrued: number; calls: number }>(
        `SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS date, -SUM(amount) AS accrued, COUNT(*) AS calls
         FROM ledger WHERE reason = 'usage' GROUP BY date HAVING date >= ? AND date <= ?`,
        from,
        to,
      )
      .toArray();
    for (const row of usage) Object.assign(day(row.date), { calls: row.calls, accrued_micros: row.accrued });
    const billed = this.ledger.sql
      .exec<{ day: string; credits: number }>(
        "SELECT day, credits FROM rapid_billed WHERE day >= ? AND day <= ?",
        from,
        to,
      )
      .toArray();
    for (const row of billed) day(row.day).billed_credits = row.credits;
    return [...days.values()].sort((a, b) => a.date.localeCompare(b.date));
  }
}
