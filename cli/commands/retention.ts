import { parseArgs } from 'node:util';
import { loadConfig } from '../../lib/config';
import { createPool, inTransaction } from '../../lib/db';
import { dropOldPartitions } from '../../sinks/postgres/repository';

export const summary = 'drop daily prediction partitions older than the retention period (storage limitation)';
export const usage = `usage: pcc retention [--days N]

Drops the daily partitions of pcc.predictions that end before now - N days (default
PCC_RETENTION_DAYS, 400) and their idempotency-ledger rows, and prints what it dropped.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { days: { type: 'string' } }, strict: true });
  const config = loadConfig();
  const days = values.days === undefined ? config.sink.retentionDays : Number(values.days);
  if (!Number.isInteger(days) || days < 1) {
    process.stderr.write('pcc retention: --days must be a whole number of days >= 1\n');
    return 2;
  }
  const pool = createPool(config, 'pcc-retention');
  try {
    const res = await inTransaction(pool, (db) => dropOldPartitions(db, days));
    process.stdout.write(`retention: kept ${days} days; dropped ${res.dropped.length} partition(s)${res.dropped.length ? `: ${res.dropped.join(', ')}` : ''}; ${res.keysDeleted} ledger row(s) deleted\n`);
    return 0;
  } finally {
    await pool.end();
  }
}
