/**
 * Versioned, append-only SQL migrations (migrations/NNNN_name.sql), applied in order by one
 * command (`pcc migrate`) under a Postgres advisory lock, each in its own transaction. An
 * applied file that has changed since is refused: migrations are never edited, only added.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { PccError } from './errors';

export const MIGRATIONS_DIR = path.resolve(__dirname, '..', 'migrations');
// Arbitrary constant shared by every PCC process: "PCC migrations" as two int4 halves.
const LOCK_KEY = [0x50434300, 0x4d494752];

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const version = Number(file.slice(0, 4));
    if (out.length > 0 && out[out.length - 1].version === version) {
      throw new PccError('PCC_MIGRATION_FAILED', `two migrations share version ${version}`, { file });
    }
    const sql = readFileSync(path.join(dir, file), 'utf8');
    out.push({ version, name: file.slice(5, -4), file, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return out;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}


export async function migrate(pool: pg.Pool, opts: { dir?: string; log?: (msg: string) => void } = {}): Promise<MigrateResult> {
  const migrations = readMigrations(opts.dir);
  const client = await pool.connect();
  client.on('error', () => undefined);
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', LOCK_KEY);
    await client.query(`CREATE SCHEMA IF NOT EXISTS pcc_meta;
      CREATE TABLE IF NOT EXISTS pcc_meta.schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM pcc_meta.schema_migrations ORDER BY version',
    );
    const done = new Map(rows.map((r) => [r.version, r]));
    const applied: string[] = [];
    for (const m of migrations) {
      const prev = done.get(m.version);
      if (prev) {
        if (prev.checksum !== m.checksum) {
          throw new PccError('PCC_MIGRATION_FAILED', `migration ${m.file} was changed after it was applied; add a new migration instead`, { file: m.file });
        }
        continue;
      }
      try {
        await client.query('BEGIN');
        await client.query(m.sql);
        await client.query('INSERT INTO pcc_meta.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new PccError('PCC_MIGRATION_FAILED', `migration ${m.file} failed: ${(err as Error).message}`, { file: m.file }, { cause: err });
      }
      applied.push(m.file);
      opts.log?.(`applied ${m.file}`);
    }
    // Migrations are append-only and additive, so code one release behind a migrated database
    // keeps working (a rolling deploy); it is reported, not refused.
    const unknown = [...done.keys()].filter((v) => !migrations.some((m) => m.version === v));
    if (unknown.length) opts.log?.(`the database has migration(s) ${unknown.join(', ')} that this code does not know (newer code ran here)`);
    return { applied, alreadyApplied: migrations.length - applied.length };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1, $2)', LOCK_KEY).catch(() => undefined);
    client.release();
  }
}
