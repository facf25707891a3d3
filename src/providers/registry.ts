import type { Config } from "../env.ts";
import type { Scrubber } from "../lib/scrub.ts";
import type { Provider } from "../metering/catalog-types.ts";
import type { UpstreamProvider } from "../metering/upstream.ts";
import { anthropic } from "./anthropic/index.ts";
import { elevenlabs } from "./elevenlabs/index.ts";
import { google } from "./google/index.ts";
import { openai } from "./openai/index.ts";
import { stability } from "./stability/index.ts";
import type { Capability, CapabilityAdapters, ProviderDefinition, ProviderModule } from "./types.ts";

/** Every provider the gateway can speak to. Adding a provider is one folder and one line here. */
const DEFINITIONS: readonly ProviderDefinition[] = [openai, anthropic, google, elevenlabs, stability];

/** A provider's display name, from its module (the catalog id for a provider not built yet). */
export function providerName(id: Provider): string {
  return DEFINITIONS.find((definition) => definition.id === id)?.name ?? id;
}

/** The configured providers, built once per isolate. */
export class Providers {
  private readonly modules = new Map<Provider, ProviderModule>();

  constructor(config: Config, fetcher: typeof fetch, scrub: Scrubber) {
    for (const definition of DEFINITIONS) {
      const configured = definition.configured(config);
      if (configured) {
        this.modules.set(definition.id, definition.create({ ...configured, fetch: fetcher, scrub, config }));
      }
    }
  }

  /** The provider and its adapter for a capability, when both exist. */
  adapter<C extends Capability>(
    id: Provider,
    capability: C,
  ): { provider: UpstreamProvider; adapter: CapabilityAdapters[C] } | undefined {
    const provider = this.modules.get(id);
    const adapter = provider?.adapters[capability];
    return provider && adapter ? { provider, adapter: adapter as CapabilityAdapters[C] } : undefined;
  }
}
