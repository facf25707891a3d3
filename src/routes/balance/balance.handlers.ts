import { creditsNumber } from "../../lib/money.ts";
import type { AppRouteHandler } from "../../lib/types.ts";
import type { getBalance } from "./balance.routes.ts";

export const balance: AppRouteHandler<typeof getBalance> = async (c) => {
  const caller = c.var.caller;
  const { store, plans, now } = c.var.services;
  if (caller.source === "rapidapi") {
    const b = await store.ledger.balance(caller.account_id, now(), caller.key);
    return c.json(
      {
        account_id: caller.account_id,
        credits: null,
        credits_micros: null,
        held_micros: 0,
        source: "rapidapi" as const,
        plan: plans.forRapidApi(caller.plan).id,
        // A subscriber's account holds no credits: each call's cost is a usage entry against it.
        accrued_micros: -b.balance_micros,
        unbilled_micros: b.unbilled_micros,
      },
      200,
    );
  }
  // The limiter's step already read the account's plan (the one its limits came from): no second read.
  const counted = c.var.rateWindow?.plan;
  const [b, recorded] = await Promise.all([
    store.ledger.balance(caller.account_id, now(), caller.key),
    counted ?? store.accounts.get(caller.account_id).then((account) => account?.plan),
  ]);
  const available = b.balance_micros - b.held_micros;
  return c.json(
    {
      account_id: caller.account_id,
      credits: creditsNumber(available),
      credits_micros: available,
      held_micros: b.held_micros,
      source: "key" as const,
      plan: plans.forAccount(recorded).id,
    },
    200,
  );
};
