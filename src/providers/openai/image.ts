import type { ImageAdapter } from "../../capabilities/image/adapter.ts";
import type { ImagesResponse } from "../../capabilities/image/schemas.ts";
import { parseSize } from "../../capabilities/image/size.ts";
import { ApiError } from "../../lib/errors.ts";
import { utf8Bytes } from "../../lib/text.ts";
import type { OpenAIApi } from "./api.ts";
import { publicImageUsage, usageFromOpenAIImage } from "./convert-openai-image-usage.ts";
import { OpenAIImagesResponseSchema } from "./image.api-types.ts";
import { imageTokenBound } from "./image-tokens.ts";

/** Tokens OpenAI may add to a prompt (framing); no tokenizer emits more tokens than the UTF-8 bytes it encodes. */
export const PROMPT_OVERHEAD_TOKENS = 64;
/** The interrupted-call estimate of input: about four bytes of UTF-8 per token (DESIGN). */
const BYTES_PER_TOKEN = 4;

/** The client's fields forwarded as they are; `response_format` and `stream` never are. */
const FORWARDED = [
  "size",
  "quality",
  "background",
  "output_format",
  "output_compression",
  "moderation",
  "user",
] as const;

/** GPT image models: JSON in, JSON out, always base64; billed in text and image tokens. */
export function openAIImage(api: OpenAIApi): ImageAdapter {
  return {
    bound(request) {
      const perImage = imageTokenBound(parseSize(request.size), request.quality);
      const images = (request.n ?? 1) * perImage;
      const bytes = utf8Bytes(request.prompt);
      return {
        worstCase: { input: bytes + PROMPT_OVERHEAD_TOKENS, image_output: images },
        // The provider made the images and bills them: output as held, input estimated.
        interrupted: { input: Math.ceil(bytes / BYTES_PER_TOKEN), image_output: images },
      };
    },

    buildRequest(request, entry, hold) {
      const body: Record<string, unknown> = { model: entry.id, prompt: request.prompt, n: hold.images };
      for (const field of FORWARDED) {
        if (request[field] !== undefined && request[field] !== null) body[field] = request[field];
      }
      return {
        url: api.url("/images/generations"),
        init: { method: "POST", headers: api.headers(), body: JSON.stringify(body) },
      };
    },

    parseResponse(json, request) {
      const parsed = OpenAIImagesResponseSchema.safeParse(json);
      if (!parsed.success) {
        return new ApiError("PROVIDER_ERROR", "OpenAI sent an answer the gateway could not read. Nothing was charged.");
      }
      const { created, data, usage, background, output_format, quality, size } = parsed.data;
      const body: ImagesResponse = {
        created,
        data: data.map((image) => ({
          b64_json: image.b64_json,
          ...(image.revised_prompt ? { revised_prompt: image.revised_prompt } : {}),
        })),
        ...(usage ? { usage: publicImageUsage(usage) } : {}),
        ...(background ? { background } : {}),
        ...(output_format ? { output_format } : {}),
        ...(quality ? { quality } : {}),
        ...(size ? { size } : {}),
      };
      // Without reported usage (DESIGN: "else images returned × price"), each image returned is
      // billed as the hold bounded it, with the input estimated.
      const billed = usage
        ? usageFromOpenAIImage(usage)
        : {
            input: Math.ceil(utf8Bytes(request.prompt) / BYTES_PER_TOKEN),
            image_output: data.length * imageTokenBound(parseSize(request.size), request.quality),
          };
      return { body, usage: billed };
    },
  };
}
