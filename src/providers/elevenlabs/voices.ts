import type { SpeechAdapter } from "../../capabilities/speech/adapter.ts";
import type { SpeechVoice } from "../../capabilities/speech/schemas.ts";
import { ApiError } from "../../lib/errors.ts";
import { withTimeout } from "../../lib/time.ts";
import { callUpstream, type UpstreamProvider } from "../../metering/upstream.ts";
import { parseJson } from "../errors.ts";
import type { ElevenLabsApi } from "./api.ts";
import { ElevenLabsVoicesSchema } from "./voices.api-types.ts";

/** How long an isolate reuses the voice list: voices the operator adds show up within this. */
export const VOICES_TTL_MS = 10 * 60_000;

/**
 * The operator's ElevenLabs voices (`GET /v1/voices`), the same for every model, cached per
 * isolate (the provider module is built once per isolate). Only a list is cached, never a
 * request in flight (Workers do not share I/O between requests) nor a failure.
 */
export function elevenLabsVoices(
  api: ElevenLabsApi,
  upstream: UpstreamProvider,
  now: () => number = Date.now,
): SpeechAdapter["voices"] {
  let cached: { at: number; voices: SpeechVoice[] } | undefined;
  return async (_entry, { timeoutMs, requestId }) => {
    if (cached && now() - cached.at < VOICES_TTL_MS) return cached.voices;
    const { response } = await callUpstream(
      upstream,
      { url: api.url("/v1/voices"), init: { method: "GET", headers: api.headers("application/json") } },
      timeoutMs,
      requestId,
    );
    const text = await withTimeout(response.text(), timeoutMs, () => new Error("body timeout")).catch(() => "");
    if (!response.ok) throw upstream.parseError(response.status, text, response.headers);
    const parsed = ElevenLabsVoicesSchema.safeParse(parseJson(text));
    if (!parsed.success)
      throw new ApiError("PROVIDER_ERROR", `${upstream.name} sent a voice list the gateway cannot read.`);
    const voices = parsed.data.voices.map(
      (voice): SpeechVoice => ({
        id: voice.voice_id,
        name: voice.name ?? voice.voice_id,
        category: voice.category ?? null,
        description: voice.description ?? null,
        preview_url: voice.preview_url ?? null,
        labels: Object.fromEntries(
          Object.entries(voice.labels ?? {}).filter((pair): pair is [string, string] => typeof pair[1] === "string"),
        ),
      }),
    );
    cached = { at: now(), voices };
    return voices;
  };
}
