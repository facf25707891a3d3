import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/lib/errors.ts";
import type { CallContext } from "../../src/metering/call-context.ts";
import { findModel } from "../../src/metering/catalog.ts";
import type { Hold } from "../../src/metering/hold.ts";
import { type MeteredSpec, meteredCall } from "../../src/metering/metered-call.ts";
import { priceUsage, pricingConfig } from "../../src/metering/pricing.ts";
import type { UpstreamProvider } from "../../src/metering/upstream.ts";
import { createDurableObjectStore } from "../../src/stores/durable-object/store.ts";

// The metered path knows no capability: a speech-like call (multipart in, audio bytes out) runs
// through it with an injected fetch, no network and no provider module.
const entry = findModel("openai/tts-1");
if (!entry) throw new Error("catalog");
const pricing = pricingConfig({ MARGIN_MULTIPLIER: "1.8", STRIPE_PRICE_USD_PER_CREDIT: "0.01" });
const store = createDurableObjectStore(env);
const INPUT = "Hello there, general listener.";
const USAGE = { characters: INPUT.length };
const PRICE = priceUsage(entry, USAGE, Date.now(), pricing).micros;

async function funded(): Promise<CallContext> {
  const account = `acct_call${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await store.ledger.credit(
    account,
    { amount_micros: 1_000_000, reason: "admin_grant", reference: null, idempotency_key: "f", create_account: true },
    Date.now(),
  );
  return {
    caller: { account_id: account, source: "key", plan: null, key: null },
    requestId: "req_call",
    deps: { store, now: Date.now, pricing },
    firstByteMs: 1000,
    idleMs: 500,
    rapidApiBillingObject: "Credits",
    waitUntil: () => {},
  };
}

/** An upstream answering audio in two chunks, the second only when `release()` is called. */
function audioUpstream() {
  const seen: { body: BodyInit | null | undefined; signal: AbortSignal | null | undefined }[] = [];
  let release = () => {};
  const fetcher: typeof fetch = async (_input, init) => {
    seen.push({ body: init?.body, signal: init?.signal });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([0xff, 0xfb, 1, 2]));
        release = () => {
          controller.enqueue(new Uint8Array([3, 4]));
          controller.close();
        };
      },
    });
    return new Response(body, { status: 200, headers: { "content-type": "audio/mpeg" } });
  };
  return { fetcher, seen, release: () => release() };
}

function speechSpec(fetcher: typeof fetch): MeteredSpec<object, Hold> {
  const provider: UpstreamProvider = {
    id: "test",
    name: "Test Audio",
    fetch: fetcher,
    parseError: (status) => new ApiError("PROVIDER_ERROR", `Test Audio answered ${status}.`),
  };
  return {
    model: "openai/tts-1",
    kind: "speech",
    resolve: () => ({ provider, adapter: {} }),
    providerName: () => "Test Audio",
    hold: () => ({ micros: PRICE, worstCase: USAGE, interrupted: () => USAGE }),
    request: () => {
      const form = new FormData();
      form.set("text", INPUT);
      return { url: "http://upstream.test/speech", init: { method: "POST", headers: {}, body: form } };
    },
    answer: () => ({ type: "bytes", contentType: "audio/mpeg", usage: () => USAGE }),
  };
}

describe("meteredCall with a bytes answer", () => {
  it("sends a multipart body, passes the bytes through as they arrive, and charges before the first byte", async () => {
    const ctx = await funded();
    const upstream = audioUpstream();
    const res = await meteredCall(ctx, speechSpec(upstream.fetcher));
    expect(upstream.seen[0]?.body).toBeInstanceOf(FormData);
    expect(res.headers.get("content-type")).toBe("audio/mpeg");
    expect(res.headers.get("x-credits-charged")).toBe(String(PRICE / 1_000_000));
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    // The first bytes arrive while the upstream has not finished.
    expect([...((await reader.read()).value ?? [])]).toEqual([0xff, 0xfb, 1, 2]);
    upstream.release();
    expect([...((await reader.read()).value ?? [])]).toEqual([3, 4]);
    expect((await reader.read()).done).toBe(true);
    expect(await store.ledger.balance(ctx.caller.account_id, Date.now(), null)).toMatchObject({
      balance_micros: 1_000_000 - PRICE,
      held_micros: 0,
    });
  });

  it("a client leaving mid-audio aborts the upstream and is charged in full", async () => {
    const ctx = await funded();
    const upstream = audioUpstream();
    const res = await meteredCall(ctx, speechSpec(upstream.fetcher));
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    expect(upstream.seen[0]?.signal?.aborted).toBe(true);
    expect(await store.ledger.balance(ctx.caller.account_id, Date.now(), null)).toMatchObject({
      balance_micros: 1_000_000 - PRICE,
      held_micros: 0,
    });
  });

  it("an upstream failure releases the hold and charges nothing", async () => {
    const ctx = await funded();
    const failing: typeof fetch = async () => new Response("{}", { status: 500 });
    await expect(meteredCall(ctx, speechSpec(failing))).rejects.toMatchObject({ code: "PROVIDER_ERROR" });
    expect(await store.ledger.balance(ctx.caller.account_id, Date.now(), null)).toMatchObject({
      balance_micros: 1_000_000,
      held_micros: 0,
    });
  });
});

// A call made of several upstream requests (a provider that makes one result per call), answered
// as one JSON body: each answer is read, the parts merged, the call charged once for all of them.
const PART_USAGE = { characters: 10 };
const PART_PRICE = priceUsage(entry, PART_USAGE, Date.now(), pricing).micros;

type Reply = (index: number, signal: AbortSignal | null | undefined) => Promise<Response>;

function fanOutSpec(
  reply: Reply,
  { requests = 2, merge = true, refuse = -1 } = {},
): { spec: MeteredSpec<object, Hold>; seen: { url: string; signal: AbortSignal | null | undefined }[] } {
  const seen: { url: string; signal: AbortSignal | null | undefined }[] = [];
  const provider: UpstreamProvider = {
    id: "test",
    name: "Test Maker",
    fetch: async (input, init) => {
      const url = String(input);
      seen.push({ url, signal: init?.signal });
      return reply(Number(url.split("/").at(-1)), init?.signal);
    },
    parseError: (status) => new ApiError("PROVIDER_ERROR", `Test Maker answered ${status}.`),
  };
  const usage = { characters: PART_USAGE.characters * requests };
  const spec: MeteredSpec<object, Hold> = {
    model: "openai/tts-1",
    kind: "speech",
    resolve: () => ({ provider, adapter: {} }),
    providerName: () => "Test Maker",
    hold: () => ({ micros: PART_PRICE * requests, worstCase: usage, interrupted: () => usage }),
    request: () =>
      Array.from({ length: requests }, (_, i) => ({
        url: `http://upstream.test/make/${i}`,
        init: { method: "POST", headers: {}, body: `{"part":${i}}` },
      })),
    answer: () => ({
      type: "json",
      read: (json) => {
        const { part } = json as { part: number };
        if (part === refuse) return new ApiError("INVALID_REQUEST", "Test Maker filtered this one.");
        return { body: { parts: [part] }, usage: PART_USAGE };
      },
      ...(merge
        ? {
            merge: (parts) => ({
              body: { parts: parts.flatMap((p) => (p.body as { parts: number[] }).parts) },
              usage: { characters: parts.reduce((sum, p) => sum + (p.usage.characters ?? 0), 0) },
            }),
          }
        : {}),
    }),
  };
  return { spec, seen };
}

