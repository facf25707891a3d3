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
};
export type NewEntry = Omit<EntryRow, "seq" | "id" | "created_at" | "balance_after" | "usage"> & {
  usage: Record<string, number> | null;
  idempotency_key: string;
};

export const ENTRY_COLUMNS =
  "seq, id, amount, reason, reference, created_at, balance_after, request_id, provider, model, usage, cost_usd, uncollected";

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
    uncollected INTEGER
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
    seq: row.seq,
  };
}
