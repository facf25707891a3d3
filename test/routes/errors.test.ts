import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { probeApp } from "../helpers/probe-app.ts";

const app = probeApp();
const call = (path: string, init?: RequestInit, bindings: object = env) =>
  app.request(`http://gateway.test${path}`, init, bindings);

const post = (body: BodyInit, headers: Record<string, string> = { "content-type": "application/json" }) => ({
  method: "POST",
  headers,
  body,
});

async function envelope(res: Response) {
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.request_id).toBe(res.headers.get("x-request-id"));
  return body.error;
}

afterEach(() => vi.restoreAllMocks());

describe("error envelope", () => {
  it("404 NOT_FOUND for an unknown route", async () => {
    const res = await exports.default.fetch("http://gateway.test/nothing-here");
    expect(res.status).toBe(404);
    const error = await envelope(res);
    expect(error).toMatchObject({ code: "NOT_FOUND", type: "not_found_error" });
    expect(error.message).toContain("/docs");
  });

  it("405 METHOD_NOT_ALLOWED with Allow for a known route and wrong method", async () => {
    const res = await exports.default.fetch("http://gateway.test/health", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    expect(await envelope(res)).toMatchObject({ code: "METHOD_NOT_ALLOWED", type: "invalid_request_error" });
  });

  it("400 INVALID_REQUEST for malformed JSON", async () => {
    const res = await call("/__probe/echo", post('{"model": "gpt-4o-mini",'));
    expect(res.status).toBe(400);
    const error = await envelope(res);
    expect(error).toMatchObject({ code: "INVALID_REQUEST", type: "invalid_request_error" });
    expect(error.message).toMatch(/malformed json/i);
  });

  it("400 INVALID_REQUEST naming a missing body field in param", async () => {
    const res = await call("/__probe/echo", post(JSON.stringify({ model: "x" })));
    expect(res.status).toBe(400);
    expect(await envelope(res)).toMatchObject({
      code: "INVALID_REQUEST",
      param: "messages",
      message: "'messages' is required.",
    });
  });

  it("400 INVALID_REQUEST naming a nested field with its index", async () => {
    const res = await call(
      "/__probe/echo",
      post(
        JSON.stringify({
          model: "x",
          messages: [
            { role: "user", content: "hi" },
            { role: "robot", content: "" },
          ],
        }),
      ),
    );
    expect(res.status).toBe(400);
    const error = await envelope(res);
    expect(error.param).toBe("messages[1].role");
    expect(error.message).toMatch(/^'messages\[1\]\.role' /);
  });

  it("400 INVALID_REQUEST naming a bad query parameter", async () => {
    const res = await call("/__probe/echo?mode=shout", post(JSON.stringify({ model: "x", messages: [] })));
    expect(res.status).toBe(400);
    expect(await envelope(res)).toMatchObject({ code: "INVALID_REQUEST", param: "mode" });
  });

  it("accepts a valid body", async () => {
    const res = await call(
      "/__probe/echo",
      post(JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] })),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ model: "m" });
  });

  it("413 PAYLOAD_TOO_LARGE from Content-Length, before the body is read", async () => {
    const big = JSON.stringify({ model: "x".repeat(1_048_577), messages: [] });
    const res = await exports.default.fetch("http://gateway.test/health", post(big));
    expect(res.status).toBe(413);
    const error = await envelope(res);
    expect(error).toMatchObject({ code: "PAYLOAD_TOO_LARGE", type: "invalid_request_error" });
    expect(error.message).toContain("1048576");
  });

  it("413 PAYLOAD_TOO_LARGE for a chunked body that grows past MAX_BODY_BYTES", async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 4096) return controller.close();
        sent += 512;
        controller.enqueue(new Uint8Array(512).fill(0x20));
      },
    });
    const res = await call("/__probe/echo", { ...post(body), duplex: "half" } as RequestInit, {
      ...env,
      MAX_BODY_BYTES: "1024",
    });
    expect(res.status).toBe(413);
    expect((await envelope(res)).message).toContain("1024 bytes");
    expect(sent).toBeLessThan(4096);
  });

  it("415 UNSUPPORTED_MEDIA_TYPE for a body that is not JSON", async () => {
    const res = await call("/__probe/echo", post("model=x", { "content-type": "application/x-www-form-urlencoded" }));
    expect(res.status).toBe(415);
    const error = await envelope(res);
    expect(error).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE", type: "invalid_request_error" });
    expect(error.message).toContain("application/json");
  });

  it("415 for a body with no Content-Type at all", async () => {
    const res = await call("/__probe/echo", { method: "POST", body: new Uint8Array([123, 125]) });
    expect(res.status).toBe(415);
    expect((await envelope(res)).code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("500 INTERNAL_ERROR without internals, logged with the request id", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await call("/__probe/boom", { headers: { "x-request-id": "trace-500" } });
    expect(res.status).toBe(500);
    const text = await res.clone().text();
    expect(text).not.toContain("hunter2");
    expect(text).not.toMatch(/at .*\.ts/);
    const error = await envelope(res);
    expect(error).toMatchObject({ code: "INTERNAL_ERROR", type: "api_error", request_id: "trace-500" });
    const logged = errors.mock.calls.map(([line]) => JSON.parse(String(line)));
    expect(logged).toContainEqual(expect.objectContaining({ msg: "unhandled exception", request_id: "trace-500" }));
  });

  it("500 BAD_ENVIRONMENT naming the variable, without its value", async () => {
    const res = await call("/health", {}, { ...env, MAX_BODY_BYTES: "lots", OPENAI_BASE_URL: "ftp://secret-host" });
    expect(res.status).toBe(500);
    const error = await envelope(res);
    expect(error).toMatchObject({ code: "BAD_ENVIRONMENT", type: "api_error" });
    expect(error.message).toContain("MAX_BODY_BYTES");
    expect(error.message).toContain("OPENAI_BASE_URL");
    expect(error.message).not.toContain("lots");
    expect(error.message).not.toContain("secret-host");
  });

  it("500 BAD_ENVIRONMENT when only one Upstash variable is set", async () => {
    const res = await call("/health", {}, { ...env, UPSTASH_REDIS_REST_URL: "https://example.upstash.io" });
    expect(res.status).toBe(500);
    const error = await envelope(res);
    expect(error.code).toBe("BAD_ENVIRONMENT");
    expect(error.message).toContain("UPSTASH_REDIS_REST_TOKEN");
  });
});

