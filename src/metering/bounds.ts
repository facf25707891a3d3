import { ApiError } from "../lib/errors.ts";
import { formatCredits } from "../lib/money.ts";
import type { CatalogEntry, TokenKind } from "./catalog-types.ts";
import {
  attoUsdToMicros,
  costAttoUsd,
  effectivePrices,
  INPUT_KINDS,
  type PricingConfig,
  priceOf,
  type UsageRecord,
} from "./pricing.ts";

/** Tokens a provider may add per message (role markers, separators). */
export const PER_MESSAGE_TOKENS = 8;
/** Tokens a provider may add once per request (priming, system scaffolding). */
export const PER_REQUEST_TOKENS = 64;
/** Providers add a hidden tool-use system prompt when tools are sent (Anthropic: a few hundred tokens). */
export const TOOLS_OVERHEAD_TOKENS = 1024;
/** With no max_tokens from the client, the held output may shrink to what the balance affords, down to this. */
export const MIN_OUTPUT_TOKENS = 16;

const utf8 = new TextEncoder();
export const utf8Bytes = (text: string) => utf8.encode(text).length;

export interface ChatBoundRequest {
  /** Every piece of text sent: message contents, system prompt, tool definitions (as JSON). */
  texts: string[];
  messages: number;
  hasTools: boolean;
  /** max_completion_tokens or max_tokens as the client sent it. */
  requestedMaxOutput?: number;
}

/** No tokenizer emits more tokens than the UTF-8 bytes it encodes; overheads cover the framing. */
export function inputTokenBound(request: Pick<ChatBoundRequest, "texts" | "messages" | "hasTools">): number {
  const bytes = request.texts.reduce((sum, text) => sum + utf8Bytes(text), 0);
  return (
    bytes + request.messages * PER_MESSAGE_TOKENS + PER_REQUEST_TOKENS + (request.hasTools ? TOOLS_OVERHEAD_TOKENS : 0)
  );
}

export interface ChatBound {
  input_tokens: number;
  output_tokens: number;
  /** The µcr to hold: no usage within these token counts can cost more. */
  micros: number;
  /** Set when the gateway chose the output limit (the client sent none): send it upstream. */
  max_output_to_send?: number;
}

/** The dearest way the bound's tokens could be billed: every input token at the dearest input kind, same for output. */
function boundUsage(
  entry: CatalogEntry,
  now: number,
  inputTokens: number,
  outputTokens: number,
  inputKinds: readonly TokenKind[],
): UsageRecord {
  const prices = effectivePrices(entry, now, inputTokens);
  const dearest = (kinds: readonly TokenKind[]) =>
    kinds.reduce((best, kind) =>
      costAttoUsd(prices, { [kind]: 1_000_000 }) > costAttoUsd(prices, { [best]: 1_000_000 }) ? kind : best,
    );
  // priceOf throws for a kind the table cannot price; every kind here falls back to input or output.
  for (const kind of inputKinds) priceOf(prices, kind);
  return { [dearest(inputKinds)]: inputTokens, [dearest(["output", "reasoning"])]: outputTokens };
}

export function boundMicros(
  entry: CatalogEntry,
  now: number,
  inputTokens: number,
  outputTokens: number,
  pricing: PricingConfig,
  inputKinds: readonly TokenKind[] = INPUT_KINDS,
): number {
  const usage = boundUsage(entry, now, inputTokens, outputTokens, inputKinds);
  return attoUsdToMicros(costAttoUsd(effectivePrices(entry, now, inputTokens), usage), pricing);
}

function insufficient(available: number, needed: number): ApiError {
  return new ApiError(
    "INSUFFICIENT_CREDITS",
    `This call needs up to ${formatCredits(needed)} credits held; your balance is ${formatCredits(Math.max(0, available))} credits.`,
  );
}

/**
 * The hold for a chat call (DESIGN "Holds are upper bounds"). Output is the client's own
 * limit (402 when unaffordable) or DEFAULT_MAX_OUTPUT_TOKENS lowered to what `available`
 * affords (402 below 16 tokens); always capped by the model's output limit.
 */
export function chatBound(
  entry: CatalogEntry,
  request: ChatBoundRequest,
  options: {
    now: number;
    pricing: PricingConfig;
    defaultMaxOutput: number;
    available: number;
    inputKinds?: readonly TokenKind[];
  },
): ChatBound {
  const { now, pricing, available, inputKinds = INPUT_KINDS } = options;
  const inputTokens = inputTokenBound(request);
  const cap = entry.max_output_tokens ?? options.defaultMaxOutput;
  const cost = (output: number) => boundMicros(entry, now, inputTokens, output, pricing, inputKinds);

  if (request.requestedMaxOutput !== undefined) {
    const output = Math.min(request.requestedMaxOutput, cap);
    const micros = cost(output);
    if (micros > available) throw insufficient(available, micros);
    return { input_tokens: inputTokens, output_tokens: output, micros };
  }

  let output = Math.min(options.defaultMaxOutput, cap);
  if (cost(output) > available) {
    // The largest affordable output: cost is monotone in output tokens.
    let low = 0;
    let high = output;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (cost(mid) <= available) low = mid;
      else high = mid - 1;
    }
    if (low < MIN_OUTPUT_TOKENS) throw insufficient(available, cost(Math.min(MIN_OUTPUT_TOKENS, cap)));
    output = low;
  }
  return { input_tokens: inputTokens, output_tokens: output, micros: cost(output), max_output_to_send: output };
}
