import type { PayPalMoney } from "./paypal.api-types.ts";

/** Integer cents as PayPal's decimal string (`5000` → `"50.00"`), never through a float. */
export function centsToValue(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError(`not a whole number of cents: ${cents}`);
  const digits = String(cents).padStart(3, "0");
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** A USD amount in integer cents; null for another currency or a value that is not whole cents. */
export function usdCents(money: PayPalMoney | undefined): number | null {
  if (money?.currency_code !== "USD") return null;
  const match = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(money.value);
  if (!match) return null;
  const [, whole = "0", fraction = ""] = match;
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
}

/** Credits as the gateway names them in an order's purchase unit (`reference_id`). */
export const creditsReference = (credits: number) => `credits:${credits}`;

/** The credits an order was created for, from its purchase unit's `reference_id`; null if it is not one of ours. */
export function creditsOfReference(reference: string | undefined): string | undefined {
  return reference?.startsWith("credits:") ? reference.slice("credits:".length) : undefined;
}
