import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { bearer, newAccount } from "../helpers/gateway.ts";
import { probeApp } from "../helpers/probe-app.ts";

const app = probeApp();

/** A body that sends part of its bytes, then fails the way a dropped connection does. */
function brokenBody(): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) return controller.error(new Error("Network connection lost."));
      sent = true;
      controller.enqueue(new TextEncoder().encode('{"model":"openai/gpt-4o-mini","messages":[{"role":"us'));
    },
  });
}

function captureConsole() {
  const lines: { level: string; entry: Record<string, unknown> }[] = [];
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push({ level, entry: JSON.parse(args.map(String).join(" ")) });
    });
  }
  return lines;
}

const send = (path: string, headers: Record<string, string>) =>
  app.request(
    `http://gateway.test${path}`,
    {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: brokenBody(),
      duplex: "half",
    } as RequestInit,
    env,
  );

afterEach(() => vi.restoreAllMocks());

describe("a client that leaves mid-upload", () => {
  for (const [label, headers] of [
    ["chunked", {}],
    ["with a Content-Length", { "content-length": "400" }],
  ] as const) {
    it(`answers 400 INVALID_REQUEST and logs it at info level without a stack (${label})`, async () => {
      const lines = captureConsole();
      const res = await send("/__probe/echo", { ...headers, "x-request-id": `gone-${label.length}` });
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: Record<string, unknown> };
      expect(error).toMatchObject({ code: "INVALID_REQUEST", type: "invalid_request_error" });
      expect(error.message).toMatch(/body broke off/);
      const mine = lines.filter(({ entry }) => entry.request_id === `gone-${label.length}`);
      expect(mine.map(({ entry }) => entry.msg)).toContain("request body broke off");
      expect(mine.filter(({ level }) => level === "error" || level === "warn")).toEqual([]);
      expect(JSON.stringify(mine)).not.toMatch(/stack|at .*\.(ts|js)/);
      expect(mine.find(({ entry }) => entry.msg === "request")?.entry.status).toBe(400);
    });
  }

  it("is answered the same on a real metered route", async () => {
    const { key } = await newAccount();
    const lines = captureConsole();
    const res = await send("/v1/chat/completions", bearer(key));
    expect(res.status).toBe(400);
    expect(lines.filter(({ level }) => level === "error")).toEqual([]);
  });
});
