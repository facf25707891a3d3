/**
 * Gemini function calls have no ids, and Gemini 3 wants each call's `thoughtSignature` back when
 * the call is replayed in history (400 "Function call is missing a thought_signature" without
 * it). OpenAI clients round-trip exactly one thing per call: its `id`. So the id the gateway
 * hands out carries the signature (base64url, so the id stays within [A-Za-z0-9_-]), and the
 * signature is restored when that id comes back — the approach LiteLLM ships (`__thought__` in
 * the id, BerriAI/litellm#16895). The id is deterministic: the same answer read plain or
 * streamed gives the same ids.
 *
 *   call_<16 hex: FNV-1a 64 of responseId and position>[_ts_<signature, base64url>]
 */

const PREFIX = "call_";
const SIGNATURE_MARK = "_ts_";
const ID_PATTERN = /^call_[0-9a-f]{16}_ts_([A-Za-z0-9_-]+)$/;

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = (1n << 64n) - 1n;
const encoder = new TextEncoder();

function fnv1a64(text: string): string {
  let hash = FNV_OFFSET;
  for (const byte of encoder.encode(text)) {
    hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK_64;
  }
  return hash.toString(16).padStart(16, "0");
}

const toBase64Url = (base64: string) => base64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function fromBase64Url(base64url: string): string {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  return base64 + "=".repeat((4 - (base64.length % 4)) % 4);
}

export interface ToolCallSeed {
  /** The answer's responseId; without one the call's own name and arguments make the id. */
  responseId?: string | null;
  /** The call's position among the answer's function calls (0, 1, …). */
  index: number;
  name: string;
  args: Record<string, unknown>;
  signature?: string | null;
}

export function toolCallId(seed: ToolCallSeed): string {
  const basis = seed.responseId
    ? `${seed.responseId}:${seed.index}`
    : `${seed.index}:${seed.name}:${JSON.stringify(seed.args)}`;
  const id = `${PREFIX}${fnv1a64(basis)}`;
  return seed.signature ? `${id}${SIGNATURE_MARK}${toBase64Url(seed.signature)}` : id;
}

/** The thoughtSignature a gateway-made id carries (standard base64, as Gemini sent it), if any. */
export function signatureFromToolCallId(id: string): string | undefined {
  const match = ID_PATTERN.exec(id);
  return match?.[1] ? fromBase64Url(match[1]) : undefined;
}

/**
 * Google's documented stand-in for a function call that has no signature of its own (a call the
 * client made up, edited, or brought from another model): it skips the validation
 * (ai.google.dev/gemini-api/docs/thought-signatures; also what gemini-cli and vercel/ai send).
 */
export const SKIP_SIGNATURE = "skip_thought_signature_validator";
