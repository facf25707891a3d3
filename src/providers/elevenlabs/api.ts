/** Where and how to reach ElevenLabs. `baseUrl` is the host root (https://api.elevenlabs.io). */
export interface ElevenLabsApi {
  url(path: string, query?: Record<string, string>): string;
  headers(accept: string): Record<string, string>;
}

export function elevenLabsApi(apiKey: string, baseUrl: string): ElevenLabsApi {
  return {
    url: (path, query) => `${baseUrl}${path}${query ? `?${new URLSearchParams(query)}` : ""}`,
    headers: (accept) => ({ "xi-api-key": apiKey, accept }),
  };
}