const ok: Reply = async (i) => Response.json({ part: i });

/** Never answers until its signal aborts. */
const hangs = (signal: AbortSignal | null | undefined) =>
  new Promise<Response>((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason), { once: true }));

describe("meteredCall with several upstream requests", () => {
  it("sends them together, merges their answers in order, and charges once for all", async () => {
    const ctx = await funded();
    const { spec, seen } = fanOutSpec(ok, { requests: 3 });
    const res = await meteredCall(ctx, spec);
    expect(seen.map((s) => s.url)).toEqual([0, 1, 2].map((i) => `http://upstream.test/make/${i}`));
    expect(await res.json()).toEqual({ parts: [0, 1, 2] });
    expect(res.headers.get("x-credits-charged")).toBe(String((3 * PART_PRICE) / 1_000_000));
    expect(await store.ledger.balance(ctx.caller.account_id, Date.now(), null)).toMatchObject({
      balance_micros: 1_000_000 - 3 * PART_PRICE,
      held_micros: 0,
    });
  });

  it("one failing request fails the call: the others are aborted, nothing is charged, no hold is left", async () => {
    const ctx = await funded();
    const { spec, seen } = fanOutSpec(async (i, signal) =>
      i === 1 ? new Response('{"error":"boom"}', { status: 500 }) : hangs(signal),
    );
    await expect(meteredCall(ctx, spec)).rejects.toMatchObject({ code: "PROVIDER_ERROR" });
    expect(seen).toHaveLength(2);
    expect(seen[0]?.signal?.aborted).toBe(true);
    expect(await store.ledger.balance(ctx.caller.account_id, Date.now(), null)).toMatchObject({
      balance_micros: 1_000_000,
      held_micros: 0,
    });
  });

  it("one answer the capability refuses fails the call with its error, and nothing is charged", async () => {
    const ctx = await funded();
    const { spec } = fanOutSpec(ok, { refuse: 1 });
    await expect(meteredCall(ctx, spec)).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    expect(await store.ledger.balance(ctx.caller.account_id, Date.now(), null)).toMatchObject({
      balance_micros: 1_000_000,
      held_micros: 0,
    });
  });

  it("several requests without a merge are refused before any is sent, and the hold is released", async () => {
    const ctx = await funded();
    const { spec, seen } = fanOutSpec(ok, { merge: false });
    await expect(meteredCall(ctx, spec)).rejects.toThrow(/need one JSON answer that merges them/);
    expect(seen).toEqual([]);
    expect(await store.ledger.balance(ctx.caller.account_id, Date.now(), null)).toMatchObject({
      balance_micros: 1_000_000,
      held_micros: 0,
    });
  });

  it("a client leaving while the answers are read aborts every request and is charged the hold's estimate", async () => {
    const ctx = await funded();
    const client = new AbortController();
    let sendRest = () => {};
    const { spec, seen } = fanOutSpec(async (i) => {
      // The second answer's body stops after its first bytes until the client has gone.
      if (i === 0) return Response.json({ part: 0 });
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"part":'));
          sendRest = () => {
            controller.enqueue(new TextEncoder().encode("1}"));
            controller.close();
          };
        },
      });
      return new Response(body, { status: 200 });
    });
    const pending = meteredCall({ ...ctx, clientSignal: client.signal }, spec).catch((error: unknown) => error);
    while (seen.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 20));
    client.abort();
    sendRest();
    await pending;
    expect(seen.every((s) => s.signal?.aborted)).toBe(true);
    // The estimate (both parts: the provider made them) is charged, never above the hold.
    expect(await store.ledger.balance(ctx.caller.account_id, Date.now(), null)).toMatchObject({
      balance_micros: 1_000_000 - 2 * PART_PRICE,
      held_micros: 0,
    });
  });
});

