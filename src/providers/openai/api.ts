import type { Config } from "../../env.ts";

/** OPENAI_BASE_URL includes /v1 (like the official SDK's baseURL). */
export const chatCompletionsUrl = (config: Config) => `${config.OPENAI_BASE_URL}/chat/completions`;

export function headers(apiKey: string): Record<string, string> {
  return {
    authorization: `Bearer ${apiKey}`,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
}
