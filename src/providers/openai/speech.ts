import type { SpeechAdapter } from "../../capabilities/speech/adapter.ts";
import type { SpeechVoice } from "../../capabilities/speech/schemas.ts";
import { ApiError } from "../../lib/errors.ts";
import { publicId } from "../../metering/catalog.ts";
import type { OpenAIApi } from "./api.ts";

/**
 * The voices tts-1 and tts-1-hd take. The SDK lists 13 built-in voices; ballad, verse, marin and
 * cedar are for gpt-4o-mini-tts only, which the gateway does not offer (it bills audio tokens
 * that the answer does not report).
 */
const TTS_VOICES = ["alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer"] as const;
const VOICES: readonly SpeechVoice[] = TTS_VOICES.map((id) => ({
  id,
  name: id.charAt(0).toUpperCase() + id.slice(1),
  category: null,
  description: null,
  preview_url: null,
  labels: {},
}));

/** OpenAI speaks the gateway's own speech format: the request goes through, checked first. */
export function openAISpeech(api: OpenAIApi): SpeechAdapter {
  return {
    buildRequest(request, entry) {
      if (request.instructions) {
        throw new ApiError("INVALID_REQUEST", `'instructions' is not supported by ${publicId(entry)}.`, {
          param: "instructions",
        });
      }
      if (!(TTS_VOICES as readonly string[]).includes(request.voice)) {
        throw new ApiError(
          "INVALID_REQUEST",
          `'voice' must be one of ${TTS_VOICES.join(", ")} for ${publicId(entry)}.`,
          { param: "voice" },
        );
      }
      const body = {
        model: entry.id,
        input: request.input,
        voice: request.voice,
        response_format: request.response_format,
        ...(request.speed === undefined ? {} : { speed: request.speed }),
      };
      return {
        url: api.url("/audio/speech"),
        init: {
          method: "POST",
          headers: { ...api.headers(), accept: "application/octet-stream" },
          body: JSON.stringify(body),
        },
      };
    },
    voices: async () => [...VOICES],
  };
}
