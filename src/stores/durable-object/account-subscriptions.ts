import type { PaymentResult, PlanAllowanceRequest, PlanChangeRequest } from "../payment-ports.ts";
import type { AccountLedger } from "./account-ledger.ts";
import type { AccountPayments } from "./account-payments.ts";

/**
 * Subscriptions in an account object: the plan lives in `account.plan` (where the rate limiter reads
 * it), beside the Stripe customer and the time of the last plan change applied. Granted invoices are
 * kept by id with the allowance they granted, so an invoice grants once whatever event reports it,
 * and a refund or dispute of its payment takes back a share of that allowance (account-payments.ts).
 */
const SCHEMA = [
  "CREATE TABLE IF NOT EXISTS payment_invoices (id TEXT PRIMARY KEY, event_id TEXT NOT NULL, granted INTEGER NOT NULL DEFAULT 0)",
];

const columnsOf = (sql: SqlStorage, table: string) =>
  new Set(
    sql
      .exec<{ name: string }>(`PRAGMA table_info(${table})`)
      .toArray()
      .map((column) => column.name),
  );

/** Accounts created before subscriptions lack these columns; invoices granted before refunds took a share, `granted`. */
function migrate(sql: SqlStorage): void {
  const columns = columnsOf(sql, "account");
  if (!columns.has("stripe_customer")) sql.exec("ALTER TABLE account ADD COLUMN stripe_customer TEXT");
  if (!columns.has("plan_changed_at")) sql.exec("ALTER TABLE account ADD COLUMN plan_changed_at INTEGER");
  if (!columnsOf(sql, "payment_invoices").has("granted")) {
    sql.exec("ALTER TABLE payment_invoices ADD COLUMN granted INTEGER NOT NULL DEFAULT 0");
  }
}

const NOTHING = { changed: 0, owed: 0 };

export class AccountSubscriptions {
  private readonly ledger: AccountLedger;
  private readonly payments: AccountPayments;

  constructor(ledger: AccountLedger, payments: AccountPayments) {
    this.ledger = ledger;
    this.payments = payments;
    for (const statement of SCHEMA) ledger.sql.exec(statement);
    migrate(ledger.sql);
  }

  /** Sets the plan unless a later change was applied; true when it was set. */
  private applyPlan(plan: string | null, changedAt: number): boolean {
    const last = this.ledger.one<{ at: number | null }>("SELECT plan_changed_at AS at FROM account WHERE one = 1");
    if (last?.at != null && changedAt < last.at) return false;
    this.ledger.sql.exec("UPDATE account SET plan = ?, plan_changed_at = ? WHERE one = 1", plan, changedAt);
    return true;
  }

  planAllowance(accountId: string, request: PlanAllowanceRequest, now: number): PaymentResult {
    const replay = this.payments.seen(accountId, request.event_id, now);
    if (replay) return replay;
    if (!this.ledger.account()) return { status: "account_not_found" };
    const applied = (plan: boolean) => (plan ? "" : "; a later plan change was already applied");
    const record = (note: string) => ({ ...request, reference: request.invoice_id, note });
    const earlier = this.ledger.one<{ event_id: string }>(
      "SELECT event_id FROM payment_invoices WHERE id = ?",
      request.invoice_id,
    );
    if (earlier) return this.payments.note(accountId, record(`invoice already granted`), "unchanged", NOTHING, now);
    if (request.amount_micros > Number.MAX_SAFE_INTEGER - this.ledger.balanceMicros()) {
      return this.payments.note(accountId, record(`plan ${request.plan_id}`), "limit_exceeded", NOTHING, now);
    }
    this.ledger.sql.exec(
      "INSERT INTO payment_invoices (id, event_id, granted) VALUES (?, ?, ?)",
      request.invoice_id,
      request.event_id,
      request.amount_micros,
    );
    const plan = this.applyPlan(request.plan_id, request.changed_at);
    let collected = 0;
    if (request.amount_micros > 0) {
      const reference = `stripe:${request.invoice_id}`;
      this.payments.entry(
        accountId,
        request,
        { amount: request.amount_micros, reason: "plan_allowance", reference },
        now,
      );
      collected = this.payments.collect(accountId, request, now);
    }
    const moved = { changed: request.amount_micros - collected, owed: -collected };
    return this.payments.note(accountId, record(`plan ${request.plan_id}${applied(plan)}`), "granted", moved, now);
  }

  setPlan(accountId: string, request: PlanChangeRequest, now: number): PaymentResult {
    const replay = this.payments.seen(accountId, request.event_id, now);
    if (replay) return replay;
    if (!this.ledger.account()) return { status: "account_not_found" };
    const outcome = this.applyPlan(request.plan_id, request.changed_at) ? "plan_changed" : "stale";
    return this.payments.note(accountId, request, outcome, NOTHING, now);
  }

  customer(): string | null {
    return (
      this.ledger.one<{ customer: string | null }>("SELECT stripe_customer AS customer FROM account WHERE one = 1")
        ?.customer ?? null
    );
  }

  linkCustomer(
    customerId: string,
  ): { status: "linked" | "kept"; customer_id: string } | { status: "account_not_found" } {
    if (!this.ledger.account()) return { status: "account_not_found" };
    const current = this.customer();
    if (current !== null) return { status: "kept", customer_id: current };
    this.ledger.sql.exec("UPDATE account SET stripe_customer = ? WHERE one = 1", customerId);
    return { status: "linked", customer_id: customerId };
  }
}
