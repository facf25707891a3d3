import { z } from "@hono/zod-openapi";
import { providersOf } from "../../metering/catalog.ts";

const TextPartSchema = z.object({ type: z.literal("text"), text: z.string() });
/** Image, audio and file parts are refused until they are priced; they parse so the error can name them. */
const OtherPartSchema = z.object({ type: z.string() }).passthrough();
const ContentSchema = z.union([z.string(), z.array(z.union([TextPartSchema, OtherPartSchema]))]);

const ToolCallSchema = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

export const MessageSchema = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant", "tool"]),
    content: ContentSchema.nullable().optional(),
    name: z.string().max(256).optional(),
    tool_calls: z.array(ToolCallSchema).optional(),
    tool_call_id: z.string().optional(),
    refusal: z.string().nullable().optional(),
  })
  .openapi("ChatMessage");

const ToolSchema = z
  .object({
    type: z.literal("function"),
    function: z.object({
      name: z.string().min(1).max(64),
      description: z.string().optional(),
      parameters: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  })
  .openapi("ChatTool");

/** The fields the gateway forwards. Anything else is dropped (it could change the price). */
export const ChatRequestSchema = z
  .object({
    model: z.string().min(1).max(128).openapi({
      description: "`provider/model` from GET /v1/models, or a bare model id",
      example: "openai/gpt-4o-mini",
    }),
    messages: z.array(MessageSchema).min(1).max(2048),
    max_completion_tokens: z.number().int().min(1).max(1_000_000).optional(),
    max_tokens: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .openapi({ description: "Deprecated by OpenAI; accepted" }),
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().min(0).max(1).optional(),
    stop: z
      .union([z.string(), z.array(z.string()).max(4)])
      .nullable()
      .optional(),
    seed: z.number().int().optional(),
    presence_penalty: z.number().min(-2).max(2).optional(),
    frequency_penalty: z.number().min(-2).max(2).optional(),
    logit_bias: z.record(z.string(), z.number()).optional(),
    logprobs: z.boolean().optional(),
    top_logprobs: z.number().int().min(0).max(20).optional(),
    n: z.literal(1).optional().openapi({ description: "Only 1 is supported" }),
    user: z.string().max(256).optional(),
    safety_identifier: z.string().max(256).optional(),
    tools: z.array(ToolSchema).max(128).optional(),
    tool_choice: z
      .union([
        z.enum(["none", "auto", "required"]),
        z.object({ type: z.literal("function"), function: z.object({ name: z.string() }) }),
      ])
      .optional(),
    parallel_tool_calls: z.boolean().optional(),
    response_format: z.record(z.string(), z.unknown()).optional(),
    reasoning_effort: z.enum(["none", "minimal", "low", "medium", "high", "xhigh", "max"]).optional(),
    prompt_cache_key: z.string().max(256).optional(),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  })
  .openapi("ChatCompletionRequest", {
    example: { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Say hi" }] },
  });
export type ChatRequest = z.infer<typeof ChatRequestSchema>;

/** POST /v1/chat: the original shape, `{provider, model, messages, ...}`. */
export const LegacyChatRequestSchema = ChatRequestSchema.extend({
  provider: z.enum(providersOf("chat")).openapi({ example: "openai" }),
  model: z.string().min(1).max(128).openapi({ example: "gpt-4o-mini" }),
}).openapi("ChatRequest", {
  example: { provider: "openai", model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hi" }] },
});

export const ChatCompletionSchema = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z
        .object({
          index: z.number().int(),
          message: z.object({ role: z.literal("assistant"), content: z.string().nullable() }).passthrough(),
          finish_reason: z.string().nullable(),
        })
        .passthrough(),
    ),
    usage: z
      .object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() })
      .passthrough(),
  })
  .passthrough()
  .openapi("ChatCompletion", {
    example: {
      id: "chatcmpl-D8Z5f52zQqikDBEKQMQoYcWMcWPeU",
      object: "chat.completion",
      created: 1770933883,
      model: "gpt-4o-mini-2024-07-18",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "Hi! How can I help you today?" },
          finish_reason: "stop",
        },
      ],
      usage: { prompt_tokens: 16, completion_tokens: 9, total_tokens: 25 },
    },
  });

export type ChatCompletion = z.infer<typeof ChatCompletionSchema>;

/** One `chat.completion.chunk` of a stream, as the official SDKs read it. */
export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: {
    index: number;
    delta: {
      role?: "assistant";
      content?: string | null;
      tool_calls?: {
        index: number;
        id?: string;
        type?: "function";
        function: { name?: string; arguments: string };
      }[];
      refusal?: string | null;
    };
    finish_reason: string | null;
  }[];
  usage?: ChatCompletion["usage"] | null;
}

export const ChatStreamSchema = z.string().openapi({
  description:
    "Server-sent events: `data: <chat.completion.chunk JSON>` frames, then `data: [DONE]`. With `stream_options.include_usage` the last chunk before [DONE] has `choices: []` and the usage.",
  example:
    'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1770933892,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\ndata: [DONE]\n\n',
});
