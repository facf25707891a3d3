import { randomHex } from "../../lib/crypto.ts";
import type { LedgerEntry, LedgerReason } from "../ports.ts";

/** SQLite rows of an account object's ledger, and how they read back as ledger entries. */
export type EntryRow = {
  seq: number;
  id: string;
  amount: number;
  reason: LedgerReason;
  reference: string | null;
  created_at: number;
  balance_after: number;
  request_id: string | null;
  provider: string | null;
  model: string | null;
  usage: string | null;
  cost_usd: string | null;
  uncollected: number | null;
  paid_cents: number | null;
};
export type NewEntry = Omit<EntryRow, "seq" | "id" | "created_at" | "balance_after" | "usage" | "paid_cents"> & {
  usage: Record<string, number> | null;
  idempotency_key: string;
  paid_cents?: number | null;
};

export const ENTRY_COLUMNS =
  "seq, id, amount, reason, reference, created_at, balance_after, request_id, provider, model, usage, cost_usd, uncollected, paid_cents";

/** The account row, its ledger and its holds; its keys live in account-keys.ts. */
export const LEDGER_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS account (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    id TEXT NOT NULL,
    source TEXT NOT NULL,
    plan TEXT,
    created_at INTEGER NOT NULL,
    balance INTEGER NOT NULL DEFAULT 0,
    unbilled INTEGER NOT NULL DEFAULT 0
  )`,
  `CREATE TABLE IF NOT EXISTS ledger (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    amount INTEGER NOT NULL,
    reason TEXT NOT NULL,
    reference TEXT,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    balance_after INTEGER NOT NULL,
    request_id TEXT,
    provider TEXT,
    model TEXT,
    usage TEXT,
    cost_usd TEXT,
    uncollected INTEGER,
    paid_cents INTEGER
  )`,
  "CREATE INDEX IF NOT EXISTS ledger_reason_time ON ledger (reason, created_at)",
  `CREATE TABLE IF NOT EXISTS holds (
    id TEXT PRIMARY KEY,
    amount INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  )`,
];

export function toEntry(accountId: string, row: EntryRow): LedgerEntry {
  return {
    id: row.id,
    account_id: accountId,
    amount_micros: row.amount,
    reason: row.reason,
    reference: row.reference,
    created_at: row.created_at,
    balance_after_micros: row.balance_after,
    request_id: row.request_id,
    provider: row.provider,
    model: row.model,
    usage: row.usage === null ? null : (JSON.parse(row.usage) as Record<string, number>),
    cost_usd: row.cost_usd,
    uncollected_micros: row.uncollected,
    amount_paid_cents: row.paid_cents,
    seq: row.seq,
  };
}

/** Ledgers created before payment entries lack their column. */
export function migrateLedger(sql: SqlStorage): void {
  const columns = sql.exec<{ name: string }>("PRAGMA table_info(ledger)").toArray();
  if (!columns.some((column) => column.name === "paid_cents"))
    sql.exec("ALTER TABLE ledger ADD COLUMN paid_cents INTEGER");
}

/** Moves the balance and writes its entry: callers run it inside a transaction. */
export function writeEntry(sql: SqlStorage, accountId: string, entry: NewEntry, now: number): LedgerEntry {
  const [{ balance }] = sql
    .exec<{ balance: number }>("UPDATE account SET balance = balance + ? WHERE one = 1 RETURNING balance", entry.amount)
    .toArray() as [{ balance: number }];
  const usage = entry.usage === null ? null : JSON.stringify(entry.usage);
  const [row] = sql
    .exec<EntryRow>(
      `INSERT INTO ledger (id, amount, reason, reference, idempotency_key, created_at, balance_after,
         request_id, provider, model, usage, cost_usd, uncollected, paid_cents)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${ENTRY_COLUMNS}`,
      `le_${randomHex(12)}`,
      entry.amount,
      entry.reason,
      entry.reference,
      entry.idempotency_key,
      now,
      balance,
      entry.request_id,
      entry.provider,
      entry.model,
      usage,
      entry.cost_usd,
      entry.uncollected,
      entry.paid_cents ?? null,
    )
    .toArray() as [EntryRow];
  return toEntry(accountId, row);
}
