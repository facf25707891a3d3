import { buildReport } from "../../analytics/report.ts";
import { ApiError } from "../../lib/errors.ts";
import { DAY_MS, utcDay } from "../../lib/time.ts";
import type { AppRouteHandler } from "../../lib/types.ts";
import type { getAnalytics } from "./analytics.routes.ts";

const MAX_DAYS = 366;
const DEFAULT_DAYS = 30;
const TOP_ACCOUNTS = 10;

/** A real calendar day (2026-02-30 is not), as ms at its midnight UTC. */
function dayAt(value: string, param: "from" | "to"): number {
  const at = Date.parse(`${value}T00:00:00Z`);
  if (!Number.isFinite(at) || utcDay(at) !== value) {
    throw new ApiError("INVALID_REQUEST", `'${param}' must be a date, YYYY-MM-DD.`, { param });
  }
  return at;
}

export const analytics: AppRouteHandler<typeof getAnalytics> = async (c) => {
  const query = c.req.valid("query");
  const { store, now, plans, pricing } = c.var.services;
  const to = query.to ?? utcDay(now());
  const end = dayAt(to, "to");
  const from = query.from ?? utcDay(end - (DEFAULT_DAYS - 1) * DAY_MS);
  const start = dayAt(from, "from");
  if (start > end) throw new ApiError("INVALID_REQUEST", "'from' must not be after 'to'.", { param: "from" });
  if ((end - start) / DAY_MS + 1 > MAX_DAYS) {
    throw new ApiError("INVALID_REQUEST", `'to' must be at most ${MAX_DAYS} days from 'from', both included.`, {
      param: "to",
    });
  }
  const data = await store.analytics.read(from, to, TOP_ACCOUNTS);
  const report = buildReport(data, { from, to, groupBy: query.group_by, plans, usdPerCredit: pricing.usdPerCredit });
  return c.json(report, 200);
};
