import { describe, expect, it } from "vitest";
import { createScrubber } from "../../src/lib/scrub.ts";
import { upstreamError } from "../../src/providers/errors.ts";

const scrub = createScrubber(["sk-policy-test-key-0123"]);
const map = (status: number, detail: Parameters<typeof upstreamError>[2] = {}) =>
  upstreamError("Acme", status, detail, new Headers(), scrub);

describe("the shared upstream error policy", () => {
  it("by status alone: 401/403 credentials, 402 quota, 400/413/422 the client's, 429 rate limit, 5xx retryable", () => {
    expect(map(401)).toMatchObject({
      code: "PROVIDER_ERROR",
      retry: false,
      message: expect.stringContaining("credentials"),
    });
    expect(map(403)).toMatchObject({
      code: "PROVIDER_ERROR",
      retry: false,
      message: expect.stringContaining("credentials"),
    });
    expect(map(402)).toMatchObject({
      code: "PROVIDER_ERROR",
      retry: false,
      message: expect.stringContaining("cannot serve"),
    });
    for (const status of [400, 413, 422]) expect(map(status, { message: "bad" }).code).toBe("INVALID_REQUEST");
    expect(map(429).code).toBe("PROVIDER_RATE_LIMITED");
    expect(map(503)).toMatchObject({ code: "PROVIDER_ERROR", retry: true });
  });

  it("an exhausted quota the extractor recognises wins over a 401 (ElevenLabs), in the gateway's words", () => {
    const error = map(401, { quota: true, message: "You have 0 credits remaining" });
    expect(error).toMatchObject({ code: "PROVIDER_ERROR", retry: false });
    expect(error.message).toBe("Acme cannot serve the gateway right now. Nothing was charged.");
  });

  it("a refusal of the request's content wins over a 403 (Stability's content_moderation): 400 with the words and field", () => {
    const error = map(403, { refused: true, message: "flagged by moderation", param: "prompt" });
    expect(error).toMatchObject({ code: "INVALID_REQUEST", param: "prompt" });
    expect(error.message).toBe("Acme refused the request: flagged by moderation");
    expect(map(404, { refused: true, message: "no such voice", param: "voice" })).toMatchObject({
      code: "INVALID_REQUEST",
      param: "voice",
    });
  });

  it("refused credentials stay credentials, and a refusal's words are scrubbed", () => {
    expect(map(403, { refused: true, credentials: true }).message).toContain("credentials");
    expect(map(403, { refused: true, message: "key sk-policy-test-key-0123 flagged" }).message).not.toContain(
      "sk-policy",
    );
  });
});
