import { describe, expect, it } from "vitest";
import { anthropic } from "../../src/providers/anthropic/index.ts";
import { readFixtureJson } from "../helpers/fixtures.ts";
import { unitProvider } from "../helpers/provider.ts";

const KEY = "sk-ant-api03-test-gateway-key-0123456789";
const { module } = unitProvider(anthropic, {
  apiKey: KEY,
  baseUrl: "https://api.anthropic.test",
  config: { ANTHROPIC_VERSION: "2023-06-01" },
});

/** Words about the operator's Anthropic account that a client must never see. */
const ACCOUNT_WORDS = /credit|billing|plans|purchase|usage limit|spend|x-api-key|sk-ant/i;

function fixtureHeaders(name: string): Headers {
  try {
    return new Headers(
      readFixtureJson<{ headers: Record<string, string> }>("anthropic", `errors/${name}.headers`).headers,
    );
  } catch {
    return new Headers();
  }
}

const error = (status: number, name: string) =>
  module.parseError(status, JSON.stringify(readFixtureJson("anthropic", `errors/${name}`)), fixtureHeaders(name));

describe("Anthropic errors, through the shared policy", () => {
  it("a 400 invalid_request_error passes Anthropic's words, with the field where it maps to the client's request", () => {
    const mapped = error(400, "400");
    expect(mapped).toMatchObject({ code: "INVALID_REQUEST", status: 400, param: "tools[0]" });
    expect(mapped.message).toMatch(
      /^Anthropic refused the request: tools\.0\.custom\.input_schema: JSON schema is invalid/,
    );
  });

  it.each([
    ["messages: text content blocks must be non-empty", "messages"],
    ["messages.3.content.0.text: Field required", "messages"],
    ["system: text content blocks must contain non-whitespace text", "messages"],
    ["stop_sequences: each stop sequence must contain non-whitespace", "stop"],
    ["tool_choice.name: Field required", "tool_choice"],
    ["output_config.effort: Input should be 'low', 'medium' or 'high'", "reasoning_effort"],
    [
      "max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens for claude-haiku-4-5",
      undefined,
    ],
    ["prompt is too long: 250000 tokens > 200000 maximum", undefined],
  ])("400 %j names param %j", (message, param) => {
    const body = JSON.stringify({ type: "error", error: { type: "invalid_request_error", message } });
    const mapped = module.parseError(400, body, new Headers());
    expect(mapped.code).toBe("INVALID_REQUEST");
    expect(mapped.param).toBe(param);
  });

  it.each(["400-credit", "400-spend-limit"])(
    "%s (the gateway's account, not the client) is a provider error with no billing words",
    (name) => {
      const mapped = error(400, name);
      expect(mapped).toMatchObject({ code: "PROVIDER_ERROR", status: 502 });
      expect(mapped.param).toBeUndefined();
      expect(mapped.message).not.toMatch(ACCOUNT_WORDS);
    },
  );

  it("401 and 403 are the gateway's credentials, in the gateway's own words", () => {
    expect(error(401, "401")).toMatchObject({ code: "PROVIDER_ERROR", status: 502 });
    expect(error(401, "401").message).toMatch(/credentials/);
    const forbidden = JSON.stringify({
      type: "error",
      error: {
        type: "permission_error",
        message: "Your API key does not have permission to use the specified resource.",
      },
    });
    expect(module.parseError(403, forbidden, new Headers())).toMatchObject({ code: "PROVIDER_ERROR" });
  });

  it("404 (a model Anthropic does not serve) is a provider error, nothing charged", () => {
    const mapped = error(404, "404");
    expect(mapped).toMatchObject({ code: "PROVIDER_ERROR", status: 502 });
    expect(mapped.message).toMatch(/does not serve this model/);
  });

  it("429 is PROVIDER_RATE_LIMITED with Anthropic's retry-after; a plan without long-context credit is not", () => {
    expect(error(429, "429")).toMatchObject({
      code: "PROVIDER_RATE_LIMITED",
      status: 429,
      headers: { "retry-after": "7" },
    });
    const longContext = JSON.stringify({
      type: "error",
      error: { type: "rate_limit_error", message: "Extra usage is required for long context requests." },
    });
    expect(module.parseError(429, longContext, new Headers())).toMatchObject({ code: "PROVIDER_ERROR" });
  });

  it("500 and 529 overloaded are provider errors to retry later; 504 is a timeout; a body that is not JSON too", () => {
    expect(error(500, "500")).toMatchObject({ code: "PROVIDER_ERROR", status: 502 });
    const overloaded = error(529, "529");
    expect(overloaded).toMatchObject({ code: "PROVIDER_ERROR", status: 502 });
    expect(overloaded.message).toMatch(/retry later/);
    const timeout = JSON.stringify({ type: "error", error: { type: "timeout_error", message: "Request timed out" } });
    expect(module.parseError(504, timeout, new Headers()).code).toBe("PROVIDER_TIMEOUT");
    expect(module.parseError(502, "<html>bad gateway</html>", new Headers()).code).toBe("PROVIDER_ERROR");
  });

  it("no mapped error carries the provider key or the operator's account words", () => {
    for (const [status, name] of [
      [400, "400-credit"],
      [400, "400-spend-limit"],
      [401, "401"],
      [404, "404"],
      [429, "429"],
      [500, "500"],
      [529, "529"],
    ] as const) {
      expect(error(status, name).message, name).not.toMatch(ACCOUNT_WORDS);
    }
  });

  it("scrubs the gateway's key, and key-shaped tokens, from the words it passes on", () => {
    const body = JSON.stringify({
      type: "error",
      error: {
        type: "invalid_request_error",
        message: `metadata.user_id: ${KEY} and sk-ant-api03-abcdEFGH looks like a key`,
      },
    });
    const mapped = module.parseError(400, body, new Headers());
    expect(mapped).toMatchObject({ code: "INVALID_REQUEST", param: "user" });
    expect(mapped.message).not.toContain(KEY);
    expect(mapped.message).not.toContain("abcdEFGH");
    expect(mapped.message).toContain("[redacted]");
  });
});
