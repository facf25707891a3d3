import { utf8Bytes } from "../../lib/text.ts";
import type { CatalogEntry, TokenKind } from "../../metering/catalog-types.ts";
import { type CallProgress, type Hold, insufficientCredits } from "../../metering/hold.ts";
import {
  attoUsdToMicros,
  costAttoUsd,
  effectivePrices,
  INPUT_KINDS,
  type PricingConfig,
  priceOf,
  type UsageRecord,
} from "../../metering/pricing.ts";

/** Tokens a provider may add per message (role markers, separators). */
export const PER_MESSAGE_TOKENS = 8;
/** Tokens a provider may add once per request (priming, system scaffolding). */
export const PER_REQUEST_TOKENS = 64;
/** Providers add a hidden tool-use system prompt when tools are sent (Anthropic: a few hundred tokens). */
export const TOOLS_OVERHEAD_TOKENS = 1024;
/** With no max_tokens from the client, the held output may shrink to what the balance affords, down to this. */
export const MIN_OUTPUT_TOKENS = 16;
/** The interrupted-call estimate: about four bytes of UTF-8 per token. */
const BYTES_PER_TOKEN = 4;

export interface ChatBoundRequest {
  /** Every piece of text sent: message contents, system prompt, tool definitions (as JSON). */
  texts: string[];
  messages: number;
  hasTools: boolean;
  /** max_completion_tokens or max_tokens as the client sent it. */
  requestedMaxOutput?: number;
}

const textBytes = (texts: readonly string[]) => texts.reduce((sum, text) => sum + utf8Bytes(text), 0);

/** No tokenizer emits more tokens than the UTF-8 bytes it encodes; overheads cover the framing. */
export function inputTokenBound(request: Pick<ChatBoundRequest, "texts" | "messages" | "hasTools">): number {
  return (
    textBytes(request.texts) +
    request.messages * PER_MESSAGE_TOKENS +
    PER_REQUEST_TOKENS +
    (request.hasTools ? TOOLS_OVERHEAD_TOKENS : 0)
  );
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

/** A chat call's hold: its token bounds, and the output limit sent upstream (exactly the held output). */
export interface ChatHold extends Hold {
  readonly input_tokens: number;
  readonly output_tokens: number;
  shrink?(availableMicros: number): ChatHold;
}

export interface ChatHoldOptions {
  now: number;
  pricing: PricingConfig;
  defaultMaxOutput: number;
  /** Input token kinds the provider can bill for this request (input is held at the dearest). */
  inputKinds?: readonly TokenKind[];
}

/**
 * The hold for a chat call (DESIGN "Holds are upper bounds"). Output is the client's own limit
 * (never shrunk: 402 when unaffordable) or DEFAULT_MAX_OUTPUT_TOKENS, which shrinks to what the
 * balance affords (402 below 16 tokens); always capped by the model's output limit.
 */
export function chatHold(entry: CatalogEntry, request: ChatBoundRequest, options: ChatHoldOptions): ChatHold {
  const { now, pricing, inputKinds = INPUT_KINDS } = options;
  const inputTokens = inputTokenBound(request);
  const inputBytes = textBytes(request.texts);
  const cap = entry.max_output_tokens ?? options.defaultMaxOutput;
  const cost = (output: number) => boundMicros(entry, now, inputTokens, output, pricing, inputKinds);

  const make = (output: number, shrinks: boolean): ChatHold => {
    const micros = cost(output);
    const hold: ChatHold = {
      micros,
      input_tokens: inputTokens,
      output_tokens: output,
      worstCase: boundUsage(entry, now, inputTokens, output, inputKinds),
      interrupted: (progress) => interruptedUsage(progress, inputBytes, output),
    };
    if (!shrinks) return hold;
    return {
      ...hold,
      shrink(available: number): ChatHold {
        if (micros <= available) return hold;
        // The largest affordable output: cost is monotone in output tokens.
        let low = 0;
        let high = output;
        while (low < high) {
          const mid = Math.ceil((low + high) / 2);
          if (cost(mid) <= available) low = mid;
          else high = mid - 1;
        }
        if (low < MIN_OUTPUT_TOKENS) throw insufficientCredits(available, cost(Math.min(MIN_OUTPUT_TOKENS, cap)));
        return make(low, false);
      },
    };
  };

  if (request.requestedMaxOutput !== undefined) return make(Math.min(request.requestedMaxOutput, cap), false);
  return make(Math.min(options.defaultMaxOutput, cap), true);
}

/**
 * DESIGN's fair estimate for a call cut short: input as reported, else ceil(input bytes ÷ 4);
 * output the larger of what was reported and ceil(bytes streamed ÷ 4), never above the output
 * held (reasoning included). Reported and estimated usage combine per kind, taking the larger.
 */
export function interruptedUsage(progress: CallProgress, inputBytes: number, heldOutput: number): UsageRecord {
  const reported = progress.reported ?? {};
  const usage: UsageRecord = {};
  const reportedInput = INPUT_KINDS.some((kind) => (reported[kind] ?? 0) > 0);
  if (reportedInput) for (const kind of INPUT_KINDS) usage[kind] = reported[kind] ?? 0;
  else usage.input = Math.ceil(inputBytes / BYTES_PER_TOKEN);
  const reasoning = Math.min(reported.reasoning ?? 0, heldOutput);
  const streamed = Math.ceil(progress.streamedBytes / BYTES_PER_TOKEN);
  usage.output = Math.min(Math.max(reported.output ?? 0, streamed), heldOutput - reasoning);
  if (reasoning > 0) usage.reasoning = reasoning;
  return usage;
}
