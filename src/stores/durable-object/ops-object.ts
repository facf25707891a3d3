import { DurableObject } from "cloudflare:workers";
import type { DeadLetter } from "./ops.ts";

type DeadLetterRow = { id: string; body: string; attempts: number; received_at: number };

/**
 * One object (`ops`) for what an operator must see whatever store holds the money: the ledger
 * queue's dead letters, and the accounts whose holds outlived their calls (each account object
 * reports itself when such a hold is found; the account stays the authority on its holds).
 */
export class OpsObject extends DurableObject {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS dead_letters (
      id TEXT PRIMARY KEY,
      body TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      received_at INTEGER NOT NULL
    )`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS stale_hold_accounts (
      account_id TEXT PRIMARY KEY,
      reported_at INTEGER NOT NULL
    )`);
  }

  /** Idempotent by message id: a dead letter delivered twice is kept once. */
  addDeadLetter(letter: DeadLetter): void {
    this.sql.exec(
      "INSERT OR IGNORE INTO dead_letters (id, body, attempts, received_at) VALUES (?, ?, ?, ?)",
      letter.id,
      JSON.stringify(letter.body ?? null),
      letter.attempts,
      letter.received_at,
    );
  }

  deadLetters(limit: number): DeadLetter[] {
    return this.sql
      .exec<DeadLetterRow>(
        "SELECT id, body, attempts, received_at FROM dead_letters ORDER BY received_at, id LIMIT ?",
        limit,
      )
      .toArray()
      .map((row) => ({ id: row.id, body: JSON.parse(row.body), attempts: row.attempts, received_at: row.received_at }));
  }

  noteStaleHolds(accountId: string, now: number): void {
    this.sql.exec(
      "INSERT INTO stale_hold_accounts (account_id, reported_at) VALUES (?, ?) ON CONFLICT (account_id) DO UPDATE SET reported_at = excluded.reported_at",
      accountId,
      now,
    );
  }

  staleHoldAccounts(limit: number): string[] {
    return this.sql
      .exec<{ account_id: string }>(
        "SELECT account_id FROM stale_hold_accounts ORDER BY reported_at, account_id LIMIT ?",
        limit,
      )
      .toArray()
      .map((row) => row.account_id);
  }

  /** An account found with no stale hold left leaves the list (unless it reported again since `checkedAt`). */
  forgetStaleHolds(accountId: string, checkedAt: number): void {
    this.sql.exec("DELETE FROM stale_hold_accounts WHERE account_id = ? AND reported_at <= ?", accountId, checkedAt);
  }
}
