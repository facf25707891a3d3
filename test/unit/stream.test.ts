import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { chatHold } from "../../src/capabilities/chat/hold.ts";
import { openAISse } from "../../src/capabilities/chat/sse-writer.ts";
import { findModel } from "../../src/metering/catalog.ts";
import { Meter } from "../../src/metering/meter.ts";
import { pricingConfig } from "../../src/metering/pricing.ts";
import { meteredStream } from "../../src/metering/stream.ts";
import { openAIApi } from "../../src/providers/openai/api.ts";
import { openAIChat } from "../../src/providers/openai/chat.ts";
import { createDurableObjectStore } from "../../src/stores/durable-object/store.ts";

const entry = findModel("openai/gpt-4o-mini");
if (!entry) throw new Error("catalog");
const pricing = pricingConfig({ MARGIN_MULTIPLIER: "1.8", STRIPE_PRICE_USD_PER_CREDIT: "0.01" });
const store = createDurableObjectStore(env);
const encoder = new TextEncoder();

const CHUNK = JSON.stringify({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1,
  model: "gpt-4o-mini",
  choices: [{ index: 0, delta: { content: "token " }, finish_reason: null }],
});

/** An upstream that sends content frames for as long as it is read, and records when it is cancelled. */
function endlessUpstream() {
  const state = { cancelled: false, frames: 0 };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.frames++;
      controller.enqueue(encoder.encode(`data: ${CHUNK}\n\n`));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { body, state };
}

async function fundedMeter(credits: number) {
  const account = `acct_stream${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await store.ledger.credit(
    account,
    {
      amount_micros: credits * 1_000_000,
      reason: "admin_grant",
      reference: null,
      idempotency_key: "fund",
      create_account: true,
    },
    Date.now(),
  );
  const hold = chatHold(
    entry as NonNullable<typeof entry>,
    { texts: ["Say hi"], messages: 1, hasTools: false, requestedMaxOutput: 100 },
    { now: Date.now(), pricing, defaultMaxOutput: 4096 },
  );
  const meter = await Meter.open(
    { store, now: Date.now, pricing },
    { account_id: account, source: "key", plan: null, key: null },
    entry as NonNullable<typeof entry>,
    "req_stream",
    60_000,
    hold,
  );
  return { meter, account };
}

describe("metered stream cap", () => {
  it("is a timer: a client that stops reading cannot keep the call, or its hold, alive", async () => {
    const { meter, account } = await fundedMeter(2);
    const upstream = endlessUpstream();
    const abort = new AbortController();
    const stream = meteredStream({
      upstream: upstream.body,
      abort,
      source: openAISse(openAIChat(openAIApi("sk-test", "http://upstream.test/v1")).startStream(), {
        includeUsage: false,
        requestId: "req_stream",
      }),
      meter,
      idleMs: 5_000,
      maxMs: 300,
      requestId: "req_stream",
    });
    const reader = stream.getReader();
    const first = await reader.read(); // the client reads once, then pauses
    expect(new TextDecoder().decode(first.value)).toContain("token ");
    await meter.ended; // the cap fires while the client is paused, and settles the call

    // Cut while paused: upstream aborted, the call charged, no hold left.
    expect(abort.signal.aborted).toBe(true);
    expect(upstream.state.cancelled).toBe(true);
    const balance = await store.ledger.balance(account, Date.now(), null);
    expect(balance.held_micros).toBe(0);
    const [usage] = await store.ledger.entries(account, { limit: 1 }, null);
    expect(usage?.reason).toBe("usage");
    expect(balance.balance_micros).toBe(2_000_000 + (usage?.amount_micros ?? 0));

    // When the client resumes it gets what was buffered and the error frame, nothing more.
    let rest = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    const frames = rest.split("\n\n").filter(Boolean);
    const last = JSON.parse((frames.at(-1) as string).slice("data: ".length)) as { error: { code: string } };
    expect(last.error.code).toBe("PROVIDER_TIMEOUT");
    expect(frames.length).toBeLessThan(10);
    expect(upstream.state.frames).toBeLessThan(10);
  });

  it("the idle limit counts only waiting on the provider: a client that pauses is not cut", async () => {
    const { meter } = await fundedMeter(2);
    const upstream = endlessUpstream();
    const abort = new AbortController();
    const stream = meteredStream({
      upstream: upstream.body,
      abort,
      source: openAISse(openAIChat(openAIApi("sk-test", "http://upstream.test/v1")).startStream(), {
        includeUsage: false,
        requestId: "req_stream",
      }),
      meter,
      idleMs: 100,
      maxMs: 60_000,
      requestId: "req_stream",
    });
    const reader = stream.getReader();
    await reader.read();
    await new Promise((resolve) => setTimeout(resolve, 400)); // four idle limits, the client not reading
    const next = await reader.read();
    expect(new TextDecoder().decode(next.value)).toContain("token ");
    expect(abort.signal.aborted).toBe(false);
    await reader.cancel();
    await meter.ended;
  });
});
