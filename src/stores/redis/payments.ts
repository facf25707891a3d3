import type { Redis } from "@upstash/redis/cloudflare";
import { utcDay } from "../../lib/time.ts";
import {
  type PaymentEventRecord,
  type PaymentOutcome,
  type PaymentResult,
  type Payments,
  paymentReference,
  type RecordRequest,
  UNASSIGNED_PAYMENTS,
} from "../payment-ports.ts";
import type { LedgerReason } from "../ports.ts";
import type { RedisLayout } from "./accounts.ts";
import * as lua from "./payment-scripts.ts";
import { entryJson, type Reply, toBalance } from "./records.ts";
import * as plans from "./subscription-scripts.ts";

/** `seq|outcome|changed|owed|json`, as the scripts write event records. */
function parseRecord(member: string): PaymentEventRecord {
  const parts = member.split("|", 4);
  const json = member.slice(parts.join("|").length + 1);
  const [, outcome, changed, owed] = parts as [string, PaymentOutcome, string, string];
  const fields = JSON.parse(json) as Omit<PaymentEventRecord, "outcome" | "changed_micros" | "owed_micros">;
  return { ...fields, outcome, changed_micros: Number(changed), owed_micros: Number(owed) };
}

function recordJson(accountId: string | null, request: RecordRequest, now: number): string {
  return JSON.stringify({
    event_id: request.event_id,
    event_type: request.event_type,
    account_id: accountId,
    reference: request.reference,
    note: request.note,
    created_at: now,
  });
}

function toResult(accountId: string, reply: Reply[]): PaymentResult {
  if (reply[0] === "account_not_found") return { status: "account_not_found" };
  const record = parseRecord(reply[1] as string);
  return {
    status: reply[0] as "applied" | "replayed",
    outcome: record.outcome,
    changed_micros: record.changed_micros,
    owed_micros: record.owed_micros,
    balance: toBalance(accountId, reply.slice(2)),
  };
}

export function redisPayments(redis: Redis, layout: RedisLayout): Payments {
  const { account, reach } = layout;
  const scripts = {
    purchase: redis.createScript<Reply[]>(lua.PURCHASE),
    adjust: redis.createScript<Reply[]>(lua.ADJUST),
    record: redis.createScript<"recorded" | "replayed" | "account_not_found">(lua.RECORD),
    events: redis.createScript<[string[], string, string]>(lua.PAYMENT_EVENTS),
    planAllowance: redis.createScript<Reply[]>(plans.PLAN_ALLOWANCE),
    setPlan: redis.createScript<Reply[]>(plans.SET_PLAN),
    linkCustomer: redis.createScript<[string, string]>(plans.LINK_CUSTOMER),
  };
  const keysOf = (id: string, now: number) => {
    const k = account(id);
    return [k.acct, k.ledger, k.idem, k.pay, k.pevents, k.holds, k.hexp, k.owing, layout.analytics(utcDay(now)).money];
  };
  const entry = (reason: LedgerReason, reference: string, paid: number, now: number) =>
    entryJson({ reason, reference, created_at: now, amount_paid_cents: paid });

  return {
    purchase: (accountId, request, now) =>
      reach("payments.purchase", async () => {
        const intent = request.payment_intent ?? request.session_id;
        const paid = request.amount_paid_cents;
        const record = { ...request, reference: request.session_id, note: null };
        const reply = await scripts.purchase.exec(keysOf(accountId, now), [
          request.event_id,
          request.session_id,
          intent,
          String(paid),
          String(request.amount_micros),
          String(now),
          recordJson(accountId, record, now),
          entry("purchase", paymentReference(request.session_id), paid, now),
          entry("clawback", paymentReference(intent), paid, now),
          entry("uncollected", paymentReference(intent), paid, now),
          entry("clawback", "stripe:owed", paid, now),
        ]);
        return toResult(accountId, reply);
      }),
    adjust: (accountId, adjustment, now) =>
      reach("payments.adjust", async () => {
        const intent = adjustment.payment_intent;
        const paid = adjustment.amount_paid_cents;
        const dispute = adjustment.kind === "refund" ? "" : adjustment.dispute_id;
        const reference = dispute ? paymentReference(dispute, "dispute") : paymentReference(intent, "refund");
        const target = adjustment.kind === "dispute_won" ? 0 : adjustment.target_micros;
        const record = { ...adjustment, reference: dispute || intent, note: null };
        const reply = await scripts.adjust.exec(keysOf(accountId, now), [
          adjustment.event_id,
          intent,
          String(paid),
          adjustment.kind,
          dispute,
          String(target),
          String(now),
          recordJson(accountId, record, now),
          entry("clawback", reference, paid, now),
          entry("uncollected", reference, paid, now),
          entry("reversal", reference, paid, now),
          String(
            adjustment.kind === "refund"
              ? adjustment.refunded_cents
              : adjustment.kind === "dispute"
                ? adjustment.disputed_cents
                : 0,
          ),
          adjustment.invoice_id ?? "",
        ]);
        return toResult(accountId, reply);
      }),
    record: (accountId, request, now) =>
      reach("payments.record", async () => {
        const k = account(accountId ?? UNASSIGNED_PAYMENTS);
        const status = await scripts.record.exec(
          [k.acct, k.pay, k.pevents],
          [request.event_id, recordJson(accountId, request, now), accountId === null ? "0" : "1"],
        );
        return { status };
      }),
    events: (accountId, limit) =>
      reach("payments.events", async () => {
        const k = account(accountId ?? UNASSIGNED_PAYMENTS);
        const [members, owed, disputedAt] = await scripts.events.exec([k.acct, k.pevents], [String(limit)]);
        return {
          events: members.map(parseRecord),
          standing: { owed_micros: Number(owed), disputed_at: disputedAt ? Number(disputedAt) : null },
        };
      }),
    planAllowance: (accountId, request, now) =>
      reach("payments.planAllowance", async () => {
        const paid = request.amount_paid_cents;
        const record = (note: string) =>
          recordJson(accountId, { ...request, reference: request.invoice_id, note }, now);
        const reply = await scripts.planAllowance.exec(keysOf(accountId, now), [
          request.event_id,
          request.invoice_id,
          request.plan_id,
          String(request.amount_micros),
          String(request.changed_at),
          String(now),
          record(`plan ${request.plan_id}`),
          record(`plan ${request.plan_id}; a later plan change was already applied`),
          record("invoice already granted"),
          entry("plan_allowance", `stripe:${request.invoice_id}`, paid, now),
          entry("clawback", "stripe:owed", paid, now),
          String(paid),
        ]);
        return toResult(accountId, reply);
      }),
    setPlan: (accountId, request, now) =>
      reach("payments.setPlan", async () => {
        const k = account(accountId);
        const reply = await scripts.setPlan.exec(
          [k.acct, k.pay, k.pevents, k.holds, k.hexp],
          [
            request.event_id,
            request.plan_id ?? "",
            String(request.changed_at),
            String(now),
            recordJson(accountId, request, now),
          ],
        );
        return toResult(accountId, reply);
      }),
    customer: (accountId) =>
      reach("payments.customer", async () => {
        const customer = (await redis.hget(account(accountId).acct, "stripe_customer")) as string | null;
        return customer || null;
      }),
    linkCustomer: (accountId, customerId) =>
      reach("payments.linkCustomer", async () => {
        const [status, customer] = await scripts.linkCustomer.exec([account(accountId).acct], [customerId]);
        if (status === "account_not_found") return { status };
        return { status: status as "linked" | "kept", customer_id: customer };
      }),
  };
}
