/** Where and how to reach Stability AI. `baseUrl` is the host root (STABILITY_BASE_URL). */
export interface StabilityApi {
  url(path: string): string;
  headers(): Record<string, string>;
}

export function stabilityApi(apiKey: string, baseUrl: string): StabilityApi {
  return {
    url: (path) => `${baseUrl}${path}`,
    // Bodies are multipart (fetch sets the content type and its boundary). With JSON accepted,
    // results come base64-encoded with their finish_reason and seed in the body (WIRE.md §7).
    headers: () => ({ authorization: `Bearer ${apiKey}`, accept: "application/json" }),
  };
}
