// What the fake upstream remembers of each request, for tests to inspect (in Node directly, or from
// workerd through GET /__fake/requests?marker=<text>).
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

export interface RecordedRequest {
  method: string;
  /** Path including the query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Header names lowercased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The parsed JSON body, or null when it was empty or not JSON. */
  body: unknown;
  /** The body as received (UTF-8). */
  rawBody: string;
  /** Arrival time, ms since the epoch. */
  at: number;
  /** True only when the client went away before the answer was complete. */
  aborted: boolean;
  /** The case played (`text`, `error:429`, …); null when the request was turned away before one was chosen. */
  case: string | null;
  /** The request id this fake answered with. */
  requestId: string;
}

/** The recorded requests whose raw body contains `marker`. */
export function findRequests(requests: readonly RecordedRequest[], marker: string): RecordedRequest[] {
  return requests.filter((r) => r.rawBody.includes(marker));
}

/**
 * Records a request into `requests` and reads its body. `aborted` is set when the connection closes
 * before the answer ended, unless the server closed it: `serverBreaks()` before a deliberate reset,
 * `closing()` while the fake shuts down. Undefined when the client left while sending the body.
 */
export async function recordRequest(
  requests: RecordedRequest[],
  req: IncomingMessage,
  res: ServerResponse,
  closing: () => boolean,
): Promise<{ record: RecordedRequest; serverBreaks: () => void } | undefined> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  const record: RecordedRequest = {
    method: req.method ?? "GET",
    path: req.url ?? "/",
    headers,
    body: null,
    rawBody: "",
    at: Date.now(),
    aborted: false,
    case: null,
    requestId: `req_${randomBytes(12).toString("hex")}`,
  };
  requests.push(record);
  let serverBroke = false;
  const onClose = () => {
    if (!res.writableEnded && !serverBroke && !closing()) record.aborted = true;
  };
  req.on("close", () => {
    if (!req.complete) onClose();
  });
  res.on("close", onClose);

  const chunks: Buffer[] = [];
  try {
    for await (const chunk of req) chunks.push(chunk as Buffer);
  } catch {
    return undefined;
  }
  record.rawBody = Buffer.concat(chunks).toString("utf8");
  try {
    record.body = record.rawBody === "" ? null : (JSON.parse(record.rawBody) as unknown);
  } catch {
    record.body = null;
  }
  return { record, serverBreaks: () => (serverBroke = true) };
}
