// Shared by the Gemini adapter unit tests (not a test file itself).
import type { ChatRequest } from "../../src/capabilities/chat/schemas.ts";
import { ApiError } from "../../src/lib/errors.ts";
import { findModel } from "../../src/metering/catalog.ts";
import type { CatalogEntry } from "../../src/metering/catalog-types.ts";
import type { GeminiRequest } from "../../src/providers/google/chat.api-types.ts";
import { google } from "../../src/providers/google/index.ts";
import { unitProvider } from "../helpers/provider.ts";

export const KEY = "AIzaSyTestGatewayKey0123456789abcdef";
export const { module, chat } = unitProvider(google, {
  apiKey: KEY,
  baseUrl: "https://generativelanguage.googleapis.test",
});

export function model(id: string): CatalogEntry {
  const entry = findModel(`google/${id}`);
  if (!entry) throw new Error(`catalog has no google/${id}`);
  return entry;
}
export const flash = model("gemini-3.8-flash");

export function build(request: Partial<ChatRequest>, entry = flash, held = 512) {
  const built = chat.buildRequest(
    { model: `google/${entry.id}`, messages: [{ role: "user", content: "Hi" }], ...request },
    entry,
    held,
  );
  return { built, body: JSON.parse(built.init.body as string) as GeminiRequest };
}

/** The 400 a request gets, with the field it names. */
export function refusal(request: Partial<ChatRequest>, entry = flash): { code: string; param: string | undefined } {
  try {
    build(request, entry);
  } catch (error) {
    if (error instanceof ApiError) return { code: error.code, param: error.param };
    throw error;
  }
  throw new Error("the request was not refused");
}
