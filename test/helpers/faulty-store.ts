import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { expect } from "vitest";
import { buildApp } from "../../src/app.ts";
import worker from "../../src/index.ts";
import type { LedgerMessage } from "../../src/metering/ledger-queue.ts";
import { LEDGER_QUEUE } from "../../src/queue.ts";
import { DURABLE_OBJECT_CALL_TIMEOUT_MS } from "../../src/stores/durable-object/store.ts";
import type { Books, LedgerEntry, StoreFaultMode } from "./fault-matrix.ts";
import { BASE, bearer, gw } from "./gateway.ts";
import { type AroundStoreCall, intercepted } from "./store-bindings.ts";

/** How each mode of test/helpers/fault-matrix.ts looks from the Worker when the store is Durable Objects. */
function failure(mode: StoreFaultMode, call: () => Promise<unknown>): Promise<unknown> {
  switch (mode) {
    case "slow": {
      // The object does the work now; its answer arrives after the store's timeout.
      const answer = call();
      answer.catch(() => {});
      return new Promise((resolve) => setTimeout(() => resolve(answer), DURABLE_OBJECT_CALL_TIMEOUT_MS + 500));
    }
    case "refused":
      return Promise.reject(new Error("Network connection lost."));
    case "hung":
      return new Promise<never>(() => {});
    case "erroring":
      return Promise.reject(
        Object.assign(new Error("Durable Object is overloaded. Too many requests queued."), {
          remote: true,
          overloaded: true,
        }),
      );
    case "faulting":
      return Promise.reject(Object.assign(new Error("injected fault in the object"), { remote: true }));
  }
}

export interface StoreFault {
  mode: StoreFaultMode;
  /** The object methods that fail (AccountObject / KeyObject RPC names: lookup, reserve, settle, ...). */
  methods: readonly string[];
}

const app = buildApp();

/**
 * The real gateway on the real Durable Objects, with a switchable fault on some object methods, and
 * a ledger queue that keeps what the gateway sends it (a test hands it to the consumer once the
 * store is back). Each request gets its own execution context, so a test can wait for what it
 * left running (`waitUntil`: a settle, a queued ending).
 */
export function faultyGateway(vars: Record<string, string> = {}) {
  const state: { fault: StoreFault | null; hits: number } = { fault: null, hits: 0 };
  const around: AroundStoreCall = (method, call) => {
    if (state.fault?.methods.includes(method)) {
      state.hits++;
      return failure(state.fault.mode, call);
    }
    return call();
  };
  const queued: LedgerMessage[] = [];
  const ledgerQueue = {
    // What the real producer does: a structured clone of the body.
    send: async (body: LedgerMessage) => {
      queued.push(structuredClone(body));
    },
    sendBatch: async (messages: Iterable<{ body: LedgerMessage }>) => {
      for (const message of messages) queued.push(structuredClone(message.body));
    },
  };
  const bindings = {
    ...env,
    ...vars,
    ACCOUNTS: intercepted(env.ACCOUNTS as never, around),
    KEYS: intercepted(env.KEYS as never, around),
    LEDGER_QUEUE: ledgerQueue as unknown as Queue<LedgerMessage>,
  };
  return {
    state,
    queued,
    set fault(fault: StoreFault | null) {
      state.fault = fault;
    },
    /** One request; `done()` waits for what the request left running (its settle or queued ending). */
    async request(path: string, init?: RequestInit): Promise<{ res: Response; done: () => Promise<void> }> {
      const ctx = createExecutionContext();
      const res = await app.request(`${BASE}${path}`, init, bindings, ctx);
      return { res, done: () => waitOnExecutionContext(ctx) };
    },
    /**
     * Runs the ledger queue's consumer (the Worker's `queue` handler) on what was queued, on these
     * bindings (so with the fault, if one is set): acknowledged messages leave the queue, retried ones stay.
     */
    async drain(): Promise<{ acked: number; retried: number }> {
      const messages = queued.map((body, i) => ({ id: `msg-${i}`, timestamp: Date.now(), attempts: 1, body }));
      if (messages.length === 0) return { acked: 0, retried: 0 };
      const batch = createMessageBatch<LedgerMessage>(LEDGER_QUEUE, messages);
      const ctx = createExecutionContext();
      await worker.queue(batch as MessageBatch<unknown>, bindings);
      const result = await getQueueResult(batch, ctx);
      const acked = new Set(result.explicitAcks);
      const kept = messages.filter((m) => !acked.has(m.id)).map((m) => m.body);
      queued.splice(0, queued.length, ...kept);
      return { acked: acked.size, retried: result.retryMessages.length };
    },
  };
}

/** What the account's owner sees once the store is back: balance, holds and the whole ledger. */
export async function accountState(key: string): Promise<Books> {
  const balance = await gw("/v1/balance", { headers: bearer(key) });
  expect(balance.status, await balance.clone().text()).toBe(200);
  const { credits_micros, held_micros } = (await balance.json()) as Books;
  const usage = await gw("/v1/usage?limit=100", { headers: bearer(key) });
  expect(usage.status).toBe(200);
  const entries = ((await usage.json()) as { data: LedgerEntry[] }).data;
  return { credits_micros, held_micros, entries };
}
