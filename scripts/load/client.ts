// One call of `npm run load` over node:http (keep-alive, lighter than fetch), with the client's
// behaviour the plan asks for: read the answer whole, leave after the first chunk of a stream, or
// leave before the answer's headers. Every call has a timeout, so nothing hangs.
import { type Agent, request } from "node:http";
import type { PlannedCall } from "./plan.ts";

export interface Outcome {
  call: PlannedCall;
  /** HTTP status; 0 when the client left before the headers or the request failed. */
  status: number;
  /** The error code of an error answer, or of a stream's final error frame. */
  code: string | null;
  /** Its message. */
  message: string | null;
  /** x-credits-charged of a plain answer, in µcr. */
  chargedMicros: number | null;
  /** The stream ended with `data: [DONE]`. */
  done: boolean;
  /** The client aborted the call (leave-mid after its first chunk, leave-early before the headers). */
  left: "mid" | "early" | null;
  /** A transport failure or timeout the plan did not ask for. */
  failure: string | null;
  ms: number;
}

function micros(credits: string | undefined): number | null {
  if (credits === undefined) return null;
  const value = Math.round(Number(credits) * 1_000_000);
  return Number.isSafeInteger(value) ? value : null;
}

function readError(text: string): { code: string | null; message: string | null } {
  try {
    const error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    return {
      code: typeof error?.code === "string" ? error.code : null,
      message: typeof error?.message === "string" ? error.message : null,
    };
  } catch {
    return { code: null, message: null };
  }
}

/** The error of a stream's final `data: {"error": …}` frame, if it ended with one. */
function streamError(tail: string): { code: string | null; message: string | null } {
  const frames = tail.split("\n\n").filter((frame) => frame.startsWith("data: "));
  const last = frames.at(-1);
  return last ? readError(last.slice(6)) : { code: null, message: null };
}

export function send(
  url: string,
  apiKey: string,
  call: PlannedCall,
  agent: Agent,
  timeoutMs: number,
): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const outcome: Outcome = {
      call,
      status: 0,
      code: null,
      message: null,
      chargedMicros: null,
      done: false,
      left: null,
      failure: null,
      ms: 0,
    };
    let settled = false;
    const finish = (failure: string | null = null) => {
      if (settled) return;
      settled = true;
      clearTimeout(leaveTimer);
      outcome.failure = failure;
      outcome.ms = performance.now() - started;
      resolve(outcome);
    };
    const req = request(`${url}/v1/chat/completions`, {
      method: "POST",
      agent,
      headers: {
        authorization: `Bearer ${apiKey}`,
        "content-type": "application/json",
        "content-length": Buffer.byteLength(call.body),
        "x-request-id": call.requestId,
      },
    });
    const leave = (when: "mid" | "early") => {
      outcome.left = when;
      req.destroy();
      finish();
    };
    const leaveTimer = call.fate === "leave-early" ? setTimeout(() => leave("early"), call.leaveAfterMs) : undefined;
    req.on("response", (res) => {
      if (settled) return;
      // The answer came before the client left: it reads it like any other.
      clearTimeout(leaveTimer);
      outcome.status = res.statusCode ?? 0;
      outcome.chargedMicros = micros(res.headers["x-credits-charged"] as string | undefined);
      let text = "";
      res.on("data", (chunk: Buffer) => {
        if (call.fate === "leave-mid" && outcome.status === 200) return leave("mid");
        text += chunk.toString("utf8");
        // Streams are only inspected at their end: keep the last frames.
        if (text.length > 64_000) text = text.slice(-16_000);
      });
      res.on("end", () => {
        if (settled) return;
        const isStream = (res.headers["content-type"] ?? "").startsWith("text/event-stream");
        if (isStream) {
          outcome.done = text.endsWith("data: [DONE]\n\n");
          if (!outcome.done) Object.assign(outcome, streamError(text));
        } else if (outcome.status !== 200) {
          Object.assign(outcome, readError(text));
        }
        finish();
      });
      res.on("error", (error) => finish(`answer broke: ${error.message}`));
      // After "end" this changes nothing; before it, the answer was cut off.
      res.on("close", () => finish("the connection closed before the answer ended"));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (error) => finish(error.message));
    req.on("close", () => {
      if (outcome.status === 0) finish("the connection closed without an answer");
    });
    req.end(call.body);
  });
}
