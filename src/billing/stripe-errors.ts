import Stripe from "stripe";
import { ApiError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";

/** Stripe's failures as the gateway's codes; Stripe's own words stay in the log (they can quote the key's tail). */
export function stripeFailure(error: unknown, op: string): ApiError {
  if (!(error instanceof Stripe.errors.StripeError)) return error instanceof ApiError ? error : toInternal(error);
  log("error", "stripe request failed", { op, type: error.type, status: error.statusCode, code: error.code });
  if (error instanceof Stripe.errors.StripeIdempotencyError) {
    return new ApiError(
      "INVALID_REQUEST",
      "This Idempotency-Key was already used for a different checkout; send a new one.",
      { param: "Idempotency-Key" },
    );
  }
  if (error instanceof Stripe.errors.StripeRateLimitError) {
    return new ApiError("PROVIDER_RATE_LIMITED", "Stripe is rate limiting the gateway; retry shortly.");
  }
  if (error instanceof Stripe.errors.StripeConnectionError && timedOut(error)) {
    return new ApiError(
      "PROVIDER_TIMEOUT",
      "Stripe did not answer in time; nothing was charged yet. Retry shortly: a retry is safe.",
      { cause: error },
    );
  }
  const healing = error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeAPIError;
  return new ApiError(
    "PROVIDER_ERROR",
    healing
      ? "Stripe could not be reached or failed; nothing was charged. Retry shortly."
      : "Stripe refused the gateway's request; the operator must check the Stripe configuration.",
    { retry: healing, cause: error },
  );
}

/** The library's own timeout (`timeout` in its config) reaches us as a connection error whose cause is ETIMEDOUT. */
function timedOut(error: InstanceType<typeof Stripe.errors.StripeConnectionError>): boolean {
  const detail = (error as { detail?: unknown }).detail;
  return typeof detail === "object" && detail !== null && (detail as { code?: unknown }).code === "ETIMEDOUT";
}

function toInternal(error: unknown): ApiError {
  return new ApiError("INTERNAL_ERROR", "Internal error while talking to Stripe.", { cause: error });
}
