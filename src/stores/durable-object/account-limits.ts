import type { RateLimitTable, RateResult } from "../limit-ports.ts";
import { pickLimits, rateStep, type WindowState } from "../rate-window.ts";
import type { AccountLedger } from "./account-ledger.ts";

const SCHEMA = [
  // The request window: one row, the current fixed slot's index and count and the previous slot's count.
  "CREATE TABLE IF NOT EXISTS rate_window (one INTEGER PRIMARY KEY CHECK (one = 1), w INTEGER NOT NULL, c INTEGER NOT NULL, p INTEGER NOT NULL)",
  // RapidAPI calls in flight (they hold nothing): gone when their accrual lands, or at expiry.
  "CREATE TABLE IF NOT EXISTS inflight (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)",
];

/**
 * An account's rate limits, inside its object (see src/stores/limit-ports.ts). Runs inside the
 * object's calls, so a check and the hold or marker it admits are one atomic step.
 */
export class AccountLimits {
  private readonly ledger: AccountLedger;

  constructor(ledger: AccountLedger) {
    this.ledger = ledger;
    for (const statement of SCHEMA) ledger.sql.exec(statement);
  }

  /** Calls in flight: unexpired holds and unexpired RapidAPI markers. */
  private inFlight(now: number): number {
    this.ledger.sql.exec("DELETE FROM inflight WHERE expires_at <= ?", now);
    return (
      this.ledger.one<{ n: number }>(
        "SELECT (SELECT COUNT(*) FROM holds WHERE expires_at > ?) + (SELECT COUNT(*) FROM inflight) AS n",
        now,
      )?.n ?? 0
    );
  }

  /**
   * Checks the limits (concurrency too when `metered`); `count` false only checks. The caller
   * commits the window with `count` once what it admits is done, in the same transaction.
   */
  check(table: RateLimitTable, now: number, metered: boolean): { result: RateResult; commit: () => void } {
    const stored = this.ledger.one<{ w: number; c: number; p: number }>(
      "SELECT w, c, p FROM rate_window WHERE one = 1",
    ) as WindowState | null;
    const limit = pickLimits(table, this.ledger.account()?.plan);
    const { result, next } = rateStep(stored, now, limit, metered ? this.inFlight(now) : null, true);
    return {
      result,
      commit: () => {
        if (!next) return;
        this.ledger.sql.exec(
          `INSERT INTO rate_window (one, w, c, p) VALUES (1, ?, ?, ?)
           ON CONFLICT (one) DO UPDATE SET w = excluded.w, c = excluded.c, p = excluded.p`,
          next.w,
          next.c,
          next.p,
        );
      },
    };
  }

  /** The window as it stands, counting nothing (a replayed reserve). */
  peek(table: RateLimitTable, now: number): RateResult {
    const stored = this.ledger.one<{ w: number; c: number; p: number }>(
      "SELECT w, c, p FROM rate_window WHERE one = 1",
    ) as WindowState | null;
    return rateStep(stored, now, pickLimits(table, this.ledger.account()?.plan), null, false).result;
  }

  begin(callId: string, table: RateLimitTable, ttlMs: number, now: number): RateResult {
    const { result, commit } = this.check(table, now, true);
    if (result.status !== "allowed") return result;
    this.ledger.sql.exec(
      "INSERT INTO inflight (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
      callId,
      now + ttlMs,
    );
    commit();
    return result;
  }

  end(callId: string): void {
    this.ledger.sql.exec("DELETE FROM inflight WHERE id = ?", callId);
  }
}
