import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonContent } from "../../lib/openapi.ts";
import { ADMIN_SECURITY } from "../security.ts";

const StaleHoldSchema = z.object({
  account_id: z.string().openapi({ example: "acct_3f9a0c1d2e4b5a69" }),
  hold_id: z.string().openapi({ example: "hold_9c1d2e4b5a693f9a0c1d2e4b5a693f9a" }),
  amount_micros: z.number().int().openapi({ description: "What the hold set aside", example: 1_250_000 }),
  expired_at: z.number().int().openapi({ description: "When the hold expired (ms since the epoch)" }),
});

const DeadLetterSchema = z.object({
  id: z.string().openapi({ description: "The queue message id" }),
  attempts: z.number().int(),
  received_at: z.number().int().openapi({ description: "When the dead-letter queue received it (ms since the epoch)" }),
  body: z
    .record(z.string(), z.unknown())
    .nullable()
    .openapi({ description: "The call ending: `kind` (settle, release, accrue), `account_id`, `hold_id`, the charge" }),
});

export const StaleHoldsSchema = z
  .object({
    stale_holds: z.array(StaleHoldSchema),
    dead_letters: z.array(DeadLetterSchema),
  })
  .openapi("StaleHolds");

export const listStaleHolds = createRoute({
  method: "get",
  path: "/admin/holds",
  tags: ["Admin"],
  operationId: "adminStaleHolds",
  summary: "Holds that outlived their calls, and call endings the ledger queue gave up on",
  description:
    "For reconciliation. `stale_holds`: holds past their expiry that no settle or release removed (a call ending still queued while the store was down, or a Worker that died mid-call); they no longer count against the balance and are kept 7 days. `dead_letters`: settles, releases and RapidAPI accruals the ledger queue could not apply after its retries; apply them by hand (each is idempotent by hold id).",
  security: ADMIN_SECURITY,
  request: {
    query: z.object({
      stale: z.enum(["1", "true"]).openapi({ description: "Must be 1: only stale holds are listed", example: "1" }),
      limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({ example: 100 }),
    }),
  },
  responses: {
    200: jsonContent(StaleHoldsSchema, "What is stuck"),
    ...errorResponses("INVALID_ADMIN_SECRET", "NOT_FOUND", "INVALID_REQUEST", "STORE_UNAVAILABLE"),
  },
});
