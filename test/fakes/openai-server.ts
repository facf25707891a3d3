// A local fake of OpenAI Chat Completions (`POST /v1/chat/completions`) that speaks the real wire format
// (see /work/shared/providers/WIRE.md, section 1). It runs on vitest's Node side only, never in workerd.
//
// The behaviour is chosen by directives in the text of the LAST message of the request:
//   [[scenario:<name>]]  which answer to give (default `text`, see SCENARIOS below)
//   [[delay:<ms>]]       pause between two stream frames (default 5 ms)
import { randomBytes, randomInt } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";

export interface RecordedRequest {
  method: string;
  /** Path including the query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Header names lowercased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The parsed JSON body, or null when it was empty or not JSON. */
  body: unknown;
  /** The body as received. */
  rawBody: string;
  /** Arrival time, ms since the epoch. */
  at: number;
  /** True when the client went away before the response was complete. */
  aborted: boolean;
  /** The scenario that was played (`text` when none was asked for); null when the request was rejected first. */
  scenario: string | null;
  /** The `x-request-id` this fake answered with. */
  requestId: string;
}

export interface FakeOpenAI {
  /** Base URL to hand to clients, e.g. `http://127.0.0.1:41234/v1`. */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface FakeOpenAIOptions {
  port?: number;
}

/** The scenario names this fake understands (the part before the first `:`). */
export const SCENARIOS = [
  "text",
  "tool-call",
  "reasoning",
  "long",
  "error",
  "slow-first-byte",
  "stall-after",
  "reset-after",
  "error-mid-stream",
  "bad-json",
  "bad-json-stream",
  "max-tokens-echo",
] as const;

export const WRONG_KEY = "sk-fake-wrong";
const DEFAULT_DELAY_MS = 5;

type Json = Record<string, unknown>;
type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

// ---------------------------------------------------------------------------------------------
// Fixtures

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "openai");

interface Fixture {
  json: Json;
  chunks: Json[];
}

function readJson(file: string): Json {
  return JSON.parse(readFileSync(join(FIXTURES, file), "utf8")) as Json;
}

function readChunks(file: string): Json[] {
  return readFileSync(join(FIXTURES, file), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Json);
}

function loadFixture(name: string): Fixture {
  return { json: readJson(`${name}.json`), chunks: readChunks(`${name}.chunks.txt`) };
}

function loadErrors(): Map<string, ErrorBody> {
  const out = new Map<string, ErrorBody>();
  for (const file of readdirSync(join(FIXTURES, "errors"))) {
    if (file.endsWith(".json")) out.set(file.slice(0, -".json".length), readJson(join("errors", file)) as ErrorBody);
  }
  return out;
}

const clone = <T>(value: T): T => structuredClone(value);

// ---------------------------------------------------------------------------------------------
// Recorded-request lookup

function containsMarker(value: unknown, marker: string): boolean {
  if (typeof value === "string") return value.includes(marker);
  if (Array.isArray(value)) return value.some((item) => containsMarker(item, marker));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).some(([key, item]) => key.includes(marker) || containsMarker(item, marker));
  }
  return value !== null && value !== undefined && String(value).includes(marker);
}

/** All recorded requests whose JSON body contains `marker` anywhere (in any string, key or number). */
export function findRequests(requests: readonly RecordedRequest[], marker: string): RecordedRequest[] {
  return requests.filter((r) => r.body !== null && containsMarker(r.body, marker));
}

/** The first recorded request whose JSON body contains `marker` anywhere, or undefined. */
export function findRequest(requests: readonly RecordedRequest[], marker: string): RecordedRequest | undefined {
  return findRequests(requests, marker)[0];
}

// ---------------------------------------------------------------------------------------------
// Directives

