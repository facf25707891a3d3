import type { Provider } from "../metering/catalog-types.ts";
import { openaiChat } from "./openai/chat.ts";
import type { ChatAdapter } from "./types.ts";

/** Chat adapters by provider; a catalog provider without one is not served yet. */
export const CHAT_ADAPTERS: Partial<Record<Provider, ChatAdapter>> = {
  openai: openaiChat,
};
