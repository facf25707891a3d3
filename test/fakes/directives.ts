// Directives a test writes anywhere in a request body (JSON or multipart alike) to steer the fake upstream.
// See test/fakes/upstream.ts for what each one does.

/** How a stream (or a body) is cut short after `after` data frames. */
export type Cut = { kind: "stall-after" | "reset-after" | "error-mid-stream"; after: number };

export interface Directives {
  /** `[[scenario:<case>]]`: the case to play; undefined for the route's default. */
  case?: string;
  /** `[[scenario:error:<status>]]` / `[[scenario:error:<status>:<variant>]]`. */
  error?: { status: number; variant?: string };
  /** `[[delay:<ms>]]`: pause between two stream frames. */
  delayMs: number;
  /** `[[slow-first-byte:<ms>]]`: pause before the status line and headers. */
  slowFirstByteMs: number;
  /** `[[repeat:<i>:<n>]]`: chunk line i (0-based) is sent n times instead of once. */
  repeats: Map<number, number>;
  /**
   * `[[parts:<n>]]`: a plain body (JSON, raw or bytes) is sent in n parts, `delayMs` apart, so a
   * client can be seen passing bytes on as they arrive. Cuts then count parts instead of frames.
   */
  parts?: number;
  cut?: Cut;
}

export class DirectiveError extends Error {
  override name = "DirectiveError";
}

export const DEFAULT_DELAY_MS = 5;

const DIRECTIVE =
  /\[\[(scenario|delay|slow-first-byte|repeat|parts|stall-after|reset-after|error-mid-stream):([^\]]*)\]\]/g;
const CASE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const ERROR = /^error:([1-5]\d\d)(?::([A-Za-z0-9_.-]+))?$/;

function count(directive: string, text: string): number {
  if (!/^\d{1,9}$/.test(text)) throw new DirectiveError(`[[${directive}:${text}]]: expected a whole number`);
  return Number(text);
}

/** Reads every directive in a raw body. When a directive appears twice, the last one wins. */
export function parseDirectives(rawBody: string): Directives {
  const out: Directives = { delayMs: DEFAULT_DELAY_MS, slowFirstByteMs: 0, repeats: new Map() };
  const cuts = new Map<Cut["kind"], number>();
  for (const [, name, arg = ""] of rawBody.matchAll(DIRECTIVE)) {
    switch (name) {
      case "scenario": {
        const error = ERROR.exec(arg);
        if (error) {
          out.error = { status: Number(error[1]), ...(error[2] ? { variant: error[2] } : {}) };
          out.case = undefined;
        } else if (CASE.test(arg)) {
          out.case = arg;
          out.error = undefined;
        } else {
          throw new DirectiveError(
            `[[scenario:${arg}]]: expected [[scenario:<case>]] or [[scenario:error:<status>[:<variant>]]]`,
          );
        }
        break;
      }
      case "delay":
        out.delayMs = count(name, arg);
        break;
      case "slow-first-byte":
        out.slowFirstByteMs = count(name, arg);
        break;
      case "parts": {
        const parts = count(name, arg);
        if (parts < 1) throw new DirectiveError(`[[parts:${arg}]]: expected at least 1`);
        out.parts = parts;
        break;
      }
      case "repeat": {
        const [index = "", times = ""] = arg.split(":");
        out.repeats.set(count(name, index), count(name, times));
        break;
      }
      case "stall-after":
      case "reset-after":
      case "error-mid-stream":
        cuts.set(name, count(name, arg));
        break;
    }
  }
  if (cuts.size > 1) throw new DirectiveError(`use one of stall-after, reset-after, error-mid-stream, not several`);
  for (const [kind, after] of cuts) out.cut = { kind, after };
  return out;
}

/** The chunk lines with `[[repeat:<i>:<n>]]` applied. */
export function expandRepeats(lines: readonly string[], repeats: ReadonlyMap<number, number>): string[] {
  for (const index of repeats.keys()) {
    if (index >= lines.length)
      throw new DirectiveError(`[[repeat:${index}:…]]: the case has ${lines.length} chunk lines`);
  }
  return lines.flatMap((line, i) => Array.from({ length: repeats.get(i) ?? 1 }, () => line));
}
