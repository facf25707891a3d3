import type { ChatAdapter } from "../../capabilities/chat/adapter.ts";
import type { TokenKind } from "../../metering/catalog-types.ts";
import type { GoogleApi } from "./api.ts";
import type { GeminiRequest } from "./chat.api-types.ts";
import { convertToGeminiContents } from "./convert-to-gemini-contents.ts";
import { geminiCompletion } from "./gemini-answer.ts";
import { geminiGenerationConfig } from "./gemini-generation-config.ts";
import { geminiModelFacts } from "./gemini-models.ts";
import { geminiStream } from "./gemini-stream.ts";
import { prepareGeminiTools } from "./prepare-gemini-tools.ts";

/** Gemini bills cached prompt tokens (implicit caching) apart from the rest of the input. */
const INPUT_KINDS: readonly TokenKind[] = ["input", "cached_input"];

/**
 * Gemini chat behind OpenAI's shape. Every request field is translated or refused with its name
 * (400, before anything is charged), except three that change neither the answer's price nor
 * its content and have no Gemini field: `user` and `safety_identifier` (OpenAI's abuse
 * identifiers; the gateway knows its caller) and a message's `name`.
 */
export function googleChat(api: GoogleApi, now: () => number = Date.now): ChatAdapter {
  return {
    inputKinds: () => INPUT_KINDS,

    buildRequest(request, entry, maxOutputTokens) {
      const facts = geminiModelFacts(entry.id);
      // Generation settings first: their refusals name the field before any message work.
      const generationConfig = geminiGenerationConfig(request, facts, maxOutputTokens);
      const body: GeminiRequest = {
        ...convertToGeminiContents(request.messages, { signaturesRequired: facts.signaturesRequired }),
        ...prepareGeminiTools(request),
        generationConfig,
      };
      return {
        url: api.url(entry.id, request.stream === true),
        init: { method: "POST", headers: api.headers(), body: JSON.stringify(body) },
      };
    },

    parseResponse: (json) => geminiCompletion(json, now()),

    startStream: () => geminiStream(now),
  };
}
