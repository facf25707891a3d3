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
}

export interface KeyMapping {
  account_id: string;
  key_id: string;
  revoked: boolean;
}

/** Maps SHA-256 key hashes to accounts: the only lookup on the auth path. */
export interface KeyIndex {
  /** One round trip; also stamps last use (at most once a minute). */
  lookup(hash: string, now: number): Promise<KeyMapping | null>;
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
  lastUsed(hash: string): Promise<number | null>;
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
  addKey(accountId: string, key: NewKey, now: number): Promise<KeyRecord>;
  listKeys(accountId: string): Promise<KeyRecord[]>;
  /** Swaps the secret of a live key; null when the account has no such live key. */
  rotateKey(
    accountId: string,
    keyId: string,
    next: { prefix: string; hash: string },
  ): Promise<{ key: KeyRecord; old_hash: string } | null>;
  /** Null when the account has no such key; revoking twice keeps the first time. */
  revokeKey(accountId: string, keyId: string, now: number): Promise<KeyRecord | null>;
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
  /** Signed micro-credits. */
  amount_micros: number;
  reason: LedgerReason;
  reference: string | null;
  created_at: number;
  balance_after_micros: number;
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
  | { status: "account_not_found" };

export interface Ledger {
  balance(accountId: string): Promise<Balance>;
  credit(accountId: string, request: CreditRequest, now: number): Promise<CreditResult>;
}

export interface Store {
  readonly kind: "durable-object" | "redis";
  keys: KeyIndex;
  accounts: Accounts;
  ledger: Ledger;
}
