const MICROS_PER_CREDIT = 1_000_000;

/** Whole credits covering `unbilledMicros` (rounded up; none when nothing is owed), in exact integer maths. */
export function creditsToBill(unbilledMicros: number): number {
  if (unbilledMicros <= 0) return 0;
  const rest = unbilledMicros % MICROS_PER_CREDIT;
  return (unbilledMicros - rest) / MICROS_PER_CREDIT + (rest > 0 ? 1 : 0);
}

export { MICROS_PER_CREDIT };
