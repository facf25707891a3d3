import { z } from "zod";

/** Stable Image's JSON answer (`Accept: application/json`, WIRE.md §7); unknown fields pass. */
export const StabilityImageSchema = z
  .object({
    image: z.string().min(1),
    /** SUCCESS, CONTENT_FILTERED (the image comes back blurred, and is not charged) or ERROR. */
    finish_reason: z.string(),
    seed: z.number().int().nullish(),
  })
  .passthrough();
