import type { UsageCharge } from "./ports.ts";

/**
 * RapidAPI bills its subscribers itself, in whole units the gateway reports on each answer
 * (`X-RapidAPI-Billing: Credits=N`). The gateway holds nothing and keeps no prepaid balance for
 * them: it accrues each call's exact cost and, on each billing answer, bills the whole credits
 * needed to cover all that is owed, carrying the surplus (DESIGN "Auth"). So the credits billed
 * always equal the exact total cost rounded up once.
 */
export interface RapidApiAccrual {
  /** One call: a replay (store retry) answers the first outcome and changes nothing. */
  call_id: string;
  /** What the call cost (a `usage` entry whose amount is minus the cost); null bills only. */
  charge: UsageCharge | null;
  /** Bill the whole credits now owed (rounded up) and carry the rest; false only accrues. */
  bill: boolean;
  /** The subscriber's plan (X-RapidAPI-Subscription), kept on the account. */
  plan: string | null;
  /**
   * The answer for this call went out billing 0 because its billing step (same `call_id`) did not
   * come back in time. If that step did land, the store took it after the gateway stopped waiting:
   * the credits it billed were never reported, so they go back to owed (the next answer bills them),
   * once. If it did not land, this step takes its place and a late copy of it replays.
   */
  billing_lost?: boolean;
}

export interface RapidApiOutcome {
  status: "applied" | "replayed";
  /** Whole credits this answer bills (0 when nothing is owed). */
  billed_credits: number;
  /** µcr owed and not yet billed once this step is done: in (-1 credit, 0] after a billing step. */
  unbilled_micros: number;
  /** Everything this subscriber's calls have cost, in µcr. */
  accrued_micros: number;
}

/** One UTC day of a subscriber's calls, for reconciliation with RapidAPI's own report. */
export interface RapidApiDay {
  date: string;
  calls: number;
  accrued_micros: number;
  billed_credits: number;
}

export interface RapidApiBilling {
  /** One atomic step on the `rapidapi:<user>` account, created on first use. */
  accrue(accountId: string, accrual: RapidApiAccrual, now: number): Promise<RapidApiOutcome>;
  /** Days from `from` to `to` (YYYY-MM-DD, inclusive), oldest first, days without calls left out. */
  report(accountId: string, from: string, to: string): Promise<RapidApiDay[]>;
}
