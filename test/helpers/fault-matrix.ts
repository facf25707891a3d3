import { expect } from "vitest";

/**
 * The fault matrix of issue 20, shared by its two suites (test/routes/fault-matrix.test.ts on the
 * Durable Object store, test/node/fault-matrix-redis.test.ts on Redis under wrangler dev): what each
 * cell must answer, and the invariants every cell checks once the store is back.
 */

export type Expected = { status: number; code: string | null };
const ok: Expected = { status: 200, code: null };
const storeDown: Expected = { status: 503, code: "STORE_UNAVAILABLE" };
/** The store's own code failed: src/stores/reach.ts answers a fault 500, deliberately not dressed up as an outage. */
const storeFault: Expected = { status: 500, code: "INTERNAL_ERROR" };
const providerError: Expected = { status: 502, code: "PROVIDER_ERROR" };
const cut = { ...ok, frame: "PROVIDER_ERROR" };

/**
 * How the store fails:
 * - refused: the request never reaches it (connection refused or lost);
 * - hung: it never answers (the store client's timeout bounds the wait);
 * - slow: it does the operation but answers after the store client gave up waiting;
 * - erroring: it answers that it cannot serve now (Upstash: an HTTP 5xx with `{"error"}`; a Durable
 *   Object: overloaded);
 * - faulting: the operation itself fails in the store (a Redis script error; an exception in the object).
 */
export type StoreFaultMode = "refused" | "hung" | "slow" | "erroring" | "faulting";
/** What each chat step asks the fake provider for (test/fakes/directives.ts), and whether it streams. */
export const STEP_CALL: Partial<Record<StoreStep, { directives: string; stream: boolean }>> = {
  auth: { directives: "", stream: false },
  hold: { directives: "", stream: false },
  settle: { directives: "", stream: false },
  "settle (stream)": { directives: "", stream: true },
  "settle (cut stream)": { directives: "[[scenario:long]] [[repeat:1:100]] [[reset-after:4]]", stream: true },
  release: { directives: "[[scenario:error:503]]", stream: false },
};

export const STORE_MODES: readonly StoreFaultMode[] = ["refused", "hung", "slow", "erroring", "faulting"];

export type StoreStep =
  | "auth"
  | "hold"
  | "settle"
  | "settle (stream)"
  | "settle (cut stream)"
  | "release"
  | "credit"
  | "webhook";

/** The answer of each (step × store fault) cell; `frame`: a 200 stream that ends in an error frame with that code. */
export const STORE_MATRIX: Record<StoreStep, Record<StoreFaultMode, Expected & { frame?: string }>> = {
  // The key lookup and the hold come before the provider is called: nothing is spent.
  auth: { refused: storeDown, hung: storeDown, slow: storeDown, erroring: storeDown, faulting: storeFault },
  hold: { refused: storeDown, hung: storeDown, slow: storeDown, erroring: storeDown, faulting: storeFault },
  // The provider answered and the charge is known: the answer goes out; the settle waits in the ledger queue.
  settle: { refused: ok, hung: ok, slow: ok, erroring: ok, faulting: ok },
  "settle (stream)": { refused: ok, hung: ok, slow: ok, erroring: ok, faulting: ok },
  // The provider broke off mid-stream (a reset): what was streamed is charged, that settle waits in the queue.
  "settle (cut stream)": { refused: cut, hung: cut, slow: cut, erroring: cut, faulting: cut },
  // The provider failed (503): its error is the answer; the release waits in the ledger queue.
  release: {
    refused: providerError,
    hung: providerError,
    slow: providerError,
    erroring: providerError,
    faulting: providerError,
  },
  // POST /admin/add-credits and POST /webhooks/stripe: the caller retries (x-should-retry: true).
  credit: { refused: storeDown, hung: storeDown, slow: storeDown, erroring: storeDown, faulting: storeFault },
  webhook: { refused: storeDown, hung: storeDown, slow: storeDown, erroring: storeDown, faulting: storeFault },
};

export type ProviderFault =
  | "refused"
  | "5xx"
  | "429"
  | "timeout before first byte"
  | "stall"
  | "reset"
  | "garbage"
  | "absurd usage";

/**
 * An error answer, or (`frame`) a 200 stream that ends in an error frame with that code instead of
 * `[DONE]`; `charged`: the call is charged exactly once, else it is free.
 */
export type ProviderExpected = Expected & { frame?: string; charged: boolean };

/**
 * The answer of each (provider fault × plain or streamed) cell, with the fake upstream's directives
 * (test/fakes/directives.ts) that cause it. A refused connection is a base URL nothing listens on.
 * The suites run with UPSTREAM_TIMEOUT_MS 2000 and UPSTREAM_IDLE_TIMEOUT_MS 1000.
 */
export const PROVIDER_FAULTS: Record<
  ProviderFault,
  { directives: { plain: string; stream: string }; plain: ProviderExpected; stream: ProviderExpected }
