// The measured part of `npm run bench`: a warm-up per target, then paired rounds. In each round the
// three targets run the same fixed load one after the other (direct → pass-through → gateway), so a
// slow moment on the shared machine hits all three alike. CPU is read before and after each run.
import { type CpuReading, cpuBetween, readCpu } from "./cpu.ts";
import { runLoad, type Target } from "./load.ts";
import { type Mode, type RoundRun, TARGETS, type TargetName } from "./report.ts";

/** A target, and the root of its `wrangler dev` process tree (null: no Worker in the path). */
export type BenchTarget = Target & { root: number | null };

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Warm-up load per target and mode: 32 calls alone, then 96 at concurrency 32. */
export const WARMUP_CALLS = 32 + 96;

/** Returns how many calls answered 200 per target; any failure stops the bench. */
export async function warmUp(targets: Record<TargetName, BenchTarget>, modes: Mode[]) {
  const ok: Record<string, number> = {};
  for (const name of TARGETS) {
    for (const mode of modes) {
      for (const [concurrency, count] of [
        [1, 32],
        [32, 96],
      ] as const) {
        const load = await runLoad(targets[name], { stream: mode === "stream", concurrency, count });
        if (load.errors > 0) throw new Error(`warm-up of ${name} failed: ${load.errorSamples.join("; ")}`);
        ok[name] = (ok[name] ?? 0) + load.totalMs.length;
      }
    }
  }
  return ok;
}

export async function pairedRounds(options: {
  targets: Record<TargetName, BenchTarget>;
  upstreamPid: number;
  modes: Mode[];
  concurrencies: number[];
  rounds: number;
  calls: number;
}): Promise<RoundRun[]> {
  const { targets, upstreamPid } = options;
  const runs: RoundRun[] = [];
  for (const mode of options.modes) {
    for (const concurrency of options.concurrencies) {
      for (let round = 1; round <= options.rounds; round++) {
        for (const name of TARGETS) {
          const target = targets[name];
          const before: CpuReading | null = target.root === null ? null : readCpu(target.root);
          const upstreamBefore = readCpu(upstreamPid);
          const load = await runLoad(target, { stream: mode === "stream", concurrency, count: options.calls });
          await sleep(100); // work kept alive with waitUntil after the last answer still counts
          const cpu = before && target.root !== null ? cpuBetween(before, readCpu(target.root)) : null;
          const upstream = cpuBetween(upstreamBefore, readCpu(upstreamPid));
          for (const sample of load.errorSamples) console.error(`  error (${mode}, C=${concurrency}): ${sample}`);
          runs.push({
            mode,
            concurrency,
            round,
            target: name,
            totalMs: load.totalMs,
            firstByteMs: load.firstByteMs,
            wallMs: load.wallMs,
            errors: load.errors,
            workerdCpuMs: cpu?.workerdMs ?? null,
            nodeCpuMs: cpu?.otherMs ?? null,
            upstreamCpuMs: upstream.workerdMs + upstream.otherMs,
          });
        }
      }
      console.log(`  done: ${mode}, C=${concurrency}`);
    }
  }
  return runs;
}
