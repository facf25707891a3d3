import type { components } from "../../openapi/schema.d.ts";
import { bearer, gw, json } from "./gateway.ts";

/** The answer the contract promises (generated from the OpenAPI document). */
export type ImagesResponse = components["schemas"]["ImagesResponse"];

export const GPT_IMAGE = "openai/gpt-image-2.6-sunburst";
export const CORE = "stability/stable-image-core";
export const ULTRA = "stability/stable-image-ultra";

/**
 * Charges in µcr (x1.8 margin, $0.01 per credit = 180 credits per USD). gpt-image-2.6-sunburst
 * bills $5 per 1M text input tokens and $30 per 1M image output tokens.
 */
export const CHARGE = {
  /** test/fixtures/openai/image.json: 17 text in, 272 image out: (17 x 5 + 272 x 30) x 180 µcr. */
  gptImage: 1_484_100,
  /** image-n2.json: 17 text in, 544 image out. */
  gptImageN2: 2_952_900,
  /** $0.03 per image. */
  core: 5_400_000,
  /** $0.08 per image. */
  ultra: 14_400_000,
} as const;

export function generate(key: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  return gw("/v1/images/generations", {
    ...json({ model: GPT_IMAGE, ...body }, bearer(key)),
    ...(signal ? { signal } : {}),
  });
}

/** The form fields of a multipart body as the fake upstream recorded it. */
export async function formFields(upstream: { rawBody: string; headers: Record<string, string> } | undefined) {
  if (!upstream) throw new Error("no upstream request");
  const form = await new Response(upstream.rawBody, {
    headers: { "content-type": upstream.headers["content-type"] ?? "" },
  }).formData();
  return Object.fromEntries([...form.entries()].map(([name, value]) => [name, String(value)]));
}
