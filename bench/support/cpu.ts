import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) used so far by a process, 0 if it is gone; this process itself included. */
export function cpuSeconds(pid: number): number {
  if (pid === process.pid) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
  try {
    // Fields 14 and 15 of /proc/<pid>/stat, counted after the parenthesised command name.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Named groups of processes, e.g. { worker: [pid], postgres: [pids…] }. */
export type ProcessGroups = () => Promise<Record<string, number[]>>;

/** CPU seconds spent by groups of processes from `start` to `stop` (a process that ended meanwhile is not counted). */
export class CpuMeter {
  private constructor(
    private readonly groups: ProcessGroups,
    private readonly before: Map<number, number>,
  ) {}

  static async start(groups: ProcessGroups): Promise<CpuMeter> {
    const before = new Map<number, number>();
    for (const pids of Object.values(await groups())) for (const pid of pids) before.set(pid, cpuSeconds(pid));
    return new CpuMeter(groups, before);
  }

  async stop(): Promise<Record<string, number>> {
    const spent: Record<string, number> = {};
    for (const [name, pids] of Object.entries(await this.groups())) {
      spent[name] = 0;
      for (const pid of new Set(pids)) {
        const after = cpuSeconds(pid);
        if (after > 0) spent[name] += after - (this.before.get(pid) ?? 0);
      }
    }
    return spent;
  }
}
