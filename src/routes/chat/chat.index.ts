import { createRouter } from "../../lib/create-app.ts";
import type { AppRouteHandler } from "../../lib/types.ts";
import { runChat } from "./chat.handlers.ts";
import * as routes from "./chat.routes.ts";

// Streams and plain answers share one handler; the typed route cannot express both, so cast once here.
const completions = ((c) => runChat(c, c.req.valid("json"))) as AppRouteHandler<typeof routes.createChatCompletion>;
const legacy = ((c) => {
  const { provider, model, ...rest } = c.req.valid("json");
  // A client may name the model as /v1/models lists it (`anthropic/<id>`) beside its provider.
  const prefixed = model.startsWith(`${provider}/`) ? model : `${provider}/${model}`;
  return runChat(c, { ...rest, model: prefixed });
}) as AppRouteHandler<typeof routes.createChat>;

export const chatRouter = createRouter()
  .openapi(routes.createChatCompletion, completions)
  .openapi(routes.createChat, legacy);
