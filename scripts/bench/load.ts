// Bounded load for the bench: a fixed number of POSTs at a fixed concurrency over keep-alive
// connections (node:http, lighter on the client's CPU than fetch), timing each answer's first body
// byte and its end. Every request has a timeout and a round has a deadline, so nothing hangs.
import { Agent, request } from "node:http";

export interface Target {
  name: string;
  /** The full URL to POST to. */
  url: string;
  headers: Record<string, string>;
  /** The JSON body for a plain or a streamed call. */
  body(stream: boolean): string;
  agent: Agent;
}

export interface LoadResult {
  /** ms from sending to the end of the answer, one per successful request. */
  totalMs: number[];
  /** ms from sending to the first byte of the answer's body. */
  firstByteMs: number[];
  wallMs: number;
  errors: number;
  /** Up to five error descriptions, for the report. */
  errorSamples: string[];
}

/** A small, realistic chat request: a system prompt and one user turn; streams ask for usage. */
export function chatBody(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    messages: [
      { role: "system", content: "You are a helpful assistant. Answer briefly." },
      { role: "user", content: "Hi! What can you do for me today? One sentence, please." },
    ],
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

export const keepAliveAgent = () => new Agent({ keepAlive: true, maxSockets: 64, keepAliveMsecs: 10_000 });

interface Answer {
  status: number;
  firstByteMs: number;
  totalMs: number;
  /** The last bytes of the body, to check that a stream ended with `data: [DONE]`. */
  tail: string;
}

function post(target: Target, body: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      target.url,
      {
        method: "POST",
        agent: target.agent,
        headers: { ...target.headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let firstByteMs = 0;
        let tail = "";
        res.on("data", (chunk: Buffer) => {
          if (firstByteMs === 0) firstByteMs = performance.now() - started;
          tail = (tail + chunk.toString("latin1")).slice(-64);
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, firstByteMs, totalMs: performance.now() - started, tail }),
        );
        res.on("error", reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * Sends `count` requests, `concurrency` at a time. A request that fails (status, a stream without its
 * `[DONE]`, a timeout) counts as an error; no new request starts after `deadlineMs`.
 */
export async function runLoad(
  target: Target,
  options: { stream: boolean; concurrency: number; count: number; timeoutMs?: number; deadlineMs?: number },
): Promise<LoadResult> {
  const { stream, concurrency, count, timeoutMs = 30_000, deadlineMs = 120_000 } = options;
  const body = target.body(stream);
  const result: LoadResult = { totalMs: [], firstByteMs: [], wallMs: 0, errors: 0, errorSamples: [] };
  const fail = (what: string) => {
    result.errors++;
    if (result.errorSamples.length < 5) result.errorSamples.push(what);
  };
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count && performance.now() - started < deadlineMs) {
      next++;
      try {
        const answer = await post(target, body, timeoutMs);
        if (answer.status !== 200) fail(`${target.name}: status ${answer.status}`);
        else if (stream && !answer.tail.endsWith("data: [DONE]\n\n")) fail(`${target.name}: stream without [DONE]`);
        else {
          result.totalMs.push(answer.totalMs);
          result.firstByteMs.push(answer.firstByteMs);
        }
      } catch (error) {
        fail(`${target.name}: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  result.wallMs = performance.now() - started;
  if (next < count) fail(`${target.name}: round deadline of ${deadlineMs} ms reached after ${next} of ${count}`);
  return result;
}
