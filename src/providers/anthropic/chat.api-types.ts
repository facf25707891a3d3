import { z } from "zod";

/**
 * Anthropic Messages wire types (shared/providers/WIRE.md §4). Responses: zod schemas for only
 * what the gateway reads; unknown fields pass (they are stripped, never rejected). Requests:
 * plain types for exactly what the gateway sends.
 */

// ------------------------------------------------------------------------------- request

export interface AnthropicTextBlock {
  type: "text";
  text: string;
}

export interface AnthropicToolUseBlock {
  type: "tool_use";
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export interface AnthropicToolResultBlock {
  type: "tool_result";
  tool_use_id: string;
  content?: string | AnthropicTextBlock[];
}

export type AnthropicRequestBlock = AnthropicTextBlock | AnthropicToolUseBlock | AnthropicToolResultBlock;

export interface AnthropicMessage {
  role: "user" | "assistant";
  content: AnthropicRequestBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

export type AnthropicToolChoice =
  | { type: "auto" | "any"; disable_parallel_tool_use?: boolean }
  | { type: "tool"; name: string; disable_parallel_tool_use?: boolean }
  | { type: "none" };

export type AnthropicEffort = "low" | "medium" | "high" | "xhigh" | "max";

export interface AnthropicRequestBody {
  model: string;
  max_tokens: number;
  system?: string;
  messages: AnthropicMessage[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  stop_sequences?: string[];
  metadata?: { user_id: string };
  output_config?: { effort: AnthropicEffort };
  service_tier: "standard_only";
  stream?: true;
}

// ------------------------------------------------------------------------------- response

const count = z.number().int().nonnegative();

/**
 * Usage as any event may carry it: `message_start` has the input counts, `message_delta` the
 * cumulative final counts (it may omit some, and never carries the `cache_creation` breakdown).
 */
export const AnthropicUsageSchema = z.object({
  input_tokens: count.nullish(),
  output_tokens: count.nullish(),
  cache_creation_input_tokens: count.nullish(),
  cache_read_input_tokens: count.nullish(),
  cache_creation: z
    .object({ ephemeral_5m_input_tokens: count.nullish(), ephemeral_1h_input_tokens: count.nullish() })
    .nullish(),
  output_tokens_details: z.object({ thinking_tokens: count.nullish() }).nullish(),
});
export type AnthropicUsage = z.infer<typeof AnthropicUsageSchema>;

const TextBlockSchema = z.object({ type: z.literal("text"), text: z.string() });
const ToolUseBlockSchema = z.object({
  type: z.literal("tool_use"),
  id: z.string(),
  name: z.string(),
  input: z.record(z.string(), z.unknown()),
});
/** Thinking, redacted thinking and any newer block: read past, never shown as content. */
const OtherBlockSchema = z
  .object({ type: z.string().refine((type) => type !== "text" && type !== "tool_use") })
  .transform((block) => ({ type: "other" as const, kind: block.type }));

export const AnthropicResponseSchema = z.object({
  id: z.string(),
  model: z.string(),
  content: z.array(z.union([TextBlockSchema, ToolUseBlockSchema, OtherBlockSchema])),
  stop_reason: z.string().nullish(),
  usage: AnthropicUsageSchema.extend({ input_tokens: count, output_tokens: count }),
});
export type AnthropicResponse = z.infer<typeof AnthropicResponseSchema>;

// ------------------------------------------------------------------------------- stream

const ContentBlockStartSchema = z.object({
  type: z.literal("content_block_start"),
  index: z.number().int().nonnegative(),
  content_block: z.union([
    TextBlockSchema,
    ToolUseBlockSchema.extend({ input: z.record(z.string(), z.unknown()).nullish() }),
    OtherBlockSchema,
  ]),
});

const ContentBlockDeltaSchema = z.object({
  type: z.literal("content_block_delta"),
  index: z.number().int().nonnegative(),
  delta: z.union([
    z.object({ type: z.literal("text_delta"), text: z.string() }),
    z.object({ type: z.literal("input_json_delta"), partial_json: z.string() }),
    // Never shown to the client, but billed as output: counted for the interrupted-call estimate.
    z.object({ type: z.literal("thinking_delta"), thinking: z.string() }),
    // signature_delta, citations_delta: nothing for the client.
    z
      .object({
        type: z
          .string()
          .refine((type) => type !== "text_delta" && type !== "input_json_delta" && type !== "thinking_delta"),
      })
      .transform((delta) => ({ type: "other" as const, kind: delta.type })),
  ]),
});

export const AnthropicStreamEventSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("message_start"),
    message: z.object({ id: z.string(), model: z.string(), usage: AnthropicUsageSchema.nullish() }),
  }),
  ContentBlockStartSchema,
  ContentBlockDeltaSchema,
  z.object({ type: z.literal("content_block_stop"), index: z.number().int().nonnegative() }),
  z.object({
    type: z.literal("message_delta"),
    delta: z.object({ stop_reason: z.string().nullish() }),
    usage: AnthropicUsageSchema.nullish(),
  }),
  z.object({ type: z.literal("message_stop") }),
  z.object({ type: z.literal("ping") }),
  z.object({
    type: z.literal("error"),
    error: z.object({ type: z.string().nullish(), message: z.string().nullish() }).nullish(),
  }),
]);
export type AnthropicStreamEvent = z.infer<typeof AnthropicStreamEventSchema>;

/** Event types the gateway knows; newer ones are read past (Anthropic adds events over time). */
export const KNOWN_STREAM_EVENTS: ReadonlySet<string> = new Set([
  "message_start",
  "content_block_start",
  "content_block_delta",
  "content_block_stop",
  "message_delta",
  "message_stop",
  "ping",
  "error",
]);

// ------------------------------------------------------------------------------- errors

export const AnthropicErrorSchema = z.object({
  type: z.literal("error").optional(),
  error: z.object({ type: z.string().nullish(), message: z.string().nullish() }),
});
