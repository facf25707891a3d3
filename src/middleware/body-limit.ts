import type { MiddlewareHandler } from "hono";
import { ApiError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import type { HonoEnv } from "../lib/types.ts";

/**
 * Reads the request body up front, at most MAX_BODY_BYTES of it. A declared Content-Length
 * over the limit is refused before a byte is read; a chunked body is cut off at the limit.
 * A body that breaks off (the client went away mid-upload) is the client's failure, not
 * ours: 400, logged at info level, never a 500 with a stack.
 */
export function limitBody(): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const maxSize = c.var.config.MAX_BODY_BYTES;
    const tooLarge = () => new ApiError("PAYLOAD_TOO_LARGE", `The request body is larger than ${maxSize} bytes.`);
    const declared = c.req.raw.headers.has("transfer-encoding") ? null : c.req.header("content-length");
    if (declared != null && Number.parseInt(declared, 10) > maxSize) throw tooLarge();

    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (error) {
        log("info", "request body broke off", {
          request_id: c.var.requestId,
          received_bytes: size,
          detail: error instanceof Error ? error.message : String(error),
        });
        throw new ApiError("INVALID_REQUEST", "The request body broke off before it was complete; send it again.");
      }
      if (step.done) break;
      size += step.value.byteLength;
      if (size > maxSize) {
        void reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(step.value);
    }
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    c.req.raw = new Request(c.req.raw, { body: bytes });
    return next();
  };
}
