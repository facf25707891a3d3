import { describe, expect, it } from "vitest";
import type { LedgerMessage } from "../../src/metering/ledger-queue.ts";
import { funded, MODEL, prompt, upstreamRequests } from "../helpers/chat.ts";
import {
  expectAnswer,
  expectBooksBalanced,
  expectRapidApiBilled,
  PROVIDER_FAULTS,
  type ProviderFault,
  RAPIDAPI_ACCRUE,
  rapidApiCredits,
  STEP_CALL,
  STORE_MATRIX,
  STORE_MODES,
  type StoreStep,
} from "../helpers/fault-matrix.ts";
import { accountState, faultyGateway } from "../helpers/faulty-store.ts";
import { admin, bearer, gw, rapid } from "../helpers/gateway.ts";
import { deliver, delivered, purchase } from "../helpers/stripe.ts";

/**
 * The fault matrix (test/helpers/fault-matrix.ts) on the Durable Object store: the store failing at
 * each step of a call or a credit, and the provider failing at each step of its answer. Every cell
 * checks its answer, then, once the store is back and the ledger queue's consumer has run: no hold
 * left, the ledger summing to the balance, every call charged exactly once or not at all.
 */

/** The object method each step reaches (AccountObject / KeyObject). */
const METHOD: Record<StoreStep, string> = {
  auth: "lookup",
  hold: "reserve",
  settle: "settle",
  "settle (stream)": "settle",
  "settle (cut stream)": "settle",
  release: "release",
  credit: "credit",
  webhook: "purchase",
};

const chatInit = (key: string, content: string, stream: boolean): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...bearer(key) },
  body: JSON.stringify({ model: MODEL, stream, messages: [{ role: "user", content }] }),
});

describe.concurrent("fault matrix (Durable Objects): the store failing at each step", () => {
  for (const [step, row] of Object.entries(STORE_MATRIX) as [StoreStep, (typeof STORE_MATRIX)[StoreStep]][]) {
    for (const mode of STORE_MODES) {
      const expected = row[mode];
      it(`${step} × ${mode}: ${expected.status} ${expected.code ?? (expected.frame ? `then an error frame ${expected.frame}` : "")}`, {
        timeout: 30_000,
      }, async () => {
        const { key, account_id } = await funded(10);
        const gateway = faultyGateway();
        gateway.fault = { mode, methods: [METHOD[step]] };

        if (step === "credit" || step === "webhook") {
          const before = await accountState(key);
          const credits = step === "credit" ? 7 : 700;
          const idempotency = crypto.randomUUID();
          const completed = purchase(account_id, credits).completed();
          const grantInit = {
            method: "POST",
            headers: admin({ "idempotency-key": idempotency }),
            body: JSON.stringify({ accountId: account_id, credits }),
          };
          const res =
            step === "credit"
              ? (await gateway.request("/admin/add-credits", grantInit)).res
              : await deliver(completed, { via: async (path, init) => (await gateway.request(path, init)).res });
          await expectAnswer(res, expected);
          expect(res.headers.get("x-should-retry")).toBe("true");
          expect(gateway.state.hits).toBeGreaterThan(0);
          // The store is back: the caller's retry (the admin's, Stripe's) applies once, however often it comes.
          gateway.fault = null;
          for (let i = 0; i < 2; i++) {
            if (step === "credit") expect((await gw("/admin/add-credits", grantInit)).status).toBe(200);
            else expect(await delivered(completed)).toBe("granted");
          }
          const after = await accountState(key);
          expectBooksBalanced(after, []);
          expect(after.credits_micros - before.credits_micros).toBe(credits * 1_000_000);
          return;
        }

        const { directives, stream } = STEP_CALL[step] ?? { directives: "", stream: false };
        const { marker, content } = prompt(directives);
        const { res, done } = await gateway.request("/v1/chat/completions", chatInit(key, content, stream));
        await expectAnswer(res, expected);
        await done();
        expect(gateway.state.hits).toBeGreaterThan(0);
        const reachedProvider = (await upstreamRequests(marker)).length;

        if (step === "auth" || step === "hold") {
          // Refused before the provider was called. A hold the store may still place (it was slow, not
          // down) has its release queued; the consumer applies it once the store is back.
          expect(reachedProvider).toBe(0);
          const unsure = step === "hold" && expected.code === "STORE_UNAVAILABLE";
          expect(gateway.queued.map((m) => m.kind)).toEqual(unsure ? ["release"] : []);
          gateway.fault = null;
          expect(await gateway.drain()).toEqual({ acked: unsure ? 1 : 0, retried: 0 });
          expectBooksBalanced(await accountState(key), [{ res, charged: false }]);
          return;
        }

        // The ending could not be stored: it waits in the ledger queue, and the hold covers the call meanwhile.
        expect(reachedProvider).toBe(1);
        expect(gateway.queued.map((m) => m.kind)).toEqual([step === "release" ? "release" : "settle"]);
        // (A slow store took the ending after the gateway stopped waiting: the queued copy will replay it.)
        if (mode !== "slow") expect((await accountState(key)).held_micros).toBeGreaterThan(0);
        // While the store is still down the consumer keeps the message for later.
        expect(await gateway.drain()).toEqual({ acked: 0, retried: 1 });
        const [message] = gateway.queued;
        gateway.fault = null;
        expect(await gateway.drain()).toEqual({ acked: 1, retried: 0 });
        const calls = [{ res, charged: step !== "release" }];
        expectBooksBalanced(await accountState(key), calls);
        // Delivered again (queues deliver at least once): nothing changes.
        gateway.queued.push(message as LedgerMessage);
        expect(await gateway.drain()).toEqual({ acked: 1, retried: 0 });
        expectBooksBalanced(await accountState(key), calls);
      });
    }
  }
});

