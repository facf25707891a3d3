import { z } from "zod";

/** `{"detail": {"status": "<code>", "message": "..."}}`: ElevenLabs' own errors. */
const DetailObjectSchema = z.object({ status: z.string().optional(), message: z.string().optional() });

/** `{"detail": [{"loc": ["body", "text"], "msg": "...", "type": "..."}]}`: FastAPI's validation errors. */
const ValidationItemSchema = z.object({
  loc: z.array(z.union([z.string(), z.number()])).optional(),
  msg: z.string().optional(),
  type: z.string().optional(),
});

export const ElevenLabsErrorSchema = z.object({
  detail: z.union([DetailObjectSchema, z.array(ValidationItemSchema), z.string()]),
});

export type ElevenLabsValidationItem = z.output<typeof ValidationItemSchema>;
