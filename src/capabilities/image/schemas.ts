import { z } from "@hono/zod-openapi";

/** `auto`, or `WIDTHxHEIGHT` in pixels. */
export const SIZE_PATTERN = /^(auto|[1-9]\d{0,4}x[1-9]\d{0,4})$/;

/**
 * POST /v1/images/generations: OpenAI's shape, the fields the gateway forwards. Anything else is
 * dropped (it could change the price); fields that cannot be honoured are refused naming them.
 */
export const ImageRequestSchema = z
  .object({
    model: z.string().min(1).max(128).openapi({
      description:
        "`openai/<id>`, `stability/<id>` or a bare model id: GET /v1/models lists the models of kind `image`",
      example: "openai/gpt-image-2.6-sunburst",
    }),
    prompt: z.string().min(1).max(32_000).openapi({
      description: "What to draw: at most 32,000 characters, 10,000 for Stability models",
      example: "A watercolour lighthouse on a cliff at dawn",
    }),
    n: z.number().int().min(1).max(10).nullish().openapi({
      description:
        "How many images, 1 to 10 (default 1); each is charged. Stability makes one image per call, so n calls are made, and the request succeeds (and is charged) only if all of them do.",
      example: 1,
    }),
    size: z.string().regex(SIZE_PATTERN, { error: "expected auto or WIDTHxHEIGHT, e.g. 1024x1024" }).nullish().openapi({
      description:
        "`auto` (default), `1024x1024`, `1536x1024`, `1024x1536`, or for models that take any size (gpt-image-2 and later) `WIDTHxHEIGHT` with both sides multiples of 16, at most 3840 px, at most 3840x2160 pixels and an aspect ratio within 3:1. Stability models take the nearest `aspect_ratio` (compared as log ratios): 1024x1024 → 1:1, 1536x1024 → 3:2, 1024x1536 → 2:3, 1792x1024 → 16:9, 2048x896 → 21:9, 1280x1024 → 5:4; `auto` sends none (Stability's default, 1:1), and Stability chooses the pixel size.",
      example: "1024x1024",
    }),
    quality: z.enum(["low", "medium", "high", "auto"]).nullish().openapi({
      description:
        "GPT image models (default `auto`, held as `high`); `xhigh` and `max` are not offered until their output is priced. Ignored by Stability models, which cost the same at any quality.",
      example: "low",
    }),
    background: z.enum(["transparent", "opaque", "auto"]).nullish().openapi({
      description:
        "GPT image models; `transparent` needs `png` or `webp`. Stability models cannot make a transparent background (400).",
    }),
    output_format: z.enum(["png", "jpeg", "webp"]).nullish().openapi({
      description: "The image's format (default `png`); `gif` and `svg` are not offered until priced",
      example: "png",
    }),
    output_compression: z.number().int().min(0).max(100).nullish().openapi({
      description: "0 to 100, for `jpeg` and `webp` from GPT image models; ignored by Stability models",
    }),
    moderation: z.enum(["low", "auto"]).nullish().openapi({
      description: "GPT image models' content moderation level; ignored by Stability models",
    }),
    user: z.string().max(256).nullish().openapi({
      description:
        "Your end user's id, passed to the provider for abuse monitoring (Stability: `stability-client-user-id`)",
    }),
    response_format: z
      .enum(["b64_json"], {
        error: "only b64_json is supported: images always come back base64-encoded in data[].b64_json",
      })
      .nullish()
      .openapi({
        description:
          "Accepted for clients that send it (the Vercel AI SDK does); images always come back as `b64_json`, so `url` is refused. Never forwarded: GPT image models reject it.",
      }),
    stream: z
      .literal(false, { error: "streaming partial images is not supported: leave stream unset or false" })
      .nullish()
      .openapi({ description: "Streaming partial images is not supported: `true` is refused" }),
  })
  .openapi("ImageGenerationRequest", {
    example: {
      model: "openai/gpt-image-2.6-sunburst",
      prompt: "A watercolour lighthouse on a cliff at dawn",
      size: "1024x1024",
      quality: "low",
    },
  });
export type ImageRequest = z.infer<typeof ImageRequestSchema>;

const ImageUsageSchema = z
  .object({
    input_tokens: z.number().int(),
    input_tokens_details: z.object({ text_tokens: z.number().int(), image_tokens: z.number().int() }),
    output_tokens: z.number().int(),
    output_tokens_details: z.object({ text_tokens: z.number().int(), image_tokens: z.number().int() }).optional(),
    total_tokens: z.number().int(),
  })
  .openapi({ description: "The tokens the provider reported, as it reported them (GPT image models only)" });

export const ImagesResponseSchema = z
  .object({
    created: z.number().int().openapi({ description: "Unix time, seconds" }),
    data: z.array(
      z.object({
        b64_json: z.string().openapi({ description: "The image, base64-encoded" }),
        revised_prompt: z.string().optional(),
      }),
    ),
    usage: ImageUsageSchema.optional(),
    background: z.enum(["transparent", "opaque"]).optional(),
    output_format: z.string().optional().openapi({ description: "The image's format: `png`, `jpeg` or `webp`" }),
    quality: z.string().optional().openapi({ description: "The quality the provider used" }),
    size: z.string().optional().openapi({ description: "The size the provider made, `WIDTHxHEIGHT`" }),
  })
  .openapi("ImagesResponse", {
    example: {
      created: 1796083200,
      data: [
        {
          b64_json:
            "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGNQSFigkLCAAUIBAB2OBIG+B74KAAAAAElFTkSuQmCC",
        },
      ],
      usage: {
        input_tokens: 17,
        input_tokens_details: { text_tokens: 17, image_tokens: 0 },
        output_tokens: 272,
        output_tokens_details: { text_tokens: 0, image_tokens: 272 },
        total_tokens: 289,
      },
      background: "opaque",
      output_format: "png",
      quality: "low",
      size: "1024x1024",
    },
  });
export type ImagesResponse = z.infer<typeof ImagesResponseSchema>;