/** The text of the last message: a string content, or the `text` parts of an array content joined by "\n". */
export function lastMessageText(body: unknown): string {
  if (body === null || typeof body !== "object") return "";
  const messages = (body as Json).messages;
  if (!Array.isArray(messages) || messages.length === 0) return "";
  const last = messages[messages.length - 1] as Json | null;
  const content = last && typeof last === "object" ? last.content : undefined;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((part): part is Json => part !== null && typeof part === "object" && typeof part.text === "string")
    .map((part) => part.text as string)
    .join("\n");
}

export function parseDirectives(text: string): { scenario: string; arg: string | undefined; delayMs: number } {
  const scenarioMatch = /\[\[scenario:([^\]]+)\]\]/.exec(text);
  const full = scenarioMatch?.[1]?.trim() ?? "text";
  const colon = full.indexOf(":");
  const scenario = colon === -1 ? full : full.slice(0, colon);
  const arg = colon === -1 ? undefined : full.slice(colon + 1);
  const delayMatch = /\[\[delay:(\d+)\]\]/.exec(text);
  const delayMs = delayMatch?.[1] !== undefined ? Number(delayMatch[1]) : DEFAULT_DELAY_MS;
  return { scenario, arg, delayMs };
}

// ---------------------------------------------------------------------------------------------
// Building answers

const OBFUSCATION_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
function obfuscation(): string {
  const n = randomInt(2, 16);
  let out = "";
  for (let i = 0; i < n; i++) out += OBFUSCATION_ALPHABET[randomInt(OBFUSCATION_ALPHABET.length)];
  return out;
}

function makeUsage(prompt: number, completion: number, cached = 0, reasoning = 0): Json {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/**
 * The model string to answer with: the fixture's dated snapshot when the request named its alias
 * (`gpt-4o-mini` → `gpt-4o-mini-2024-07-18`), otherwise whatever the request asked for.
 */
function answerModel(requested: unknown, fixtureModel: unknown): string {
  const fixture = typeof fixtureModel === "string" ? fixtureModel : "gpt-4o-mini-2024-07-18";
  if (typeof requested !== "string" || requested === "") return fixture;
  if (fixture === requested || fixture.startsWith(`${requested}-`)) return fixture;
  return requested;
}

/** A text answer (JSON and chunks) built on the `text` fixture's ids, with the given content deltas and usage. */
function textAnswer(base: Fixture, deltas: string[], usage: Json): Fixture {
  const json = clone(base.json);
  const choice = (json.choices as Json[])[0] as Json;
  (choice.message as Json).content = deltas.join("");
  json.usage = usage;
  const first = base.chunks[0] as Json;
  const last = base.chunks[base.chunks.length - 1] as Json;
  const template = clone(first);
  const chunks: Json[] = [clone(first)];
  for (const content of deltas) {
    chunks.push({
      ...template,
      choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }],
      usage: null,
      obfuscation: obfuscation(),
    });
  }
  chunks.push(clone(last));
  return { json, chunks };
}

function usageChunk(last: Json, usage: Json): Json {
  return {
    id: last.id,
    object: "chat.completion.chunk",
    created: last.created,
    model: last.model,
    service_tier: last.service_tier,
    system_fingerprint: last.system_fingerprint,
    choices: [],
    usage,
    obfuscation: obfuscation(),
  };
}

function maskKey(key: string): string {
  if (key.length <= 8) return "*".repeat(key.length);
  return `${key.slice(0, 3)}${"*".repeat(key.length - 7)}${key.slice(-4)}`;
}

