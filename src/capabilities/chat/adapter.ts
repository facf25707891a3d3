import type { EventSourceMessage } from "eventsource-parser";
import type { ApiError } from "../../lib/errors.ts";
import type { CatalogEntry, TokenKind } from "../../metering/catalog-types.ts";
import type { UsageRecord } from "../../metering/pricing.ts";
import type { UpstreamRequest } from "../../metering/upstream.ts";
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from "./schemas.ts";

/**
 * A chunk for the client: a `chat.completion.chunk` object, or one already serialised (a
 * provider that speaks OpenAI's format passes its own bytes through untouched).
 */
export type ChunkOut = ChatCompletionChunk | string;

/** What one upstream stream event (or its end of file) means, in OpenAI's terms. */
export interface ChatStreamStep {
  chunks: ChunkOut[];
  /** The chunk carrying the usage (`choices: []`); sent last, and only when the client asked. */
  usageChunk?: ChunkOut;
  /** All usage reported so far, merged across events. */
  usage?: UsageRecord;
  /**
   * Output generated in this step (content, refusals, tool names and arguments, and thinking the
   * client is not shown but the provider bills), for the interrupted-call estimate.
   */
  text?: string;
  done?: boolean;
  error?: ApiError;
}

/** A stream's translation state, owned by the adapter. */
export interface ChatStream {
  event(event: EventSourceMessage): ChatStreamStep;
  /** The upstream reached end of file: complete (Gemini) or cut short (a missing terminator). */
  end(): ChatStreamStep;
}

/** A provider's chat: OpenAI's request in, OpenAI's answer and chunks out. */
export interface ChatAdapter {
  /** Input token kinds this provider can bill for this request (the hold prices input at the dearest). */
  inputKinds(request: ChatRequest): readonly TokenKind[];
  /** `maxOutputTokens` is the output the hold covers: sent upstream as the one output limit. */
  buildRequest(request: ChatRequest, entry: CatalogEntry, maxOutputTokens: number): UpstreamRequest;
  /** A non-stream upstream body: the OpenAI-format answer and its usage. */
  parseResponse(body: unknown): { body: ChatCompletion; usage: UsageRecord } | ApiError;
  startStream(): ChatStream;
}
