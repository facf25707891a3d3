import { z } from "zod";

/** OpenAI wire types (shared/providers/WIRE.md §1), only what the gateway reads. Unknown fields pass. */

export const OpenAIUsageSchema = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative().optional(),
  prompt_tokens_details: z
    .object({
      cached_tokens: z.number().int().nonnegative().nullish(),
      cache_write_tokens: z.number().int().nonnegative().nullish(),
    })
    .passthrough()
    .nullish(),
  completion_tokens_details: z
    .object({ reasoning_tokens: z.number().int().nonnegative().nullish() })
    .passthrough()
    .nullish(),
});
export type OpenAIUsage = z.infer<typeof OpenAIUsageSchema>;

export const OpenAIChatCompletionSchema = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion"),
    model: z.string(),
    choices: z.array(z.object({ index: z.number() }).passthrough()),
    usage: OpenAIUsageSchema,
  })
  .passthrough();

export const OpenAIChunkSchema = z
  .object({
    id: z.string().optional(),
    object: z.literal("chat.completion.chunk").optional(),
    choices: z
      .array(
        z
          .object({
            delta: z
              .object({
                content: z.string().nullish(),
                refusal: z.string().nullish(),
                tool_calls: z
                  .array(
                    z
                      .object({
                        function: z
                          .object({ name: z.string().nullish(), arguments: z.string().nullish() })
                          .partial()
                          .nullish(),
                      })
                      .passthrough(),
                  )
                  .nullish(),
              })
              .passthrough()
              .nullish(),
          })
          .passthrough(),
      )
      .optional(),
    usage: OpenAIUsageSchema.nullish(),
    error: z.unknown().optional(),
  })
  .passthrough();

export const OpenAIErrorSchema = z.object({
  error: z
    .object({
      message: z.string().nullish(),
      type: z.string().nullish(),
      param: z.string().nullish(),
      code: z.union([z.string(), z.number()]).nullish(),
    })
    .passthrough(),
});
