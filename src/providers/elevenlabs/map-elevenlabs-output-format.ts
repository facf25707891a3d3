import type { SpeechFormat } from "../../capabilities/speech/schemas.ts";

/** OpenAI's `response_format` as ElevenLabs' `output_format` (codec_samplerate[_bitrate]); aac and flac have none. */
const OUTPUT_FORMATS: Partial<Record<SpeechFormat, string>> = {
  mp3: "mp3_44100_128",
  opus: "opus_48000_128",
  pcm: "pcm_24000",
  wav: "wav_44100",
};

export const ELEVENLABS_FORMATS = Object.keys(OUTPUT_FORMATS) as SpeechFormat[];

export function mapElevenLabsOutputFormat(format: SpeechFormat): string | undefined {
  return OUTPUT_FORMATS[format];
}
