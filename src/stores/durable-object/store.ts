import { type PaymentResult, type Payments, UNASSIGNED_PAYMENTS } from "../payment-ports.ts";
import type { Accounts, CreditResult, HoldAudit, KeyIndex, Ledger, ReserveResult, StaleHold, Store } from "../ports.ts";
import type { RapidApiBilling, RapidApiOutcome } from "../rapidapi-ports.ts";
import { reach as reachStore, refusedKey, type StoreFailure } from "../reach.ts";
import { KEY_REFUSED, type KeyRefused } from "./account-keys.ts";
import type { AccountObject } from "./account-object.ts";
import type { KeyObject } from "./key-object.ts";
import { opsObject } from "./ops.ts";
import type { OpsObject } from "./ops-object.ts";

export interface DurableObjectBindings {
  ACCOUNTS: DurableObjectNamespace<AccountObject>;
  KEYS: DurableObjectNamespace<KeyObject>;
  /** The ops object: dead letters and accounts with stale holds (optional only for old test bindings). */
  OPS?: DurableObjectNamespace<OpsObject>;
}

/**
 * An exception thrown by the object's own code arrives with `remote` set: the store answered, with
 * an error. Infrastructure errors (overloaded, reset, network) come without it or marked retryable.
 */
export function classifyDurableObjectError(error: unknown): StoreFailure {
  const flags = (error ?? {}) as { remote?: unknown; retryable?: unknown; overloaded?: unknown };
  return flags.remote === true && flags.retryable !== true && flags.overloaded !== true ? "fault" : "unavailable";
}

const reach = <T>(op: string, call: () => Promise<T>) =>
  reachStore("durable-object", op, call, classifyDurableObjectError);

/** The object answers KEY_REFUSED rather than throwing: errors lose their class on the way out of an object. */
function admitted<T>(result: T | KeyRefused): T {
  if (result === KEY_REFUSED) throw refusedKey();
  return result;
}

/** Ports without `now` still stamp last use; to the minute, the adapter's clock is close enough. */
const clock = () => Date.now();

export function createDurableObjectStore(env: DurableObjectBindings): Store {
  const account = (id: string) => env.ACCOUNTS.get(env.ACCOUNTS.idFromName(id));
  const key = (hash: string) => env.KEYS.get(env.KEYS.idFromName(`key:${hash}`));

  const keys: KeyIndex = {
    lookup: (hash) => reach("keys.lookup", () => key(hash).lookup()),
    claim: (hash, candidate, now) => reach("keys.claim", () => key(hash).claim(candidate, now)),
    revoke: (hash, now) => reach("keys.revoke", () => key(hash).revoke(now)),
  };

  // RPC stubs widen the objects' return types; each method returns exactly what its port promises.
  const accounts: Accounts = {
    create: (info, now) => reach("accounts.create", () => account(info.id).create(info, now)),
    get: (id) => reach("accounts.get", () => account(id).info()),
    addKey: (id, newKey, now, presented) =>
      reach("accounts.addKey", async () => admitted(await account(id).addKey(id, newKey, now, presented))),
    listKeys: (id, presented) =>
      reach("accounts.listKeys", async () => admitted(await account(id).listKeys(id, clock(), presented))),
    rotateKey: (id, keyId, next, presented) =>
      reach("accounts.rotateKey", async () =>
        admitted(await account(id).rotateKey(id, keyId, next, clock(), presented)),
      ),
    revokeKey: (id, keyId, now, presented) =>
      reach("accounts.revokeKey", async () => admitted(await account(id).revokeKey(id, keyId, now, presented))),
  };

  const ledger: Ledger = {
    balance: (id, now, presented) =>
      reach("ledger.balance", async () => admitted(await account(id).balance(id, now, presented))),
    credit: (id, request, now) =>
      reach("ledger.credit", async () => (await account(id).credit(id, request, now)) as CreditResult),
    reserve: (id, holdId, amount, ttlMs, now, presented) =>
      reach("ledger.reserve", async () =>
        admitted((await account(id).reserve(id, holdId, amount, ttlMs, now, presented)) as ReserveResult | KeyRefused),
      ),
    settle: (id, holdId, charge, now) => reach("ledger.settle", () => account(id).settle(id, holdId, charge, now)),
    release: (id, holdId) => reach("ledger.release", () => account(id).release(holdId)),
    entries: (id, { before, limit }, presented) =>
      reach("ledger.entries", async () =>
        admitted(await account(id).entries(id, before ?? null, limit, clock(), presented)),
      ),
    daily: (id, since, presented) =>
      reach("ledger.daily", async () => admitted(await account(id).daily(since, clock(), presented))),
  };

  // Events no account could be found for live in an object of their own (no account has this id).
  const unassigned = () => account(UNASSIGNED_PAYMENTS);
  const payments: Payments = {
    purchase: (id, request, now) =>
      reach("payments.purchase", async () => (await account(id).purchase(id, request, now)) as PaymentResult),
    adjust: (id, adjustment, now) =>
      reach("payments.adjust", async () => (await account(id).adjustPayment(id, adjustment, now)) as PaymentResult),
    record: (id, request, now) =>
      reach("payments.record", async () => ({
        status: await (id === null ? unassigned() : account(id)).recordPayment(id, request, now),
      })),
    events: (id, limit) =>
      reach("payments.events", () => (id === null ? unassigned() : account(id)).paymentEvents(limit)),
  };

  const rapidapi: RapidApiBilling = {
    accrue: (id, accrual, now) =>
      reach("rapidapi.accrue", async () => (await account(id).accrueRapidApi(id, accrual, now)) as RapidApiOutcome),
    report: (id, from, to) => reach("rapidapi.report", () => account(id).rapidApiReport(from, to)),
  };

  // Accounts report themselves to the ops object when a hold outlives its call; each is asked for
  // its stale holds now, and one with none left leaves the list.
  const holds: HoldAudit = {
    stale: (now, limit) =>
      reach("holds.stale", async () => {
        if (!env.OPS) return [];
        const ops = opsObject(env);
        const found: StaleHold[] = [];
        for (const id of await ops.staleHoldAccounts(1000)) {
          const stale = (await account(id).staleHolds(now)) as StaleHold[];
          if (stale.length === 0) await ops.forgetStaleHolds(id, now);
          found.push(...stale);
          if (found.length >= limit) break;
        }
        return found.sort((a, b) => a.expired_at - b.expired_at).slice(0, limit);
      }),
  };

  return { kind: "durable-object", keys, accounts, ledger, payments, rapidapi, holds };
}
