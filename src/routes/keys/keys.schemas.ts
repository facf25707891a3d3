import { z } from "@hono/zod-openapi";
import { isoTime } from "../../lib/money.ts";
import { safeText } from "../../lib/validation.ts";
import type { KeyRecord } from "../../stores/ports.ts";

export const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: "key_3f9a1c2b7d4e8f60" }),
    name: z.string().openapi({ example: "production" }),
    prefix: z.string().openapi({ description: "The start of the key, to recognise it", example: "aib_Xq3vB9kL" }),
    created_at: z.string().openapi({ format: "date-time", example: "2026-11-24T08:00:00.000Z" }),
    last_used_at: z.string().nullable().openapi({ format: "date-time", description: "To the minute" }),
    revoked_at: z.string().nullable().openapi({ format: "date-time" }),
  })
  .openapi("ApiKey");

export const ApiKeyWithSecretSchema = ApiKeySchema.extend({
  key: z.string().openapi({
    description: "The secret key. Shown only in this answer: store it now.",
    example: "aib_Xq3vB9kLm2Pz7Rt4Wc8Yd1Fg6Hj0Ns5A",
  }),
}).openapi("ApiKeyWithSecret");

/** A key's label, as stored and listed. */
export const KeyLabelSchema = safeText(z.string().trim().min(1).max(64)).openapi({
  description: "1 to 64 characters of well-formed Unicode, without control or bidi override characters",
  example: "production",
});

export const KeyNameSchema = z.object({ name: KeyLabelSchema.optional() });

export const KeyIdParamsSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "key_3f9a1c2b7d4e8f60" }),
});

export function toApiKey(record: KeyRecord): z.infer<typeof ApiKeySchema> {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    created_at: isoTime(record.created_at) as string,
    last_used_at: isoTime(record.last_used_at),
    revoked_at: isoTime(record.revoked_at),
  };
}
