import { loadConfig } from '../../lib/config';
import { createPool } from '../../lib/db';
import { migrate } from '../../lib/migrations';

export const summary = 'apply the database migrations (safe to run twice)';
export const usage = `usage: pcc migrate

Applies migrations/NNNN_*.sql that the database (PCC_DATABASE_URL) has not seen yet, in order,
each in its own transaction, under an advisory lock. Refuses an applied file that was changed.`;

export async function run(): Promise<number> {
  const config = loadConfig();
  const pool = createPool(config, 'pcc-migrate');
  try {
    const res = await migrate(pool, { log: (m) => process.stdout.write(`migrate: ${m}\n`) });
    process.stdout.write(`migrate: ${res.applied.length} applied, ${res.alreadyApplied} already applied\n`);
    return 0;
  } finally {
    await pool.end();
  }
}
