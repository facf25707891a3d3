import { z } from "zod";
import { parseJson, type UpstreamErrorDetail } from "../errors.ts";

/** `{"id": "<request id>", "name": "<code>", "errors": ["<field>: <message>", ...]}`, every status. */
const StabilityErrorSchema = z.object({
  id: z.string().optional(),
  name: z.string().optional(),
  errors: z.array(z.string()).optional(),
});

/** The wire fields the gateway sends by the same name; a message starting `<field>:` names one. */
const FIELDS = new Set(["prompt", "duration", "seed", "output_format", "model"]);

/**
 * Stability's `{id, name, errors[]}`. Its `name` for a bad key (401) or an empty account (402) is
 * not documented, so those go by status in the shared policy. A 403 `content_moderation` is the
 * prompt's fault and not charged by Stability: a 400 with its reason.
 */
export function extractStabilityError(status: number, body: string): UpstreamErrorDetail {
  const parsed = StabilityErrorSchema.safeParse(parseJson(body));
  if (!parsed.success) return {};
  const { name, errors = [] } = parsed.data;
  const field = /^([a-z_]+):/.exec(errors[0] ?? "")?.[1];
  const moderated = name === "content_moderation";
  const param = moderated ? "prompt" : field && FIELDS.has(field) ? field : undefined;
  return {
    ...(errors.length > 0 ? { message: errors.join("; ") } : {}),
    ...(param ? { param } : {}),
    ...(moderated && status === 403 ? { refused: true } : {}),
  };
}
