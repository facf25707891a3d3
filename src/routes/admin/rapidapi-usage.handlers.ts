import { ApiError } from "../../lib/errors.ts";
import type { AppRouteHandler } from "../../lib/types.ts";
import type { rapidApiUsage } from "./rapidapi-usage.routes.ts";

const MAX_DAYS = 366;

export const rapidApiUsageReport: AppRouteHandler<typeof rapidApiUsage> = async (c) => {
  const { user, from, to } = c.req.valid("query");
  const span = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
  if (!Number.isFinite(span) || span < 0 || span >= MAX_DAYS) {
    throw new ApiError("INVALID_REQUEST", `'to' must be a valid date from 'from', at most ${MAX_DAYS} days on.`, {
      param: "to",
    });
  }
  const { store, now } = c.var.services;
  const accountId = `rapidapi:${user}`;
  const [days, balance] = await Promise.all([
    store.rapidapi.report(accountId, from, to),
    store.ledger.balance(accountId, now(), null),
  ]);
  const totals = days.reduce(
    (sum, day) => ({
      calls: sum.calls + day.calls,
      accrued_micros: sum.accrued_micros + day.accrued_micros,
      billed_credits: sum.billed_credits + day.billed_credits,
    }),
    { calls: 0, accrued_micros: 0, billed_credits: 0 },
  );
  return c.json({ user, account_id: accountId, from, to, days, totals, unbilled_micros: balance.unbilled_micros }, 200);
};
