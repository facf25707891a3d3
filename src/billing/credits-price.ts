import { MICROS_PER_CREDIT } from "../lib/money.ts";
import type { Ratio } from "../metering/pricing.ts";

/** Bounds of one Checkout purchase, in whole credits. */
export const MIN_CHECKOUT_CREDITS = 100;
export const MAX_CHECKOUT_CREDITS = 1_000_000;
/** What Stripe accepts for one USD payment (PayPal purchases use the same bounds): at least $0.50, at most $999,999.99. */
export const MIN_CHARGE_CENTS = 50;
export const MAX_CHARGE_CENTS = 99_999_999;

export type CheckoutPrice = { ok: true; cents: number } | { ok: false; reason: string };

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

/**
 * credits x USD per credit, in integer cents, from the decimal price as an exact ratio: a purchase
 * that is not a whole number of cents, or that Stripe would refuse, is not offered.
 */
export function checkoutPrice(credits: number, usdPerCredit: Ratio): CheckoutPrice {
  const numerator = BigInt(credits) * usdPerCredit.num * 100n;
  if (numerator % usdPerCredit.den !== 0n) {
    const step = usdPerCredit.den / gcd(usdPerCredit.num * 100n, usdPerCredit.den);
    return { ok: false, reason: `must be a multiple of ${step} at this price, to come to whole cents` };
  }
  const cents = numerator / usdPerCredit.den;
  if (cents < BigInt(MIN_CHARGE_CENTS))
    return { ok: false, reason: "comes to less than $0.50, the smallest payment accepted" };
  if (cents > BigInt(MAX_CHARGE_CENTS))
    return { ok: false, reason: "comes to more than $999,999.99, the largest payment accepted" };
  return { ok: true, cents: Number(cents) };
}

/** Credits in a checkout's metadata: whole, within the purchase bounds; null otherwise. */
export function parseCredits(value: string | undefined): number | null {
  if (value === undefined || !/^[1-9]\d{0,9}$/.test(value)) return null;
  const credits = Number(value);
  return credits >= MIN_CHECKOUT_CREDITS && credits <= MAX_CHECKOUT_CREDITS ? credits : null;
}

export const creditsMicros = (credits: number) => credits * MICROS_PER_CREDIT;

export { shareMicros } from "../lib/money.ts";
