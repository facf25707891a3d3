import { randomHex } from "../../lib/crypto.ts";
import type { Balance, KeyRecord, LedgerEntry, LedgerReason, PresentedKey } from "../ports.ts";
import { refusedKey } from "../reach.ts";

export type Reply = string | null;
type StaticEntry = Omit<
  LedgerEntry,
  "account_id" | "amount_micros" | "balance_after_micros" | "uncollected_micros" | "seq"
>;

/** Ports without `now` still stamp last use; to the minute, the adapter's clock is close enough. */
export const clock = () => String(Date.now());

/** The caller's key as script arguments; two empty strings ask for no check. */
export const presentedArgs = (key: PresentedKey | null): [string, string] => (key ? [key.key_id, key.hash] : ["", ""]);

/** Scripts answer {'key_refused'} when the caller's key is not live in the account. */
export function admitted<T>(reply: T): T {
  if (Array.isArray(reply) && reply[0] === "key_refused") throw refusedKey();
  return reply;
}

/** `seq|balance_after|amount|uncollected|json`, as the scripts write ledger members. */
export function parseEntry(accountId: string, member: string): LedgerEntry {
  const parts: string[] = [];
  let rest = member;
  for (let i = 0; i < 4; i++) {
    const at = rest.indexOf("|");
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  const [seq, balanceAfter, amount, uncollected] = parts as [string, string, string, string];
  const fields = JSON.parse(rest) as StaticEntry;
  return {
    ...fields,
    account_id: accountId,
    amount_micros: Number(amount),
    balance_after_micros: Number(balanceAfter),
    uncollected_micros: uncollected === "" ? null : Number(uncollected),
    seq: Number(seq),
  };
}

export function toBalance(accountId: string, [balance, held, unbilled]: Reply[]): Balance {
  return {
    account_id: accountId,
    balance_micros: Number(balance ?? 0),
    held_micros: Number(held ?? 0),
    unbilled_micros: Number(unbilled ?? 0),
  };
}

export function entryJson(fields: {
  reason: LedgerReason;
  reference: string | null;
  created_at: number;
  request_id?: string | null;
  provider?: string | null;
  model?: string | null;
  usage?: Record<string, number> | null;
  cost_usd?: string | null;
  amount_paid_cents?: number | null;
}): string {
  const entry: StaticEntry = {
    id: `le_${randomHex(12)}`,
    reason: fields.reason,
    reference: fields.reference,
    created_at: fields.created_at,
    request_id: fields.request_id ?? null,
    provider: fields.provider ?? null,
    model: fields.model ?? null,
    usage: fields.usage ?? null,
    cost_usd: fields.cost_usd ?? null,
    ...(fields.amount_paid_cents === undefined ? {} : { amount_paid_cents: fields.amount_paid_cents }),
  };
  return JSON.stringify(entry);
}

/** HGETALL without automatic deserialization: a flat [field, value, ...] array (or an object). */
export function fieldMap(flat: string[] | Record<string, string> | null): Map<string, string> {
  if (!flat) return new Map();
  if (!Array.isArray(flat)) return new Map(Object.entries(flat));
  return new Map(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i] as string, flat[2 * i + 1] as string]));
}

type StoredKey = Omit<KeyRecord, "account_id" | "last_used_at">;

/**
 * A key record: the JSON written when the key was added (or by older code, which kept everything
 * there), superseded field by field by what the scripts keep beside it. Revocation is for good, so
 * either place saying so counts.
 */
export function toKeyRecord(
  accountId: string,
  json: string,
  state: { hash?: string; prefix?: string; revoked_at?: string; last_used_at?: string },
): KeyRecord {
  const stored = JSON.parse(json) as StoredKey;
  return {
    id: stored.id,
    account_id: accountId,
    name: stored.name,
    prefix: state.prefix || stored.prefix,
    hash: state.hash || stored.hash,
    created_at: Number(stored.created_at),
    revoked_at: state.revoked_at ? Number(state.revoked_at) : (stored.revoked_at ?? null),
    last_used_at: state.last_used_at ? Number(state.last_used_at) : null,
  };
}

/** The {json, hash, prefix, revoked_at, last_used_at} tail of a key script's answer. */
export function keyRecordFrom(accountId: string, [json, hash, prefix, revoked, used]: Reply[]): KeyRecord {
  return toKeyRecord(accountId, json ?? "", {
    hash: hash ?? "",
    prefix: prefix ?? "",
    revoked_at: revoked ?? "",
    last_used_at: used ?? "",
  });
}

/** Every key of an account from HGETALL of `keys` and of `keystate`, oldest first. */
export function keyRecordsFrom(accountId: string, keys: Map<string, string>, state: Map<string, string>): KeyRecord[] {
  return [...keys]
    .map(([id, json]) =>
      toKeyRecord(accountId, json, {
        hash: state.get(`h:${id}`),
        prefix: state.get(`p:${id}`),
        revoked_at: state.get(`r:${id}`),
        last_used_at: state.get(`u:${id}`),
      }),
    )
    .sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
}
