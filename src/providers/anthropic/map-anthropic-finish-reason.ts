/**
 * Anthropic's `stop_reason` in OpenAI's `finish_reason` terms. `pause_turn` only follows server
 * tools (which the gateway never sends); an unknown or missing reason reads as a normal stop.
 */
export function mapAnthropicFinishReason(stopReason: string | null | undefined): string {
  switch (stopReason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      // end_turn, stop_sequence, pause_turn
      return "stop";
  }
}
