import type { AccountSource, Balance, LedgerEntry } from "../ports.ts";
import { ENTRY_COLUMNS, type EntryRow, type NewEntry, writeEntry } from "./ledger-rows.ts";

export type AccountRow = { id: string; source: AccountSource; plan: string | null; created_at: number };

/**
 * Reads and writes of an account object's own tables (its row, ledger and holds). Its methods run
 * inside the object's calls, so whatever a call does with them is one atomic step.
 */
export class AccountLedger {
  readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  one<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): T | null {
    return this.sql.exec<T>(query, ...bindings).toArray()[0] ?? null;
  }

  account(): AccountRow | null {
    return this.one<AccountRow>("SELECT id, source, plan, created_at FROM account WHERE one = 1");
  }

  ensure(id: string, source: AccountSource, plan: string | null, now: number): AccountRow {
    const existing = this.account();
    if (existing) return existing;
    this.sql.exec(
      "INSERT INTO account (one, id, source, plan, created_at) VALUES (1, ?, ?, ?, ?)",
      id,
      source,
      plan,
      now,
    );
    return { id, source, plan, created_at: now };
  }

  balanceMicros(): number {
    return this.one<{ balance: number }>("SELECT balance FROM account WHERE one = 1")?.balance ?? 0;
  }

  heldMicros(now: number, except: string | null = null): number {
    return (
      this.one<{ held: number }>(
        "SELECT COALESCE(SUM(amount), 0) AS held FROM holds WHERE expires_at > ? AND id IS NOT ?",
        now,
        except,
      )?.held ?? 0
    );
  }

  replay(idempotencyKey: string): EntryRow | null {
    return this.one<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM ledger WHERE idempotency_key = ?`, idempotencyKey);
  }

  write(accountId: string, entry: NewEntry, now: number): LedgerEntry {
    return writeEntry(this.sql, accountId, entry, now);
  }

  snapshot(accountId: string, now: number): Balance {
    const row = this.one<{ balance: number; unbilled: number }>("SELECT balance, unbilled FROM account WHERE one = 1");
    return {
      account_id: accountId,
      balance_micros: row?.balance ?? 0,
      held_micros: this.heldMicros(now),
      unbilled_micros: row?.unbilled ?? 0,
    };
  }
}
