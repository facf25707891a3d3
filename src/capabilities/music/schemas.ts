import { z } from "@hono/zod-openapi";

export const MUSIC_FORMATS = ["mp3", "wav"] as const;
export type MusicFormat = (typeof MUSIC_FORMATS)[number];

/** Sent as the answer's type when the provider names none (the provider's own type wins). */
export const MUSIC_CONTENT_TYPES: Record<MusicFormat, string> = { mp3: "audio/mpeg", wav: "audio/wav" };

export const MusicRequestSchema = z
  .object({
    model: z.string().min(1).max(128).openapi({
      description: "`provider/model` of a music model from GET /v1/models",
      example: "stability/stable-audio-2.5",
    }),
    prompt: z.string().min(1).max(10_000).openapi({
      description: "What the clip should sound like",
      example: "Calm lo-fi beat with soft piano, 80 BPM",
    }),
    duration: z.number().min(1).max(190).openapi({
      description: "Length of the clip in seconds, 1 to 190. The price is per clip, whatever its length.",
      example: 30,
    }),
    output_format: z.enum(MUSIC_FORMATS).default("mp3").openapi({ example: "mp3" }),
    seed: z.number().int().min(0).max(4_294_967_294).optional().openapi({
      description: "The same seed and prompt give the same clip; 0 or none is random",
      example: 42,
    }),
  })
  .openapi("MusicRequest");

export type MusicRequest = z.output<typeof MusicRequestSchema>;