describe.concurrent("fault matrix (Durable Objects): the store failing at a RapidAPI accrual", () => {
  for (const mode of STORE_MODES) {
    const expected = RAPIDAPI_ACCRUE[mode];
    const title = `accrue × ${mode}: ${expected.status}, billed 0 now and the rest by the next answer`;
    it(title, { timeout: 30_000 }, async () => {
      const user = `fault-${crypto.randomUUID()}`;
      const headers = { "content-type": "application/json", ...rapid(user) };
      const init = (content: string): RequestInit => ({
        method: "POST",
        headers,
        body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content }] }),
      });
      const gateway = faultyGateway();
      gateway.fault = { mode, methods: ["accrueRapidApi"] };
      const first = await gateway.request("/v1/chat/completions", init(prompt().content));
      await expectAnswer(first.res, expected);
      expect(first.res.headers.get("x-rapidapi-billing")).toBe("Credits=0");
      await first.done();
      expect(gateway.queued.map((m) => m.kind)).toEqual(["accrue"]);
      gateway.fault = null;
      expect(await gateway.drain()).toEqual({ acked: 1, retried: 0 });
      // The next answer, with the store back, bills everything owed so far.
      const second = await gw("/v1/chat/completions", init(prompt().content));
      await expectAnswer(second, { status: 200, code: null });
      const balance = (await (await gw("/v1/balance", { headers: rapid(user) })).json()) as {
        accrued_micros: number;
        unbilled_micros: number;
      };
      const usage = (await (await gw("/v1/usage?limit=100", { headers: rapid(user) })).json()) as {
        data: { reason: string; amount_micros: number; request_id: string | null }[];
      };
      // Each call accrued exactly once, the accrual equals the ledger, and the sum billed is the total rounded up once.
      for (const res of [first.res, second]) {
        expect(usage.data.filter((e) => e.request_id === res.headers.get("x-request-id"))).toHaveLength(1);
      }
      expect(-usage.data.reduce((sum, e) => sum + e.amount_micros, 0)).toBe(balance.accrued_micros);
      expectRapidApiBilled([first.res, second], balance);
    });
  }
});

describe("fault matrix (Durable Objects): a RapidAPI stream's billing step taken late", () => {
  it("a slow store takes a stream's billing step after its answer went out billing 0: the credits go back to owed and the next answer bills them", {
    timeout: 30_000,
  }, async () => {
    const user = `fault-${crypto.randomUUID()}`;
    const init = (stream: boolean): RequestInit => ({
      method: "POST",
      headers: { "content-type": "application/json", ...rapid(user) },
      body: JSON.stringify({ model: MODEL, stream, messages: [{ role: "user", content: prompt().content }] }),
    });
    const gateway = faultyGateway();
    // A stream with the store well: its header bills nothing (nothing owed yet), its cost accrues at its end.
    const first = await gateway.request("/v1/chat/completions", init(true));
    await expectAnswer(first.res, { status: 200, code: null });
    await first.done();
    expect(rapidApiCredits(first.res)).toBe(0);
    const owed = (await (await gw("/v1/balance", { headers: rapid(user) })).json()) as { unbilled_micros: number };
    expect(owed.unbilled_micros).toBeGreaterThan(0);
    // The store turns slow: the next stream's billing step lands (billing the first stream) after the
    // gateway stopped waiting, so its answer bills 0.
    gateway.fault = { mode: "slow", methods: ["accrueRapidApi"] };
    const second = await gateway.request("/v1/chat/completions", init(true));
    await expectAnswer(second.res, { status: 200, code: null });
    await second.done();
    expect(rapidApiCredits(second.res)).toBe(0);
    expect(gateway.queued.map((m) => m.kind)).toEqual(["accrue", "accrue"]);
    gateway.fault = null;
    expect(await gateway.drain()).toEqual({ acked: 2, retried: 0 });
    const third = await gw("/v1/chat/completions", init(false));
    await expectAnswer(third, { status: 200, code: null });
    const balance = (await (await gw("/v1/balance", { headers: rapid(user) })).json()) as {
      accrued_micros: number;
      unbilled_micros: number;
    };
    expectRapidApiBilled([first.res, second.res, third], balance);
  });
});

describe.concurrent("fault matrix (Durable Objects): the provider failing at each step", () => {
  for (const [fault, row] of Object.entries(PROVIDER_FAULTS) as [
    ProviderFault,
    (typeof PROVIDER_FAULTS)[ProviderFault],
  ][]) {
    for (const shape of ["plain", "stream"] as const) {
      const expected = row[shape];
      const answer = expected.frame
        ? `200, then an error frame ${expected.frame}`
        : `${expected.status} ${expected.code}`;
      it(`${fault} (${shape}): ${answer}, ${expected.charged ? "charged once" : "free"}`, {
        timeout: 30_000,
      }, async () => {
        const { key } = await funded(10);
        const gateway = faultyGateway(fault === "refused" ? { OPENAI_BASE_URL: "http://127.0.0.1:9/v1" } : {});
        const { content } = prompt(row.directives[shape]);
        const { res, done } = await gateway.request("/v1/chat/completions", chatInit(key, content, shape === "stream"));
        await expectAnswer(res, expected);
        if (fault === "429") expect(res.headers.get("retry-after")).toBe("7");
        await done();
        expect(gateway.queued).toEqual([]);
        expectBooksBalanced(await accountState(key), [{ res, charged: expected.charged }]);
      });
    }
  }
});
