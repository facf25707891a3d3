/** The JSON body of `POST /v1/text-to-speech/{voice_id}/stream` as the gateway sends it (snake_case on the wire). */
export interface ElevenLabsSpeechBody {
  text: string;
  model_id: string;
  voice_settings?: { speed: number };
}

/** The answer header that says what ElevenLabs charged the gateway's account, in its own credits. */
export const CHARACTER_COST_HEADER = "character-cost";
