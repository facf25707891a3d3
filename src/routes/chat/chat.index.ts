import { createRouter } from "../../lib/create-app.ts";
import type { AppRouteHandler } from "../../lib/types.ts";
import { runChat } from "./chat.handlers.ts";
import * as routes from "./chat.routes.ts";

// Streams and plain answers share one handler; the typed route cannot express both, so cast once here.
const completions = ((c) => runChat(c, c.req.valid("json"))) as AppRouteHandler<typeof routes.createChatCompletion>;
const legacy = ((c) => {
  const { provider, model, ...rest } = c.req.valid("json");
  return runChat(c, { ...rest, model: `${provider}/${model}` });
}) as AppRouteHandler<typeof routes.createChat>;

export const chatRouter = createRouter()
  .openapi(routes.createChatCompletion, completions)
  .openapi(routes.createChat, legacy);
