/** A requested image size: `auto` (none asked), or width and height in pixels. */
export type ImageSize = "auto" | { width: number; height: number };

/** `1536x1024` → {width: 1536, height: 1024}; `auto` or nothing → `auto`. The schema checked the form. */
export function parseSize(size: string | null | undefined): ImageSize {
  const match = /^(\d+)x(\d+)$/.exec(size ?? "");
  return match ? { width: Number(match[1]), height: Number(match[2]) } : "auto";
}
