import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

/**
 * What the proxy does with a request: pass it on, drop the connection, never answer, pass it on but
 * hold its answer back for `SLOW_ANSWER_MS` (`slow`: the store did the work, the client gave up), answer as
 * Upstash does when it cannot serve (`error`: HTTP 503 `{"error": ...}`), or answer as Upstash does
 * for commands that fail inside Redis (`fault`: a pipeline's 200 with an `{"error"}` item per command).
 */
export type ProxyMode = "pass" | "refuse" | "hang" | "slow" | "error" | "fault";

/** How long a `slow` answer is held back: past the store client's timeout (600 ms, src/services.ts). */
export const SLOW_ANSWER_MS = 1_000;

/** A fault for some requests only: those whose body `match`es, after `skip` of them passed, `times` of them. */
export interface ProxyRule {
  mode: Exclude<ProxyMode, "pass">;
  /** Which requests (by their raw body, e.g. an EVALSHA of one script on one account); all when absent. */
  match?: (body: string) => boolean;
  /** Matching requests let through before the fault starts (default 0). */
  skip?: number;
  /** Matching requests faulted before the rule lets them through again (default: all). */
  times?: number;
}

export interface ActiveRule {
  /** Matching requests seen so far (passed or faulted). */
  readonly seen: number;
  /** Matching requests faulted so far. */
  readonly hits: number;
  /** Ends the rule: the store is back. */
  clear(): void;
}

export interface SwitchableProxy {
  url: string;
  /** The fault for every request (rules apply first). */
  mode: ProxyMode;
  /** Adds a fault for the requests a rule picks; clear it to let them through again. */
  fail(rule: ProxyRule): ActiveRule;
  /** Ends every rule. */
  clearRules(): void;
  close(): void;
}

function faultAnswer(mode: ProxyMode, req: IncomingMessage, body: string, res: ServerResponse): void {
  switch (mode) {
    case "refuse":
      req.socket.destroy();
      return;
    case "hang":
    case "slow": // handled by passing the request on
      return; // never answers
    case "error":
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "Service Unavailable: the database cannot serve right now" }));
      return;
    case "fault": {
      // Upstash answers a pipeline 200 with one item per command, and a single command 400.
      const error = { error: "ERR injected fault: the script failed" };
      let commands = 1;
      try {
        const parsed = JSON.parse(body) as unknown;
        if (Array.isArray(parsed) && Array.isArray(parsed[0])) commands = parsed.length;
      } catch {
        // not JSON: one error
      }
      const pipeline = (req.url ?? "").startsWith("/pipeline") || (req.url ?? "").startsWith("/multi-exec");
      res.writeHead(pipeline ? 200 : 400, { "content-type": "application/json" });
      res.end(JSON.stringify(pipeline ? Array.from({ length: commands }, () => error) : error));
      return;
    }
  }
}

/**
 * An HTTP proxy in front of `target` (the local Upstash endpoint, a fake provider) that a test can cut
 * off mid-run, for every request or for the requests a rule picks.
 */
export async function switchableProxy(target: () => string): Promise<SwitchableProxy> {
  const state = { mode: "pass" as ProxyMode };
  const rules = new Set<ProxyRule & { seen: number; hits: number }>();

  const pass = async (req: IncomingMessage, body: Buffer, res: ServerResponse, slow = false) => {
    const url = new URL(req.url ?? "/", target()).href;
    const upstream = httpRequest(url, { method: req.method, headers: req.headers }, async (answer) => {
      if (slow) await new Promise((resolve) => setTimeout(resolve, SLOW_ANSWER_MS));
      if (res.destroyed) return answer.resume();
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      res.flushHeaders();
      // A target that breaks its answer off breaks this one off too, as a reset would.
      answer.on("aborted", () => res.destroy());
      answer.on("error", () => res.destroy());
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    // A client that goes away drops the request to the target too, unless the target is slow: it has it.
    res.on("close", () => {
      if (!res.writableFinished && !slow) upstream.destroy();
    });
    upstream.end(body);
  };

  const server: Server = createServer((req, res) => {
    if (state.mode === "refuse") return req.socket.destroy();
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("error", () => res.destroy());
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const text = body.toString("utf8");
      for (const rule of rules) {
        if (rule.match && !rule.match(text)) continue;
        rule.seen++;
        const skipped = rule.seen <= (rule.skip ?? 0);
        const spent = rule.times !== undefined && rule.hits >= rule.times;
        if (skipped || spent) continue;
        rule.hits++;
        if (rule.mode === "slow") return void pass(req, body, res, true);
        return faultAnswer(rule.mode, req, text, res);
      }
      if (state.mode === "slow") return void pass(req, body, res, true);
      if (state.mode !== "pass") return faultAnswer(state.mode, req, text, res);
      void pass(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get mode() {
      return state.mode;
    },
    set mode(next: ProxyMode) {
      state.mode = next;
    },
    fail(rule) {
      const active = { ...rule, seen: 0, hits: 0 };
      rules.add(active);
      return {
        get seen() {
          return active.seen;
        },
        get hits() {
          return active.hits;
        },
        clear: () => rules.delete(active),
      };
    },
    clearRules() {
      rules.clear();
    },
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
