import { z } from "zod";

/** What the gateway reads of `GET /v1/voices` (each voice carries much more). */
export const ElevenLabsVoicesSchema = z.object({
  voices: z.array(
    z.object({
      voice_id: z.string(),
      name: z.string().nullish(),
      category: z.string().nullish(),
      description: z.string().nullish(),
      preview_url: z.string().nullish(),
      labels: z.record(z.string(), z.string().nullish()).nullish(),
    }),
  ),
});