> = {
  refused: {
    directives: { plain: "", stream: "" },
    plain: { ...providerError, charged: false },
    stream: { ...providerError, charged: false },
  },
  "5xx": {
    directives: { plain: "[[scenario:error:500]]", stream: "[[scenario:error:503]]" },
    plain: { ...providerError, charged: false },
    stream: { ...providerError, charged: false },
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
  // A plain body that stops half-way times out at the idle limit, unread: free. A stream that stops
  // is cut at the idle limit and what was streamed is charged.
  stall: {
    directives: { plain: "[[stall-after:1]]", stream: "[[scenario:long]] [[repeat:1:100]] [[stall-after:4]]" },
    plain: { status: 504, code: "PROVIDER_TIMEOUT", charged: false },
    stream: { ...ok, frame: "PROVIDER_TIMEOUT", charged: true },
  },
  reset: {
    directives: { plain: "[[reset-after:1]]", stream: "[[scenario:long]] [[repeat:1:100]] [[reset-after:4]]" },
    plain: { ...providerError, charged: false },
    stream: { ...ok, frame: "PROVIDER_ERROR", charged: true },
  },
  garbage: {
    directives: { plain: "[[scenario:bad-json]]", stream: "[[scenario:bad-json-stream]]" },
    plain: { ...providerError, charged: false },
    stream: { ...ok, frame: "PROVIDER_ERROR", charged: true },
  },
  // Usage over 10x the hold cannot be real: released, nothing charged, plain or streamed.
  "absurd usage": {
    directives: { plain: "[[scenario:absurd-usage]]", stream: "[[scenario:absurd-usage]]" },
    plain: { ...providerError, charged: false },
    stream: { ...ok, frame: "PROVIDER_ERROR", charged: false },
  },
};

/** Asserts a cell's answer (status, code, the envelope's request id; never an unexpected 500); returns the body. */
export async function expectAnswer(res: Response, expected: Expected & { frame?: string }): Promise<string> {
  const text = await res.text();
  expect(res.status, text).toBe(expected.status);
  if (expected.status !== 500) expect(res.status, "an unexpected 500").not.toBe(500);
  if (expected.code !== null) {
    const { error } = JSON.parse(text) as { error: { code: string; request_id: string } };
    expect(error.code).toBe(expected.code);
    expect(error.request_id).toBe(res.headers.get("x-request-id"));
  }
  if (expected.status === 200 && res.headers.get("content-type")?.startsWith("text/event-stream")) {
    const last = sseFrames(text).at(-1) as string;
    if (expected.frame === undefined) expect(last).toBe("[DONE]");
    else expect(JSON.parse(last)).toMatchObject({ error: { code: expected.frame } });
  }
  return text;
}

/** The `data:` payloads of an SSE body, in order. */
export function sseFrames(text: string): string[] {
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("data: "))
    .map((block) => block.slice("data: ".length));
}

export type LedgerEntry = { reason: string; amount_micros: number; request_id: string | null };
export interface Books {
  credits_micros: number;
  held_micros: number;
  entries: LedgerEntry[];
}

/** One call a client made, and whether it must be charged (exactly once) or be free. */
export interface AnsweredCall {
  res: Response;
  charged: boolean;
}

/** The whole credits an answer billed RapidAPI (`X-RapidAPI-Billing: Credits=N`). */
export const rapidApiCredits = (res: Response) =>
  Number(res.headers.get("x-rapidapi-billing")?.replace("Credits=", ""));

/**
 * A RapidAPI subscriber's books once the store is back: the answers together billed everything
 * accrued rounded up once, and `unbilled` carries exactly the rest.
 */
export function expectRapidApiBilled(
  answers: readonly Response[],
  balance: { accrued_micros: number; unbilled_micros: number },
): void {
  const billed = answers.reduce((sum, res) => sum + rapidApiCredits(res), 0);
  expect(billed).toBe(Math.ceil(balance.accrued_micros / 1_000_000));
  expect(balance.unbilled_micros).toBe(balance.accrued_micros - billed * 1_000_000);
}

/**
 * The matrix's invariants once the store is back: no hold left, the ledger sums to the balance, and
 * each call charged exactly once (one usage entry for its request id, equal to its
 * x-credits-charged when the answer carries one) or not at all.
 */
export function expectBooksBalanced(books: Books, calls: readonly AnsweredCall[]): void {
  const { credits_micros, held_micros, entries } = books;
  expect(held_micros, "a hold was left behind").toBe(0);
  expect(
    entries.reduce((sum, e) => sum + e.amount_micros, 0),
    "the ledger does not sum to the balance",
  ).toBe(credits_micros);
  for (const { res, charged } of calls) {
    const requestId = res.headers.get("x-request-id");
    expect(requestId).toBeTruthy();
    const usage = entries.filter((e) => e.reason === "usage" && e.request_id === requestId);
    expect(usage.length, `usage entries for ${requestId}`).toBe(charged ? 1 : 0);
    const header = res.headers.get("x-credits-charged");
    if (charged && header !== null) expect(-(usage[0]?.amount_micros ?? 0)).toBe(Math.round(Number(header) * 1e6));
  }
}

/**
 * A RapidAPI subscriber's call with the store failing at its accrual: the provider answered, so the
 * answer goes out, billing 0 (`X-RapidAPI-Billing`); the accrual waits in the ledger queue and the
 * next answer bills it. A slow store may take the billing step after the gateway stopped waiting:
 * its queued retry gives back what that step billed, so the next answer bills it.
 */
export const RAPIDAPI_ACCRUE: Record<StoreFaultMode, Expected> = {
  refused: ok,
  hung: ok,
  slow: ok,
  erroring: ok,
  faulting: ok,
};
