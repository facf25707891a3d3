/** Where and how to reach Anthropic. `baseUrl` is the host root, like the official SDK's baseURL. */
export interface AnthropicApi {
  url(path: string): string;
  headers(): Record<string, string>;
}

export function anthropicApi(apiKey: string, baseUrl: string, version: string): AnthropicApi {
  return {
    url: (path) => `${baseUrl}${path}`,
    headers: () => ({
      "x-api-key": apiKey,
      "anthropic-version": version,
      "content-type": "application/json",
    }),
  };
}
