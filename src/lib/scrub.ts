/** Shortest configured secret worth looking for: shorter values would blank ordinary words. */
const MIN_SECRET_LENGTH = 8;

/**
 * Key-shaped tokens, masked or not: OpenAI (`sk-…abcd`, `sk-proj-****`), Stripe (`sk_live_…`,
 * `rk_test_…`), Anthropic (`sk-ant-…`), Google (`AIza…`). A provider quoting a key, even
 * partly, never reaches a client.
 */
const KEY_SHAPES = [/\b(?:sk|rk|pk)[-_][\w\-*…•.]{3,}/g, /\bAIza[\w-]{8,}/g, /\bxi-[\w-]{8,}/g];

export type Scrubber = (text: string) => string;

/** Replaces every configured secret and anything shaped like a key with `[redacted]`. */
export function createScrubber(secrets: readonly (string | undefined)[]): Scrubber {
  const values = [...new Set(secrets.filter((s): s is string => s !== undefined && s.length >= MIN_SECRET_LENGTH))]
    // Longest first, so a secret containing another is removed whole.
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const value of values) out = out.split(value).join("[redacted]");
    for (const shape of KEY_SHAPES) out = out.replace(shape, "[redacted]");
    return out;
  };
}
