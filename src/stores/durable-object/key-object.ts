import { DurableObject } from "cloudflare:workers";
import type { KeyMapping } from "../ports.ts";

type Row = {
  account_id: string;
  key_id: string;
  revoked_at: number | null;
};

/**
 * One object per key hash (`key:<sha256>`). It holds the key's account mapping, so
 * authenticating a key is one call, and its single-threaded storage makes the first
 * claim of a new key atomic. A lookup hint: the account re-checks the key on every
 * operation.
 */
export class KeyObject extends DurableObject {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS mapping (
      one INTEGER PRIMARY KEY CHECK (one = 1),
      account_id TEXT NOT NULL,
      key_id TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      revoked_at INTEGER,
      last_used_at INTEGER -- no longer written: the account stamps last use
    )`);
  }

  private row(): Row | null {
    const rows = this.sql.exec<Row>("SELECT account_id, key_id, revoked_at FROM mapping WHERE one = 1").toArray();
    return rows[0] ?? null;
  }

  private static mapping(row: Row): KeyMapping {
    return { account_id: row.account_id, key_id: row.key_id, revoked: row.revoked_at !== null };
  }

  lookup(): KeyMapping | null {
    const row = this.row();
    return row ? KeyObject.mapping(row) : null;
  }

  claim(candidate: { account_id: string; key_id: string }, now: number): { mapping: KeyMapping; created: boolean } {
    const existing = this.row();
    if (existing) return { mapping: KeyObject.mapping(existing), created: false };
    this.sql.exec(
      "INSERT INTO mapping (one, account_id, key_id, created_at) VALUES (1, ?, ?, ?)",
      candidate.account_id,
      candidate.key_id,
      now,
    );
    return { mapping: { ...candidate, revoked: false }, created: true };
  }

  revoke(now: number): void {
    this.sql.exec("UPDATE mapping SET revoked_at = COALESCE(revoked_at, ?) WHERE one = 1", now);
  }
}
