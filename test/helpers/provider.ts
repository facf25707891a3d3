// A provider module built as the gateway builds it, for adapter unit tests: no network, the
// gateway's key known so tests can check it never leaks.
import type { ChatAdapter } from "../../src/capabilities/chat/adapter.ts";
import type { Config } from "../../src/env.ts";
import { createScrubber } from "../../src/lib/scrub.ts";
import type { ProviderDefinition, ProviderModule } from "../../src/providers/types.ts";

export function unitProvider(
  definition: ProviderDefinition,
  options: { apiKey: string; baseUrl: string; config?: Partial<Config> },
): { module: ProviderModule; chat: ChatAdapter } {
  const module = definition.create({
    apiKey: options.apiKey,
    baseUrl: options.baseUrl,
    fetch: () => Promise.reject(new Error("unit tests make no calls")),
    scrub: createScrubber([options.apiKey]),
    config: (options.config ?? {}) as Config,
  });
  const chat = module.adapters.chat;
  if (!chat) throw new Error(`${definition.id} offers no chat adapter`);
  return { module, chat };
}
