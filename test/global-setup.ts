import type { TestProject } from "vitest/node";
import { startFakeOpenAI } from "./fakes/openai-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    openaiBaseUrl: string;
  }
}

/** Node-side peers for the workerd tests: fake upstreams speaking the providers' real wire formats. */
export default async function setup(project: TestProject) {
  const openai = await startFakeOpenAI();
  project.provide("openaiBaseUrl", openai.url);
  return async () => {
    await openai.close();
  };
}
