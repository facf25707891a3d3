import { z } from "zod";

/** OpenAI images wire types (shared/providers/WIRE.md §2), only what the gateway reads. Unknown fields pass. */

const count = () => z.number().int().nonnegative();

const TokenDetailsSchema = z
  .object({ text_tokens: count().nullish(), image_tokens: count().nullish() })
  .passthrough()
  .nullish();

export const OpenAIImageUsageSchema = z
  .object({
    input_tokens: count(),
    input_tokens_details: TokenDetailsSchema,
    output_tokens: count(),
    output_tokens_details: TokenDetailsSchema,
    total_tokens: count().nullish(),
  })
  .passthrough();
export type OpenAIImageUsage = z.infer<typeof OpenAIImageUsageSchema>;

export const OpenAIImagesResponseSchema = z
  .object({
    created: z.number().int(),
    data: z.array(z.object({ b64_json: z.string().min(1), revised_prompt: z.string().nullish() }).passthrough()),
    usage: OpenAIImageUsageSchema.nullish(),
    background: z.enum(["transparent", "opaque"]).nullish().catch(undefined),
    output_format: z.string().nullish(),
    quality: z.string().nullish(),
    size: z.string().nullish(),
  })
  .passthrough();
