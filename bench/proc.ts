/**
 * What the benchmark reads about processes and the machine: CPU time and peak RSS from /proc,
 * machine-wide CPU use from /proc/stat, Prometheus text from a child's /metrics, and a free
 * port for a child's ops server. Linux only (the benchmark's machine); elsewhere the readers
 * return null and the report says so.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of a process in seconds, or null when it is gone (or not Linux). */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fixed fields start after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return null;
  }
}

/** VmHWM (peak resident set) and VmRSS of a process in MB, or null when it is gone. */
export function processMemoryMb(pid: number): { peakRssMb: number; rssMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { peakRssMb: round(kb('VmHWM') / 1024, 1), rssMb: round(kb('VmRSS') / 1024, 1) };
  } catch {
    return null;
  }
}

/** The service processes sharing this machine, found by their command line, for CPU accounting. */
export type ServiceName = 'kafka' | 'registry' | 'postgres';

function classify(pid: string): ServiceName | null {
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    if (comm === 'postgres') return 'postgres';
    if (comm !== 'java') return null;
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmd.includes('kafka.Kafka')) return 'kafka';
    if (/apicurio|quarkus/i.test(cmd)) return 'registry';
  } catch {
    // The process ended while we looked.
  }
  return null;
}

export type CpuSnapshot = Map<number, { service: ServiceName; seconds: number }>;

export function snapshotServices(): CpuSnapshot {
  const out: CpuSnapshot = new Map();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const pid of pids) {
    const service = classify(pid);
    if (!service) continue;
    const seconds = processCpuSeconds(Number(pid));
    if (seconds !== null) out.set(Number(pid), { service, seconds });
  }
  return out;
}

/**
 * Seconds since the oldest process of a service started (from /proc: its start time in clock
 * ticks since boot, USER_HZ = 100 on Linux), or null when none is found on this machine.
 */
export function serviceUptimeSeconds(service: ServiceName): number | null {
  let best: number | null = null;
  try {
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    for (const [pid, snap] of snapshotServices()) {
      if (snap.service !== service) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state is field 3, starttime field 22.
      const started = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) / 100;
      const age = uptime - started;
      if (Number.isFinite(age) && (best === null || age > best)) best = age;
    }
  } catch {
    return best;
  }
  return best === null ? null : Math.round(best);
}

/** CPU seconds per service between two snapshots (a process started in between counts from zero). */
export function serviceCpuDelta(before: CpuSnapshot, after: CpuSnapshot): Record<ServiceName, number> {
  const out: Record<ServiceName, number> = { kafka: 0, registry: 0, postgres: 0 };
  for (const [pid, a] of after) out[a.service] += a.seconds - (before.get(pid)?.seconds ?? 0);
  return out;
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
export function machineCpu(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = v[3] + (v[4] ?? 0);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** Share of all cores busy between two machineCpu() readings (0..1). */
export function busyShare(a: ReturnType<typeof machineCpu>, b: ReturnType<typeof machineCpu>): number | null {
  if (!a || !b || b.total === a.total) return null;
  return round((b.busy - a.busy) / (b.total - a.total), 3);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** GET http://127.0.0.1:<port><path>; resolves with status and body, rejects on connection errors. */
export function httpGet(port: number, path: string, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}

/** One sample of Prometheus text: name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[3]) for (const l of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

/** Sum of the samples named `name` whose labels include `match`. */
export function sumMetric(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  let s = 0;
  for (const x of samples) {
    if (x.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => x.labels[k] === v)) s += x.value;
  }
  return s;
}

export async function scrape(port: number): Promise<Sample[]> {
  const { status, body } = await httpGet(port, '/metrics');
  if (status !== 200) throw new Error(`/metrics on port ${port} answered ${status}`);
  return parsePrometheus(body);
}

export function round(x: number, digits = 0): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}
