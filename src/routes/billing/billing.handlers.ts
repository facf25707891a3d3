import type { Context } from "hono";
import { checkoutPrice } from "../../billing/credits-price.ts";
import { sha256Hex } from "../../lib/crypto.ts";
import { ApiError } from "../../lib/errors.ts";
import type { AppRouteHandler, HonoEnv } from "../../lib/types.ts";
import type * as routes from "./billing.routes.ts";

const returnUrls = (c: Context<HonoEnv>) => {
  const origin = new URL(c.req.url).origin;
  // The dashboard is where a customer comes back to, once it exists.
  return {
    success_url:
      c.var.config.CHECKOUT_SUCCESS_URL ?? `${origin}/dashboard?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: c.var.config.CHECKOUT_CANCEL_URL ?? `${origin}/dashboard?checkout=cancelled`,
  };
};

/** The account's Stripe customer: the stored one, else one created now (one per account, however many checkouts race). */
async function customerOf(c: Context<HonoEnv>, accountId: string, stored: string | null): Promise<string> {
  if (stored !== null) return stored;
  const { store, stripe } = c.var.services;
  const created = await stripe.createCustomer(accountId);
  const linked = await store.payments.linkCustomer(accountId, created);
  return linked.status === "account_not_found" ? created : linked.customer_id;
}

export const checkout: AppRouteHandler<typeof routes.checkout> = async (c) => {
  const { store, stripe, now, pricing, plans } = c.var.services;
  const { account_id, key } = c.var.caller;
  const { credits, plan: planId } = c.req.valid("json");
  if ((credits === undefined) === (planId === undefined)) {
    const param = credits === undefined ? "credits" : "plan";
    throw new ApiError(
      "INVALID_REQUEST",
      "Send 'credits' (buy credits once) or 'plan' (subscribe to a plan), exactly one of them.",
      { param },
    );
  }
  // Without a header, the request id: a client that resends its x-request-id gets the same session.
  const retryKey = c.req.valid("header")["Idempotency-Key"] ?? c.var.requestId;

  if (planId !== undefined) {
    const plan = plans.get(planId);
    if (!plan?.on_sale || plan.stripe_price_id === null) {
      const why = plan ? "cannot be bought (it is not on sale, or has no Stripe price here)" : "does not exist";
      throw new ApiError("INVALID_REQUEST", `Plan '${planId}' ${why}; GET /v1/plans lists the plans.`, {
        param: "plan",
      });
    }
    // The account re-checks the key before anyone is sent to pay for it.
    const [, account, stored] = await Promise.all([
      store.ledger.balance(account_id, now(), key),
      store.accounts.get(account_id),
      store.payments.customer(account_id),
    ]);
    if (account?.plan && plans.get(account.plan) && account.plan !== plans.defaultPlan.id) {
      throw new ApiError(
        "INVALID_REQUEST",
        `This account already subscribes to '${account.plan}': change or cancel it in the billing portal (POST /v1/billing/portal).`,
        { param: "plan" },
      );
    }
    const customer = await customerOf(c, account_id, stored);
    const session = await stripe.subscribe({
      account_id,
      plan_id: plan.id,
      price_id: plan.stripe_price_id,
      customer,
      ...returnUrls(c),
      idempotency_key: `subscribe_${await sha256Hex(`${account_id}\n${plan.id}\n${retryKey}`)}`,
    });
    return c.json(session, 200);
  }

  const amount = credits as number;
  const price = checkoutPrice(amount, pricing.usdPerCredit);
  if (!price.ok) throw new ApiError("INVALID_REQUEST", `'credits' ${price.reason}.`, { param: "credits" });
  await store.ledger.balance(account_id, now(), key);
  const session = await stripe.checkout({
    account_id,
    credits: amount,
    amount_cents: price.cents,
    product_name: `${amount.toLocaleString("en-US")} credits`,
    ...returnUrls(c),
    idempotency_key: `checkout_${await sha256Hex(`${account_id}\n${retryKey}`)}`,
  });
  return c.json(session, 200);
};

export const portal: AppRouteHandler<typeof routes.portal> = async (c) => {
  const { store, stripe, now } = c.var.services;
  const { account_id, key } = c.var.caller;
  const [, customer] = await Promise.all([
    store.ledger.balance(account_id, now(), key),
    store.payments.customer(account_id),
  ]);
  if (customer === null) {
    throw new ApiError(
      "NOT_FOUND",
      "This account has no Stripe subscription yet: subscribe first with POST /v1/billing/checkout {plan}.",
    );
  }
  const origin = new URL(c.req.url).origin;
  const session = await stripe.portal({ customer, return_url: `${origin}/dashboard` });
  return c.json(session, 200);
};
