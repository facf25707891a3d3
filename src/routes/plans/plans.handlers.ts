import type { AppRouteHandler } from "../../lib/types.ts";
import { RAPIDAPI_BILLING_HEADER } from "../../metering/rapidapi-meter.ts";
import type { listPlans } from "./plans.routes.ts";

export const plans: AppRouteHandler<typeof listPlans> = (c) => {
  const table = c.var.services.plans;
  const listed = c.req.valid("query").all === "true" ? table.plans : table.onSale();
  // The Stripe price id stays inside: a plan only says whether it can be bought.
  const data = listed.map((plan) => ({
    id: plan.id,
    name: plan.name,
    requests_per_minute: plan.requests_per_minute,
    concurrent_requests: plan.concurrent_requests,
    monthly_allowance_credits: plan.monthly_allowance_credits,
    purchasable: plan.stripe_price_id !== null && plan.on_sale,
    on_sale: plan.on_sale,
    default: plan.id === table.defaultPlan.id,
  }));
  // Public, so no authentication ran; through RapidAPI's proxy it still says it bills nothing.
  if (c.req.header("x-rapidapi-proxy-secret") !== undefined) {
    c.header(RAPIDAPI_BILLING_HEADER, `${c.var.config.RAPIDAPI_BILLING_OBJECT}=0`);
  }
  return c.json({ object: "list" as const, data, default_plan: table.defaultPlan.id }, 200);
};
