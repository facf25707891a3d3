import type { MusicAdapter } from "../../capabilities/music/adapter.ts";
import type { StabilityApi } from "./api.ts";

/** Stable Audio 2 and 2.5 text-to-audio: multipart form fields in, the clip's bytes out (`Accept: audio/*`). */
export function stabilityMusic(api: StabilityApi): MusicAdapter {
  return {
    buildRequest(request, entry) {
      const form = new FormData();
      form.set("prompt", request.prompt);
      form.set("model", entry.id);
      form.set("duration", String(request.duration));
      form.set("output_format", request.output_format);
      if (request.seed !== undefined) form.set("seed", String(request.seed));
      return {
        url: api.url("/v2beta/audio/stable-audio-2/text-to-audio"),
        init: { method: "POST", headers: api.headers("audio/*"), body: form },
      };
    },
  };
}
