import { DurableObject } from "cloudflare:workers";
import { randomHex } from "../../lib/crypto.ts";
import type {
  AccountInfo,
  AccountSource,
  Balance,
  CreditRequest,
  CreditResult,
  KeyRecord,
  LedgerEntry,
  LedgerReason,
  NewKey,
} from "../ports.ts";

type AccountRow = { id: string; source: AccountSource; plan: string | null; created_at: number };
type EntryRow = {
  id: string;
  amount: number;
  reason: LedgerReason;
  reference: string | null;
  created_at: number;
  balance_after: number;
};
type KeyRow = Omit<KeyRecord, "account_id">;

const SCHEMA = [
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
    balance_after INTEGER NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  )`,
];

/**
 * One object per account: it serialises that account's money. Every balance change
 * and its ledger entry (with the idempotency key that guards it) commit in one
 * SQLite transaction.
 */
export class AccountObject extends DurableObject {
  private readonly sql: SqlStorage;
  private readonly storage: DurableObjectStorage;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.storage = ctx.storage;
    this.sql = ctx.storage.sql;
    for (const statement of SCHEMA) this.sql.exec(statement);
  }

  private account(): AccountRow | null {
    return (
      this.sql.exec<AccountRow>("SELECT id, source, plan, created_at FROM account WHERE one = 1").toArray()[0] ?? null
    );
  }

  private ensure(id: string, source: AccountSource, plan: string | null, now: number): AccountRow {
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

  create(account: Omit<AccountInfo, "created_at">, now: number): AccountInfo {
    return this.ensure(account.id, account.source, account.plan, now);
  }

  info(): AccountInfo | null {
    return this.account();
  }

  balance(accountId: string): Balance {
    const row = this.sql
      .exec<{ balance: number; unbilled: number }>("SELECT balance, unbilled FROM account WHERE one = 1")
      .toArray()[0];
    return {
      account_id: accountId,
      balance_micros: row?.balance ?? 0,
      held_micros: 0,
      unbilled_micros: row?.unbilled ?? 0,
    };
  }

  credit(accountId: string, request: CreditRequest, now: number): CreditResult {
    return this.storage.transactionSync((): CreditResult => {
      const replay = this.sql
        .exec<EntryRow>(
          "SELECT id, amount, reason, reference, created_at, balance_after FROM ledger WHERE idempotency_key = ?",
          request.idempotency_key,
        )
        .toArray()[0];
      if (replay) {
        return { status: "replayed", entry: toEntry(accountId, replay), balance: this.balance(accountId) };
      }
      if (!this.account()) {
        if (!request.create_account) return { status: "account_not_found" };
        this.ensure(accountId, "key", null, now);
      }
      const [{ balance }] = this.sql
        .exec<{ balance: number }>(
          "UPDATE account SET balance = balance + ? WHERE one = 1 RETURNING balance",
          request.amount_micros,
        )
        .toArray() as [{ balance: number }];
      const row: EntryRow = {
        id: `le_${randomHex(12)}`,
        amount: request.amount_micros,
        reason: request.reason,
        reference: request.reference,
        created_at: now,
        balance_after: balance,
      };
      this.sql.exec(
        `INSERT INTO ledger (id, amount, reason, reference, idempotency_key, created_at, balance_after)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        row.id,
        row.amount,
        row.reason,
        row.reference,
        request.idempotency_key,
        row.created_at,
        row.balance_after,
      );
      return { status: "applied", entry: toEntry(accountId, row), balance: this.balance(accountId) };
    });
  }

  addKey(accountId: string, key: NewKey, now: number): KeyRecord {
    return this.storage.transactionSync(() => {
      this.ensure(accountId, "key", null, now);
      this.sql.exec(
        "INSERT OR IGNORE INTO keys (id, name, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?)",
        key.id,
        key.name,
        key.prefix,
        key.hash,
        now,
      );
      return this.key(accountId, key.id) as KeyRecord;
    });
  }

  private key(accountId: string, keyId: string): KeyRecord | null {
    const row = this.sql
      .exec<KeyRow>("SELECT id, name, prefix, hash, created_at, revoked_at FROM keys WHERE id = ?", keyId)
      .toArray()[0];
    return row ? { ...row, account_id: accountId } : null;
  }

  listKeys(accountId: string): KeyRecord[] {
    return this.sql
      .exec<KeyRow>("SELECT id, name, prefix, hash, created_at, revoked_at FROM keys ORDER BY created_at, id")
      .toArray()
      .map((row) => ({ ...row, account_id: accountId }));
  }

  rotateKey(
    accountId: string,
    keyId: string,
    next: { prefix: string; hash: string },
  ): { key: KeyRecord; old_hash: string } | null {
    return this.storage.transactionSync(() => {
      const current = this.key(accountId, keyId);
      if (!current || current.revoked_at !== null) return null;
      this.sql.exec("UPDATE keys SET prefix = ?, hash = ? WHERE id = ?", next.prefix, next.hash, keyId);
      return { key: { ...current, ...next }, old_hash: current.hash };
    });
  }

  revokeKey(accountId: string, keyId: string, now: number): KeyRecord | null {
    this.sql.exec("UPDATE keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", now, keyId);
    return this.key(accountId, keyId);
  }
}

function toEntry(accountId: string, row: EntryRow): LedgerEntry {
  return {
    id: row.id,
    account_id: accountId,
    amount_micros: row.amount,
    reason: row.reason,
    reference: row.reference,
    created_at: row.created_at,
    balance_after_micros: row.balance_after,
  };
}
