import type { Context } from "hono";
import { musicCall } from "../../capabilities/music/call.ts";
import type { MusicRequest } from "../../capabilities/music/schemas.ts";
import { speechCall } from "../../capabilities/speech/call.ts";
import type { SpeechRequest } from "../../capabilities/speech/schemas.ts";
import { callContext } from "../../lib/call-context.ts";
import { ApiError } from "../../lib/errors.ts";
import type { AppRouteHandler, HonoEnv } from "../../lib/types.ts";
import { publicId, resolveModel } from "../../metering/catalog.ts";
import { meteredCall } from "../../metering/metered-call.ts";
import { providerName } from "../../providers/registry.ts";
import type * as routes from "./audio.routes.ts";

/** Speech, whatever the provider: one metered call answering audio bytes. */
export function runSpeech(c: Context<HonoEnv>, request: SpeechRequest): Promise<Response> {
  const { services } = c.var;
  return meteredCall(
    callContext(c),
    speechCall(request, {
      now: services.now(),
      pricing: services.pricing,
      resolve: (entry) => services.providers.adapter(entry.provider, "speech"),
      providerName: (entry) => providerName(entry.provider),
    }),
  );
}

export function runMusic(c: Context<HonoEnv>, request: MusicRequest): Promise<Response> {
  const { services } = c.var;
  return meteredCall(
    callContext(c),
    musicCall(request, {
      now: services.now(),
      pricing: services.pricing,
      resolve: (entry) => services.providers.adapter(entry.provider, "music"),
      providerName: (entry) => providerName(entry.provider),
    }),
  );
}

export const listVoices: AppRouteHandler<typeof routes.listVoices> = async (c) => {
  const { services, config, requestId } = c.var;
  const entry = resolveModel(c.req.valid("query").model, services.now(), "speech");
  const resolved = services.providers.adapter(entry.provider, "speech");
  if (!resolved) {
    throw new ApiError(
      "PROVIDER_NOT_CONFIGURED",
      `${providerName(entry.provider)} models are not available on this gateway.`,
    );
  }
  const voices = await resolved.adapter.voices(entry, { timeoutMs: config.UPSTREAM_TIMEOUT_MS, requestId });
  return c.json({ object: "list" as const, model: publicId(entry), data: voices }, 200);
};
