import type { AnalyticsStore } from "../../analytics/types.ts";
import { withTimeout } from "../../lib/time.ts";
import type { RateLimits, RateResult } from "../limit-ports.ts";
import { type PaymentResult, type Payments, UNASSIGNED_PAYMENTS } from "../payment-ports.ts";
import type { Accounts, CreditResult, HoldAudit, KeyIndex, Ledger, ReserveResult, StaleHold, Store } from "../ports.ts";
import type { RapidApiBilling, RapidApiOutcome } from "../rapidapi-ports.ts";
import { reach as reachStore, refusedKey, type StoreFailure } from "../reach.ts";
import { KEY_REFUSED, type KeyRefused } from "./account-keys.ts";
import type { AccountObject } from "./account-object.ts";
import { ANALYTICS_OBJECT } from "./analytics-name.ts";
import type { AnalyticsObject } from "./analytics-object.ts";
import type { KeyObject } from "./key-object.ts";
import { opsObject } from "./ops.ts";
import type { OpsObject } from "./ops-object.ts";

export interface DurableObjectBindings {
  ACCOUNTS: DurableObjectNamespace<AccountObject>;
  KEYS: DurableObjectNamespace<KeyObject>;
  /** The ops object: dead letters and accounts with stale holds (optional only for old test bindings). */
  OPS?: DurableObjectNamespace<OpsObject>;
  /** The per-day aggregates (one object, src/stores/durable-object/analytics-object.ts; optional only for old test bindings). */
  ANALYTICS?: DurableObjectNamespace<AnalyticsObject>;
}

/**
 * An exception thrown by the object's own code arrives with `remote` set: the store answered, with
 * an error. Infrastructure errors (overloaded, reset, network) come without it or marked retryable.
 */
export function classifyDurableObjectError(error: unknown): StoreFailure {
  const flags = (error ?? {}) as { remote?: unknown; retryable?: unknown; overloaded?: unknown };
  return flags.remote === true && flags.retryable !== true && flags.overloaded !== true ? "fault" : "unavailable";
}

/**
 * A call the object has not answered within this long is an outage (503 STORE_UNAVAILABLE): nothing
 * else bounds a Durable Object call, so a hung object would hang the client. Every operation is
 * idempotent or expires (a hold's TTL), so one that lands after its timeout does no harm.
 */
export const DURABLE_OBJECT_CALL_TIMEOUT_MS = 2_000;

/** One round trip to an object, bounded by DURABLE_OBJECT_CALL_TIMEOUT_MS. */
const bounded = <T>(op: string, call: Promise<T>) =>
  withTimeout(
    call,
    DURABLE_OBJECT_CALL_TIMEOUT_MS,
    () => new Error(`${op}: no answer within ${DURABLE_OBJECT_CALL_TIMEOUT_MS} ms`),
  );

/** A store operation of one round trip. */
const reach = <T>(op: string, call: () => Promise<T>) =>
  reachStore("durable-object", op, () => bounded(op, call()), classifyDurableObjectError);

/** A store operation of several round trips, each bounded on its own. */
const reachEach = <T>(op: string, call: () => Promise<T>) =>
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
    reserve: (id, holdId, amount, ttlMs, now, presented, limits) =>
      reach("ledger.reserve", async () =>
        admitted(
          (await account(id).reserve(id, holdId, amount, ttlMs, now, presented, limits)) as ReserveResult | KeyRefused,
        ),
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
    planAllowance: (id, request, now) =>
      reach("payments.planAllowance", async () => (await account(id).planAllowance(id, request, now)) as PaymentResult),
    setPlan: (id, request, now) =>
      reach("payments.setPlan", async () => (await account(id).setPlan(id, request, now)) as PaymentResult),
    customer: (id) => reach("payments.customer", () => account(id).stripeCustomer()),
    linkCustomer: (id, customerId) =>
      reach("payments.linkCustomer", async () => {
        const linked = await account(id).linkStripeCustomer(customerId);
        return linked.status === "account_not_found" ? { status: "account_not_found" as const } : linked;
      }),
  };

  const rapidapi: RapidApiBilling = {
    accrue: (id, accrual, now) =>
      reach("rapidapi.accrue", async () => (await account(id).accrueRapidApi(id, accrual, now)) as RapidApiOutcome),
    report: (id, from, to) => reach("rapidapi.report", () => account(id).rapidApiReport(from, to)),
  };

  const limits: RateLimits = {
    hit: (id, table, now, presented) =>
      reach("limits.hit", async () => admitted((await account(id).hitLimit(table, now, presented)) as RateResult)),
    begin: (id, callId, table, ttlMs, now) =>
      reach("limits.begin", async () => (await account(id).beginCall(callId, table, ttlMs, now)) as RateResult),
    end: (id, callId) => reach("limits.end", () => account(id).endCall(callId)),
  };

  // Accounts report themselves to the ops object when a hold outlives its call; each is asked for
  // its stale holds now, and one with none left leaves the list.
  const holds: HoldAudit = {
    stale: (now, limit) =>
      reachEach("holds.stale", async () => {
        if (!env.OPS) return [];
        const ops = opsObject(env);
        const found: StaleHold[] = [];
        for (const id of await bounded("holds.stale", ops.staleHoldAccounts(1000))) {
          const stale = (await bounded("holds.stale", account(id).staleHolds(now))) as StaleHold[];
          if (stale.length === 0) await bounded("holds.stale", ops.forgetStaleHolds(id, now));
          found.push(...stale);
          if (found.length >= limit) break;
        }
        return found.sort((a, b) => a.expired_at - b.expired_at).slice(0, limit);
      }),
  };

  const analytics: AnalyticsStore = {
    read: (from, to, top) =>
      reach("analytics.read", async () => {
        if (!env.ANALYTICS) return { usage: [], money: [], top_accounts: [] };
        return env.ANALYTICS.get(env.ANALYTICS.idFromName(ANALYTICS_OBJECT)).read(from, to, top);
      }),
  };

  return { kind: "durable-object", keys, accounts, ledger, payments, rapidapi, holds, limits, analytics };
}
