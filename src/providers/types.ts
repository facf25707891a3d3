import type { ChatAdapter } from "../capabilities/chat/adapter.ts";
import type { ImageAdapter } from "../capabilities/image/adapter.ts";
import type { MusicAdapter } from "../capabilities/music/adapter.ts";
import type { SpeechAdapter } from "../capabilities/speech/adapter.ts";
import type { Config } from "../env.ts";
import type { Scrubber } from "../lib/scrub.ts";
import type { ModelKind, Provider } from "../metering/catalog-types.ts";
import type { UpstreamProvider } from "../metering/upstream.ts";

/** The adapter type of each capability. */
export interface CapabilityAdapters {
  chat: ChatAdapter;
  image: ImageAdapter;
  speech: SpeechAdapter;
  music: MusicAdapter;
}
export type Capability = keyof CapabilityAdapters & ModelKind;

/** What a provider module is built from, once per isolate. */
export interface ProviderOptions {
  apiKey: string;
  /** The provider's base URL (OPENAI_BASE_URL includes /v1; the others are host roots). */
  baseUrl: string;
  fetch: typeof fetch;
  /** Removes configured secrets from provider words before they reach a client. */
  scrub: Scrubber;
  config: Config;
  /** The clock for answers a provider does not date itself (default Date.now). */
  now?: () => number;
}

/** A built provider: how to reach it, how to read its errors, and the capabilities it offers. */
export interface ProviderModule extends UpstreamProvider {
  readonly id: Provider;
  readonly adapters: Partial<CapabilityAdapters>;
}

/** `providers/<name>/index.ts` exports one of these; the registry lists them. */
export interface ProviderDefinition {
  id: Provider;
  name: string;
  /** Key and base URL when the operator configured this provider; undefined switches it off. */
  configured(config: Config): { apiKey: string; baseUrl: string } | undefined;
  create(options: ProviderOptions): ProviderModule;
}
