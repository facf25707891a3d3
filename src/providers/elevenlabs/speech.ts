import type { SpeechAdapter } from "../../capabilities/speech/adapter.ts";
import { ApiError } from "../../lib/errors.ts";
import { publicId } from "../../metering/catalog.ts";
import type { UsageNotes } from "../../metering/meter.ts";
import type { ElevenLabsApi } from "./api.ts";
import { ELEVENLABS_FORMATS, mapElevenLabsOutputFormat } from "./map-elevenlabs-output-format.ts";
import { CHARACTER_COST_HEADER, type ElevenLabsSpeechBody } from "./speech.api-types.ts";

/** `voice_settings.speed` (ElevenLabs' voice settings reference). */
const MIN_SPEED = 0.7;
const MAX_SPEED = 1.2;
/** Voice ids go into the path: letters, digits, `_` and `-` only (ids look like `JBFqnCBsd6RMkjVDRZzb`). */
const VOICE_ID = /^[A-Za-z0-9_-]{1,64}$/;

const invalid = (param: string, message: string) => new ApiError("INVALID_REQUEST", message, { param });

export function elevenLabsSpeech(api: ElevenLabsApi, voices: SpeechAdapter["voices"]): SpeechAdapter {
  return {
    buildRequest(request, entry) {
      const model = publicId(entry);
      if (request.instructions) throw invalid("instructions", `'instructions' is not supported by ${model}.`);
      const outputFormat = mapElevenLabsOutputFormat(request.response_format);
      if (!outputFormat) {
        throw invalid(
          "response_format",
          `'response_format' ${request.response_format} is not available for ${model}; use ${ELEVENLABS_FORMATS.join(", ")}.`,
        );
      }
      if (!VOICE_ID.test(request.voice)) {
        throw invalid(
          "voice",
          `'voice' must be an ElevenLabs voice id for ${model}; GET /v1/audio/voices?model=${model} lists them.`,
        );
      }
      const { speed } = request;
      if (speed !== undefined && (speed < MIN_SPEED || speed > MAX_SPEED)) {
        throw invalid("speed", `'speed' must be between ${MIN_SPEED} and ${MAX_SPEED} for ${model}.`);
      }
      const body: ElevenLabsSpeechBody = {
        text: request.input,
        model_id: entry.id,
        ...(speed === undefined ? {} : { voice_settings: { speed } }),
      };
      return {
        url: api.url(`/v1/text-to-speech/${request.voice}/stream`, { output_format: outputFormat }),
        init: {
          method: "POST",
          headers: { ...api.headers("audio/*, application/json"), "content-type": "application/json" },
          body: JSON.stringify(body),
        },
      };
    },

    // What ElevenLabs charged its account, in its credits (half a credit per character on Flash
    // and Turbo, more for some library voices): recorded to reconcile with its bill, not priced.
    notes(headers): UsageNotes {
      const cost = headers.get(CHARACTER_COST_HEADER)?.trim();
      return cost && /^\d{1,12}$/.test(cost) ? { character_cost: Number(cost) } : {};
    },

    voices,
  };
}
