import { ApiError } from "../lib/errors.ts";
import type { Store } from "../stores/ports.ts";
import type { PayPalOrder } from "./paypal.api-types.ts";
import type { PayPalBilling } from "./paypal.ts";
import { captureEventId, grantCapture, orderFacts } from "./paypal-orders.ts";

export interface CaptureAnswer {
  id: string;
  capture_id: string;
  /** completed: the credits are on the balance (granted now or before). pending: PayPal holds the payment. */
  status: "completed" | "pending";
  credits: number;
}

/** Capture statuses whose money was received (a refund since then is clawed back by its own event). */
const PAID = new Set(["COMPLETED", "PARTIALLY_REFUNDED", "REFUNDED"]);

const declined = () =>
  new ApiError(
    "INVALID_REQUEST",
    "PayPal declined the buyer's payment; send the buyer to approve_url again to choose another way to pay.",
    { param: "id" },
  );

function unapproved(order: PayPalOrder, status = order.status): ApiError {
  const why = status === "VOIDED" ? "was voided" : "is not approved by the buyer yet: send them to approve_url";
  return new ApiError("INVALID_REQUEST", `PayPal order ${order.id} ${why}.`, { param: "id" });
}

async function captured(paypal: PayPalBilling, order: PayPalOrder, notFound: () => ApiError): Promise<PayPalOrder> {
  if (order.status === "COMPLETED") return order;
  if (order.status !== "APPROVED") throw unapproved(order);
  // One request id per order: a retried or concurrent capture answers the same capture.
  const result = await paypal.captureOrder(order.id, `capture-${order.id}`);
  if (result === null) throw notFound();
  if (result === "already_captured") return (await paypal.getOrder(order.id)) ?? Promise.reject(notFound());
  if (result === "declined") throw declined();
  if (result === "not_approved") throw unapproved(order, "CREATED");
  if (result === "unprocessable") {
    throw new ApiError("PROVIDER_ERROR", "PayPal would not capture this order; nothing was granted.", {
      retry: false,
    });
  }
  return result;
}

/**
 * Captures the caller's approved order and grants its credits once (by capture id, whoever reports
 * the capture first: this route or the webhook). Another account's order, or one the gateway did not
 * create, is 404 before anything is captured.
 */
export async function captureForAccount(
  deps: { store: Store; paypal: PayPalBilling; now: () => number },
  accountId: string,
  orderId: string,
): Promise<CaptureAnswer> {
  const notFound = () => new ApiError("NOT_FOUND", `No PayPal order ${orderId} for this account.`);
  const order = await deps.paypal.getOrder(orderId);
  const facts = order && orderFacts(order);
  if (!order || !facts || facts.account_id !== accountId) throw notFound();
  const settled = await captured(deps.paypal, order, notFound);
  const capture = settled.purchase_units[0]?.payments?.captures.at(-1);
  if (!capture) {
    throw new ApiError("PROVIDER_ERROR", "PayPal answered a captured order without its capture; retry shortly.");
  }
  const answer = { id: order.id, capture_id: capture.id, credits: facts.credits };
  if (capture.status === "PENDING") return { ...answer, status: "pending" };
  if (!PAID.has(capture.status)) throw declined();
  const granting = grantCapture(
    deps.store,
    accountId,
    facts,
    capture,
    { event_id: captureEventId(capture.id), event_type: "paypal.order.captured" },
    deps.now(),
  );
  if (!granting) {
    throw new ApiError("PROVIDER_ERROR", "PayPal captured an amount other than the order's; nothing was granted.", {
      retry: false,
    });
  }
  const result = await granting;
  if (result.status === "account_not_found") throw notFound();
  if (result.outcome === "limit_exceeded") {
    throw new ApiError("INVALID_REQUEST", "These credits would take the balance past its limit; nothing was granted.");
  }
  return { ...answer, status: "completed" };
}
