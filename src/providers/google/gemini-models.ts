import type { GeminiThinkingLevel } from "./chat.api-types.ts";

/**
 * What differs between Gemini models in the request, read from the bare model id. Catalog ids
 * are the only ones that reach the adapter; an id these rules do not know gets the strictest
 * reading (levels LOW..HIGH, no penalties, signatures required).
 */
export type ThinkingControl =
  /** Gemini 2.0: no thinking at all. */
  | { kind: "none" }
  /** Gemini 2.5: `thinkingBudget` in tokens; Pro cannot switch thinking off (its minimum is 128). */
  | { kind: "budget"; canDisable: boolean }
  /** Gemini 3 and later: `thinkingLevel`; thinking cannot be switched off. */
  | { kind: "level"; levels: readonly GeminiThinkingLevel[] };

export interface GeminiModelFacts {
  thinking: ThinkingControl;
  /** presencePenalty / frequencyPenalty accepted with a non-zero value. */
  penalties: boolean;
  /** Gemini 3 validates the thoughtSignature of function calls replayed in history (400 without). */
  signaturesRequired: boolean;
}

const ALL_LEVELS: readonly GeminiThinkingLevel[] = ["MINIMAL", "LOW", "MEDIUM", "HIGH"];
const NO_MINIMAL: readonly GeminiThinkingLevel[] = ["LOW", "MEDIUM", "HIGH"];

function version(id: string): { major: number; minor: number } | undefined {
  const match = /^gemini-(\d+)(?:\.(\d+))?-/.exec(id);
  return match ? { major: Number(match[1]), minor: Number(match[2] ?? 0) } : undefined;
}

/**
 * Thinking levels per model. Evidence: MINIMAL answers 400 on gemini-3.7-flash and
 * gemini-3.1-pro-preview (recorded by vercel/ai, `google-gemini-3.7-flash-thinking-levels.json`,
 * `issue-22372-live-errors.json`); Gemini 3.8 Flash takes LOW/MEDIUM/HIGH only (WIRE.md, Google
 * Cloud model page); gemini-3-pro-preview knew LOW and HIGH only; the other 3.x Flash and
 * Flash-Lite models take all four (vercel/ai `getMinimumThinkingLevelForGemini3Model`).
 */
function thinkingLevels(id: string, major: number, minor: number): readonly GeminiThinkingLevel[] {
  if (id.startsWith("gemini-3-pro")) return ["LOW", "HIGH"];
  if (id.includes("-pro")) return NO_MINIMAL;
  const flash = /-flash(?!-lite)/.test(id);
  if (flash && (major > 3 || minor >= 7)) return NO_MINIMAL;
  if (id.includes("-flash")) return ALL_LEVELS;
  return NO_MINIMAL;
}

export function geminiModelFacts(id: string): GeminiModelFacts {
  const v = version(id);
  if (v && v.major === 2 && v.minor === 0) {
    // Penalties work on 2.0 Flash only: "Penalty is not enabled for models/gemini-2.5-*" is
    // recorded by vercel/ai (issue-8943-*.json); google-gemini/cookbook#1290 (2026-07) reports
    // the same 400 on every other model tested, and it is reported for 3.7/3.8 Flash too.
    return { thinking: { kind: "none" }, penalties: true, signaturesRequired: false };
  }
  if (v && v.major === 2) {
    return {
      thinking: { kind: "budget", canDisable: !id.includes("-pro") },
      penalties: false,
      signaturesRequired: false,
    };
  }
  const levels = v ? thinkingLevels(id, v.major, v.minor) : NO_MINIMAL;
  return { thinking: { kind: "level", levels }, penalties: false, signaturesRequired: true };
}
