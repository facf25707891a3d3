import type { z } from "zod";
import { isRapidApiAccount } from "../lib/api-keys.ts";
import { ApiError } from "../lib/errors.ts";
import type { PaymentResult } from "../stores/payment-ports.ts";
import type { Store } from "../stores/ports.ts";
import type { PlanTable } from "./plans.ts";
import type { StripeBilling } from "./stripe.ts";
import type { StripeEvent } from "./stripe-event-types.ts";

/** What every Stripe event handler shares: its context, the account check, and how events are recorded. */

export interface EventContext {
  store: Store;
  stripe: StripeBilling;
  plans: PlanTable;
  now: number;
}

/** What became of an event: a payment outcome, `unassigned` (kept for an operator), or `ignored`. */
export type EventOutcome = string;

const ACCOUNT_ID = /^[\x21-\x7e]{1,128}$/;
export const usableAccount = (id: string | null | undefined): string | null =>
  id && ACCOUNT_ID.test(id) && !isRapidApiAccount(id) ? id : null;

export type Ref = { event_id: string; event_type: string; reference: string | null };

export async function unassigned(ctx: EventContext, ref: Ref, note: string): Promise<EventOutcome> {
  await ctx.store.payments.record(null, { ...ref, note }, ctx.now);
  return "unassigned";
}

export async function recordOn(ctx: EventContext, account: string, ref: Ref, note: string): Promise<EventOutcome> {
  const { status } = await ctx.store.payments.record(account, { ...ref, note }, ctx.now);
  return status === "account_not_found" ? unassigned(ctx, ref, `${note}; unknown account ${account}`) : "recorded";
}

export async function outcomeOf(ctx: EventContext, ref: Ref, account: string, result: PaymentResult) {
  if (result.status === "account_not_found") return unassigned(ctx, ref, `unknown account ${account}`);
  return result.outcome;
}

export function parse<T extends z.ZodType>(schema: T, event: StripeEvent): z.infer<T> {
  const parsed = schema.safeParse(event.data.object);
  if (!parsed.success) throw new ApiError("INVALID_REQUEST", `The ${event.type} event's object is not as expected.`);
  return parsed.data;
}
