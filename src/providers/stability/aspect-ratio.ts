/** The aspect ratios Stable Image takes (WIRE.md §7), widest first. */
export const ASPECT_RATIOS = ["21:9", "16:9", "3:2", "5:4", "1:1", "4:5", "2:3", "9:16", "9:21"] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

const logRatio = (ratio: AspectRatio) => {
  const [w, h] = ratio.split(":").map(Number) as [number, number];
  return Math.log(w / h);
};

/**
 * The aspect ratio nearest to width:height, compared as log ratios so that a size and its
 * transpose map to transposed ratios (1536x1024 → 3:2, 1024x1536 → 2:3).
 */
export function nearestAspectRatio(width: number, height: number): AspectRatio {
  const target = Math.log(width / height);
  let best: AspectRatio = "1:1";
  for (const ratio of ASPECT_RATIOS) {
    if (Math.abs(logRatio(ratio) - target) < Math.abs(logRatio(best) - target)) best = ratio;
  }
  return best;
}
