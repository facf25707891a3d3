import type { KeyRecord, NewKey, PresentedKey } from "../ports.ts";

/** What an account operation returns instead of its answer when the caller's key is not live here. */
export const KEY_REFUSED = "key_refused";
export type KeyRefused = typeof KEY_REFUSED;

/** Last use is stamped at most this often, so a busy key writes at most once a minute. */
const TOUCH_EVERY_MS = 60_000;

type KeyRow = Omit<KeyRecord, "account_id">;
const COLUMNS = "id, name, prefix, hash, created_at, revoked_at, last_used_at";

/**
 * An account's keys, inside its Durable Object: the authority on which key is live. Its methods run
 * inside the object's own calls, so a check and the change that follows it are one atomic step.
 */
export class AccountKeys {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS keys (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      prefix TEXT NOT NULL,
      hash TEXT NOT NULL UNIQUE,
      created_at INTEGER NOT NULL,
      revoked_at INTEGER,
      last_used_at INTEGER
    )`);
    // Objects created before last use moved here from the key index lack the column.
    const columns = sql.exec<{ name: string }>("PRAGMA table_info(keys)").toArray();
    if (!columns.some((column) => column.name === "last_used_at")) {
      sql.exec("ALTER TABLE keys ADD COLUMN last_used_at INTEGER");
    }
  }

  /**
   * True when no key is presented, or the presented key is live here with this hash; then stamps
   * its last use, at most once a minute.
   */
  admits(key: PresentedKey | null, now: number): boolean {
    if (key === null) return true;
    const row = this.sql
      .exec<Pick<KeyRow, "hash" | "revoked_at" | "last_used_at">>(
        "SELECT hash, revoked_at, last_used_at FROM keys WHERE id = ?",
        key.key_id,
      )
      .toArray()[0];
    if (!row || row.revoked_at !== null || row.hash !== key.hash) return false;
    if (row.last_used_at === null || now - row.last_used_at >= TOUCH_EVERY_MS) {
      this.sql.exec("UPDATE keys SET last_used_at = ? WHERE id = ?", now, key.key_id);
    }
    return true;
  }

  get(accountId: string, keyId: string): KeyRecord | null {
    const row = this.sql.exec<KeyRow>(`SELECT ${COLUMNS} FROM keys WHERE id = ?`, keyId).toArray()[0];
    return row ? { ...row, account_id: accountId } : null;
  }

  list(accountId: string): KeyRecord[] {
    return this.sql
      .exec<KeyRow>(`SELECT ${COLUMNS} FROM keys ORDER BY created_at, id`)
      .toArray()
      .map((row) => ({ ...row, account_id: accountId }));
  }

  /** Idempotent by key id. */
  add(accountId: string, key: NewKey, now: number): KeyRecord {
    this.sql.exec(
      "INSERT OR IGNORE INTO keys (id, name, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?)",
      key.id,
      key.name,
      key.prefix,
      key.hash,
      now,
    );
    return this.get(accountId, key.id) as KeyRecord;
  }

  rotate(
    accountId: string,
    keyId: string,
    next: { prefix: string; hash: string },
  ): { key: KeyRecord; old_hash: string } | null {
    const current = this.get(accountId, keyId);
    if (!current || current.revoked_at !== null) return null;
    this.sql.exec("UPDATE keys SET prefix = ?, hash = ? WHERE id = ?", next.prefix, next.hash, keyId);
    return { key: { ...current, ...next }, old_hash: current.hash };
  }

  /** Revoking twice keeps the first time. */
  revoke(accountId: string, keyId: string, now: number): KeyRecord | null {
    this.sql.exec("UPDATE keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", now, keyId);
    return this.get(accountId, keyId);
  }
}
