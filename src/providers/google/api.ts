/** Where and how to reach the Gemini API. `baseUrl` is the host root (GOOGLE_BASE_URL). */
export interface GoogleApi {
  /** `POST {base}/v1beta/models/{id}:generateContent`, or its SSE stream. */
  url(model: string, stream: boolean): string;
  headers(): Record<string, string>;
}

export function googleApi(apiKey: string, baseUrl: string): GoogleApi {
  const root = baseUrl.replace(/\/+$/, "");
  return {
    url: (model, stream) =>
      `${root}/v1beta/models/${encodeURIComponent(model)}:${
        // Without alt=sse the stream is one JSON array, not server-sent events.
        stream ? "streamGenerateContent?alt=sse" : "generateContent"
      }`,
    // The header the official SDK sends: the key never appears in a URL (or a log of one).
    headers: () => ({
      "x-goog-api-key": apiKey,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    }),
  };
}
