import { createRouter } from "../../lib/create-app.ts";
import * as handlers from "./models.handlers.ts";
import * as routes from "./models.routes.ts";

export const modelsRouter = createRouter()
  .openapi(routes.listModels, handlers.listModels)
  .openapi(routes.getModel, handlers.getModel)
  .openapi(routes.getModelBySegments, handlers.getModelBySegments);
