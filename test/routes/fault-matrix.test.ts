import { describe, expect, it } from "vitest";
import type { LedgerMessage } from "../../src/metering/ledger-queue.ts";
import { funded, MODEL, prompt, sseData, upstreamRequests } from "../helpers/chat.ts";
import {
  type AnsweredCall,
  accountState,
  expectBooksBalanced,
  faultyGateway,
  type StoreFaultMode,
} from "../helpers/faulty-store.ts";
import { admin, bearer, gw, json } from "../helpers/gateway.ts";
import { deliver, delivered, purchase } from "../helpers/stripe.ts";

/**
 * The fault matrix on the Durable Object store (issue 20): the store failing at each step of a call
 * or a credit, and the provider failing at each step of its answer. Every cell checks the same
 * invariants: the answer's status and code (the tables below), never an unexpected 500, and once
 * the store is back (and the ledger queue's consumer has run) no hold left, the ledger summing to
 * the balance and every call charged exactly once or not at all.
 */

type Expected = { status: number; code: string | null };
const ok: Expected = { status: 200, code: null };
const storeDown: Expected = { status: 503, code: "STORE_UNAVAILABLE" };
/** The object's own code failed: reach.ts answers a fault as 500, deliberately not dressed up as an outage. */
const storeFault: Expected = { status: 500, code: "INTERNAL_ERROR" };

const STORE_MODES: readonly StoreFaultMode[] = ["refused", "hung", "erroring", "faulting"];
type StoreStep = "auth" | "hold" | "settle" | "settle (stream)" | "release" | "credit" | "webhook";

/** Which object method each step is, and what the answer must be in each mode. */
const STORE_MATRIX: Record<StoreStep, { method: string } & Record<StoreFaultMode, Expected>> = {
  auth: { method: "lookup", refused: storeDown, hung: storeDown, erroring: storeDown, faulting: storeFault },
  hold: { method: "reserve", refused: storeDown, hung: storeDown, erroring: storeDown, faulting: storeFault },
  // The provider answered and the charge is known: the answer goes out; the settle waits in the queue.
  settle: { method: "settle", refused: ok, hung: ok, erroring: ok, faulting: ok },
  "settle (stream)": { method: "settle", refused: ok, hung: ok, erroring: ok, faulting: ok },
  // The provider failed (503): its error is the answer; the release waits in the queue.
  release: {
    method: "release",
    refused: { status: 502, code: "PROVIDER_ERROR" },
    hung: { status: 502, code: "PROVIDER_ERROR" },
    erroring: { status: 502, code: "PROVIDER_ERROR" },
    faulting: { status: 502, code: "PROVIDER_ERROR" },
  },
  credit: { method: "credit", refused: storeDown, hung: storeDown, erroring: storeDown, faulting: storeFault },
  webhook: { method: "purchase", refused: storeDown, hung: storeDown, erroring: storeDown, faulting: storeFault },
};

async function expectAnswer(res: Response, expected: Expected): Promise<string> {
  const text = await res.text();
  expect(res.status, text).toBe(expected.status);
  if (expected.status !== 500) expect(res.status, "an unexpected 500").not.toBe(500);
  if (expected.code !== null) {
    const { error } = JSON.parse(text) as { error: { code: string; request_id: string } };
    expect(error.code).toBe(expected.code);
    expect(error.request_id).toBe(res.headers.get("x-request-id"));
  }
  return text;
}

const chatBody = (content: string, stream: boolean) =>
  json({ model: MODEL, stream, messages: [{ role: "user", content }] });

