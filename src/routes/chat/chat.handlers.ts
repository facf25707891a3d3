import type { Context } from "hono";
import { chatCall } from "../../capabilities/chat/call.ts";
import type { ChatRequest } from "../../capabilities/chat/schemas.ts";
import { callContext } from "../../lib/call-context.ts";
import type { HonoEnv } from "../../lib/types.ts";
import { meteredCall } from "../../metering/metered-call.ts";
import { providerName } from "../../providers/registry.ts";

/** Both chat routes: one metered call, whatever the provider. */
export function runChat(c: Context<HonoEnv>, request: ChatRequest): Promise<Response> {
  const { services, config, requestId } = c.var;
  return meteredCall(
    callContext(c),
    chatCall(request, {
      requestId,
      now: services.now(),
      pricing: services.pricing,
      defaultMaxOutput: config.DEFAULT_MAX_OUTPUT_TOKENS,
      resolve: (entry) => services.providers.adapter(entry.provider, "chat"),
      providerName: (entry) => providerName(entry.provider),
    }),
  );
}
