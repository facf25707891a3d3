import { creditsNumber } from "../../lib/money.ts";
import type { AppRouteHandler } from "../../lib/types.ts";
import type { getBalance } from "./balance.routes.ts";

export const balance: AppRouteHandler<typeof getBalance> = async (c) => {
  const caller = c.var.caller;
  const b = await c.var.services.store.ledger.balance(caller.account_id, c.var.services.now(), caller.key);
  if (caller.source === "rapidapi") {
    return c.json(
      {
        account_id: caller.account_id,
        credits: null,
        credits_micros: null,
        held_micros: 0,
        source: "rapidapi" as const,
        plan: caller.plan,
        // A subscriber's account holds no credits: each call's cost is a usage entry against it.
        accrued_micros: -b.balance_micros,
        unbilled_micros: b.unbilled_micros,
      },
      200,
    );
  }
  const available = b.balance_micros - b.held_micros;
  return c.json(
    {
      account_id: caller.account_id,
      credits: creditsNumber(available),
      credits_micros: available,
      held_micros: b.held_micros,
      source: "key" as const,
      plan: null,
    },
    200,
  );
};
