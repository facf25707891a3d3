/**
 * The characters of a speech input, as the gateway limits and bills them: Unicode code points.
 * An emoji is one character (JavaScript's `length` counts its two UTF-16 halves); a letter
 * followed by a combining accent is two. Neither OpenAI nor ElevenLabs says how it counts the
 * "characters" it bills; code points are what a reader counts in almost all text, and never
 * more than `length`.
 */
export function countCharacters(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