describe("request id and logging", () => {
  it("honours a well-formed incoming x-request-id", async () => {
    const res = await exports.default.fetch("http://gateway.test/health", {
      headers: { "x-request-id": "client-trace.42" },
    });
    expect(res.headers.get("x-request-id")).toBe("client-trace.42");
  });

  it("replaces a malformed incoming x-request-id", async () => {
    const res = await exports.default.fetch("http://gateway.test/health", {
      headers: { "x-request-id": "bad id\twith spaces" },
    });
    expect(res.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
  });

  it("puts the request id on error answers too", async () => {
    const res = await exports.default.fetch("http://gateway.test/nope", { headers: { "x-request-id": "abc-123" } });
    expect(res.headers.get("x-request-id")).toBe("abc-123");
    expect((await envelope(res)).request_id).toBe("abc-123");
  });

  it("writes one JSON line per request with method, route, status, ms and request id", async () => {
    const lines = vi.spyOn(console, "log").mockImplementation(() => {});
    await call("/health?token=should-not-be-logged", { headers: { "x-request-id": "log-check" } });
    const logged = lines.mock.calls.map(([line]) => JSON.parse(String(line)));
    const mine = logged.filter((entry) => entry.request_id === "log-check");
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ level: "info", msg: "request", method: "GET", route: "/health", status: 200 });
    expect(typeof mine[0].ms).toBe("number");
    expect(JSON.stringify(logged)).not.toContain("should-not-be-logged");
  });
});
