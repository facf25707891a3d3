// The upstream of `npm run bench`: a small fake of OpenAI Chat Completions (POST /v1/chat/completions)
// in the real wire format (/work/shared/providers/WIRE.md §1). A plain call gets one
// `chat.completion`; a streamed one gets the role chunk, 20 content chunks, the finish chunk, the usage
// chunk (when `stream_options.include_usage` is set) and `data: [DONE]`. Each frame is its own write,
// in its own turn of the event loop, so frames arrive as separate chunks as they do from OpenAI; there
// is no delay between them unless `--frame-delay-ms` asks for one. Nothing is recorded (bounded memory).
//   node scripts/bench/fake-openai.ts [--frame-delay-ms 0]   → prints {"url": "http://127.0.0.1:<port>"}
import { randomBytes, randomInt } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";

/** ~20 tokens of a realistic answer, one token per delta. */
const DELTAS = [
  "Hello",
  "!",
  " How",
  " can",
  " I",
  " help",
  " you",
  " today",
  "?",
  " I",
  " can",
  " answer",
  " questions",
  ",",
  " draft",
  " text",
  " or",
  " review",
  " code",
  ".",
];
const USAGE = {
  prompt_tokens: 31,
  completion_tokens: DELTAS.length,
  total_tokens: 31 + DELTAS.length,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
};
const SNAPSHOTS: Record<string, string> = { "gpt-4o-mini": "gpt-4o-mini-2024-07-18", "gpt-4o": "gpt-4o-2024-08-06" };

const completionId = () => `chatcmpl-${randomBytes(24).toString("base64url").slice(0, 29)}`;
const obfuscation = () => randomBytes(12).toString("base64url").slice(0, randomInt(2, 16));

interface ChatBody {
  model?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown } | null;
}

function plainAnswer(model: string): string {
  return JSON.stringify({
    id: completionId(),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: DELTAS.join(""), refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: USAGE,
    service_tier: "default",
    system_fingerprint: "fp_560af6e559",
  });
}

function streamFrames(model: string, includeUsage: boolean): string[] {
  const head = {
    id: completionId(),
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model,
    service_tier: "default",
    system_fingerprint: "fp_560af6e559",
  };
  const usage = includeUsage ? { usage: null } : {};
  const chunk = (delta: object, finish: string | null) =>
    JSON.stringify({
      ...head,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...usage,
      obfuscation: obfuscation(),
    });
  const frames = [chunk({ role: "assistant", content: "", refusal: null }, null)];
  for (const content of DELTAS) frames.push(chunk({ content }, null));
  frames.push(chunk({}, "stop"));
  if (includeUsage) frames.push(JSON.stringify({ ...head, choices: [], usage: USAGE, obfuscation: obfuscation() }));
  frames.push("[DONE]");
  return frames.map((data) => `data: ${data}\n\n`);
}

const nextTurn = (delayMs: number) =>
  new Promise<void>((resolve) => (delayMs > 0 ? setTimeout(resolve, delayMs) : setImmediate(resolve)));

async function answer(req: IncomingMessage, res: ServerResponse, frameDelayMs: number): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const requestId = `req_${randomBytes(16).toString("hex")}`;
  if (req.method !== "POST" || req.url?.split("?")[0] !== "/v1/chat/completions") {
    res.writeHead(404, { "content-type": "application/json", "x-request-id": requestId });
    res.end(
      JSON.stringify({ error: { message: "Not found", type: "invalid_request_error", param: null, code: null } }),
    );
    return;
  }
  let body: ChatBody;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatBody;
  } catch {
    res.writeHead(400, { "content-type": "application/json", "x-request-id": requestId });
    res.end(JSON.stringify({ error: { message: "Bad JSON", type: "invalid_request_error", param: null, code: null } }));
    return;
  }
  const requested = typeof body.model === "string" ? body.model : "gpt-4o-mini";
  const model = SNAPSHOTS[requested] ?? requested;
  const headers = { "x-request-id": requestId, "openai-processing-ms": "0", "openai-version": "2020-10-01" };
  if (body.stream !== true) {
    res.writeHead(200, { ...headers, "content-type": "application/json" });
    res.end(plainAnswer(model));
    return;
  }
  res.writeHead(200, { ...headers, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  res.flushHeaders();
  for (const frame of streamFrames(model, body.stream_options?.include_usage === true)) {
    await nextTurn(frameDelayMs);
    if (res.destroyed) return;
    res.write(frame);
  }
  res.end();
}

export interface BenchUpstream {
  /** Origin, e.g. `http://127.0.0.1:41234`; the OpenAI base URL is this plus `/v1`. */
  url: string;
  close(): Promise<void>;
}

/** Starts the fake on 127.0.0.1 (a free port unless one is given). */
export async function startBenchUpstream(options: { port?: number; frameDelayMs?: number } = {}) {
  const frameDelayMs = options.frameDelayMs ?? 0;
  const server: Server = createServer((req, res) => {
    answer(req, res, frameDelayMs).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  } satisfies BenchUpstream;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf("--frame-delay-ms");
  const frameDelayMs = at > 0 ? Number(process.argv[at + 1]) : 0;
  const upstream = await startBenchUpstream({ frameDelayMs: Number.isFinite(frameDelayMs) ? frameDelayMs : 0 });
  console.log(JSON.stringify({ url: upstream.url }));
  const stop = () => void upstream.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // The bench talks to this process over stdin: when the bench dies, stdin closes and so does this.
  process.stdin.on("end", stop);
  process.stdin.resume();
}
