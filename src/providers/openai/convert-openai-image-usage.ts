import type { ImagesResponse } from "../../capabilities/image/schemas.ts";
import type { UsageRecord } from "../../metering/pricing.ts";
import type { OpenAIImageUsage } from "./image.api-types.ts";

/**
 * OpenAI counts image and text tokens inside input_tokens and output_tokens. What the details
 * leave out is billed as the request sent it (text in) and as the call made it (images out).
 */
export function usageFromOpenAIImage(usage: OpenAIImageUsage): UsageRecord {
  const imageIn = Math.min(usage.input_tokens_details?.image_tokens ?? 0, usage.input_tokens);
  const textOut = Math.min(usage.output_tokens_details?.text_tokens ?? 0, usage.output_tokens);
  return {
    input: usage.input_tokens - imageIn,
    image_input: imageIn,
    output: textOut,
    image_output: usage.output_tokens - textOut,
  };
}

/** The usage shown to the client: OpenAI's figures, with the details filled in as they were billed. */
export function publicImageUsage(usage: OpenAIImageUsage): NonNullable<ImagesResponse["usage"]> {
  const billed = usageFromOpenAIImage(usage);
  return {
    input_tokens: usage.input_tokens,
    input_tokens_details: { text_tokens: billed.input ?? 0, image_tokens: billed.image_input ?? 0 },
    output_tokens: usage.output_tokens,
    output_tokens_details: { text_tokens: billed.output ?? 0, image_tokens: billed.image_output ?? 0 },
    total_tokens: usage.total_tokens ?? usage.input_tokens + usage.output_tokens,
  };
}
