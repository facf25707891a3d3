import type { ChatRequest } from "../../capabilities/chat/schemas.ts";
import { ApiError } from "../../lib/errors.ts";
import type { GeminiThinkingConfig, GeminiThinkingLevel } from "./chat.api-types.ts";
import type { ThinkingControl } from "./gemini-models.ts";

type Effort = NonNullable<ChatRequest["reasoning_effort"]>;

/**
 * Gemini 2.5 budgets for OpenAI's efforts: the mapping Google's own OpenAI-compatible endpoint
 * documents (low/medium/high → 1K/8K/24K thinking tokens, none → 0; ai.google.dev/gemini-api/docs/openai).
 */
const BUDGETS: Partial<Record<Effort, number>> = { low: 1024, medium: 8192, high: 24_576 };

const LEVELS: Partial<Record<Effort, GeminiThinkingLevel>> = {
  minimal: "MINIMAL",
  low: "LOW",
  medium: "MEDIUM",
  high: "HIGH",
};

function refuse(effort: Effort, accepted: readonly string[]): never {
  const list = accepted.length > 0 ? `; it accepts ${accepted.map((value) => `'${value}'`).join(", ")}` : "";
  throw new ApiError("INVALID_REQUEST", `This model cannot take reasoning_effort '${effort}'${list}.`, {
    param: "reasoning_effort",
  });
}

/**
 * `reasoning_effort` as Gemini's thinkingConfig, only where the model has that setting; anything
 * else is a 400 naming the field, never a silent change. The thinking never costs more than the
 * hold whatever is sent here: maxOutputTokens bounds thoughts and answer together (see chat.ts).
 */
export function thinkingConfigFor(
  effort: Effort | undefined,
  control: ThinkingControl,
): GeminiThinkingConfig | undefined {
  if (effort === undefined) return undefined;
  switch (control.kind) {
    case "none":
      // A model that never thinks already honours "none".
      if (effort === "none") return undefined;
      return refuse(effort, ["none"]);
    case "budget": {
      if (effort === "none" && control.canDisable) return { thinkingBudget: 0 };
      const budget = BUDGETS[effort];
      if (budget !== undefined) return { thinkingBudget: budget };
      return refuse(effort, [...(control.canDisable ? ["none"] : []), "low", "medium", "high"]);
    }
    case "level": {
      // Gemini 3 cannot switch thinking off; its MINIMAL level is documented as "no thinking for most queries".
      const level = effort === "none" ? "MINIMAL" : LEVELS[effort];
      if (level !== undefined && control.levels.includes(level)) return { thinkingLevel: level };
      const accepted = control.levels.map((value) => value.toLowerCase());
      return refuse(effort, control.levels.includes("MINIMAL") ? ["none", ...accepted] : accepted);
    }
  }
}
