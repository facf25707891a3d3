import type { CatalogEntry } from "../../metering/catalog-types.ts";
import type { MeteredSpec } from "../../metering/metered-call.ts";
import type { PricingConfig } from "../../metering/pricing.ts";
import type { UpstreamProvider } from "../../metering/upstream.ts";
import type { ChatAdapter } from "./adapter.ts";
import { type ChatHold, chatHold } from "./hold.ts";
import { chatBoundRequest } from "./input.ts";
import type { ChatRequest } from "./schemas.ts";
import { openAISse } from "./sse-writer.ts";

export interface ChatCallOptions {
  requestId: string;
  now: number;
  pricing: PricingConfig;
  defaultMaxOutput: number;
  resolve(entry: CatalogEntry): { provider: UpstreamProvider; adapter: ChatAdapter } | undefined;
  providerName(entry: CatalogEntry): string;
}

/** A chat call on the metered path: both chat routes use it, whatever the provider. */
export function chatCall(request: ChatRequest, options: ChatCallOptions): MeteredSpec<ChatAdapter, ChatHold> {
  // Refuses unpriced input (image parts) before anything is held.
  const bound = chatBoundRequest(request);
  return {
    model: request.model,
    kind: "chat",
    resolve: options.resolve,
    providerName: options.providerName,
    hold: (entry, adapter) =>
      chatHold(entry, bound, {
        now: options.now,
        pricing: options.pricing,
        defaultMaxOutput: options.defaultMaxOutput,
        inputKinds: adapter.inputKinds(request),
      }),
    request: (entry, adapter, hold) => adapter.buildRequest(request, entry, hold.output_tokens),
    answer: (_entry, adapter) =>
      request.stream
        ? {
            type: "sse",
            contentType: "text/event-stream; charset=utf-8",
            start: () =>
              openAISse(adapter.startStream(), {
                includeUsage: request.stream_options?.include_usage === true,
                requestId: options.requestId,
              }),
          }
        : { type: "json", read: (json) => adapter.parseResponse(json) },
  };
}
