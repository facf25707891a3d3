/** Where and how to reach Stability AI (REST v2beta). `baseUrl` is the host root (https://api.stability.ai). */
export interface StabilityApi {
  url(path: string): string;
  /** No content type: bodies are multipart form data, whose boundary fetch sets. */
  headers(accept: string): Record<string, string>;
}

export function stabilityApi(apiKey: string, baseUrl: string): StabilityApi {
  return {
    url: (path) => `${baseUrl}${path}`,
    headers: (accept) => ({ authorization: `Bearer ${apiKey}`, accept }),
  };
}
