import type { Payments } from "./payment-ports.ts";
import type { RapidApiBilling } from "./rapidapi-ports.ts";

/**
 * The store ports. Two adapters implement them (Durable Objects, Upstash Redis) and one
 * contract suite runs against both. Money is integer micro-credits (1 credit = 1,000,000).
 */

export type AccountSource = "key" | "rapidapi";

export interface AccountInfo {
  id: string;
  source: AccountSource;
  plan: string | null;
  created_at: number;
}

export interface KeyRecord {
  id: string;
  account_id: string;
  name: string;
  /** The first characters of the key, enough to recognise it, never enough to use it. */
  prefix: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
  /** Stamped by the key's own account operations, at most once a minute. */
  last_used_at: number | null;
}

/**
 * The native key a caller presented. The account, not the key index, decides whether it is live:
 * every account operation given one re-checks, in its own atomic step, that this key id is live in
 * that account with this hash, and refuses with INVALID_API_KEY otherwise. Null means no check
 * (admin, RapidAPI, internal calls).
 */
export interface PresentedKey {
  key_id: string;
  hash: string;
}

export interface KeyMapping {
  account_id: string;
  key_id: string;
  revoked: boolean;
}

/**
 * Maps SHA-256 key hashes to accounts: the only lookup on the auth path. A hint, not the authority:
 * the account re-checks the key on every operation, so a stale mapping admits nothing.
 */
export interface KeyIndex {
  /** One round trip, read-only. */
  lookup(hash: string): Promise<KeyMapping | null>;
  /** Atomic get-or-create: concurrent first claims of one hash all see the same mapping. */
  claim(
    hash: string,
    candidate: { account_id: string; key_id: string },
    now: number,
  ): Promise<{
    mapping: KeyMapping;
    created: boolean;
  }>;
  revoke(hash: string, now: number): Promise<void>;
}

export interface NewKey {
  id: string;
  name: string;
  prefix: string;
  hash: string;
}

export interface Accounts {
  create(account: Omit<AccountInfo, "created_at">, now: number): Promise<AccountInfo>;
  get(id: string): Promise<AccountInfo | null>;
  /** Idempotent by key id; creates the account (source "key") when it does not exist yet. */
  addKey(accountId: string, key: NewKey, now: number, presented: PresentedKey | null): Promise<KeyRecord>;
  /** One call, last-use stamps included. */
  listKeys(accountId: string, presented: PresentedKey | null): Promise<KeyRecord[]>;
  /** Swaps the secret of a live key in one atomic step; null when the account has no such live key. */
  rotateKey(
    accountId: string,
    keyId: string,
    next: { prefix: string; hash: string },
    presented: PresentedKey | null,
  ): Promise<{ key: KeyRecord; old_hash: string } | null>;
  /** Null when the account has no such key; revoking twice keeps the first time. */
  revokeKey(accountId: string, keyId: string, now: number, presented: PresentedKey | null): Promise<KeyRecord | null>;
}

export type LedgerReason =
  | "usage"
  | "purchase"
  | "admin_grant"
  | "plan_allowance"
  | "clawback"
  | "reversal"
  | "uncollected";

export interface LedgerEntry {
  id: string;
  account_id: string;
  /** Signed micro-credits: the balance change. Zero for `uncollected`, which records a shortfall. */
  amount_micros: number;
  reason: LedgerReason;
  reference: string | null;
  created_at: number;
  balance_after_micros: number;
  /** Usage entries: what the call was and what it cost upstream. */
  request_id?: string | null;
  provider?: string | null;
  model?: string | null;
  usage?: Record<string, number> | null;
  cost_usd?: string | null;
  /** `uncollected` entries: what the call cost beyond what the balance could pay. */
  uncollected_micros?: number | null;
  /** Payment entries (`purchase`, `clawback`, `reversal`, their `uncollected`): what the customer paid, in US cents. */
  amount_paid_cents?: number | null;
  /** Position in the account's ledger (cursor for paging). */
  seq: number;
}

