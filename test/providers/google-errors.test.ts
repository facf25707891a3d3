import { describe, expect, it } from "vitest";
import { readFixtureJson } from "../helpers/fixtures.ts";
import { KEY, module } from "./google-helpers.ts";

const error = (status: number, name: string, headers: Record<string, string> = {}) =>
  module.parseError(status, JSON.stringify(readFixtureJson("google", `errors/${name}`)), new Headers(headers));

/** Words that would tell a client about the gateway's key or its Google account. */
const LEAKS = /api key|billing|quota|plan|unregistered|AIza/i;

describe("Gemini errors, through the shared policy", () => {
  it("a 400 INVALID_ARGUMENT is the client's: INVALID_REQUEST with Google's words", () => {
    const mapped = error(400, "400");
    expect(mapped).toMatchObject({ code: "INVALID_REQUEST", status: 400 });
    expect(mapped.message).toContain("only one of thinking budget and thinking level");
  });

  it("a 400 for the gateway's key (ErrorInfo API_KEY_INVALID) and a 403 are credentials: 502, the gateway's words", () => {
    for (const [status, name] of [
      [400, "400-api-key"],
      [403, "403"],
    ] as const) {
      const mapped = error(status, name);
      expect(mapped, name).toMatchObject({ code: "PROVIDER_ERROR", status: 502 });
      expect(mapped.message).not.toMatch(LEAKS);
    }
  });

  it("a 429 is PROVIDER_RATE_LIMITED with Retry-After from RetryInfo (34.4s → 35), or from a header", () => {
    const mapped = error(429, "429");
    expect(mapped).toMatchObject({ code: "PROVIDER_RATE_LIMITED", status: 429, headers: { "retry-after": "35" } });
    expect(mapped.message).not.toMatch(LEAKS);
    expect(error(429, "429", { "retry-after": "3" }).headers["retry-after"]).toBe("3");
  });

  it("depleted prepaid credits and an account precondition are not the client's and not a rate limit", () => {
    const body = (status: string, message: string) => JSON.stringify({ error: { code: 429, message, status } });
    const depleted = module.parseError(
      429,
      body(
        "RESOURCE_EXHAUSTED",
        "Your prepayment credits are depleted. Please go to AI Studio to manage your billing.",
      ),
      new Headers(),
    );
    expect(depleted.code).toBe("PROVIDER_ERROR");
    expect(depleted.message).not.toMatch(LEAKS);
    const region = module.parseError(
      400,
      body("FAILED_PRECONDITION", "User location is not supported for the API use."),
      new Headers(),
    );
    expect(region.code).toBe("PROVIDER_ERROR");
  });

  it("404 (model), 500 and 503 are PROVIDER_ERROR; a body that is not JSON too", () => {
    for (const [status, name] of [
      [404, "404"],
      [500, "500"],
      [503, "503"],
    ] as const) {
      const mapped = error(status, name);
      expect(mapped, name).toMatchObject({ code: "PROVIDER_ERROR", status: 502 });
      expect(mapped.message).not.toMatch(/ListModels|troubleshooting|demand/);
    }
    expect(module.parseError(502, "<html>bad gateway</html>", new Headers()).code).toBe("PROVIDER_ERROR");
  });

  it("scrubs the gateway's key, and key-shaped tokens, from the words it passes on", () => {
    const body = JSON.stringify({
      error: {
        code: 400,
        message: `Invalid value for ${KEY} and AIzaSyOtherKeyShaped12345`,
        status: "INVALID_ARGUMENT",
      },
    });
    const mapped = module.parseError(400, body, new Headers());
    expect(mapped.code).toBe("INVALID_REQUEST");
    expect(mapped.message).not.toContain(KEY);
    expect(mapped.message).not.toContain("AIzaSyOther");
    expect(mapped.message).toContain("[redacted]");
  });
});
