import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { checkoutPrice, parseCredits, shareMicros } from "../../src/billing/credits-price.ts";
import { STRIPE_API_VERSION } from "../../src/billing/stripe.ts";
import { parseRatio } from "../../src/metering/pricing.ts";

describe("checkoutPrice", () => {
  it("is credits x USD per credit in integer cents, exactly", () => {
    expect(checkoutPrice(5000, parseRatio("0.01"))).toEqual({ ok: true, cents: 5000 });
    expect(checkoutPrice(100, parseRatio("0.07"))).toEqual({ ok: true, cents: 700 });
    expect(checkoutPrice(1000, parseRatio("0.0125"))).toEqual({ ok: true, cents: 1250 });
    expect(checkoutPrice(1_000_000, parseRatio("0.01"))).toEqual({ ok: true, cents: 1_000_000 });
  });

  it("refuses amounts that are not whole cents, naming the step that is", () => {
    expect(checkoutPrice(150, parseRatio("0.0033"))).toMatchObject({ ok: false, reason: /multiple of 100\b/ });
    expect(checkoutPrice(300, parseRatio("0.0033"))).toEqual({ ok: true, cents: 99 });
    expect(checkoutPrice(101, parseRatio("0.005"))).toMatchObject({ ok: false, reason: /multiple of 2\b/ });
  });

  it("refuses what Stripe would: under $0.50 or over $999,999.99", () => {
    expect(checkoutPrice(100, parseRatio("0.001"))).toMatchObject({ ok: false, reason: /\$0\.50/ });
    expect(checkoutPrice(1_000_000, parseRatio("1"))).toMatchObject({ ok: false, reason: /999,999\.99/ });
  });
});

describe("shareMicros", () => {
  it("is the refunded share of the purchase, rounded up, and the whole purchase for the whole payment", () => {
    expect(shareMicros(5_000_000_000, 5000, 5000)).toBe(5_000_000_000);
    expect(shareMicros(5_000_000_000, 1000, 5000)).toBe(1_000_000_000);
    expect(shareMicros(1_000_000_000, 1, 3)).toBe(333_333_334);
    expect(shareMicros(1_000_000_000, 9999, 3)).toBe(1_000_000_000);
    expect(shareMicros(1_000_000_000, 0, 3)).toBe(0);
    // Large purchases stay exact (the product passes 2^53 on the way).
    expect(shareMicros(1_000_000 * 1_000_000, 99_999_998, 99_999_999)).toBe(999_999_990_000);
  });
});

describe("parseCredits", () => {
  it("reads whole credits within the purchase bounds from metadata, nothing else", () => {
    expect(parseCredits("5000")).toBe(5000);
    for (const bad of [undefined, "", "99", "1000001", "50.5", "1e3", "0100", " 100", "-100"]) {
      expect(parseCredits(bad), String(bad)).toBeNull();
    }
  });
});

it("the pinned Stripe API version is the one the installed library was built for (re-check the events read when it moves)", () => {
  expect(STRIPE_API_VERSION).toBe(Stripe.API_VERSION);
});
