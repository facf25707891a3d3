import { z } from "zod";
import { parseJson, type UpstreamErrorDetail } from "../errors.ts";

/** Every Stability error body: `{"id", "name", "errors": ["<field>: <message>", …]}` (WIRE.md §7). */
const StabilityErrorSchema = z
  .object({ id: z.string().nullish(), name: z.string().nullish(), errors: z.array(z.string()).nullish() })
  .passthrough();

/** Stability's form fields as the client named them in its OpenAI-shaped request. */
const CLIENT_FIELDS: Record<string, string> = {
  prompt: "prompt",
  aspect_ratio: "size",
  output_format: "output_format",
  duration: "duration",
  seed: "seed",
};

/**
 * Stability's errors. Its statuses are switched on by the shared policy (its `name` for 401 and
 * 402 is UNVERIFIED); the one exception is content moderation, a 403 that is the client's.
 */
export function extractStabilityError(_status: number, body: string): UpstreamErrorDetail {
  const parsed = StabilityErrorSchema.safeParse(parseJson(body));
  if (!parsed.success) return {};
  const { name, errors } = parsed.data;
  const message = errors?.join("; ") || name || undefined;
  const moderated = name === "content_moderation";
  const field = /^([a-z_]+):/.exec(errors?.[0] ?? "")?.[1];
  const param = moderated ? "prompt" : field === undefined ? undefined : CLIENT_FIELDS[field];
  return {
    ...(message ? { message } : {}),
    ...(param ? { param } : {}),
    ...(moderated ? { refused: true } : {}),
  };
}
