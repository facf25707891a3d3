import { createRouter } from "../../lib/create-app.ts";
import type { AppRouteHandler } from "../../lib/types.ts";
import { listVoices, runMusic, runSpeech } from "./audio.handlers.ts";
import * as routes from "./audio.routes.ts";

// The answers are audio bytes (a plain Response), which the typed routes cannot express: cast once here.
const speech = ((c) => runSpeech(c, c.req.valid("json"))) as AppRouteHandler<typeof routes.createSpeech>;
const music = ((c) => runMusic(c, c.req.valid("json"))) as AppRouteHandler<typeof routes.createMusic>;

export const audioRouter = createRouter()
  .openapi(routes.createSpeech, speech)
  .openapi(routes.createMusic, music)
  .openapi(routes.listVoices, listVoices);
