/**
 * How busy the rest of the machine was during a measurement: the share of all CPU time used by
 * other processes, from /proc/stat and /proc/self/stat (Linux; elsewhere it reads as unknown).
 * Rounds measured while other work ran are set aside when rounds are combined.
 */
import * as fs from "fs";

interface Snapshot {
  busy: number;
  total: number;
  own: number;
}

function read(): Snapshot | undefined {
  try {
    const cpu = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = cpu[3] + (cpu[4] ?? 0);
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
    // Fields after the command name (which may contain spaces): utime and stime are 14th and 15th.
    const self = fs.readFileSync("/proc/self/stat", "utf8");
    const fields = self.slice(self.lastIndexOf(")") + 2).split(" ");
    const own = Number(fields[11]) + Number(fields[12]);
    return { busy: total - idle, total, own };
  } catch {
    return undefined;
  }
}

export class ContentionProbe {
  private readonly before = read();

  /** Share (0–1) of the machine's CPU time used by other processes since construction. */
  otherCpuShare(): number | undefined {
    const after = read();
    if (!this.before || !after || after.total <= this.before.total) return undefined;
    const others = after.busy - this.before.busy - (after.own - this.before.own);
    return Math.max(0, others / (after.total - this.before.total));
  }
}
