import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonContent } from "../../lib/openapi.ts";
import { CUSTOMER_SECURITY } from "../security.ts";

const CreditPricesSchema = z.record(z.string(), z.number()).openapi({
  description:
    "Prices in credits (margin included), keyed `<usage>_per_<unit>`: tokens per 1M, characters per 1K, images, clips or seconds each",
  example: { input_per_1m_tokens: 27, cached_input_per_1m_tokens: 13.5, output_per_1m_tokens: 108 },
});

export const ModelSchema = z
  .object({
    id: z.string().openapi({ example: "openai/gpt-4o-mini" }),
    object: z.literal("model"),
    created: z.number().int().openapi({ description: "Unix seconds", example: 1721260800 }),
    owned_by: z.string().openapi({ example: "openai" }),
    kind: z.enum(["chat", "image", "speech", "music"]),
    context_window: z.number().int().nullable(),
    max_output_tokens: z.number().int().nullable(),
    max_input_characters: z.number().int().nullable().openapi({
      description: "Speech models: the most characters (Unicode code points) of `input` per call",
      example: null,
    }),
    pricing: CreditPricesSchema,
    long_prompt_pricing: z
      .array(z.object({ above_input_tokens: z.number().int(), pricing: CreditPricesSchema }))
      .openapi({ description: "Prices for the whole request once its input exceeds the threshold" }),
    shutdown_date: z.string().nullable().openapi({ description: "The provider's announced shutdown, YYYY-MM-DD" }),
    replacement: z.string().nullable().openapi({ example: "openai/gpt-5.4-mini" }),
  })
  .openapi("Model");

const AUTH_ERRORS = ["MISSING_API_KEY", "INVALID_API_KEY", "RATE_LIMITED", "STORE_UNAVAILABLE"] as const;

export const listModels = createRoute({
  method: "get",
  path: "/v1/models",
  tags: ["Model catalog"],
  operationId: "listModels",
  summary: "List the models and their prices",
  description: "OpenAI list shape, so `client.models.list()` works. Models past their shutdown date are left out.",
  security: CUSTOMER_SECURITY,
  responses: {
    200: jsonContent(z.object({ object: z.literal("list"), data: z.array(ModelSchema) }), "The models"),
    ...errorResponses(...AUTH_ERRORS),
  },
});

export const ModelParamsSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(128)
    .openapi({
      param: { name: "id", in: "path" },
      description:
        "A model id from GET /v1/models. Clients encode its slash (`openai%2Fgpt-4o-mini`); `/v1/models/openai/gpt-4o-mini` and a bare id (`gpt-4o-mini`) work too",
      example: "openai/gpt-4o-mini",
    }),
});

export const getModel = createRoute({
  method: "get",
  path: "/v1/models/{id}",
  tags: ["Model catalog"],
  operationId: "getModel",
  summary: "One model and its prices",
  description: "404 MODEL_NOT_FOUND for an unknown model; 410 MODEL_RETIRED, naming the replacement, after shutdown.",
  security: CUSTOMER_SECURITY,
  request: { params: ModelParamsSchema },
  responses: {
    200: jsonContent(ModelSchema, "The model"),
    ...errorResponses(...AUTH_ERRORS, "MODEL_NOT_FOUND", "MODEL_RETIRED"),
  },
});

/** `/v1/models/openai/gpt-4o-mini` without encoding the slash; same answer, not documented twice. */
export const getModelBySegments = createRoute({
  ...getModel,
  path: "/v1/models/{provider}/{id}",
  operationId: "getModelBySegments",
  hide: true,
  request: {
    params: z.object({ provider: z.string().min(1).max(32), id: z.string().min(1).max(96) }),
  },
});
