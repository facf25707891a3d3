// The calls of `npm run load`, decided up front from the seed: which account, which provider, plain
// or streamed, and what happens to the call (answered, an upstream fault the fake upstream injects
// through its body directives, or a client that leaves). Same seed, same calls.

export const PROVIDERS = ["openai", "anthropic", "google"] as const;
export type Provider = (typeof PROVIDERS)[number];

/** The chat model each fake provider stands behind. */
export const MODELS: Record<Provider, string> = {
  openai: "openai/gpt-4o-mini",
  anthropic: "anthropic/claude-haiku-4-5",
  google: "google/gemini-3.5-flash",
};

/** A 5xx the fake has a recorded body for, per provider (test/fixtures/<provider>/errors/). */
const FIVE_XX: Record<Provider, readonly number[]> = {
  openai: [500, 503],
  anthropic: [500, 529],
  google: [500, 503],
};

/**
 * What happens to a call:
 *   ok               answered in full
 *   upstream-5xx     the provider answers a 5xx: 502 PROVIDER_ERROR, nothing charged
 *   upstream-429     the provider is rate limited: 429 PROVIDER_RATE_LIMITED, nothing charged
 *   stall-first-byte the provider sends nothing past UPSTREAM_TIMEOUT_MS: 504 PROVIDER_TIMEOUT, nothing charged
 *   stall-mid        the provider stops mid-answer past UPSTREAM_IDLE_TIMEOUT_MS: a stream ends with an
 *                    error frame (what was streamed is charged); a plain answer is 502 (nothing charged)
 *   error-mid        (streams) the provider sends its error event mid-stream: an error frame, streamed part charged
 *   leave-mid        (streams) the client aborts after the first chunk: charged the estimate
 *   leave-early      the client aborts before the answer's headers (the provider is slow to answer)
 */
export type Fate =
  | "ok"
  | "upstream-5xx"
  | "upstream-429"
  | "stall-first-byte"
  | "stall-mid"
  | "error-mid"
  | "leave-mid"
  | "leave-early";

export interface PlannedCall {
  index: number;
  account: number;
  provider: Provider;
  stream: boolean;
  fate: Fate;
  /** Sent as x-request-id, so the ledger's usage entries name their call. */
  requestId: string;
  body: string;
  /** leave-early: ms after sending at which the client aborts. */
  leaveAfterMs: number;
}

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shares of each fate, per mode (in percent; the rest is `ok`). */
const STREAM_FATES: [Fate, number][] = [
  ["leave-mid", 10],
  ["leave-early", 4],
  ["upstream-5xx", 4],
  ["upstream-429", 3],
  ["stall-first-byte", 2],
  ["stall-mid", 3],
  ["error-mid", 4],
];
const PLAIN_FATES: [Fate, number][] = [
  ["leave-early", 6],
  ["upstream-5xx", 5],
  ["upstream-429", 4],
  ["stall-first-byte", 2],
  ["stall-mid", 2],
];

function pickFate(random: number, fates: [Fate, number][]): Fate {
  let at = random * 100;
  for (const [fate, share] of fates) {
    if (at < share) return fate;
    at -= share;
  }
  return "ok";
}

export interface PlanOptions {
  calls: number;
  accounts: number;
  seed: number;
  /** Ms the fake waits before its first byte for a stall (longer than UPSTREAM_TIMEOUT_MS). */
  stallFirstByteMs: number;
}

/** Directives in the user's message steer the fake upstream (test/fakes/directives.ts). */
function directives(fate: Fate, provider: Provider, stream: boolean, random: () => number): string {
  switch (fate) {
    case "ok":
      return "";
    case "upstream-5xx": {
      const statuses = FIVE_XX[provider];
      return `[[scenario:error:${statuses[Math.floor(random() * statuses.length)]}]]`;
    }
    case "upstream-429":
      return "[[scenario:error:429]]";
    case "stall-first-byte":
      return "";
    case "stall-mid":
      return stream ? "[[stall-after:2]]" : "[[stall-after:1]]";
    case "error-mid":
      return "[[error-mid-stream:2]]";
    case "leave-mid":
      // Slower frames, so the client's abort lands while the stream is still running.
      return "[[delay:40]]";
    case "leave-early":
      return "[[slow-first-byte:400]]";
  }
}

function chatBody(provider: Provider, stream: boolean, question: string): string {
  return JSON.stringify({
    model: MODELS[provider],
    // The client's own limit: the hold covers it and is never shrunk (the fixtures report less).
    max_tokens: 256,
    messages: [
      { role: "system", content: "You are a helpful assistant. Answer briefly." },
      { role: "user", content: question },
    ],
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

/** Answered calls on one account: every provider, plain and streamed in turn. */
export function warmUpCalls(count: number, account: number, seed: number): PlannedCall[] {
  return Array.from({ length: count }, (_, index) => {
    const provider = PROVIDERS[index % PROVIDERS.length] as Provider;
    const stream = index % 2 === 1;
    const body = chatBody(provider, stream, `How many r's are in strawberry? (warm-up ${index})`);
    return {
      index,
      account,
      provider,
      stream,
      fate: "ok",
      requestId: `load-${seed}-warm-${index}`,
      body,
      leaveAfterMs: 0,
    };
  });
}

export function planCalls(options: PlanOptions): PlannedCall[] {
  const random = prng(options.seed);
  const calls: PlannedCall[] = [];
  for (let index = 0; index < options.calls; index++) {
    const account = Math.floor(random() * options.accounts);
    const provider = PROVIDERS[Math.floor(random() * PROVIDERS.length)] as Provider;
    const stream = random() < 0.5;
    const fate = pickFate(random(), stream ? STREAM_FATES : PLAIN_FATES);
    const steer =
      fate === "stall-first-byte"
        ? `[[slow-first-byte:${options.stallFirstByteMs}]]`
        : directives(fate, provider, stream, random);
    const requestId = `load-${options.seed}-${index}`;
    const body = chatBody(provider, stream, `How many r's are in strawberry? (call ${index}) ${steer}`.trim());
    calls.push({
      index,
      account,
      provider,
      stream,
      fate,
      requestId,
      body,
      leaveAfterMs: fate === "leave-early" ? 50 + Math.floor(random() * 250) : 0,
    });
  }
  return calls;
}
