import { describe, expect, it } from "vitest";
import { parseEnv } from "../../src/env.ts";

describe("parseEnv", () => {
  it("applies the documented defaults to an empty environment", () => {
    const result = parseEnv({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      OPENAI_BASE_URL: "https://api.openai.com/v1",
      ANTHROPIC_BASE_URL: "https://api.anthropic.com",
      ANTHROPIC_VERSION: "2023-06-01",
      GOOGLE_BASE_URL: "https://generativelanguage.googleapis.com",
      MARGIN_MULTIPLIER: "1.8",
      STRIPE_PRICE_USD_PER_CREDIT: "0.01",
      UPSTREAM_TIMEOUT_MS: 60_000,
      UPSTREAM_IDLE_TIMEOUT_MS: 30_000,
      DEFAULT_MAX_OUTPUT_TOKENS: 4096,
      MAX_BODY_BYTES: 1_048_576,
    });
    expect(result.config.OPENAI_API_KEY).toBeUndefined();
    expect(result.config.ADMIN_SECRET).toBeUndefined();
  });

  it("treats a blank optional secret as unset instead of failing", () => {
    const result = parseEnv({ OPENAI_API_KEY: "", ADMIN_SECRET: "  ", STRIPE_SECRET_KEY: "" });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.config.OPENAI_API_KEY).toBeUndefined();
  });

  it("parses numbers and trims a trailing slash from base URLs", () => {
    const result = parseEnv({ MAX_BODY_BYTES: "2048", OPENAI_BASE_URL: "http://127.0.0.1:9999/v1/" });
    expect(result.ok && result.config.MAX_BODY_BYTES).toBe(2048);
    expect(result.ok && result.config.OPENAI_BASE_URL).toBe("http://127.0.0.1:9999/v1");
  });

  it.each([
    ["MAX_BODY_BYTES", "1.5"],
    ["MAX_BODY_BYTES", "-1"],
    ["UPSTREAM_TIMEOUT_MS", "soon"],
    ["MARGIN_MULTIPLIER", "0"],
    ["MARGIN_MULTIPLIER", "1,8"],
    ["STRIPE_PRICE_USD_PER_CREDIT", "1e-2"],
    ["OPENAI_BASE_URL", "not a url"],
    ["CHECKOUT_SUCCESS_URL", "javascript:alert(1)"],
    ["ANTHROPIC_VERSION", "latest"],
    ["DEV_SEED_KEY", "short"],
    ["CORS_ORIGINS", "app.example.com"],
    ["CORS_ORIGINS", "https://app.example.com/dashboard"],
    ["CORS_ORIGINS", "https://ok.example.com,ftp://files.example.com"],
  ])("names %s when it is %j", (name, value) => {
    const result = parseEnv({ [name]: value });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.join("\n")).toContain(name);
    expect(result.problems.join("\n")).not.toContain(value);
  });

  it("requires both Upstash variables or neither", () => {
    expect(parseEnv({ UPSTASH_REDIS_REST_TOKEN: "t" }).ok).toBe(false);
    expect(parseEnv({ UPSTASH_REDIS_REST_URL: "https://x.upstash.io", UPSTASH_REDIS_REST_TOKEN: "t" }).ok).toBe(true);
  });

  it("reads CORS_ORIGINS as a list of origins; unset means none", () => {
    const origins = (value: string | undefined) => {
      const result = parseEnv(value === undefined ? {} : { CORS_ORIGINS: value });
      return result.ok ? result.config.CORS_ORIGINS : result.problems;
    };
    expect(origins(undefined)).toEqual([]);
    expect(origins(" ")).toEqual([]);
    expect(origins("https://App.Example.com/, http://localhost:5173")).toEqual([
      "https://app.example.com",
      "http://localhost:5173",
    ]);
    expect(origins("*")).toEqual(["*"]);
  });
});
