import type { EventSourceMessage } from "eventsource-parser";
import type { Config } from "../env.ts";
import type { ApiError } from "../lib/errors.ts";
import type { CatalogEntry, Provider, TokenKind } from "../metering/catalog-types.ts";
import type { UsageRecord } from "../metering/pricing.ts";
import type { ChatRequest } from "../routes/chat/chat.schemas.ts";

export interface UpstreamRequest {
  url: string;
  init: RequestInit & { headers: Record<string, string>; body: string };
}

/** What one upstream stream event means for the client and for metering. */
export interface StreamStep {
  /** OpenAI-format chunk payloads to send (each becomes `data: <payload>\n\n`). */
  frames: string[];
  usage?: UsageRecord;
  /** Text the client received in this step, for the disconnect charge (UTF-8 bytes / 4). */
  text?: string;
  done?: boolean;
  error?: ApiError;
}

export interface ChatStreamState {
  /** Whether the client asked for the usage chunk (the gateway always asks upstream). */
  includeUsage: boolean;
}

/** A chat provider: request, response and stream-chunk transforms plus error parsing. */
export interface ChatAdapter {
  provider: Provider;
  /** The configured key, or undefined when the provider is switched off. */
  apiKey(config: Config): string | undefined;
  /** Input token kinds this provider can bill for this request (bounds price input at the dearest). */
  inputKinds(request: ChatRequest): readonly TokenKind[];
  buildRequest(
    request: ChatRequest,
    entry: CatalogEntry,
    options: { apiKey: string; config: Config; maxOutputTokens?: number },
  ): UpstreamRequest;
  /** A non-stream upstream body: the OpenAI-format answer and its usage. */
  parseResponse(body: unknown): { body: Record<string, unknown>; usage: UsageRecord } | ApiError;
  onStreamEvent(state: ChatStreamState, event: EventSourceMessage): StreamStep;
  /** An upstream error answer (status >= 400). */
  parseError(status: number, body: string, headers: Headers): ApiError;
}
