/** Where and how to reach OpenAI. `baseUrl` includes /v1, like the official SDK's baseURL. */
export interface OpenAIApi {
  url(path: string): string;
  headers(): Record<string, string>;
}

export function openAIApi(apiKey: string, baseUrl: string): OpenAIApi {
  return {
    url: (path) => `${baseUrl}${path}`,
    headers: () => ({
      authorization: `Bearer ${apiKey}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    }),
  };
}
