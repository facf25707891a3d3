// npm run bench:chat — what the gateway adds to a chat call, measured on loopback.
// Starts the fake OpenAI upstream and the real Worker (wrangler dev, Durable Object store), then
// compares direct calls to the fake with calls through the gateway: plain latency, stream time to
// first byte and to the end. Bounded: BENCH_CALLS sequential calls per row (default 100).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeUpstream } from "../test/fakes/upstream.ts";
import { startDevServer } from "../test/node/helpers/wrangler-dev.ts";

const CALLS = Number(process.env.BENCH_CALLS ?? 100);
const seed = `aib_bench${crypto.randomUUID().replaceAll("-", "")}`.slice(0, 36);

const openai = await startFakeUpstream("openai");
const envFile = join(mkdtempSync(join(tmpdir(), "bench-chat-")), ".dev.vars");
writeFileSync(envFile, `DEV_SEED_KEY=${seed}\nOPENAI_API_KEY=sk-fake\nOPENAI_BASE_URL=${openai.url}/v1\n`);
const gateway = await startDevServer({ envFile });

const body = (stream: boolean, model: string) =>
  JSON.stringify({ model, stream, messages: [{ role: "user", content: "Say hi [[delay:0]]" }] });

async function timeCall(url: string, key: string, payload: string) {
  const started = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: payload,
  });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let first = 0;
  for (;;) {
    const { done } = await reader.read();
    if (!first) first = performance.now() - started;
    if (done) break;
  }
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return { first, total: performance.now() - started };
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

try {
  const rows: string[] = [];
  for (const stream of [false, true]) {
    for (const [label, url, key, model] of [
      ["direct to upstream", `${openai.url}/v1/chat/completions`, "sk-fake", "gpt-4o-mini"],
      ["through the gateway", `${gateway.url}/v1/chat/completions`, seed, "openai/gpt-4o-mini"],
    ] as const) {
      await timeCall(url, key, body(stream, model)); // warm up
      const firsts: number[] = [];
      const totals: number[] = [];
      for (let i = 0; i < CALLS; i++) {
        const t = await timeCall(url, key, body(stream, model));
        firsts.push(t.first);
        totals.push(t.total);
      }
      rows.push(
        `${(stream ? "stream" : "plain").padEnd(7)} ${label.padEnd(20)} first byte p50 ${pct(firsts, 50).toFixed(1).padStart(6)} ms  p95 ${pct(firsts, 95).toFixed(1).padStart(6)} ms   complete p50 ${pct(totals, 50).toFixed(1).padStart(6)} ms  p95 ${pct(totals, 95).toFixed(1).padStart(6)} ms`,
      );
    }
  }
  console.log(
    `chat latency on loopback, ${CALLS} sequential calls per row (gateway: wrangler dev, Durable Object store)`,
  );
  for (const row of rows) console.log(row);
} finally {
  await gateway.stop();
  await openai.close();
}
