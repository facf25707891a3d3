import { ApiError } from "../../lib/errors.ts";
import { creditsNumber, isoTime } from "../../lib/money.ts";
import { DAY_MS, startOfUtcDay } from "../../lib/time.ts";
import type { AppRouteHandler } from "../../lib/types.ts";
import type { LedgerEntry } from "../../stores/ports.ts";
import type { getUsage } from "./usage.routes.ts";

const encodeCursor = (seq: number) => btoa(`s${seq}`).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");

function decodeCursor(cursor: string): number {
  try {
    const match = /^s(\d{1,15})$/.exec(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
    if (match) return Number(match[1]);
  } catch {
    // fall through to the error
  }
  throw new ApiError("INVALID_REQUEST", "'cursor' is not a cursor from an earlier page.", { param: "cursor" });
}

/** Customers see what they were charged and why; the provider's USD cost stays with the operator. */
function toPublicEntry(entry: LedgerEntry) {
  return {
    id: entry.id,
    amount_micros: entry.amount_micros,
    credits: creditsNumber(entry.amount_micros),
    reason: entry.reason,
    reference: entry.reference,
    created_at: isoTime(entry.created_at) as string,
    balance_after_micros: entry.balance_after_micros,
    request_id: entry.request_id ?? null,
    provider: entry.provider ?? null,
    model: entry.model ?? null,
    usage: entry.usage ?? null,
    uncollected_micros: entry.uncollected_micros ?? null,
    amount_paid_cents: entry.amount_paid_cents ?? null,
  };
}

export const usage: AppRouteHandler<typeof getUsage> = async (c) => {
  const { limit, cursor, days } = c.req.valid("query");
  const { store, now } = c.var.services;
  const { account_id: account, key } = c.var.caller;
  const before = cursor === undefined ? undefined : decodeCursor(cursor);
  const today = startOfUtcDay(now());
  const [entries, daily] = await Promise.all([
    store.ledger.entries(account, { before, limit: limit + 1 }, key),
    store.ledger.daily(account, today - (days - 1) * DAY_MS, key),
  ]);
  const page = entries.slice(0, limit);
  const last = page.at(-1);
  return c.json(
    {
      object: "list" as const,
      data: page.map(toPublicEntry),
      next_cursor: entries.length > limit && last ? encodeCursor(last.seq) : null,
      daily,
    },
    200,
  );
};
