import { checkoutPrice } from "../../billing/credits-price.ts";
import { sha256Hex } from "../../lib/crypto.ts";
import { ApiError } from "../../lib/errors.ts";
import type { AppRouteHandler } from "../../lib/types.ts";
import type * as routes from "./billing.routes.ts";

export const checkout: AppRouteHandler<typeof routes.checkout> = async (c) => {
  const { store, stripe, now, pricing } = c.var.services;
  const { account_id, key } = c.var.caller;
  const { credits } = c.req.valid("json");
  const price = checkoutPrice(credits, pricing.usdPerCredit);
  if (!price.ok) throw new ApiError("INVALID_REQUEST", `'credits' ${price.reason}.`, { param: "credits" });
  // The account re-checks the key before anyone is sent to pay for it.
  await store.ledger.balance(account_id, now(), key);
  // Without a header, the request id: a client that resends its x-request-id gets the same session.
  const retryKey = c.req.valid("header")["Idempotency-Key"] ?? c.var.requestId;
  const origin = new URL(c.req.url).origin;
  const session = await stripe.checkout({
    account_id,
    credits,
    amount_cents: price.cents,
    product_name: `${credits.toLocaleString("en-US")} credits`,
    // The dashboard is where a customer comes back to, once it exists.
    success_url:
      c.var.config.CHECKOUT_SUCCESS_URL ?? `${origin}/dashboard?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: c.var.config.CHECKOUT_CANCEL_URL ?? `${origin}/dashboard?checkout=cancelled`,
    idempotency_key: `checkout_${await sha256Hex(`${account_id}\n${retryKey}`)}`,
  });
  return c.json(session, 200);
};
