import { z } from "@hono/zod-openapi";

export const SPEECH_FORMATS = ["mp3", "opus", "aac", "flac", "wav", "pcm"] as const;
export type SpeechFormat = (typeof SPEECH_FORMATS)[number];

/** Sent as the answer's type when the provider names none (the provider's own type wins). */
export const SPEECH_CONTENT_TYPES: Record<SpeechFormat, string> = {
  mp3: "audio/mpeg",
  opus: "audio/opus",
  aac: "audio/aac",
  flac: "audio/flac",
  wav: "audio/wav",
  pcm: "audio/pcm",
};

/**
 * Inputs are limited per model in characters (code points) once the model is known; this only
 * bounds the body (a code point is at most two UTF-16 units).
 */
const MAX_INPUT_UNITS = 80_000;

/** OpenAI's speech request. Anything else is dropped: it could change what the provider bills. */
export const SpeechRequestSchema = z
  .object({
    model: z.string().min(1).max(128).openapi({
      description: "`provider/model` of a speech model from GET /v1/models",
      example: "openai/tts-1",
    }),
    input: z.string().min(1).max(MAX_INPUT_UNITS).openapi({
      description:
        "The text to speak. The call costs its characters (Unicode code points) x the model's price per character, held before the call and charged in full. Each model takes at most `max_input_characters` (GET /v1/models: OpenAI 4,096; ElevenLabs 5,000 to 40,000); more is a 400.",
      example: "The quick brown fox jumped over the lazy dog.",
    }),
    voice: z.string().min(1).max(128).openapi({
      description:
        "OpenAI tts-1 and tts-1-hd: `alloy`, `ash`, `coral`, `echo`, `fable`, `onyx`, `nova`, `sage` or `shimmer`. ElevenLabs: a voice id. GET /v1/audio/voices?model= lists the voices a model takes.",
      example: "alloy",
    }),
    response_format: z.enum(SPEECH_FORMATS).default("mp3").openapi({
      description:
        "The audio format. ElevenLabs models return mp3 (44.1 kHz, 128 kbps), opus (48 kHz), pcm (24 kHz, 16-bit) and wav (44.1 kHz), not aac or flac.",
      example: "mp3",
    }),
    speed: z.number().min(0.25).max(4).optional().openapi({
      description: "1.0 is normal speed. OpenAI takes 0.25 to 4.0, ElevenLabs 0.7 to 1.2.",
      example: 1,
    }),
    instructions: z.string().max(4096).optional().openapi({
      description: "Voice instructions. None of the models offered takes them: sending any is a 400.",
    }),
    stream_format: z.literal("audio").optional().openapi({
      description: "Only `audio`: the bytes are streamed as they arrive.",
    }),
  })
  .openapi("SpeechRequest");

export type SpeechRequest = z.output<typeof SpeechRequestSchema>;

export const SpeechVoiceSchema = z
  .object({
    id: z.string().openapi({ description: "What to send as `voice`", example: "alloy" }),
    name: z.string().openapi({ example: "Alloy" }),
    category: z.string().nullable().openapi({ description: "ElevenLabs: premade, cloned, generated, ..." }),
    description: z.string().nullable(),
    preview_url: z.string().nullable().openapi({ description: "A sample of the voice, when the provider has one" }),
    labels: z.record(z.string(), z.string()).openapi({ example: { gender: "female", accent: "american" } }),
  })
  .openapi("SpeechVoice");

export type SpeechVoice = z.output<typeof SpeechVoiceSchema>;

export const SpeechVoicesSchema = z
  .object({
    object: z.literal("list"),
    model: z.string().openapi({ example: "openai/tts-1" }),
    data: z.array(SpeechVoiceSchema),
  })
  .openapi("SpeechVoices");
