import { DurableObject } from "cloudflare:workers";
import { randomHex } from "../../lib/crypto.ts";
import { startOfUtcDay } from "../../lib/time.ts";
import type {
  AccountInfo,
  AccountSource,
  Balance,
  CreditRequest,
  CreditResult,
  DailyUsage,
  KeyRecord,
  LedgerEntry,
  NewKey,
  PresentedKey,
  ReserveResult,
  SettleResult,
  UsageCharge,
} from "../ports.ts";
import { AccountKeys, KEY_REFUSED, type KeyRefused } from "./account-keys.ts";
import { ENTRY_COLUMNS, type EntryRow, LEDGER_SCHEMA, type NewEntry, toEntry } from "./ledger-rows.ts";

type AccountRow = { id: string; source: AccountSource; plan: string | null; created_at: number };

/**
 * One object per account: it serialises that account's money. Every balance change and
 * its ledger entry (with the idempotency key that guards it) commit in one SQLite
 * transaction; holds count only while unexpired. Operations a caller's key performs first
 * check, in the same step, that the key is live here, and return KEY_REFUSED when it is not.
 */
export class AccountObject extends DurableObject {
  private readonly sql: SqlStorage;
  private readonly storage: DurableObjectStorage;
  private readonly keys: AccountKeys;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.storage = ctx.storage;
    this.sql = ctx.storage.sql;
    for (const statement of LEDGER_SCHEMA) this.sql.exec(statement);
    this.keys = new AccountKeys(this.sql);
  }

  private one<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): T | null {
    return this.sql.exec<T>(query, ...bindings).toArray()[0] ?? null;
  }

  private account(): AccountRow | null {
    return this.one<AccountRow>("SELECT id, source, plan, created_at FROM account WHERE one = 1");
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

  private balanceMicros(): number {
    return this.one<{ balance: number }>("SELECT balance FROM account WHERE one = 1")?.balance ?? 0;
  }

  private heldMicros(now: number, except: string | null = null): number {
    return (
      this.one<{ held: number }>(
        "SELECT COALESCE(SUM(amount), 0) AS held FROM holds WHERE expires_at > ? AND id IS NOT ?",
        now,
        except,
      )?.held ?? 0
    );
  }

  private replay(idempotencyKey: string): EntryRow | null {
    return this.one<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM ledger WHERE idempotency_key = ?`, idempotencyKey);
  }

  /** Moves the balance and writes its entry: callers run it inside a transaction. */
  private write(accountId: string, entry: NewEntry, now: number): LedgerEntry {
    const [{ balance }] = this.sql
      .exec<{ balance: number }>(
        "UPDATE account SET balance = balance + ? WHERE one = 1 RETURNING balance",
        entry.amount,
      )
      .toArray() as [{ balance: number }];
    const id = `le_${randomHex(12)}`;
    const usage = entry.usage === null ? null : JSON.stringify(entry.usage);
    const [row] = this.sql
      .exec<EntryRow>(
        `INSERT INTO ledger (id, amount, reason, reference, idempotency_key, created_at, balance_after,
           request_id, provider, model, usage, cost_usd, uncollected)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${ENTRY_COLUMNS}`,
        id,
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
      )
      .toArray() as [EntryRow];
    return toEntry(accountId, row);
  }

  create(account: Omit<AccountInfo, "created_at">, now: number): AccountInfo {
    return this.ensure(account.id, account.source, account.plan, now);
  }

  info(): AccountInfo | null {
    return this.account();
  }

  balance(accountId: string, now: number, key: PresentedKey | null): Balance | KeyRefused {
    return this.storage.transactionSync(() =>
      this.keys.admits(key, now) ? this.snapshot(accountId, now) : KEY_REFUSED,
    );
  }

  private snapshot(accountId: string, now: number): Balance {
    const row = this.one<{ balance: number; unbilled: number }>("SELECT balance, unbilled FROM account WHERE one = 1");
    return {
      account_id: accountId,
      balance_micros: row?.balance ?? 0,
      held_micros: this.heldMicros(now),
      unbilled_micros: row?.unbilled ?? 0,
    };
  }

  credit(accountId: string, request: CreditRequest, now: number): CreditResult {
    return this.storage.transactionSync((): CreditResult => {
      const replay = this.replay(request.idempotency_key);
      if (replay)
        return { status: "replayed", entry: toEntry(accountId, replay), balance: this.snapshot(accountId, now) };
      if (!this.account()) {
        if (!request.create_account) return { status: "account_not_found" };
        this.ensure(accountId, "key", null, now);
      }
      // Past 2^53 - 1 a balance is no longer an exact integer in JavaScript: refuse, apply nothing.
      if (request.amount_micros > 0 && request.amount_micros > Number.MAX_SAFE_INTEGER - this.balanceMicros()) {
        return { status: "limit_exceeded", balance: this.snapshot(accountId, now) };
      }
      const entry = this.write(
        accountId,
        {
          amount: request.amount_micros,
          reason: request.reason,
          reference: request.reference,
          idempotency_key: request.idempotency_key,
          request_id: null,
          provider: null,
          model: null,
          usage: null,
          cost_usd: null,
          uncollected: null,
        },
        now,
      );
      return { status: "applied", entry, balance: this.snapshot(accountId, now) };
    });
  }

  reserve(
    accountId: string,
    holdId: string,
    amount: number,
    ttlMs: number,
    now: number,
    key: PresentedKey | null,
  ): ReserveResult | KeyRefused {
    return this.storage.transactionSync((): ReserveResult | KeyRefused => {
      if (!this.keys.admits(key, now)) return KEY_REFUSED;
      this.sql.exec("DELETE FROM holds WHERE expires_at <= ?", now);
      const existing = this.one<{ id: string }>("SELECT id FROM holds WHERE id = ?", holdId);
      if (!existing) {
        const available = this.balanceMicros() - this.heldMicros(now);
        if (amount > available) {
          return { status: "insufficient", available_micros: available, balance: this.snapshot(accountId, now) };
        }
        this.sql.exec("INSERT INTO holds (id, amount, expires_at) VALUES (?, ?, ?)", holdId, amount, now + ttlMs);
      }
      return { status: "reserved", balance: this.snapshot(accountId, now) };
    });
  }

  settle(accountId: string, holdId: string, charge: UsageCharge, now: number): SettleResult {
    return this.storage.transactionSync((): SettleResult => {
      const settleKey = `settle:${holdId}`;
      const replay = this.replay(settleKey);
      if (replay) {
        const shortfall = this.replay(`uncollected:${holdId}`);
        return {
          status: "replayed",
          charged_micros: -replay.amount,
          uncollected_micros: shortfall?.uncollected ?? 0,
          entry: toEntry(accountId, replay),
          balance: this.snapshot(accountId, now),
        };
      }
      this.ensure(accountId, "key", null, now);
      // An unexpired hold has kept its amount aside; an expired one has not, so the charge
      // takes only what other holds leave, and the rest is recorded as uncollected.
      const payable = Math.max(0, this.balanceMicros() - this.heldMicros(now, holdId));
      this.sql.exec("DELETE FROM holds WHERE id = ?", holdId);
      const charged = Math.min(charge.amount_micros, payable);
      const uncollected = charge.amount_micros - charged;
      const details = {
        reference: `hold:${holdId}`,
        request_id: charge.request_id,
        provider: charge.provider,
        model: charge.model,
        usage: charge.usage,
        cost_usd: charge.cost_usd,
      };
      const entry = this.write(
        accountId,
        { ...details, amount: -charged, reason: "usage", idempotency_key: settleKey, uncollected: null },
        now,
      );
      if (uncollected > 0) {
        this.write(
          accountId,
          { ...details, amount: 0, reason: "uncollected", idempotency_key: `uncollected:${holdId}`, uncollected },
          now,
        );
      }
      return {
        status: "settled",
        charged_micros: charged,
        uncollected_micros: uncollected,
        entry,
        balance: this.snapshot(accountId, now),
      };
    });
  }

  release(holdId: string): boolean {
    return this.sql.exec("DELETE FROM holds WHERE id = ?", holdId).rowsWritten > 0;
  }

  entries(
    accountId: string,
    before: number | null,
    limit: number,
    now: number,
    key: PresentedKey | null,
  ): LedgerEntry[] | KeyRefused {
    if (!this.keys.admits(key, now)) return KEY_REFUSED;
    return this.sql
      .exec<EntryRow>(
        `SELECT ${ENTRY_COLUMNS} FROM ledger WHERE seq < ? ORDER BY seq DESC LIMIT ?`,
        before ?? Number.MAX_SAFE_INTEGER,
        limit,
      )
      .toArray()
      .map((row) => toEntry(accountId, row));
  }

  /** Whole UTC days: `since` counts from the start of its day. */
  daily(since: number, now: number, key: PresentedKey | null): DailyUsage[] | KeyRefused {
    if (!this.keys.admits(key, now)) return KEY_REFUSED;
    return this.sql
      .exec<{ date: string; charged: number; requests: number }>(
        `SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS date,
                -SUM(amount) AS charged, COUNT(*) AS requests
         FROM ledger WHERE reason = 'usage' AND created_at >= ?
         GROUP BY date ORDER BY date DESC`,
        startOfUtcDay(since),
      )
      .toArray()
      .map((row) => ({ date: row.date, charged_micros: row.charged, requests: row.requests }));
  }

  addKey(accountId: string, key: NewKey, now: number, presented: PresentedKey | null): KeyRecord | KeyRefused {
    return this.storage.transactionSync(() => {
      if (!this.keys.admits(presented, now)) return KEY_REFUSED;
      this.ensure(accountId, "key", null, now);
      return this.keys.add(accountId, key, now);
    });
  }

  listKeys(accountId: string, now: number, presented: PresentedKey | null): KeyRecord[] | KeyRefused {
    return this.storage.transactionSync(() =>
      this.keys.admits(presented, now) ? this.keys.list(accountId) : KEY_REFUSED,
    );
  }

  rotateKey(
    accountId: string,
    keyId: string,
    next: { prefix: string; hash: string },
    now: number,
    presented: PresentedKey | null,
  ): { key: KeyRecord; old_hash: string } | null | KeyRefused {
    return this.storage.transactionSync(() =>
      this.keys.admits(presented, now) ? this.keys.rotate(accountId, keyId, next) : KEY_REFUSED,
    );
  }

  revokeKey(
    accountId: string,
    keyId: string,
    now: number,
    presented: PresentedKey | null,
  ): KeyRecord | null | KeyRefused {
    return this.storage.transactionSync(() =>
      this.keys.admits(presented, now) ? this.keys.revoke(accountId, keyId, now) : KEY_REFUSED,
    );
  }
}