describe.concurrent("fault matrix (Durable Objects): the store failing at each step", () => {
  for (const [step, row] of Object.entries(STORE_MATRIX) as [StoreStep, (typeof STORE_MATRIX)[StoreStep]][]) {
    for (const mode of STORE_MODES) {
      const expected = row[mode];
      it(`${step} × ${mode}: ${expected.status} ${expected.code ?? ""}`, { timeout: 30_000 }, async () => {
        const { key, account_id } = await funded(10);
        const gateway = faultyGateway();
        gateway.fault = { mode, methods: [row.method] };

        if (step === "credit" || step === "webhook") {
          const before = await accountState(key);
          const grant = 7;
          const idempotency = crypto.randomUUID();
          const completed = purchase(account_id, 700).completed();
          const send = async (via: typeof gateway.request | null) => {
            if (step === "credit") {
              const init = {
                method: "POST",
                headers: admin({ "idempotency-key": idempotency }),
                body: JSON.stringify({ accountId: account_id, credits: grant }),
              };
              return via ? (await via("/admin/add-credits", init)).res : gw("/admin/add-credits", init);
            }
            return deliver(completed, via ? { via: async (path, init) => (await via(path, init)).res } : {});
          };
          const res = await send(gateway.request.bind(gateway));
          await expectAnswer(res, expected);
          expect(res.headers.get("x-should-retry")).toBe("true");
          expect(gateway.state.hits).toBeGreaterThan(0);
          // The store is back: the caller's retry (Stripe's, the admin's) applies once, however often it comes.
          gateway.fault = null;
          if (step === "credit") {
            for (let i = 0; i < 2; i++) expect((await send(null)).status).toBe(200);
          } else {
            expect(await delivered(completed)).toBe("granted");
            expect(await delivered(completed)).toBe("granted");
          }
          const { credits_micros } = await expectBooksBalanced(key, []);
          expect(credits_micros - before.credits_micros).toBe((step === "credit" ? grant : 700) * 1_000_000);
          return;
        }

        const stream = step === "settle (stream)";
        const { marker, content } = prompt(step === "release" ? "[[scenario:error:503]]" : "");
        const { res, done } = await gateway.request("/v1/chat/completions", {
          ...chatBody(content, stream),
          headers: { "content-type": "application/json", ...bearer(key) },
        });
        const text = await expectAnswer(res, expected);
        if (stream) expect(sseData(text).at(-1)).toBe("[DONE]");
        await done();
        expect(gateway.state.hits).toBeGreaterThan(0);
        const reachedProvider = (await upstreamRequests(marker)).length;

        if (step === "auth" || step === "hold") {
          // Refused before the provider was called: nothing to settle, nothing queued.
          expect(reachedProvider).toBe(0);
          expect(gateway.queued).toEqual([]);
          gateway.fault = null;
          await expectBooksBalanced(key, [{ res, charged: false }]);
          return;
        }

        // The ending could not be stored: it waits in the ledger queue, and the hold covers the call meanwhile.
        expect(reachedProvider).toBe(1);
        expect(gateway.queued.map((m) => m.kind)).toEqual([step === "release" ? "release" : "settle"]);
        expect((await accountState(key)).held_micros).toBeGreaterThan(0);
        // While the store is still down the consumer keeps the message for later.
        expect(await gateway.drain()).toEqual({ acked: 0, retried: 1 });
        const [message] = gateway.queued;
        gateway.fault = null;
        expect(await gateway.drain()).toEqual({ acked: 1, retried: 0 });
        const calls: AnsweredCall[] = [{ res, charged: step !== "release" }];
        await expectBooksBalanced(key, calls);
        // Delivered again (queues deliver at least once): nothing changes.
        gateway.queued.push(message as LedgerMessage);
        expect(await gateway.drain()).toEqual({ acked: 1, retried: 0 });
        await expectBooksBalanced(key, calls);
      });
    }
  }
});

type ProviderFault =
  | "refused"
  | "5xx"
  | "429"
  | "timeout before first byte"
  | "stall"
  | "reset"
  | "garbage"
  | "absurd usage";

/** An error answer, or a 200 stream that ends in an error frame (null: `[DONE]`); `charged`: billed once, else free. */
type ProviderExpected = Expected & { frame?: string | null; charged: boolean };
const PROVIDER_FAULTS: Record<
  ProviderFault,
  { directives: { plain: string; stream: string }; plain: ProviderExpected; stream: ProviderExpected }
