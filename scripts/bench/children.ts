// What the bench starts, and how it is all stopped: every start registers its stop; stopAll runs
// them newest first, each once, on success, on failure, on SIGINT/SIGTERM and on the global timeout.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

const stops: { name: string; stop: () => Promise<void> }[] = [];
/** Process groups and pids to SIGKILL if the bench exits before stopping them. */
const leftovers = new Map<number, "group" | "pid">();
let stopping: Promise<void> = Promise.resolve();

export function onStop(name: string, stop: () => Promise<void>): void {
  stops.push({ name, stop });
}

/** Marks a process (or, with group, its process group) to kill if the bench exits without stopping it. */
export function track(pid: number, kind: "group" | "pid"): () => void {
  leftovers.set(pid, kind);
  return () => leftovers.delete(pid);
}

/** Stops what is registered so far (a later start registers again); calls queue behind each other. */
export function stopAll(): Promise<void> {
  stopping = stopping.then(async () => {
    for (let entry = stops.pop(); entry; entry = stops.pop()) {
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, 15_000).unref());
      await Promise.race([entry.stop().catch((error) => console.error(`stopping ${entry.name}: ${error}`)), timeout]);
    }
  });
  return stopping;
}

/** Installs the signal handlers and the global timeout; returns a function that clears the timeout. */
export function guard(timeoutMs: number): () => void {
  const bail = (why: string, code: number) => {
    console.error(`\nbench: ${why}; stopping everything it started`);
    void stopAll().finally(() => process.exit(code));
  };
  process.once("SIGINT", () => bail("interrupted", 130));
  process.once("SIGTERM", () => bail("terminated", 143));
  process.on("exit", () => {
    for (const [pid, kind] of leftovers) {
      try {
        process.kill(kind === "group" ? -pid : pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
  const timer = setTimeout(() => bail(`no result within ${timeoutMs / 1000} s`, 1), timeoutMs);
  return () => clearTimeout(timer);
}

/** Runs scripts/bench/fake-openai.ts as its own process (its CPU is then not the client's). */
export async function startUpstreamProcess(frameDelayMs: number): Promise<{ url: string; pid: number }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [new URL("./fake-openai.ts", import.meta.url).pathname, "--frame-delay-ms", String(frameDelayMs)],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const untrack = track(child.pid as number, "pid");
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  onStop("fake upstream", async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3_000).unref())]);
    if (child.exitCode === null) child.kill("SIGKILL");
    untrack();
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the fake upstream did not start within 10 s")), 10_000);
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once("exit", (code) => reject(new Error(`the fake upstream exited (${code})`)));
  });
  return { url, pid: child.pid as number };
}
