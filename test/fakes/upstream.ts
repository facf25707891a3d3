// One fake upstream for every provider: it replays the recorded fixtures in test/fixtures/<provider>/
// on the provider's real wire format, so a new provider or case adds files, not server code. Node only
// (vitest globalSetup, node tests, scripts), never inside workerd.
//
// test/fixtures/<provider>/provider.json describes the routes, auth and SSE framing. A request picks
// its answer with directives anywhere in its raw body (see directives.ts):
//   [[scenario:<case>]]                    <case>.json | .chunks.txt | .raw | .bin (+ .headers.json)
//   [[scenario:error:<status>[:<variant>]]] errors/<status>[-<variant>].json, answered with <status>
//   [[delay:<ms>]] [[slow-first-byte:<ms>]] [[repeat:<i>:<n>]] [[parts:<n>]]
//   [[stall-after:<k>]] [[reset-after:<k>]] [[error-mid-stream:<k>]]
// Texts are templated ({{model}}, {{key}}, {{key_masked}}). GET /__fake/requests?marker=<text> lists
// the recorded requests whose raw body contains the marker.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type Cut, DirectiveError, expandRepeats, parseDirectives } from "./directives.ts";
import {
  type CaseFiles,
  capUsage,
  FIXTURES_ROOT,
  fillTemplate,
  loadDescriptor,
  matchRoute,
  presentedKey,
  providerDir,
  readCase,
  requestedLimit,
  type SseEvent,
  sseEvents,
  sseFrame,
  type TemplateVars,
} from "./fixtures.ts";
import { findRequests, type RecordedRequest, recordRequest } from "./recorder.ts";

export { findRequests, type RecordedRequest };

export interface FakeUpstream {
  /** The origin, no path, e.g. `http://127.0.0.1:41234`. */
  url: string;
  requests: RecordedRequest[];
  /** Stops the server; stalled answers end without being marked aborted. */
  close(): Promise<void>;
}

export interface FakeUpstreamOptions {
  port?: number;
  /** The folder holding `<provider>/provider.json` and its cases (default test/fixtures). */
  fixturesRoot?: string;
  /**
   * How long an idle keep-alive connection stays open (Node's default: 5 s). Under load, set it past
   * the client's own idle pool timeout, so the client closes first: a request written on a connection
   * the server closes at that moment fails with nothing received (npm run load sets 60 s).
   */
  keepAliveTimeoutMs?: number;
}

/** The fake's own complaints (no route, no fixture, a bad directive): plain text, also logged. */
const complain = (res: ServerResponse, status: number, message: string) => {
  console.warn(message);
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(`${message}\n`);
};

