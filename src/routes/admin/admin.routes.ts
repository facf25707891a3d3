import { createRoute, z } from "@hono/zod-openapi";
import { MAX_CREDITS_PER_STEP } from "../../lib/money.ts";
import { BODY_ERRORS, errorResponses, idempotencyKeyHeaders, jsonBody, jsonContent } from "../../lib/openapi.ts";
import { safeText } from "../../lib/validation.ts";
import { ApiKeyWithSecretSchema, KeyLabelSchema, KeyNameSchema } from "../keys/keys.schemas.ts";
import { ADMIN_SECURITY } from "../security.ts";

const tags = ["Admin"];
const ADMIN_ERRORS = ["INVALID_ADMIN_SECRET", "NOT_FOUND", "STORE_UNAVAILABLE"] as const;

export const AddCreditsBodySchema = z
  .object({
    apiKey: z.string().optional().openapi({
      description: "Grant to the account of this key; an unknown key is imported and gets a new account",
      example: "test-key-123",
    }),
    accountId: safeText(z.string().min(1).max(128)).optional().openapi({ example: "acct_8c1f2e3d4a5b6c7d8e9f" }),
    credits: z.number().positive().max(MAX_CREDITS_PER_STEP).openapi({
      description:
        "Credits to add, up to 6 decimals. A grant that would take the balance past 9007199254.740991 credits (2^53 - 1 µcr, the most held exactly) is refused with 400.",
      example: 10000,
    }),
  })
  .superRefine((body, ctx) => {
    if ((body.apiKey === undefined) === (body.accountId === undefined)) {
      ctx.addIssue({ code: "custom", path: ["apiKey"], message: "Give exactly one of apiKey or accountId" });
    }
  })
  .openapi("AddCreditsRequest");

export const GrantSchema = z
  .object({
    account_id: z.string(),
    granted_micros: z.number().int().openapi({ example: 10_000_000_000 }),
    credits: z.number().openapi({ description: "Credits available after the grant", example: 10000 }),
    credits_micros: z.number().int(),
    entry_id: z
      .string()
      .openapi({ description: "The ledger entry of this grant", example: "le_0123456789abcdef01234567" }),
    replayed: z.boolean().openapi({ description: "True when this Idempotency-Key was already applied" }),
  })
  .openapi("Grant");

export const AccountSchema = z
  .object({
    id: z.string().openapi({ example: "acct_8c1f2e3d4a5b6c7d8e9f" }),
    source: z.enum(["key", "rapidapi"]),
    plan: z.string().nullable(),
    created_at: z.string().openapi({ format: "date-time" }),
    key: ApiKeyWithSecretSchema,
  })
  .openapi("AccountWithKey");

export const addCredits = createRoute({
  method: "post",
  path: "/admin/add-credits",
  tags,
  operationId: "adminAddCredits",
  summary: "Grant credits to an account",
  description:
    "Writes an `admin_grant` ledger entry. Send an `Idempotency-Key` header to make retries safe: a key that was already applied to the account applies nothing.",
  security: ADMIN_SECURITY,
  request: {
    headers: idempotencyKeyHeaders("grant-2026-11-24-001"),
    body: jsonBody(AddCreditsBodySchema, "Whom to credit, and how much"),
  },
  responses: {
    200: jsonContent(GrantSchema, "The grant (or the earlier one it replays)"),
    ...errorResponses(...ADMIN_ERRORS, ...BODY_ERRORS),
  },
});

export const createAccount = createRoute({
  method: "post",
  path: "/admin/accounts",
  tags,
  operationId: "adminCreateAccount",
  summary: "Create an account with its first key",
  security: ADMIN_SECURITY,
  request: {
    body: {
      required: false,
      content: {
        "application/json": {
          schema: z.object({ key_name: KeyLabelSchema.optional() }),
        },
      },
    },
  },
  responses: {
    201: jsonContent(AccountSchema, "The account and its first key, with the secret"),
    ...errorResponses(...ADMIN_ERRORS, ...BODY_ERRORS),
  },
});

export const createAccountKey = createRoute({
  method: "post",
  path: "/admin/accounts/{id}/keys",
  tags,
  operationId: "adminCreateAccountKey",
  summary: "Create a key for an account",
  security: ADMIN_SECURITY,
  request: {
    params: z.object({
      id: safeText(z.string().min(1).max(128)).openapi({ param: { name: "id", in: "path" } }),
    }),
    body: { required: false, content: { "application/json": { schema: KeyNameSchema } } },
  },
  responses: {
    201: jsonContent(ApiKeyWithSecretSchema, "The new key, with its secret"),
    ...errorResponses(...ADMIN_ERRORS, ...BODY_ERRORS),
  },
});