> = {
  refused: {
    directives: { plain: "", stream: "" },
    plain: { status: 502, code: "PROVIDER_ERROR", charged: false },
    stream: { status: 502, code: "PROVIDER_ERROR", charged: false },
  },
  "5xx": {
    directives: { plain: "[[scenario:error:500]]", stream: "[[scenario:error:503]]" },
    plain: { status: 502, code: "PROVIDER_ERROR", charged: false },
    stream: { status: 502, code: "PROVIDER_ERROR", charged: false },
  },
  "429": {
    directives: { plain: "[[scenario:error:429]]", stream: "[[scenario:error:429]]" },
    plain: { status: 429, code: "PROVIDER_RATE_LIMITED", charged: false },
    stream: { status: 429, code: "PROVIDER_RATE_LIMITED", charged: false },
  },
  "timeout before first byte": {
    directives: { plain: "[[slow-first-byte:3000]]", stream: "[[slow-first-byte:3000]]" },
    plain: { status: 504, code: "PROVIDER_TIMEOUT", charged: false },
    stream: { status: 504, code: "PROVIDER_TIMEOUT", charged: false },
  },
  stall: {
    directives: { plain: "[[stall-after:1]]", stream: "[[scenario:long]] [[repeat:1:100]] [[stall-after:4]]" },
    plain: { status: 502, code: "PROVIDER_ERROR", charged: false },
    stream: { status: 200, code: null, frame: "PROVIDER_TIMEOUT", charged: true },
  },
  reset: {
    directives: { plain: "[[reset-after:1]]", stream: "[[scenario:long]] [[repeat:1:100]] [[reset-after:4]]" },
    plain: { status: 502, code: "PROVIDER_ERROR", charged: false },
    stream: { status: 200, code: null, frame: "PROVIDER_ERROR", charged: true },
  },
  garbage: {
    directives: { plain: "[[scenario:bad-json]]", stream: "[[scenario:bad-json-stream]]" },
    plain: { status: 502, code: "PROVIDER_ERROR", charged: false },
    stream: { status: 200, code: null, frame: "PROVIDER_ERROR", charged: true },
  },
  "absurd usage": {
    directives: { plain: "[[scenario:absurd-usage]]", stream: "[[scenario:absurd-usage]]" },
    plain: { status: 502, code: "PROVIDER_ERROR", charged: false },
    stream: { status: 200, code: null, frame: "PROVIDER_ERROR", charged: false },
  },
};

describe.concurrent("fault matrix (Durable Objects): the provider failing at each step", () => {
  for (const [fault, row] of Object.entries(PROVIDER_FAULTS) as [
    ProviderFault,
    (typeof PROVIDER_FAULTS)[ProviderFault],
  ][]) {
    for (const shape of ["plain", "stream"] as const) {
      const expected = row[shape];
      const label = expected.frame
        ? `200 then an error frame ${expected.frame}`
        : `${expected.status} ${expected.code}`;
      it(`${fault} (${shape}): ${label}, ${expected.charged ? "charged once" : "free"}`, {
        timeout: 30_000,
      }, async () => {
        const { key } = await funded(10);
        const gateway = faultyGateway(fault === "refused" ? { OPENAI_BASE_URL: "http://127.0.0.1:9/v1" } : {});
        const { content } = prompt(row.directives[shape]);
        const { res, done } = await gateway.request("/v1/chat/completions", {
          ...chatBody(content, shape === "stream"),
          headers: { "content-type": "application/json", ...bearer(key) },
        });
        const text = await expectAnswer(res, expected);
        if (fault === "429") expect(res.headers.get("retry-after")).toBe("7");
        if (expected.frame !== undefined) {
          const last = sseData(text).at(-1) as string;
          expect(last).not.toBe("[DONE]");
          expect(JSON.parse(last)).toMatchObject({ error: { code: expected.frame } });
        }
        await done();
        expect(gateway.queued).toEqual([]);
        await expectBooksBalanced(key, [{ res, charged: expected.charged }]);
      });
    }
  }
});
