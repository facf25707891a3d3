import { createRouter } from "../../lib/create-app.ts";
import type { AppRouteHandler } from "../../lib/types.ts";
import { runImageGeneration } from "./images.handlers.ts";
import * as routes from "./images.routes.ts";

// The metered path builds the Response itself (exact credit headers, the contract's body); the
// typed route only knows c.json() answers, so the one cast is here.
const createImage: AppRouteHandler<typeof routes.createImage> = async (c) =>
  (await runImageGeneration(c, c.req.valid("json"))) as never;

export const imagesRouter = createRouter().openapi(routes.createImage, createImage);
