import type { TestProject } from "vitest/node";
import { startFakeUpstream } from "./fakes/upstream.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The fake OpenAI, with /v1 (what the SDK and OPENAI_BASE_URL take). */
    openaiBaseUrl: string;
    /** The fake Anthropic, host root. */
    anthropicBaseUrl: string;
    /** The fake Gemini API, host root. */
    googleBaseUrl: string;
    /** The fake Stability AI, host root. */
    stabilityBaseUrl: string;
  }
}

/** Node-side peers for the workerd tests: one fake upstream per provider, replaying test/fixtures/<provider>/. */
export default async function setup(project: TestProject) {
  const [openai, anthropic, google, stability] = await Promise.all(
    ["openai", "anthropic", "google", "stability"].map((provider) => startFakeUpstream(provider)),
  );
  if (!openai || !anthropic || !google || !stability) throw new Error("a fake upstream did not start");
  project.provide("openaiBaseUrl", `${openai.url}/v1`);
  project.provide("anthropicBaseUrl", anthropic.url);
  project.provide("googleBaseUrl", google.url);
  project.provide("stabilityBaseUrl", stability.url);
  return async () => {
    await Promise.all([openai.close(), anthropic.close(), google.close(), stability.close()]);
  };
}
