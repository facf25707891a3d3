import type { Context } from "hono";
import { imageCall } from "../../capabilities/image/call.ts";
import type { ImageRequest } from "../../capabilities/image/schemas.ts";
import { callContext } from "../../lib/call-context.ts";
import type { HonoEnv } from "../../lib/types.ts";
import { meteredCall } from "../../metering/metered-call.ts";
import { providerName } from "../../providers/registry.ts";

/** One metered call, whatever the provider; the metered path writes the answer and its credit headers. */
export function runImageGeneration(c: Context<HonoEnv>, request: ImageRequest): Promise<Response> {
  const { services } = c.var;
  return meteredCall(
    callContext(c),
    imageCall(request, {
      now: services.now(),
      pricing: services.pricing,
      resolve: (entry) => services.providers.adapter(entry.provider, "image"),
      providerName: (entry) => providerName(entry.provider),
    }),
  );
}