export interface Balance {
  account_id: string;
  /** Everything credited minus everything charged. */
  balance_micros: number;
  /** Reserved by unexpired holds. */
  held_micros: number;
  /** RapidAPI accounts: cost owed but not yet billed through X-RapidAPI-Billing. */
  unbilled_micros: number;
}

export interface CreditRequest {
  amount_micros: number;
  reason: LedgerReason;
  reference: string | null;
  /** Stored in the same atomic step as the entry: a replay applies nothing. */
  idempotency_key: string;
  /** When false, an unknown account is refused rather than created. */
  create_account: boolean;
}

export type CreditResult =
  | { status: "applied" | "replayed"; entry: LedgerEntry; balance: Balance }
  | { status: "account_not_found" }
  /** The credit would take the balance past Number.MAX_SAFE_INTEGER µcr, beyond exact integers: nothing applied. */
  | { status: "limit_exceeded"; balance: Balance };

export type ReserveResult =
  | { status: "reserved"; balance: Balance }
  | { status: "insufficient"; available_micros: number; balance: Balance };

export interface UsageCharge {
  /** What the call cost at list price x margin, in µcr. */
  amount_micros: number;
  request_id: string;
  provider: string;
  model: string;
  usage: Record<string, number>;
  cost_usd: string;
}

export type SettleResult = {
  status: "settled" | "replayed";
  charged_micros: number;
  uncollected_micros: number;
  entry: LedgerEntry;
  balance: Balance;
};

export interface DailyUsage {
  /** UTC day, YYYY-MM-DD. */
  date: string;
  charged_micros: number;
  requests: number;
}

/**
 * Operations that take a `PresentedKey` refuse a key that is not live in the account (INVALID_API_KEY).
 * Settle, release and credit take none: a call already admitted settles even if its key is revoked meanwhile.
 */
export interface Ledger {
  balance(accountId: string, now: number, key: PresentedKey | null): Promise<Balance>;
  credit(accountId: string, request: CreditRequest, now: number): Promise<CreditResult>;
  /**
   * Holds `amount` against the balance until `now + ttlMs`, if the balance minus unexpired
   * holds covers it. Idempotent by hold id.
   */
  reserve(
    accountId: string,
    holdId: string,
    amountMicros: number,
    ttlMs: number,
    now: number,
    key: PresentedKey | null,
  ): Promise<ReserveResult>;
  /**
   * Charges the actual cost and drops the hold, in one step. Charges at most what the balance
   * minus other holds allows and records the rest as `uncollected`. Idempotent by hold id.
   */
  settle(accountId: string, holdId: string, charge: UsageCharge, now: number): Promise<SettleResult>;
  /** Drops a hold without charging. Idempotent; false when there was no such hold. */
  release(accountId: string, holdId: string, now: number): Promise<boolean>;
  /** Newest first; `before` is a seq from an earlier page. */
  entries(
    accountId: string,
    options: { before?: number; limit: number },
    key: PresentedKey | null,
  ): Promise<LedgerEntry[]>;
  /** Usage totals per UTC day since `since`, newest first. */
  daily(accountId: string, since: number, key: PresentedKey | null): Promise<DailyUsage[]>;
}

/**
 * A hold past its expiry that no settle or release has removed: its call outlived it (a queued
 * ending not applied yet, or a Worker that died mid-call). Kept for STALE_HOLD_RETENTION_MS so an
 * operator can see it; it no longer counts against the balance.
 */
export interface StaleHold {
  account_id: string;
  hold_id: string;
  amount_micros: number;
  expired_at: number;
}

/** Expired holds are kept this long before a later operation of their account prunes them. */
export const STALE_HOLD_RETENTION_MS = 7 * 86_400_000;

export interface HoldAudit {
  /** Stale holds across accounts, oldest first, at most `limit`. */
  stale(now: number, limit: number): Promise<StaleHold[]>;
}

export interface Store {
  readonly kind: "durable-object" | "redis";
  holds: HoldAudit;
  keys: KeyIndex;
  accounts: Accounts;
  ledger: Ledger;
  payments: Payments;
  rapidapi: RapidApiBilling;
}