describe("meteredCall with a bytes answer: before the first byte", () => {
  const answering =
    (body: BodyInit | null, headers: Record<string, string> = { "content-type": "audio/mpeg" }): typeof fetch =>
    async () =>
      new Response(body, { status: 200, headers });

  async function expectNothingCharged(ctx: CallContext) {
    expect(await store.ledger.balance(ctx.caller.account_id, Date.now(), null)).toMatchObject({
      balance_micros: 1_000_000,
      held_micros: 0,
    });
    expect(await store.ledger.entries(ctx.caller.account_id, { limit: 10 }, null)).toHaveLength(1); // the grant
  }

  it("an answer with no bytes is the provider's failure: 502, nothing charged", async () => {
    const ctx = await funded();
    await expect(meteredCall(ctx, speechSpec(answering(new Uint8Array(0))))).rejects.toMatchObject({
      code: "PROVIDER_ERROR",
    });
    await expectNothingCharged(ctx);
  });

  it("an answer that breaks before its first byte: 502, nothing charged", async () => {
    const ctx = await funded();
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.error(new Error("connection reset"));
      },
    });
    await expect(meteredCall(ctx, speechSpec(answering(broken)))).rejects.toMatchObject({ code: "PROVIDER_ERROR" });
    await expectNothingCharged(ctx);
  });

  it("an answer that stalls before its first byte: 504 after the idle limit, nothing charged, upstream aborted", async () => {
    const ctx = await funded();
    const seen: (AbortSignal | null | undefined)[] = [];
    const stalled: typeof fetch = async (_input, init) => {
      seen.push(init?.signal);
      return new Response(new ReadableStream<Uint8Array>(), { status: 200 });
    };
    await expect(meteredCall(ctx, speechSpec(stalled))).rejects.toMatchObject({ code: "PROVIDER_TIMEOUT" });
    expect(seen[0]?.aborted).toBe(true);
    await expectNothingCharged(ctx);
  });

  it("a client that leaves once the provider answered, before its first byte, is charged in full", async () => {
    const ctx = await funded();
    const client = new AbortController();
    const stalled: typeof fetch = async () => new Response(new ReadableStream<Uint8Array>(), { status: 200 });
    const call = meteredCall({ ...ctx, clientSignal: client.signal }, speechSpec(stalled));
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.abort();
    await expect(call).rejects.toBeInstanceOf(ApiError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await store.ledger.balance(ctx.caller.account_id, Date.now(), null)).toMatchObject({
      balance_micros: 1_000_000 - PRICE,
      held_micros: 0,
    });
  });

  it("a client already gone when the provider answers is charged in full too, and the upstream call is aborted", async () => {
    const ctx = await funded();
    const client = new AbortController();
    const seen: (AbortSignal | null | undefined)[] = [];
    const late: typeof fetch = async (_input, init) => {
      seen.push(init?.signal);
      client.abort(); // the client leaves while the provider works
      return new Response(new ReadableStream<Uint8Array>(), { status: 200 });
    };
    await expect(meteredCall({ ...ctx, clientSignal: client.signal }, speechSpec(late))).rejects.toBeInstanceOf(
      ApiError,
    );
    expect(seen[0]?.aborted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await store.ledger.balance(ctx.caller.account_id, Date.now(), null)).toMatchObject({
      balance_micros: 1_000_000 - PRICE,
      held_micros: 0,
    });
  });

  it("sends the capability's content type when the provider names none, and records unpriced notes beside the usage", async () => {
    const ctx = await funded();
    const spec = speechSpec(answering(new Uint8Array([1, 2, 3]), {}));
    const res = await meteredCall(ctx, {
      ...spec,
      answer: () => ({
        type: "bytes",
        contentType: "audio/wav",
        usage: () => USAGE,
        // A note named like a priced kind never replaces it; a bad count is dropped.
        notes: () => ({ character_cost: 15, characters: 999, broken: -1 }),
      }),
    });
    expect(res.headers.get("content-type")).toBe("audio/wav");
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([1, 2, 3]);
    const [entry] = await store.ledger.entries(ctx.caller.account_id, { limit: 1 }, null);
    expect(entry).toMatchObject({ amount_micros: -PRICE, usage: { characters: USAGE.characters, character_cost: 15 } });
    expect(entry?.usage).not.toHaveProperty("broken");
  });
});
