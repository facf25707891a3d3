/** 1 credit = 1,000,000 micro-credits (µcr). Balances are integers in µcr; floats never touch them. */
export const MICROS_PER_CREDIT = 1_000_000;

/** The largest grant or purchase accepted in one step, in credits. */
export const MAX_CREDITS_PER_STEP = 1_000_000_000;

/**
 * The share of a purchase that `partCents` of the `wholeCents` paid stands for, in µcr, rounded up
 * (a refund of the whole payment is the whole purchase, exactly). Exact integer maths.
 */
export function shareMicros(purchasedMicros: number, partCents: number, wholeCents: number): number {
  if (wholeCents <= 0 || partCents <= 0) return 0;
  const part = BigInt(Math.min(partCents, wholeCents));
  const whole = BigInt(wholeCents);
  return Number((BigInt(purchasedMicros) * part + whole - 1n) / whole);
}

/** "12.345", "0.000001", "-3": exact decimal credits from integer micros. */
export function formatCredits(micros: number): string {
  const sign = micros < 0 ? "-" : "";
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / MICROS_PER_CREDIT);
  const frac = String(abs % MICROS_PER_CREDIT)
    .padStart(6, "0")
    .replace(/0+$/, "");
  return `${sign}${whole}${frac ? `.${frac}` : ""}`;
}

/** Decimal credits as a JSON number (display only; the integer µcr field is the exact one). */
export function creditsNumber(micros: number): number {
  return Number(formatCredits(micros));
}

/**
 * Converts a credits amount from a request into exact micros, or null when it has more
 * than 6 decimals or is out of range. `toFixed(6)` round-trips every double with at most
 * 6 decimals, so the check is exact.
 */
export function creditsToMicros(credits: number): number | null {
  if (!Number.isFinite(credits) || credits <= 0 || credits > MAX_CREDITS_PER_STEP) return null;
  const fixed = credits.toFixed(6);
  if (Number(fixed) !== credits) return null;
  const micros = Number(fixed.replace(".", ""));
  return micros > 0 ? micros : null;
}

export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
