import type { Balance } from "./ports.ts";

/**
 * Payments from a payment provider (Stripe): purchases, refunds and disputes, each one atomic step
 * on the account, idempotent by the provider's event id (stored in that same step), every balance
 * change with its ledger entry. A payment intent's state is kept whatever order its events arrive
 * in: a refund or dispute seen before its purchase is remembered and applied when the purchase lands.
 *
 * Per payment intent the store keeps what was granted, the refunded share and the active disputes'
 * shares (in µcr, as the Worker computed them from the provider's amounts), and what was clawed back
 * and what is owed. After every step, clawed + owed = min(granted, refunded + disputed): a claw-back
 * takes what the balance holds and records the rest as owed (an `uncollected` entry); a won dispute
 * first cancels what is owed, then gives back (`reversal`) what was taken. What is owed is taken
 * (`clawback`, reference `stripe:owed`) from the next purchase, in the same step as its grant.
 */

/** Where events no account could be found for are kept: an account id no account has (generated ids start `acct_`). */
export const UNASSIGNED_PAYMENTS = "payments:unassigned";

/**
 * A ledger entry's reference for a payment id: Stripe ids as `stripe:<id>` (`stripe:refund:<intent>`),
 * PayPal's, which the Worker passes as `paypal:<capture id>`, as `paypal:<id>` (`paypal:refund:<id>`).
 */
export function paymentReference(id: string, kind?: "refund" | "dispute"): string {
  const paypal = /^paypal:(.*)$/s.exec(id);
  const [provider, bare] = paypal ? ["paypal", paypal[1] as string] : ["stripe", id];
  return kind ? `${provider}:${kind}:${bare}` : `${provider}:${bare}`;
}

/** What every payment event names. */
export interface PaymentEventRef {
  /** The provider's event id: an event applies once, however often it is delivered. */
  event_id: string;
  /** e.g. `checkout.session.completed`. */
  event_type: string;
}

export interface PurchaseRequest extends PaymentEventRef {
  /** The checkout session: a session grants once, whatever event (or how many) reports it. */
  session_id: string;
  payment_intent: string | null;
  amount_paid_cents: number;
  amount_micros: number;
}

/**
 * Refunds carry the payment's cumulative refunded share; the largest seen is kept. A refund or
 * dispute of a subscription invoice's payment names the invoice (`invoice_id`): the store links the
 * payment intent to the allowance that invoice granted (as planAllowance stored it) and takes the
 * shares of that allowance itself, `target_micros` unread: allowance x cents / amount_paid_cents,
 * rounded up as shareMicros. An invoice that granted nothing moves nothing (`unchanged`); one the
 * store has not granted yet is recorded `pending` and takes nothing (a later refund event of the
 * intent, once the invoice is granted, takes the cumulative share).
 */
export type PaymentAdjustment = PaymentEventRef & {
  payment_intent: string;
  amount_paid_cents: number;
  invoice_id?: string;
} & (
    | { kind: "refund"; refunded_cents: number; target_micros: number }
    /** A dispute opened (or closed lost): its share is clawed back, once per dispute; the account is flagged. */
    | { kind: "dispute"; dispute_id: string; disputed_cents: number; target_micros: number }
    /** A dispute won (or an inquiry closed): its share no longer counts, and is given back. */
    | { kind: "dispute_won"; dispute_id: string }
  );

export type PaymentOutcome =
  /** The balance moved (or a pending claw-back was stored) and the event is recorded. */
  | "granted"
  | "clawed_back"
  | "reversed"
  /** Recorded for a payment not granted yet: applied when its purchase lands. */
  | "pending"
  /** Recorded; the money was already in the state this event asks for (e.g. a second event for one session). */
  | "unchanged"
  /** Recorded only (a failed payment, an unpaid session, an event without credits or account). */
  | "recorded"
  /** The grant would take the balance past 2^53 - 1 µcr: recorded, nothing granted. */
  | "limit_exceeded"
  /** A subscription event moved the account to another plan (or kept it, with a newer time). */
  | "plan_changed"
  /** A plan change older than the last one applied to the account: recorded, ignored. */
  | "stale";