export async function startFakeUpstream(provider: string, options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const root = options.fixturesRoot ?? FIXTURES_ROOT;
  const descriptor = loadDescriptor(provider, root);
  const dir = providerDir(provider, root);
  const label = `fake-upstream(${provider})`;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<{ timer: ReturnType<typeof setTimeout>; resolve: () => void }>();
  let closing = false;

  /** Resolves after `ms`, or at once when the server closes. */
  const sleep = (ms: number): Promise<void> =>
    closing
      ? Promise.resolve()
      : new Promise((resolve) => {
          const entry = {
            resolve,
            timer: setTimeout(() => {
              timers.delete(entry);
              resolve();
            }, ms),
          };
          timers.add(entry);
        });

  const server = createServer({ noDelay: true }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!(err instanceof DirectiveError)) console.error(`${label}: handler failed`, err);
      if (res.headersSent) res.destroy();
      else complain(res, 501, `${label}: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  if (options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    if (req.method === "GET" && url.pathname === "/__fake/requests") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(findRequests(requests, url.searchParams.get("marker") ?? "")));
      return;
    }
    const recorded = await recordRequest(requests, req, res, () => closing);
    if (!recorded) return; // the client went away while sending the body
    const { record } = recorded;

    const matched = matchRoute(descriptor, record.method, url.pathname);
    if (!matched) return complain(res, 404, `${label}: no route for ${record.method} ${url.pathname}`);
    const directives = parseDirectives(record.rawBody);
    if (directives.slowFirstByteMs > 0) await sleep(directives.slowFirstByteMs);
    if (res.destroyed || closing) return;

    const key = presentedKey(descriptor, req.headers, url);
    const bodyModel = (record.body as { model?: unknown } | null)?.model;
    const vars: TemplateVars = {
      model: typeof bodyModel === "string" ? bodyModel : (matched.groups.model ?? ""),
      key: key ?? "",
    };
    // Usage never over the request's output limit, as the provider would report it.
    const limit = requestedLimit(descriptor.outputCap, record.body);
    const capped = (text: string) =>
      descriptor.outputCap && limit !== undefined ? capUsage(text, descriptor.outputCap, limit) : text;
    const { stream } = matched.route;
    const wantsStream =
      stream !== undefined &&
      ("always" in stream || (record.body as Record<string, unknown> | null)?.[stream.bodyField] === true);

    const answerHeaders = (files: CaseFiles, defaults: Record<string, string>): Record<string, string> => ({
      ...descriptor.headers,
      ...(descriptor.requestIdHeader ? { [descriptor.requestIdHeader]: record.requestId } : {}),
      ...defaults,
      ...files.headers,
    });

    /** Plays a case; `status` overrides the one in its `.headers.json`. Faults do not apply to `errors/…`. */
    const play = async (name: string, status?: number, defaultStatus = 200): Promise<void> => {
      const files = readCase(dir, name, wantsStream);
      if (!files) {
        return complain(res, 501, `${label}: no fixture ${name}.{json,chunks.txt,raw,bin} in ${dir}`);
      }
      const code = status ?? files.status ?? defaultStatus;
      const cut = name.startsWith("errors/") ? undefined : directives.cut;
      const { body } = files;
      if (body.kind === "chunks") return playStream(files, body.lines, code, cut);
      if (cut?.kind === "error-mid-stream") return play("errors/500", 500);
      const bytes =
        body.kind === "bin"
          ? body.bytes
          : body.kind === "json"
            ? Buffer.from(capped(fillTemplate(body.text, vars, true)), "utf8")
            : Buffer.from(fillTemplate(body.text, vars, false), "utf8");
      const contentType =
        body.kind === "json"
          ? "application/json"
          : body.kind === "bin"
            ? "application/octet-stream"
            : "text/plain; charset=utf-8";
      res.writeHead(code, answerHeaders(files, { "content-type": contentType }));
      if (directives.parts !== undefined) return playParts(bytes, directives.parts, cut);
      if (cut === undefined) {
        res.end(bytes);
        return;
      }
      // A broken plain answer: the headers and half the body, then silence (or a reset).
      await new Promise<void>((resolve) => res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => resolve()));
      if (cut.kind === "reset-after") breakConnection();
    };

    /** A plain body in `count` parts, `delayMs` apart; a cut after k parts stalls or resets. */
    const playParts = async (bytes: Buffer, count: number, cut: Cut | undefined): Promise<void> => {
      res.flushHeaders();
      const size = Math.ceil(bytes.length / count);
      const parts = Array.from({ length: count }, (_, i) => bytes.subarray(i * size, (i + 1) * size)).filter(
        (part) => part.length > 0,
      );
      for (const [i, part] of parts.slice(0, cut?.after).entries()) {
        if (i > 0) await sleep(directives.delayMs);
        if (res.destroyed || closing) return;
        const ok = await new Promise<boolean>((resolve) => res.write(part, (err) => resolve(!err)));
        if (!ok) return;
      }
      if (cut?.kind === "stall-after") return;
      if (cut?.kind === "reset-after") return breakConnection();
      res.end();
    };

    const writeFrames = async (events: readonly SseEvent[], pauseFirst: boolean): Promise<boolean> => {
      for (const [i, event] of events.entries()) {
        if (i > 0 || pauseFirst) await sleep(directives.delayMs);
        if (res.destroyed || closing) return false;
        const ok = await new Promise<boolean>((resolve) => res.write(sseFrame(event), (err) => resolve(!err)));
        if (!ok) return false;
      }
      return true;
    };

    const playStream = async (files: CaseFiles, lines: string[], code: number, cut: Cut | undefined): Promise<void> => {
      const filled = expandRepeats(lines, directives.repeats).map((line) => capped(fillTemplate(line, vars, true)));
      const events = sseEvents(filled, descriptor.sse, true).slice(0, cut?.after);
      res.writeHead(
        code,
        answerHeaders(files, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" }),
      );
      res.flushHeaders();
      if (!(await writeFrames(events, false))) return;
      if (cut?.kind === "stall-after") return; // nothing more: the socket stays open until someone leaves
      if (cut?.kind === "reset-after") return breakConnection();
      if (cut?.kind === "error-mid-stream") {
        const failure = readCase(dir, "errors/mid-stream", true);
        if (failure?.body.kind !== "chunks") throw new Error(`no errors/mid-stream.chunks.txt in ${dir}`);
        const lines = failure.body.lines.map((line) => fillTemplate(line, vars, true));
        if (!(await writeFrames(sseEvents(lines, descriptor.sse, false), events.length > 0))) return;
      }
      res.end();
    };

    const breakConnection = () => {
      recorded.serverBreaks();
      res.socket?.destroy();
    };

    if (key === undefined) {
      // The provider's own words for a missing key when recorded (errors/missing-key.*, 401 unless its
      // .headers.json says otherwise), else its 401.
      const missing = readCase(dir, "errors/missing-key", false) !== undefined;
      record.case = missing ? "missing-key" : "error:401";
      return missing ? play("errors/missing-key", undefined, 401) : play("errors/401", 401);
    }
    if (directives.error) {
      const { status, variant } = directives.error;
      record.case = `error:${status}${variant ? `:${variant}` : ""}`;
      return play(`errors/${status}${variant ? `-${variant}` : ""}`, status);
    }
    record.case = directives.case ?? matched.route.default;
    return play(record.case);
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
    url: `http://127.0.0.1:${port}`,
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