function genericError(status: number): ErrorBody {
  return {
    error: {
      message:
        status >= 500 ? "The server had an error while processing your request. Sorry about that!" : `Error ${status}`,
      type: status >= 500 ? "server_error" : "invalid_request_error",
      param: null,
      code: null,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Server

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const fixtures = {
    text: loadFixture("text"),
    "tool-call": loadFixture("tool-call"),
    reasoning: loadFixture("reasoning"),
  };
  const errors = loadErrors();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<{ timer: ReturnType<typeof setTimeout>; resolve: () => void }>();
  let closing = false;

  /** Resolves after `ms`, or at once when the server closes. */
  function sleep(ms: number): Promise<void> {
    if (closing) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        resolve,
        timer: setTimeout(() => {
          timers.delete(entry);
          resolve();
        }, ms),
      };
      timers.add(entry);
    });
  }

  const server = createServer({ noDelay: true }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error("fake-openai: handler failed", err);
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify(errors.get("500") ?? genericError(500)));
      } else {
        res.destroy();
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Test inspection (not part of OpenAI's API): GET /__fake/requests?marker=<text> lists the
    // recorded requests whose body contains the marker, so workerd tests can see what reached upstream.
    if (req.method === "GET" && req.url?.startsWith("/__fake/requests")) {
      const marker = new URL(req.url, "http://fake").searchParams.get("marker") ?? "";
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(findRequests(requests, marker)));
      return;
    }
    const started = Date.now();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
    }
    const record: RecordedRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers,
      body: null,
      rawBody: "",
      at: started,
      aborted: false,
      scenario: null,
      requestId: `req_${randomBytes(16).toString("hex")}`,
    };
    requests.push(record);

    // Set when this server (not the client) breaks the connection, so it is not counted as a client abort.
    let serverBroke = false;
    const onClose = () => {
      if (!res.writableEnded && !serverBroke && !closing) record.aborted = true;
    };
    req.on("close", () => {
      if (!req.complete) onClose();
    });
    res.on("close", onClose);

    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the client went away while sending the body
    }
    record.rawBody = Buffer.concat(chunks).toString("utf8");
    let parsed: unknown = null;
    let parseFailed = false;
    if (record.rawBody !== "") {
      try {
        parsed = JSON.parse(record.rawBody);
      } catch {
        parseFailed = true;
      }
    }
    record.body = parsed;

    const responseHeaders = (extra: Record<string, string> = {}): Record<string, string> => ({
      "x-request-id": record.requestId,
      "openai-version": "2020-10-01",
      "openai-organization": "user-fake0rg0000000000000000",
      "openai-processing-ms": String(Date.now() - started),
      "x-ratelimit-limit-requests": "60",
      "x-ratelimit-limit-tokens": "150000",
      "x-ratelimit-remaining-requests": "59",
      "x-ratelimit-remaining-tokens": "149984",
      "x-ratelimit-reset-requests": "1s",
      "x-ratelimit-reset-tokens": "6m0s",
      ...extra,
    });

    const sendJson = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      if (res.destroyed) return;
      res.writeHead(status, responseHeaders({ "content-type": "application/json", ...extra }));
      res.end(JSON.stringify(body, null, 2));
    };
    const sendError = (status: number, body: ErrorBody, extra: Record<string, string> = {}) =>
      sendJson(status, body, extra);

    const pathname = record.path.split("?")[0];
    if (record.method !== "POST" || pathname !== "/v1/chat/completions") {
      sendError(404, {
        error: {
          message: `Invalid URL (${record.method} ${pathname})`,
          type: "invalid_request_error",
          param: null,
          code: null,
        },
      });
      return;
    }

    const auth = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? "");
    const key = auth?.[1];
    if (key === undefined) {
      sendError(401, {
        error: {
          message:
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (i.e. username: YOUR_KEY, password: ...). You can obtain an API key from https://platform.openai.com/account/api-keys.",
          type: "invalid_request_error",
          param: null,
          code: null,
        },
      });
      return;
    }
    if (key === WRONG_KEY) {
      sendError(401, invalidKeyBody(key));
      return;
    }

    if (parseFailed || parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      sendError(400, {
        error: {
          message:
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
          type: "invalid_request_error",
          param: null,
          code: null,
        },
      });
      return;
    }
    const body = parsed as Json;
    if (typeof body.model !== "string" || body.model === "") {
      sendError(400, {
        error: {
          message: "you must provide a model parameter",
          type: "invalid_request_error",
          param: null,
          code: null,
        },
      });
      return;
    }
    if (!Array.isArray(body.messages)) {
      sendError(400, {
        error: {
          message: "Missing required parameter: 'messages'.",
          type: "invalid_request_error",
          param: "messages",
          code: "missing_required_parameter",
        },
      });
      return;
    }

    const { scenario, arg, delayMs } = parseDirectives(lastMessageText(body));
    record.scenario = arg === undefined ? scenario : `${scenario}:${arg}`;
    const stream = body.stream === true;
    const streamOptions = (body.stream_options ?? {}) as Json;
    const includeUsage = streamOptions.include_usage === true;
    const includeObfuscation = streamOptions.include_obfuscation !== false;
    const intArg = (fallback: number) => {
      const n = Number.parseInt(arg ?? "", 10);
      return Number.isFinite(n) && n >= 0 ? n : fallback;
    };

    // Rewrites the model and drops the fields the request switched off.
    const shape = (chunk: Json, model: string): Json => {
      const out: Json = { ...chunk, model };
      if (!includeUsage) delete out.usage;
      if (!includeObfuscation) delete out.obfuscation;
      return out;
    };

    const writeFrame = (data: string): Promise<boolean> =>
      new Promise((resolve) => {
        if (res.destroyed || closing) return resolve(false);
        res.write(`data: ${data}\n\n`, (err) => resolve(!err));
      });

    const startStream = () => {
      res.writeHead(
        200,
        responseHeaders({
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache, must-revalidate",
        }),
      );
      res.flushHeaders();
    };

    /**
     * Streams an answer. `stopAfter` (content chunks, not counting the role chunk) cuts it short and returns
     * false; otherwise the finish chunk, the usage chunk (only with include_usage) and [DONE] follow.
     */
    const playStream = async (answer: Fixture, stopAfter?: number): Promise<boolean> => {
      const model = answerModel(body.model, answer.chunks[0]?.model);
      startStream();
      const frames = answer.chunks;
      let content = 0;
      for (let i = 0; i < frames.length; i++) {
        const frame = frames[i] as Json;
        const isContent = i > 0 && i < frames.length - 1;
        if (stopAfter !== undefined && isContent && content >= stopAfter) return false;
        if (i > 0) await sleep(delayMs);
        if (!(await writeFrame(JSON.stringify(shape(frame, model))))) return false;
        if (isContent) content++;
      }
      if (includeUsage) {
        await sleep(delayMs);
        const last = frames[frames.length - 1] as Json;
        const usage = answer.json.usage as Json;
        if (!(await writeFrame(JSON.stringify(shape(usageChunk(last, usage), model))))) return false;
      }
      await sleep(delayMs);
      if (!(await writeFrame("[DONE]"))) return false;
      res.end();
      return true;
    };

    const playJson = (answer: Fixture) => {
      const json = clone(answer.json);
      json.model = answerModel(body.model, json.model);
      sendJson(200, json);
    };

    const play = async (answer: Fixture) => {
      if (stream) await playStream(answer);
      else playJson(answer);
    };

    /** Non-stream variant of the broken scenarios: headers and the first half of the JSON body. */
    const writeHalfJson = (answer: Fixture): Promise<void> => {
      const json = clone(answer.json);
      json.model = answerModel(body.model, json.model);
      const text = JSON.stringify(json, null, 2);
      res.writeHead(200, responseHeaders({ "content-type": "application/json" }));
      return new Promise((resolve) => res.write(text.slice(0, Math.floor(text.length / 2)), () => resolve()));
    };

    const tokens = (n: number) =>
      textAnswer(
        fixtures.text,
        Array.from({ length: n }, () => "token "),
        makeUsage(16, n),
      );

    switch (scenario) {
      case "text":
      case "tool-call":
      case "reasoning":
        await play(fixtures[scenario]);
        return;

      case "long":
        await play(tokens(intArg(100)));
        return;

      case "max-tokens-echo": {
        const echo = JSON.stringify({
          max_tokens: body.max_tokens ?? null,
          max_completion_tokens: body.max_completion_tokens ?? null,
        });
        await play(textAnswer(fixtures.text, [echo], fixtures.text.json.usage as Json));
        return;
      }

      case "slow-first-byte":
        await sleep(intArg(1000));
        if (res.destroyed || closing) return;
        await play(fixtures.text);
        return;

      case "error": {
        const [statusText, variant] = (arg ?? "500").split(":");
        const status = Number.parseInt(statusText ?? "500", 10) || 500;
        const found = errors.get(variant ? `${status}-${variant}` : String(status));
        let errorBody = found ? clone(found) : genericError(status);
        if (status === 401 && !variant) errorBody = invalidKeyBody(key);
        if (status === 404 && !variant) {
          errorBody.error.message = errorBody.error.message.replace("`gpt-4o`", `\`${body.model}\``);
        }
        if (status === 429 && !variant) {
          errorBody.error.message = errorBody.error.message.replace("for gpt-4o in", `for ${body.model} in`);
        }
        const extra: Record<string, string> =
          status === 429
            ? {
                "retry-after": "7",
                "retry-after-ms": "7000",
                "x-ratelimit-remaining-requests": "59",
                "x-ratelimit-remaining-tokens": "0",
                "x-ratelimit-reset-tokens": "7s",
              }
            : {};
        sendError(status, errorBody, extra);
        return;
      }

      case "stall-after": {
        const k = intArg(1);
        if (stream) await playStream(tokens(k + 1000), k);
        else await writeHalfJson(fixtures.text);
        // Write nothing more: the socket stays open until the client leaves or the server closes.
        return;
      }

      case "reset-after": {
        const k = intArg(1);
        if (stream) await playStream(tokens(k + 1000), k);
        else await writeHalfJson(fixtures.text);
        serverBroke = true;
        res.socket?.destroy();
        return;
      }

      case "error-mid-stream": {
        const k = intArg(1);
        const body500 = errors.get("500") ?? genericError(500);
        if (!stream) {
          sendError(500, body500);
          return;
        }
        if ((await playStream(tokens(k + 1000), k)) || res.destroyed) return;
        await sleep(delayMs);
        await writeFrame(JSON.stringify(body500));
        res.end();
        return;
      }

      case "bad-json":
        res.writeHead(200, responseHeaders({ "content-type": "application/json" }));
        res.end('{"id":"chatcmpl-DoipGg8zFPZqZ6IyecRaa7ivEE1S6","object":"chat.completion","created":17639680<html>');
        return;

      case "bad-json-stream": {
        if (!stream) {
          res.writeHead(200, responseHeaders({ "content-type": "application/json" }));
          res.end("<html><body>502 Bad Gateway</body></html>");
          return;
        }
        const model = answerModel(body.model, fixtures.text.chunks[0]?.model);
        startStream();
        await writeFrame(JSON.stringify(shape(fixtures.text.chunks[0] as Json, model)));
        await sleep(delayMs);
        await writeFrame(
          '{"id":"chatcmpl-broken","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"con',
        );
        await sleep(delayMs);
        await writeFrame("[DONE]");
        res.end();
        return;
      }

      default:
        sendError(400, {
          error: {
            message: `fake-openai: unknown scenario "${scenario}" (known: ${SCENARIOS.join(", ")})`,
            type: "invalid_request_error",
            param: "messages",
            code: null,
          },
        });
    }
  }

  function invalidKeyBody(key: string): ErrorBody {
    const body = clone(errors.get("401") ?? genericError(401));
    body.error.message = body.error.message.replace("sk-…abcd", maskKey(key));
    return body;
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: async () => {
      if (closing) return;
      closing = true;
      for (const entry of timers) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
