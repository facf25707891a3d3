import type { TestProject } from "vitest/node";
import { startFakeStripe } from "./fakes/stripe.ts";
import { startFakeUpstream } from "./fakes/upstream.ts";
import { TEST_BINDINGS } from "./helpers/bindings.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The fake OpenAI, with /v1 (what the SDK and OPENAI_BASE_URL take). */
    openaiBaseUrl: string;
    /** The fake Anthropic, host root. */
    anthropicBaseUrl: string;
    /** The fake Gemini API, host root. */
    googleBaseUrl: string;
    /** The fake Stripe API (STRIPE_BASE_URL). */
    stripeBaseUrl: string;
  }
}

/**
 * Node-side peers for the workerd tests: one fake upstream per provider, replaying
 * test/fixtures/<provider>/, and a fake Stripe API.
 */
export default async function setup(project: TestProject) {
  const [openai, anthropic, google] = await Promise.all(
    ["openai", "anthropic", "google"].map((provider) => startFakeUpstream(provider)),
  );
  if (!openai || !anthropic || !google) throw new Error("a fake upstream did not start");
  const stripe = await startFakeStripe(TEST_BINDINGS.STRIPE_SECRET_KEY);
  project.provide("stripeBaseUrl", stripe.url);
  project.provide("openaiBaseUrl", `${openai.url}/v1`);
  project.provide("anthropicBaseUrl", anthropic.url);
  project.provide("googleBaseUrl", google.url);
  return async () => {
    await Promise.all([openai.close(), anthropic.close(), google.close(), stripe.close()]);
  };
}