export type PaymentResult =
  | {
      status: "applied" | "replayed";
      outcome: PaymentOutcome;
      /** Net balance change of this event: + granted or given back, - clawed back. */
      changed_micros: number;
      /** What this event recorded as owed (a claw-back the balance could not cover). */
      owed_micros: number;
      balance: Balance;
    }
  | { status: "account_not_found" };

export interface PaymentEventRecord {
  event_id: string;
  event_type: string;
  /** Null for events no account could be found for. */
  account_id: string | null;
  /** The provider's object: checkout session, payment intent or dispute id. */
  reference: string | null;
  outcome: PaymentOutcome;
  changed_micros: number;
  owed_micros: number;
  /** Why an event was only recorded. */
  note: string | null;
  created_at: number;
}

export interface RecordRequest extends PaymentEventRef {
  reference: string | null;
  note: string | null;
}

export interface PaymentStanding {
  /** Claw-backs the balance could not cover, not yet settled. */
  owed_micros: number;
  /** When a dispute was first opened against the account. */
  disputed_at: number | null;
}

/**
 * A paid subscription invoice: grants the plan's allowance once (by invoice id and by event id) and
 * sets the account's plan, unless a later plan change was already applied (see PlanChangeRequest).
 */
export interface PlanAllowanceRequest extends PaymentEventRef {
  invoice_id: string;
  plan_id: string;
  /** The allowance in µcr; 0 sets the plan and grants nothing (no ledger entry). */
  amount_micros: number;
  amount_paid_cents: number;
  /** The event's `created` time, ms: plan changes apply in this order, whatever order they arrive in. */
  changed_at: number;
}

/** A subscription changed or ended: the account's plan follows, unless a later change was applied. */
export interface PlanChangeRequest extends PaymentEventRef {
  /** The subscription. */
  reference: string | null;
  /** Null: no subscription, the deployment's default plan. */
  plan_id: string | null;
  changed_at: number;
  note: string | null;
}

export interface Payments {
  /**
   * Grants a paid checkout session once (by session and by event id), then applies any claw-back
   * already recorded for its payment intent, then collects what the account owes.
   */
  purchase(accountId: string, request: PurchaseRequest, now: number): Promise<PaymentResult>;
  /** A refund or a dispute: moves the payment intent's state and applies the difference. */
  adjust(accountId: string, adjustment: PaymentAdjustment, now: number): Promise<PaymentResult>;
  /** An event that moves no money, on the account; null keeps it with the unassigned events. Idempotent by event id. */
  record(
    accountId: string | null,
    request: RecordRequest,
    now: number,
  ): Promise<{ status: "recorded" | "replayed" | "account_not_found" }>;
  /**
   * Grants a subscription invoice's allowance once (`plan_allowance`), collects what the account owes,
   * and sets its plan, in one step. A second event for the same invoice is `unchanged`.
   */
  planAllowance(accountId: string, request: PlanAllowanceRequest, now: number): Promise<PaymentResult>;
  /** Sets the account's plan (`plan_changed`), or records a change older than the last one (`stale`). */
  setPlan(accountId: string, request: PlanChangeRequest, now: number): Promise<PaymentResult>;
  /** The account's Stripe customer, null before its first subscription checkout. */
  customer(accountId: string): Promise<string | null>;
  /**
   * Stores the account's Stripe customer when it has none yet, and answers the one stored (the first
   * linked wins, so concurrent checkouts agree on one customer).
   */
  linkCustomer(
    accountId: string,
    customerId: string,
  ): Promise<{ status: "linked" | "kept"; customer_id: string } | { status: "account_not_found" }>;
  /** Newest first; null lists the unassigned events. */
  events(accountId: string | null, limit: number): Promise<{ events: PaymentEventRecord[]; standing: PaymentStanding }>;
}
