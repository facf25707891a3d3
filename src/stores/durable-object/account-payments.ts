import { shareMicros } from "../../lib/money.ts";
import {
  type PaymentAdjustment,
  type PaymentEventRecord,
  type PaymentOutcome,
  type PaymentResult,
  type PaymentStanding,
  type PurchaseRequest,
  paymentReference,
  type RecordRequest,
} from "../payment-ports.ts";
import type { AccountLedger } from "./account-ledger.ts";
import type { NewEntry } from "./ledger-rows.ts";

/** Payment intents, disputes, granted sessions and the provider events seen, in an account object. */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS payments (
    intent TEXT PRIMARY KEY,
    paid_cents INTEGER NOT NULL DEFAULT 0,
    granted INTEGER NOT NULL DEFAULT 0,
    refunded INTEGER NOT NULL DEFAULT 0,
    disputed INTEGER NOT NULL DEFAULT 0,
    clawed INTEGER NOT NULL DEFAULT 0,
    owed INTEGER NOT NULL DEFAULT 0
  )`,
  "CREATE TABLE IF NOT EXISTS disputes (id TEXT PRIMARY KEY, target INTEGER NOT NULL, won INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS payment_sessions (id TEXT PRIMARY KEY, event_id TEXT NOT NULL)",
  `CREATE TABLE IF NOT EXISTS payment_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    account_id TEXT,
    reference TEXT,
    outcome TEXT NOT NULL,
    changed INTEGER NOT NULL,
    owed INTEGER NOT NULL,
    note TEXT,
    created_at INTEGER NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS standing (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    owed INTEGER NOT NULL DEFAULT 0,
    disputed_at INTEGER
  )`,
  "INSERT OR IGNORE INTO standing (one) VALUES (1)",
];

type PaymentRow = {
  paid_cents: number;
  granted: number;
  refunded: number;
  disputed: number;
  clawed: number;
  owed: number;
};
type EventRow = Omit<PaymentEventRecord, "changed_micros" | "owed_micros"> & { changed: number; owed: number };
type Moved = { changed: number; owed: number };

const ENTRY_DEFAULTS = {
  request_id: null,
  provider: null,
  model: null,
  usage: null,
  cost_usd: null,
  uncollected: null,
};

/** The payments side of an account object; every method runs inside one of the object's transactions (AccountSubscriptions shares its event records and entries). */
export class AccountPayments {
  private readonly ledger: AccountLedger;

  constructor(ledger: AccountLedger) {
    this.ledger = ledger;
    for (const statement of SCHEMA) ledger.sql.exec(statement);
  }

  seen(accountId: string | null, eventId: string, now: number): PaymentResult | null {
    const row = this.ledger.one<EventRow>("SELECT * FROM payment_events WHERE event_id = ?", eventId);
    if (!row) return null;
    const balance = this.ledger.snapshot(accountId ?? "", now);
    return { status: "replayed", outcome: row.outcome, changed_micros: row.changed, owed_micros: row.owed, balance };
  }

  note(
    accountId: string | null,
    request: RecordRequest,
    outcome: PaymentOutcome,
    moved: Moved,
    now: number,
  ): PaymentResult {
    this.ledger.sql.exec(
      `INSERT INTO payment_events (event_id, event_type, account_id, reference, outcome, changed, owed, note, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      request.event_id,
      request.event_type,
      accountId,
      request.reference,
      outcome,
      moved.changed,
      moved.owed,
      request.note,
      now,
    );
    const balance = this.ledger.snapshot(accountId ?? "", now);
    return { status: "applied", outcome, changed_micros: moved.changed, owed_micros: moved.owed, balance };
  }

  private payment(intent: string, paidCents: number): PaymentRow {
    this.ledger.sql.exec("INSERT OR IGNORE INTO payments (intent, paid_cents) VALUES (?, ?)", intent, paidCents);
    return this.ledger.one<PaymentRow>("SELECT * FROM payments WHERE intent = ?", intent) as PaymentRow;
  }

  /** A payment entry, guarded by the event id and the entry's kind (an event writes each kind at most once). */
  entry(
    accountId: string,
    event: { event_id: string; amount_paid_cents: number },
    fields: Pick<NewEntry, "amount" | "reason" | "reference"> & { uncollected?: number },
    now: number,
    kind: string = fields.reason,
  ) {
    const key = `payment:${event.event_id}:${kind}`;
    const paid = event.amount_paid_cents;
    this.ledger.write(accountId, { ...ENTRY_DEFAULTS, ...fields, idempotency_key: key, paid_cents: paid }, now);
  }

  /**
   * Brings what was taken back for a payment intent (clawed + owed) to what is due now: takes what
   * the balance holds and records the rest as owed, or, when less is due, cancels what is owed first
   * and gives back the rest.
   */
  private reconcile(
    accountId: string,
    intent: string,
    event: { event_id: string; amount_paid_cents: number },
    reference: string,
    now: number,
  ): Moved {
    const p = this.ledger.one<PaymentRow>("SELECT * FROM payments WHERE intent = ?", intent) as PaymentRow;
    const delta = Math.min(p.granted, p.refunded + p.disputed) - (p.clawed + p.owed);
    let moved: Moved = { changed: 0, owed: 0 };
    if (delta > 0) {
      const take = Math.min(delta, Math.max(0, this.ledger.balanceMicros()));
      moved = { changed: -take, owed: delta - take };
      if (take > 0) this.entry(accountId, event, { amount: -take, reason: "clawback", reference }, now);
      if (delta > take) {
        const shortfall = { amount: 0, reason: "uncollected" as const, reference, uncollected: delta - take };
        this.entry(accountId, event, shortfall, now);
      }
    } else if (delta < 0) {
      const forgiven = Math.min(p.owed, -delta);
      moved = { changed: -delta - forgiven, owed: -forgiven };
      this.entry(accountId, event, { amount: moved.changed, reason: "reversal", reference }, now);
    }
    this.ledger.sql.exec(
      "UPDATE payments SET clawed = clawed - ?, owed = owed + ? WHERE intent = ?",
      moved.changed,
      moved.owed,
      intent,
    );
    this.ledger.sql.exec("UPDATE standing SET owed = owed + ? WHERE one = 1", moved.owed);
    return moved;
  }

  /** What earlier claw-backs left owed is taken from a new purchase, payment intents in id order. */
  collect(accountId: string, event: { event_id: string; amount_paid_cents: number }, now: number): number {
    const owed = this.ledger.one<{ owed: number }>("SELECT owed FROM standing WHERE one = 1")?.owed ?? 0;
    const take = Math.min(owed, Math.max(0, this.ledger.balanceMicros()));
    if (take <= 0) return 0;
    let left = take;
    const { sql } = this.ledger;
    for (const row of sql
      .exec<{ intent: string; owed: number }>("SELECT intent, owed FROM payments WHERE owed > 0 ORDER BY intent")
      .toArray()) {
      const part = Math.min(row.owed, left);
      sql.exec("UPDATE payments SET owed = owed - ?, clawed = clawed + ? WHERE intent = ?", part, part, row.intent);
      left -= part;
      if (left === 0) break;
    }
    sql.exec("UPDATE standing SET owed = owed - ? WHERE one = 1", take);
    this.entry(accountId, event, { amount: -take, reason: "clawback", reference: "stripe:owed" }, now, "collect");
    return take;
  }

  purchase(accountId: string, request: PurchaseRequest, now: number): PaymentResult {
    const replay = this.seen(accountId, request.event_id, now);
    if (replay) return replay;
    if (!this.ledger.account()) return { status: "account_not_found" };
    const record = { ...request, reference: request.session_id, note: null };
    const earlier = this.ledger.one<{ event_id: string }>(
      "SELECT event_id FROM payment_sessions WHERE id = ?",
      request.session_id,
    );
    if (earlier) return this.note(accountId, record, "unchanged", { changed: 0, owed: 0 }, now);
    if (request.amount_micros > Number.MAX_SAFE_INTEGER - this.ledger.balanceMicros()) {
      return this.note(accountId, record, "limit_exceeded", { changed: 0, owed: 0 }, now);
    }
    this.ledger.sql.exec(
      "INSERT INTO payment_sessions (id, event_id) VALUES (?, ?)",
      request.session_id,
      request.event_id,
    );
    const intent = request.payment_intent ?? request.session_id;
    this.payment(intent, request.amount_paid_cents);
    this.ledger.sql.exec(
      "UPDATE payments SET granted = granted + ?, paid_cents = ? WHERE intent = ?",
      request.amount_micros,
      request.amount_paid_cents,
      intent,
    );
    const reference = paymentReference(request.session_id);
    this.entry(accountId, request, { amount: request.amount_micros, reason: "purchase", reference }, now);
    const clawed = this.reconcile(accountId, intent, request, paymentReference(intent), now);
    const collected = this.collect(accountId, request, now);
    const moved = { changed: request.amount_micros + clawed.changed - collected, owed: clawed.owed - collected };
    return this.note(accountId, record, "granted", moved, now);
  }

  /**
   * A subscription invoice's payment stands for the allowance the invoice granted (payment_invoices,
   * account-subscriptions.ts): linked once, while the payment intent has nothing granted. Null when
   * the store has not granted the invoice (yet).
   */
  private invoiceAllowance(intent: string, invoiceId: string, paidCents: number): number | null {
    const invoice = this.ledger.one<{ granted: number }>(
      "SELECT granted FROM payment_invoices WHERE id = ?",
      invoiceId,
    );
    if (!invoice) return null;
    this.ledger.sql.exec(
      "UPDATE payments SET granted = ?, paid_cents = ? WHERE intent = ? AND granted = 0",
      invoice.granted,
      paidCents,
      intent,
    );
    return invoice.granted;
  }

  adjust(accountId: string, adjustment: PaymentAdjustment, now: number): PaymentResult {
    const replay = this.seen(accountId, adjustment.event_id, now);
    if (replay) return replay;
    if (!this.ledger.account()) return { status: "account_not_found" };
    const intent = adjustment.payment_intent;
    const { sql } = this.ledger;
    const payment = this.payment(intent, adjustment.amount_paid_cents);
    const invoice = adjustment.invoice_id;
    const allowance =
      invoice === undefined ? null : this.invoiceAllowance(intent, invoice, adjustment.amount_paid_cents);
    // An invoice's payment: the share of its allowance, whatever the Worker computed.
    const target = (micros: number, cents: number) =>
      invoice === undefined ? micros : shareMicros(allowance ?? 0, cents, adjustment.amount_paid_cents);
    let reference = paymentReference(intent, "refund");
    if (adjustment.kind === "refund") {
      const refunded = target(adjustment.target_micros, adjustment.refunded_cents);
      sql.exec("UPDATE payments SET refunded = MAX(refunded, ?) WHERE intent = ?", refunded, intent);
    } else {
      reference = paymentReference(adjustment.dispute_id, "dispute");
      const dispute = this.ledger.one<{ target: number; won: number }>(
        "SELECT target, won FROM disputes WHERE id = ?",
        adjustment.dispute_id,
      );
      if (adjustment.kind === "dispute") {
        sql.exec("UPDATE standing SET disputed_at = COALESCE(disputed_at, ?) WHERE one = 1", now);
        if (!dispute) {
          const disputed = target(adjustment.target_micros, adjustment.disputed_cents);
          sql.exec("INSERT INTO disputes (id, target, won) VALUES (?, ?, 0)", adjustment.dispute_id, disputed);
          sql.exec("UPDATE payments SET disputed = disputed + ? WHERE intent = ?", disputed, intent);
        }
      } else if (!dispute) {
        // Won before it was seen opening: its opening, if it comes, takes nothing.
        sql.exec("INSERT INTO disputes (id, target, won) VALUES (?, 0, 1)", adjustment.dispute_id);
      } else if (!dispute.won) {
        sql.exec("UPDATE disputes SET won = 1 WHERE id = ?", adjustment.dispute_id);
        sql.exec("UPDATE payments SET disputed = disputed - ? WHERE intent = ?", dispute.target, intent);
      }
    }
    const moved = this.reconcile(accountId, intent, adjustment, reference, now);
    let outcome: PaymentOutcome = "unchanged";
    if (invoice === undefined ? payment.granted === 0 : allowance === null) outcome = "pending";
    else if (moved.changed < 0 || moved.owed > 0) outcome = "clawed_back";
    else if (moved.changed > 0 || moved.owed < 0) outcome = "reversed";
    const record = {
      ...adjustment,
      reference: adjustment.kind === "refund" ? intent : adjustment.dispute_id,
      note: null,
    };
    return this.note(accountId, record, outcome, moved, now);
  }

  record(accountId: string | null, request: RecordRequest, now: number): "recorded" | "replayed" | "account_not_found" {
    if (this.seen(accountId, request.event_id, now)) return "replayed";
    if (accountId !== null && !this.ledger.account()) return "account_not_found";
    this.note(accountId, request, "recorded", { changed: 0, owed: 0 }, now);
    return "recorded";
  }

  events(limit: number): { events: PaymentEventRecord[]; standing: PaymentStanding } {
    const events = this.ledger.sql
      .exec<EventRow>("SELECT * FROM payment_events ORDER BY seq DESC LIMIT ?", limit)
      .toArray()
      .map(({ changed, owed, ...row }) => ({
        event_id: row.event_id,
        event_type: row.event_type,
        account_id: row.account_id,
        reference: row.reference,
        outcome: row.outcome,
        changed_micros: changed,
        owed_micros: owed,
        note: row.note,
        created_at: row.created_at,
      }));
    const standing = this.ledger.one<{ owed: number; disputed_at: number | null }>(
      "SELECT owed, disputed_at FROM standing WHERE one = 1",
    );
    return { events, standing: { owed_micros: standing?.owed ?? 0, disputed_at: standing?.disputed_at ?? null } };
  }
}
