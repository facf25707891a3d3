import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the proxy does with a request: pass it on, drop the connection, or never answer. */
export type ProxyMode = "pass" | "refuse" | "hang";

export interface SwitchableProxy {
  url: string;
  mode: ProxyMode;
  close(): void;
}

/** An HTTP proxy in front of `target` (e.g. the local Upstash endpoint) that a test can cut off mid-run. */
export async function switchableProxy(target: () => string): Promise<SwitchableProxy> {
  const state = { mode: "pass" as ProxyMode };
  const server: Server = createServer((req, res) => {
    if (state.mode === "refuse") return req.socket.destroy();
    if (state.mode === "hang") return; // never answers
    const url = new URL(req.url ?? "/", target()).href;
    const upstream = httpRequest(url, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
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
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
