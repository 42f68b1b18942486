// CPU time of another process from /proc/PID/stat (utime + stime, in clock
// ticks of USER_HZ, 100 on Linux), to show which process bounds a run.
import { readFileSync } from 'node:fs';

/** µs of CPU the process used so far; undefined where /proc is not readable. */
export function procCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}
