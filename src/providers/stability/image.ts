import type { ImageAdapter } from "../../capabilities/image/adapter.ts";
import { parseSize } from "../../capabilities/image/size.ts";
import { ApiError } from "../../lib/errors.ts";
import type { CatalogEntry } from "../../metering/catalog-types.ts";
import type { StabilityApi } from "./api.ts";
import { nearestAspectRatio } from "./aspect-ratio.ts";
import { StabilityImageSchema } from "./image.api-types.ts";

/** The catalog's Stable Image models and their endpoints, `/v2beta/stable-image/generate/<endpoint>`. */
const ENDPOINTS: Record<string, string> = { "stable-image-core": "core", "stable-image-ultra": "ultra" };

/** Stable Image's prompt limit, in characters. */
export const MAX_PROMPT_CHARACTERS = 10_000;

function endpoint(entry: CatalogEntry): string {
  const path = ENDPOINTS[entry.id];
  if (!path) {
    throw new ApiError("PROVIDER_NOT_CONFIGURED", `Stability AI's ${entry.id} is not available on this gateway.`);
  }
  return `/v2beta/stable-image/generate/${path}`;
}

/**
 * Stable Image Core and Ultra: one image per multipart call, so n images are n calls (the
 * metered path sends them together and merges the answers), each billed one `images`.
 */
export function stabilityImage(api: StabilityApi, now: () => number): ImageAdapter {
  return {
    bound(request, entry) {
      endpoint(entry);
      if ([...request.prompt].length > MAX_PROMPT_CHARACTERS) {
        throw new ApiError(
          "INVALID_REQUEST",
          `Stability AI models take prompts of at most ${MAX_PROMPT_CHARACTERS} characters.`,
          { param: "prompt" },
        );
      }
      // `user` travels as a header, which cannot carry a line break or NUL.
      if (request.user && /[\0\r\n]/.test(request.user)) {
        throw new ApiError("INVALID_REQUEST", "Stability AI takes a 'user' without line breaks or NUL characters.", {
          param: "user",
        });
      }
      if (request.background === "transparent") {
        throw new ApiError("INVALID_REQUEST", "Stability AI models cannot make a transparent background.", {
          param: "background",
        });
      }
      const images = request.n ?? 1;
      // Priced per image whatever the size; one that came back is billed even if the client left.
      return { worstCase: { images }, interrupted: { images } };
    },

    buildRequest(request, entry, hold) {
      const url = api.url(endpoint(entry));
      const size = parseSize(request.size);
      // A body is read once: each call gets its own form.
      return Array.from({ length: hold.images }, () => {
        const form = new FormData();
        form.set("prompt", request.prompt);
        if (size !== "auto") form.set("aspect_ratio", nearestAspectRatio(size.width, size.height));
        if (request.output_format) form.set("output_format", request.output_format);
        const headers = api.headers("application/json");
        if (request.user) headers["stability-client-user-id"] = request.user;
        return { url, init: { method: "POST", headers, body: form } };
      });
    },

    parseResponse(json, request) {
      const parsed = StabilityImageSchema.safeParse(json);
      if (!parsed.success) {
        return new ApiError(
          "PROVIDER_ERROR",
          "Stability AI sent an answer the gateway could not read. Nothing was charged.",
        );
      }
      const { image, finish_reason } = parsed.data;
      if (finish_reason === "CONTENT_FILTERED") {
        return new ApiError(
          "INVALID_REQUEST",
          "Stability AI filtered the image (finish_reason CONTENT_FILTERED): its content moderation flagged the prompt or the result. Nothing was charged.",
          { param: "prompt" },
        );
      }
      if (finish_reason !== "SUCCESS") {
        return new ApiError(
          "PROVIDER_ERROR",
          `Stability AI did not finish the image (finish_reason ${finish_reason}). Nothing was charged.`,
        );
      }
      return {
        body: {
          created: Math.floor(now() / 1000),
          data: [{ b64_json: image }],
          output_format: request.output_format ?? "png",
        },
        usage: { images: 1 },
      };
    },
  };
}
