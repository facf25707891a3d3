import { BODY_ERRORS, RATE_LIMIT_HEADERS } from "../lib/openapi.ts";

/** Every metered route can answer these (auth, money, model, provider, store). */
export const METERED_ERRORS = [
  ...BODY_ERRORS,
  "MISSING_API_KEY",
  "INVALID_API_KEY",
  "INSUFFICIENT_CREDITS",
  "FORBIDDEN",
  "MODEL_NOT_FOUND",
  "MODEL_RETIRED",
  "PROVIDER_ERROR",
  "PROVIDER_RATE_LIMITED",
  "RATE_LIMITED",
  "PROVIDER_NOT_CONFIGURED",
  "STORE_UNAVAILABLE",
  "PROVIDER_TIMEOUT",
] as const;

/** The headers of a metered answer, documented once for every metered route. */
export const METERED_HEADERS = {
  ...RATE_LIMIT_HEADERS,
  "x-request-id": { schema: { type: "string" as const }, description: "This call's id, also in the ledger" },
  "x-credits-charged": {
    schema: { type: "string" as const },
    description: "Credits charged for this call, exactly (answers whose charge is known before they are sent)",
  },
  "x-credits-remaining": {
    schema: { type: "string" as const },
    description:
      "Credits left to spend after this call. On a chat stream (server-sent events) it is sent before the call is charged: the balance with this call's hold (its largest possible cost) still taken; the exact charge is in GET /v1/usage. Audio answers are charged before their first byte, so theirs is final.",
  },
};
