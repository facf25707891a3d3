import { describe, expect, it } from "vitest";
import { createScrubber } from "../../src/lib/scrub.ts";
import { upstreamError } from "../../src/providers/errors.ts";

const scrub = createScrubber(["sk-secret-provider-key"]);
const map = (status: number, detail: Parameters<typeof upstreamError>[2]) =>
  upstreamError("Test", status, detail, new Headers(), scrub);

describe("the shared upstream error policy", () => {
  it("a refusal of the client's request is a 400 with the provider's scrubbed words, whatever the status", () => {
    const error = map(403, { message: "flagged by moderation (sk-secret-provider-key)", refused: true });
    expect(error).toMatchObject({ code: "INVALID_REQUEST", status: 400 });
    expect(error.message).toBe("Test refused the request: flagged by moderation ([redacted])");
    expect(map(403, { message: "x", refused: true, param: "prompt" }).param).toBe("prompt");
  });

  it("without the flag a 403 stays the gateway's credentials problem, in the gateway's words", () => {
    const error = map(403, { message: "flagged by moderation" });
    expect(error).toMatchObject({ code: "PROVIDER_ERROR", retry: false });
    expect(error.message).not.toContain("flagged");
  });

  it("credentials and quota refusals sent as 400 are still the gateway's, not the client's", () => {
    expect(map(400, { message: "API key not valid", credentials: true }).code).toBe("PROVIDER_ERROR");
    expect(map(400, { message: "out of credit", quota: true }).code).toBe("PROVIDER_ERROR");
    expect(map(400, { message: "bad size", param: "size" })).toMatchObject({ code: "INVALID_REQUEST", param: "size" });
  });
});
