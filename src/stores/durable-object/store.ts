import type { Accounts, CreditResult, KeyIndex, Ledger, ReserveResult, Store } from "../ports.ts";
import { reach as reachStore, type StoreFailure } from "../reach.ts";
import type { AccountObject } from "./account-object.ts";
import type { KeyObject } from "./key-object.ts";

export interface DurableObjectBindings {
  ACCOUNTS: DurableObjectNamespace<AccountObject>;
  KEYS: DurableObjectNamespace<KeyObject>;
}

/**
 * An exception thrown by the object's own code arrives with \`remote\` set: the store answered, with
 * an error. Infrastructure errors (overloaded, reset, network) come without it or marked retryable.
 */
export function classifyDurableObjectError(error: unknown): StoreFailure {
  const flags = (error ?? {}) as { remote?: unknown; retryable?: unknown; overloaded?: unknown };
  return flags.remote === true && flags.retryable !== true && flags.overloaded !== true ? "fault" : "unavailable";
}

const reach = <T>(op: string, call: () => Promise<T>) =>
  reachStore("durable-object", op, call, classifyDurableObjectError);

export function createDurableObjectStore(env: DurableObjectBindings): Store {
  const account = (id: string) => env.ACCOUNTS.get(env.ACCOUNTS.idFromName(id));
  const key = (hash: string) => env.KEYS.get(env.KEYS.idFromName(`key:${hash}`));

  const keys: KeyIndex = {
    lookup: (hash, now) => reach("keys.lookup", () => key(hash).lookup(now)),
    claim: (hash, candidate, now) => reach("keys.claim", () => key(hash).claim(candidate, now)),
    revoke: (hash, now) => reach("keys.revoke", () => key(hash).revoke(now)),
    lastUsed: (hash) => reach("keys.lastUsed", () => key(hash).lastUsed()),
  };

  const accounts: Accounts = {
    create: (info, now) => reach("accounts.create", () => account(info.id).create(info, now)),
    get: (id) => reach("accounts.get", () => account(id).info()),
    addKey: (id, newKey, now) => reach("accounts.addKey", () => account(id).addKey(id, newKey, now)),
    listKeys: (id) => reach("accounts.listKeys", () => account(id).listKeys(id)),
    rotateKey: (id, keyId, next) => reach("accounts.rotateKey", () => account(id).rotateKey(id, keyId, next)),
    revokeKey: (id, keyId, now) => reach("accounts.revokeKey", () => account(id).revokeKey(id, keyId, now)),
  };

  const ledger: Ledger = {
    balance: (id, now) => reach("ledger.balance", () => account(id).balance(id, now)),
    // RPC stubs widen unions; the object returns exactly a CreditResult.
    credit: (id, request, now) =>
      reach("ledger.credit", async () => (await account(id).credit(id, request, now)) as CreditResult),
    reserve: (id, holdId, amount, ttlMs, now) =>
      reach("ledger.reserve", async () => (await account(id).reserve(id, holdId, amount, ttlMs, now)) as ReserveResult),
    settle: (id, holdId, charge, now) => reach("ledger.settle", () => account(id).settle(id, holdId, charge, now)),
    release: (id, holdId) => reach("ledger.release", () => account(id).release(holdId)),
    entries: (id, { before, limit }) => reach("ledger.entries", () => account(id).entries(id, before ?? null, limit)),
    daily: (id, since) => reach("ledger.daily", () => account(id).daily(since)),
  };

  return { kind: "durable-object", keys, accounts, ledger };
}
