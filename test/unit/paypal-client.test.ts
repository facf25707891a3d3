import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createPayPalBilling } from "../../src/billing/paypal.ts";
import { centsToValue, usdCents } from "../../src/billing/paypal-amount.ts";
import { parseEnv } from "../../src/env.ts";
import { ApiError } from "../../src/lib/errors.ts";
import { paypal } from "../helpers/paypal.ts";

/** A client for its own PayPal app (so the fake's token count is this test's alone), on a clock the test moves. */
async function client(expiresIn: number) {
  const clientId = `cache-test-${crypto.randomUUID()}`;
  const clientSecret = `cache-secret-${crypto.randomUUID()}`;
  await paypal.addClient(clientId, clientSecret, expiresIn);
  const parsed = parseEnv({ ...env, PAYPAL_CLIENT_ID: clientId, PAYPAL_CLIENT_SECRET: clientSecret });
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  const clock = { now: 1_000_000 };
  const billing = createPayPalBilling(parsed.config, {
    fetch: (input, init) => fetch(input, init),
    now: () => clock.now,
    scrub: (text) => text,
  });
  return { billing, clock, clientId, tokens: () => paypal.tokens(clientId) };
}

describe("PayPal client: the OAuth token", () => {
  it("is requested once and reused, concurrent calls included, until shortly before it expires", async () => {
    const { billing, clock, tokens } = await client(3600);
    expect(await tokens()).toBe(0);
    await billing.getOrder("0NOSUCHORDER0000");
    await Promise.all(Array.from({ length: 5 }, () => billing.getOrder("0NOSUCHORDER0000")));
    expect(await tokens()).toBe(1);
    clock.now += 3_500_000;
    await billing.getOrder("0NOSUCHORDER0000");
    expect(await tokens()).toBe(1);
    // Past expires_in less the margin: a new one.
    clock.now += 60_000;
    await billing.getOrder("0NOSUCHORDER0000");
    expect(await tokens()).toBe(2);
  });

  it("a token PayPal no longer accepts (401) is replaced once and the call retried", async () => {
    const { billing, clientId, tokens } = await client(3600);
    expect(await billing.getOrder("0NOSUCHORDER0000")).toBeNull();
    await paypal.revokeTokens(clientId);
    expect(await billing.getOrder("0NOSUCHORDER0000")).toBeNull();
    expect(await tokens()).toBe(2);
  });

  it("a short-lived token is used for half its life", async () => {
    const { billing, clock, tokens } = await client(10);
    await billing.getOrder("0NOSUCHORDER0000");
    clock.now += 4_000;
    await billing.getOrder("0NOSUCHORDER0000");
    expect(await tokens()).toBe(1);
    clock.now += 2_000;
    await billing.getOrder("0NOSUCHORDER0000");
    expect(await tokens()).toBe(2);
  });

  it("refused credentials are a PROVIDER_ERROR not worth retrying, naming no secret", async () => {
    const parsed = parseEnv({ ...env, PAYPAL_CLIENT_SECRET: "not-the-secret-0000" });
    if (!parsed.ok) throw new Error("env");
    const billing = createPayPalBilling(parsed.config, {
      fetch: (input, init) => fetch(input, init),
      now: Date.now,
      scrub: (t) => t,
    });
    const error = await billing.getOrder("0NOSUCHORDER0000").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: "PROVIDER_ERROR", retry: false });
    expect((error as Error).message).not.toContain("not-the-secret");
  });
});

describe("PayPal amounts", () => {
  it("cents as PayPal's decimal strings, exactly", () => {
    expect([0, 5, 50, 100, 1250, 99_999_999].map(centsToValue)).toEqual([
      "0.00",
      "0.05",
      "0.50",
      "1.00",
      "12.50",
      "999999.99",
    ]);
    expect(() => centsToValue(1.5)).toThrow(RangeError);
  });

  it("reads USD values into cents; other currencies and sub-cent values are null", () => {
    const usd = (value: string) => usdCents({ currency_code: "USD", value });
    expect([usd("50.00"), usd("50"), usd("0.5"), usd("7.07"), usd("999999.99")]).toEqual([
      5000, 5000, 50, 707, 99_999_999,
    ]);
    expect([
      usd("1.005"),
      usd("-1.00"),
      usd("1e3"),
      usd(""),
      usdCents({ currency_code: "EUR", value: "1.00" }),
    ]).toEqual([null, null, null, null, null]);
    expect(usdCents(undefined)).toBeNull();
  });
});
