import type { Ratio } from "../metering/pricing.ts";

/** Exact USD amounts for analytics: integers of atto-USD (1e-18 USD), never floats. */

const ATTO_DIGITS = 18;
const ATTO_PER_USD = 10n ** BigInt(ATTO_DIGITS);
/** Costs are stored as nano-USD plus the atto-USD remainder, each an int64 counter. */
export const ATTO_PER_NANO = 1_000_000_000n;

/** "0.0001824" (a ledger entry's cost_usd) -> 182_400_000_000_000n atto-USD. */
export function parseUsdAtto(decimal: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,18}))?$/.exec(decimal);
  if (!match) throw new Error(`not a USD amount: ${decimal}`);
  return BigInt(match[1] as string) * ATTO_PER_USD + BigInt((match[2] ?? "").padEnd(ATTO_DIGITS, "0"));
}

/** [nano-USD, atto remainder] as decimal strings, for counters that must stay within int64. */
export function splitAtto(atto: bigint): [string, string] {
  return [(atto / ATTO_PER_NANO).toString(), (atto % ATTO_PER_NANO).toString()];
}

/** USD of `micros` µcr at `usdPerCredit` (exact: the price has at most 12 decimals). */
export function microsToAtto(micros: number, usdPerCredit: Ratio): bigint {
  return (BigInt(micros) * usdPerCredit.num * (ATTO_PER_USD / 1_000_000n)) / usdPerCredit.den;
}

export const centsToAtto = (cents: number): bigint => BigInt(cents) * (ATTO_PER_USD / 100n);

/** "12.50", "0.000123", "-3.10": exact, at least 2 decimals, trailing zeros trimmed beyond that. */
export function formatUsdAmount(atto: bigint): string {
  const sign = atto < 0n ? "-" : "";
  const abs = atto < 0n ? -atto : atto;
  const whole = abs / ATTO_PER_USD;
  let fraction = (abs % ATTO_PER_USD).toString().padStart(ATTO_DIGITS, "0").replace(/0+$/, "");
  fraction = fraction.padEnd(2, "0");
  return `${sign}${whole}.${fraction}`;
}
