import { checkoutPrice } from "../../billing/credits-price.ts";
import { captureForAccount } from "../../billing/paypal-capture.ts";
import { sha256Hex } from "../../lib/crypto.ts";
import { ApiError } from "../../lib/errors.ts";
import type { AppRouteHandler } from "../../lib/types.ts";
import type * as routes from "./paypal.routes.ts";

export const createOrder: AppRouteHandler<typeof routes.createOrder> = async (c) => {
  const { store, paypal, now, pricing } = c.var.services;
  const { account_id, key } = c.var.caller;
  const { credits } = c.req.valid("json");
  const price = checkoutPrice(credits, pricing.usdPerCredit);
  if (!price.ok) throw new ApiError("INVALID_REQUEST", `'credits' ${price.reason}.`, { param: "credits" });
  // The account re-checks the key before anyone is sent to pay for it.
  await store.ledger.balance(account_id, now(), key);
  // Without a header, the request id: a client that resends its x-request-id gets the same order.
  const retryKey = c.req.valid("header")["Idempotency-Key"] ?? c.var.requestId;
  const origin = new URL(c.req.url).origin;
  const order = await paypal.createOrder({
    account_id,
    credits,
    amount_cents: price.cents,
    description: `${credits.toLocaleString("en-US")} credits`,
    // PayPal appends token=<order id>: the dashboard captures the order when the buyer comes back.
    return_url: `${origin}/dashboard?paypal=approved`,
    cancel_url: `${origin}/dashboard?paypal=cancelled`,
    // The credits are part of the key: the same Idempotency-Key for another purchase is another order.
    request_id: `order-${await sha256Hex(`${account_id}\n${credits}\n${retryKey}`)}`,
  });
  return c.json(order, 200);
};

export const captureOrder: AppRouteHandler<typeof routes.captureOrder> = async (c) => {
  const { store, paypal, now } = c.var.services;
  const { account_id, key } = c.var.caller;
  await store.ledger.balance(account_id, now(), key);
  const answer = await captureForAccount({ store, paypal, now }, account_id, c.req.valid("param").id);
  return c.json(answer, 200);
};
