/**
 * Postgres adapter. Repositories take a `Queryable` (a pool or a client inside a transaction),
 * not the driver's types, so the same code runs in and out of a transaction (STYLE.md, bullmq).
 */
import pg from 'pg';
import type { PccConfig } from './config';
import { PccError } from './errors';

export interface Queryable {
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export type Pool = pg.Pool;

// int8 (bigint) columns come back as strings by default; our counts and offsets fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));
// numeric as number: metric values, not money.
pg.types.setTypeParser(1700, (v) => Number(v));

export function createPool(config: Pick<PccConfig, 'db'>, applicationName = 'pcc'): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.db.url,
    max: config.db.poolMax,
    application_name: applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection must not crash the process; the next query retries.
  pool.on('error', () => undefined);
  return pool;
}

/** SQLSTATE classes and driver errors that mean "the database is (temporarily) not there". */
export function isDbUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (!e) return false;
  const code = e.code ?? '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '53300', '08000', '08003', '08006', '08001', '08004'].includes(code) ||
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(e.message ?? '')
  );
}

export function dbError(err: unknown, what: string): PccError {
  return new PccError(isDbUnavailable(err) ? 'PCC_DB_UNAVAILABLE' : 'PCC_INTERNAL', `${what}: ${(err as Error)?.message ?? err}`, {}, { cause: err });
}

export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client whose server goes away emits 'error' besides failing its query; with
  // no listener that event would crash the process instead of letting the caller retry.
  const onError = () => undefined;
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.off('error', onError);
    client.release();
  }
}
