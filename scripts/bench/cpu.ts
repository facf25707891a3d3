// CPU time of the processes under a `wrangler dev`, from /proc (Linux): utime + stime of every
// process in the tree (all its threads), split into workerd (the Worker runtime) and the rest
// (npx, wrangler's Node process). Resolution is one clock tick (usually 10 ms), so a bench sums
// many requests between two readings.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const TICK_MS = (() => {
  try {
    return 1000 / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  } catch {
    return 10;
  }
})();

interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  cpuMs: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined; // gone
  }
  // `pid (comm) state ppid ...`: comm may hold spaces and parentheses, so split after the last ')'.
  const close = text.lastIndexOf(")");
  const comm = text.slice(text.indexOf("(") + 1, close);
  const fields = text.slice(close + 2).split(" ");
  // fields[0] is the state (field 3 of stat); utime and stime are fields 14 and 15.
  return { pid, comm, ppid: Number(fields[1]), cpuMs: (Number(fields[11]) + Number(fields[12])) * TICK_MS };
}

/** Every process whose ancestry reaches `root`, root included. */
function tree(root: number): ProcStat[] {
  const all = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((stat): stat is ProcStat => stat !== undefined);
  const children = new Map<number, ProcStat[]>();
  for (const stat of all) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const found: ProcStat[] = [];
  const rootStat = all.find((stat) => stat.pid === root);
  const queue = rootStat ? [rootStat] : [];
  for (let stat = queue.shift(); stat; stat = queue.shift()) {
    found.push(stat);
    queue.push(...(children.get(stat.pid) ?? []));
  }
  return found;
}

/** CPU ms used so far, per process, in a tree. */
export interface CpuReading {
  at: number;
  processes: Map<number, { comm: string; cpuMs: number }>;
}

export function readCpu(root: number): CpuReading {
  return {
    at: performance.now(),
    processes: new Map(tree(root).map((stat) => [stat.pid, { comm: stat.comm, cpuMs: stat.cpuMs }])),
  };
}

export interface CpuDelta {
  /** CPU ms of the workerd processes between the two readings. */
  workerdMs: number;
  /** CPU ms of the other processes of the tree (npx, wrangler's Node). */
  otherMs: number;
}

/** CPU used between two readings of the same tree; a process that appeared in between counts from 0. */
export function cpuBetween(before: CpuReading, after: CpuReading): CpuDelta {
  const delta = { workerdMs: 0, otherMs: 0 };
  for (const [pid, now] of after.processes) {
    const used = now.cpuMs - (before.processes.get(pid)?.cpuMs ?? 0);
    if (now.comm === "workerd") delta.workerdMs += used;
    else delta.otherMs += used;
  }
  return delta;
}

/** The process names of a tree, for the report (e.g. `npm exec, node, workerd, workerd`). */
export function describeTree(root: number): string[] {
  return tree(root).map((stat) => stat.comm);
}
