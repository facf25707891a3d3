import { createRoute, z } from "@hono/zod-openapi";
import { MusicRequestSchema } from "../../capabilities/music/schemas.ts";
import { SpeechRequestSchema, SpeechVoicesSchema } from "../../capabilities/speech/schemas.ts";
import { errorResponses, jsonBody, jsonContent } from "../../lib/openapi.ts";
import { METERED_ERRORS, METERED_HEADERS } from "../metered.ts";
import { CUSTOMER_SECURITY } from "../security.ts";

/** A binary body: generated clients and Scalar treat it as a file. */
const AudioSchema = z.string().openapi({ format: "binary", description: "The audio bytes, as the provider sent them" });

function audioAnswer(description: string, contentTypes: readonly string[]) {
  return {
    description,
    headers: METERED_HEADERS,
    content: Object.fromEntries(contentTypes.map((type) => [type, { schema: AudioSchema }])),
  };
}

export const createSpeech = createRoute({
  method: "post",
  path: "/v1/audio/speech",
  tags: ["Audio"],
  operationId: "createSpeech",
  summary: "Text to speech (OpenAI-compatible)",
  description:
    "Works with the official `openai` SDK's `audio.speech.create()`, for OpenAI and ElevenLabs models. The call holds, and charges, the input's characters x the model's price; the audio is streamed as it arrives, with its charge in `x-credits-charged`. A provider failure before the first byte costs nothing; once audio flows the call is charged in full, even if the client leaves.",
  security: CUSTOMER_SECURITY,
  request: { body: jsonBody(SpeechRequestSchema, "An OpenAI speech request") },
  responses: {
    200: audioAnswer("The audio, in the provider's content type for `response_format`", [
      "audio/mpeg",
      "audio/opus",
      "audio/aac",
      "audio/flac",
      "audio/wav",
      "audio/pcm",
    ]),
    ...errorResponses(...METERED_ERRORS),
  },
});

export const createMusic = createRoute({
  method: "post",
  path: "/v1/audio/music",
  tags: ["Audio"],
  operationId: "createMusic",
  summary: "Text to music",
  description:
    "One clip from a prompt, charged the model's clip price whatever its length (held before the call). A provider failure, or a prompt the provider refuses, costs nothing.",
  security: CUSTOMER_SECURITY,
  request: { body: jsonBody(MusicRequestSchema, "A music request") },
  responses: {
    200: audioAnswer("The clip, in the provider's content type for `output_format`", ["audio/mpeg", "audio/wav"]),
    ...errorResponses(...METERED_ERRORS),
  },
});

export const listVoices = createRoute({
  method: "get",
  path: "/v1/audio/voices",
  tags: ["Audio"],
  operationId: "listVoices",
  summary: "The voices a speech model takes",
  description:
    "OpenAI's fixed list for tts-1 and tts-1-hd; for ElevenLabs, the voices of the gateway's ElevenLabs account (refreshed every few minutes). Send a voice's `id` as `voice`. Free.",
  security: CUSTOMER_SECURITY,
  request: {
    query: z.object({
      model: z
        .string()
        .min(1)
        .max(128)
        .openapi({ description: "A speech model from GET /v1/models", example: "openai/tts-1" }),
    }),
  },
  responses: {
    200: jsonContent(SpeechVoicesSchema, "The voices"),
    ...errorResponses(
      "INVALID_REQUEST",
      "MISSING_API_KEY",
      "INVALID_API_KEY",
      "MODEL_NOT_FOUND",
      "MODEL_RETIRED",
      "PROVIDER_ERROR",
      "PROVIDER_RATE_LIMITED",
      "RATE_LIMITED",
      "PROVIDER_NOT_CONFIGURED",
      "PROVIDER_TIMEOUT",
      "STORE_UNAVAILABLE",
    ),
  },
});
