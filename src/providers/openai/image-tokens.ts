import type { ImageSize } from "../../capabilities/image/size.ts";
import { ApiError } from "../../lib/errors.ts";

type Quality = "low" | "medium" | "high";

/**
 * Output image tokens per image of gpt-image-1 at its three sizes (WIRE.md §2, PRICES.md). OpenAI
 * publishes no table for later models (PRICES.md update 2026-11-30), so this bounds them all.
 */
const TABLE: Record<string, Record<Quality, number>> = {
  "1024x1024": { low: 272, medium: 1056, high: 4160 },
  "1024x1536": { low: 408, medium: 1584, high: 6240 },
  "1536x1024": { low: 400, medium: 1568, high: 6208 },
};

/**
 * The table is exactly (W/t + 1) × H/t tokens for tiles of t px: 1024x1024 high = 65 × 64 = 4160,
 * 1536x1024 low = 25 × 16 = 400.
 */
const TILE: Record<Quality, number> = { low: 64, medium: 32, high: 16 };

/** The largest images OpenAI documents (SDK 7.57: up to 3840x2160, aspect ratio 1:3 to 3:1). */
export const MAX_EDGE = 3840;
export const MAX_PIXELS = 3840 * 2160;
export const MAX_ASPECT = 3;

/**
 * The most output image tokens one image can take at this size and quality; `auto` quality is
 * held as `high`, and `auto` size as the dearest listed size. A listed size takes the table; any
 * other WIDTHxHEIGHT (gpt-image-2 and later) takes (⌈W/t⌉ + 1) × (⌈H/t⌉ + 1): the table's own
 * rule, so its tokens scale with pixels, plus a spare row and column of tiles so it bounds either
 * orientation and partial tiles (every listed size stays under it: 1024x1536 high → 65 × 97 =
 * 6305 ≥ 6240). Past the sizes OpenAI documents there is no safe bound: 400 naming `size`.
 */
export function imageTokenBound(size: ImageSize, quality: Quality | "auto" | null | undefined): number {
  const q: Quality = quality === undefined || quality === null || quality === "auto" ? "high" : quality;
  if (size === "auto") return Math.max(...Object.values(TABLE).map((row) => row[q]));
  const listed = TABLE[`${size.width}x${size.height}`];
  if (listed) return listed[q];
  const { width, height } = size;
  if (
    Math.max(width, height) > MAX_EDGE ||
    width * height > MAX_PIXELS ||
    Math.max(width, height) > MAX_ASPECT * Math.min(width, height)
  ) {
    throw new ApiError(
      "INVALID_REQUEST",
      `Size ${width}x${height} is larger than OpenAI documents (edges up to ${MAX_EDGE} px, at most 3840x2160 pixels, aspect ratio within 3:1), so its cost cannot be bounded.`,
      { param: "size" },
    );
  }
  const t = TILE[q];
  return (Math.ceil(width / t) + 1) * (Math.ceil(height / t) + 1);
}
