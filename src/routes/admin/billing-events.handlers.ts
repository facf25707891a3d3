import { ApiError } from "../../lib/errors.ts";
import { isoTime } from "../../lib/money.ts";
import type { AppRouteHandler } from "../../lib/types.ts";
import type { listPaymentEvents } from "./billing-events.routes.ts";

export const paymentEvents: AppRouteHandler<typeof listPaymentEvents> = async (c) => {
  const { account_id, unassigned, limit } = c.req.valid("query");
  if ((account_id === undefined) === (unassigned === undefined)) {
    throw new ApiError("INVALID_REQUEST", "Give exactly one of account_id or unassigned=1.", { param: "account_id" });
  }
  const { events, standing } = await c.var.services.store.payments.events(account_id ?? null, limit);
  return c.json(
    {
      object: "list" as const,
      data: events.map((event) => ({ ...event, created_at: isoTime(event.created_at) as string })),
      owed_micros: standing.owed_micros,
      disputed_at: isoTime(standing.disputed_at),
    },
    200,
  );
};
