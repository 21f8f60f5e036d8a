/**
 * The synthetic batch store: the only code that writes SQL for synthetic.batches, synthetic.cases
 * and synthetic.publications. Every write runs in a transaction as the role pcc_synthetic
 * (migrations/0004_synthetic.sql) where the database has it, so this code cannot write a real
 * table even by mistake. A published batch is immutable in the database itself (triggers);
 * their refusal surfaces here as PCC_BATCH_IMMUTABLE.
 */
import type pg from 'pg';
import { dbError, inTransaction, type Queryable } from '../../lib/db';
import { PccError } from '../../lib/errors';
import type { BackendName, PromptTemplateRef, StoredCaseStatus, SyntheticCaseValue, Turn } from './types';

export type BatchStatus = 'generating' | 'generated' | 'published' | 'failed';

export interface NewBatch {
  batchId: string;
  backend: BackendName;
  generatorVersion: string;
  model: string | null;
  promptTemplates: PromptTemplateRef[];
  seed: number;
  parameters: Record<string, unknown>;
  targets: Record<string, unknown>;
  /** The calendar day (YYYY-MM-DD, UTC) of a scheduled batch; at most one batch per day. */
  scheduleDay?: string | null;
}

export interface StoredCase {
  case_id: string;
  seq: number;
  intended_intent: string;
  conversation: { turns: Turn[]; spec: Record<string, unknown> };
  published_case: SyntheticCaseValue | null;
  raw_output: string | null;
  tags: string[];
  status: StoredCaseStatus;
  review_reason: string | null;
}

export interface CaseCounts {
  total: number;
  accepted: number;
  repaired: number;
  flagged: number;
  rejected: number;
}

export interface BatchView {
  batch_id: string;
  version: number;
  backend: BackendName;
  generator_version: string;
  model: string | null;
  prompt_templates: PromptTemplateRef[];
  seed: number;
  parameters: Record<string, unknown>;
  targets: Record<string, unknown>;
  achieved: Record<string, unknown>;
  status: BatchStatus;
  schedule_day: string | null;
  counts: CaseCounts;
  error: string | null;
  created_at: string;
  finished_at: string | null;
  published_at: string | null;
}

export interface Publication {
  kind: 'publish' | 'replay';
  topic: string;
  cases: number;
  published_at: string;
}

/** SQLSTATE raised by the immutability triggers. */
const IMMUTABLE_SQLSTATE = 'PC409';
const CHUNK = 500;

function storeError(err: unknown, what: string, batchId?: string): PccError {
  if (err instanceof PccError) return err;
  if ((err as { code?: string }).code === IMMUTABLE_SQLSTATE) {
    return new PccError('PCC_BATCH_IMMUTABLE', `synthetic batch ${batchId ?? ''} is published and cannot be changed; generate a new batch`.replace('  ', ' '), { batch_id: batchId }, { cause: err });
  }
  return dbError(err, what);
}

const roleChecked = new WeakMap<pg.Pool, Promise<boolean>>();

/** Runs `fn` in a transaction as pcc_synthetic when the connecting user may take that role. */
async function asSynthetic<T>(pool: pg.Pool, what: string, batchId: string | undefined, fn: (q: Queryable) => Promise<T>): Promise<T> {
  let canSetRole = roleChecked.get(pool);
  if (!canSetRole) {
    canSetRole = pool
      .query<{ ok: boolean }>(
        `SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pcc_synthetic')
                     THEN pg_has_role(current_user, 'pcc_synthetic', 'MEMBER') ELSE false END AS ok`,
      )
      .then((r) => r.rows[0].ok);
    canSetRole.catch(() => roleChecked.delete(pool));
    roleChecked.set(pool, canSetRole);
  }
  try {
    const useRole = await canSetRole;
    return await inTransaction(pool, async (client) => {
      if (useRole) await client.query('SET LOCAL ROLE pcc_synthetic');
      return fn(client);
    });
  } catch (err) {
    throw storeError(err, what, batchId);
  }
}

/** Inserts a batch in status generating. Returns false when its schedule day already has a batch. */
export async function insertBatch(pool: pg.Pool, b: NewBatch): Promise<boolean> {
  return asSynthetic(pool, 'inserting a synthetic batch', b.batchId, async (q) => {
    const r = await q.query(
      `INSERT INTO synthetic.batches
         (batch_id, version, backend, generator_version, model, prompt_templates, seed, parameters, targets, status, schedule_day)
       SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8::jsonb, 'generating', $9::date
         FROM synthetic.batches
       ON CONFLICT (schedule_day) DO NOTHING`,
      [b.batchId, b.backend, b.generatorVersion, b.model, JSON.stringify(b.promptTemplates), b.seed, JSON.stringify(b.parameters), JSON.stringify(b.targets), b.scheduleDay ?? null],
    );
    return r.rowCount === 1;
  });
}

export async function insertCases(pool: pg.Pool, batchId: string, cases: readonly StoredCase[]): Promise<void> {
  await asSynthetic(pool, 'storing synthetic cases', batchId, async (q) => {
    for (let i = 0; i < cases.length; i += CHUNK) {
      await q.query(
        `INSERT INTO synthetic.cases
           (batch_id, case_id, seq, intended_intent, conversation, published_case, raw_output, tags, status, review_reason)
         SELECT $1, x.case_id, x.seq, x.intended_intent, x.conversation, coalesce(x.published_case, '{}'::jsonb), x.raw_output, x.tags, x.status, x.review_reason
           FROM jsonb_to_recordset($2::jsonb) AS x(case_id text, seq integer, intended_intent text, conversation jsonb,
                published_case jsonb, raw_output text, tags text[], status text, review_reason text)`,
        [batchId, JSON.stringify(cases.slice(i, i + CHUNK))],
      );
    }
  });
}

export async function finishBatch(pool: pg.Pool, batchId: string, achieved: Record<string, unknown>, counts: CaseCounts): Promise<void> {
  await asSynthetic(pool, 'finishing a synthetic batch', batchId, async (q) => {
    const r = await q.query(
      `UPDATE synthetic.batches
          SET status = 'generated', achieved = $2::jsonb, cases_total = $3, cases_accepted = $4, cases_repaired = $5,
              cases_flagged = $6, cases_rejected = $7, finished_at = clock_timestamp()
        WHERE batch_id = $1 AND status = 'generating'`,
      [batchId, JSON.stringify(achieved), counts.total, counts.accepted, counts.repaired, counts.flagged, counts.rejected],
    );
    if (r.rowCount !== 1) throw new PccError('PCC_BATCH_NOT_FOUND', `no generating synthetic batch ${batchId}`, { batch_id: batchId });
  });
}

export async function failBatch(pool: pg.Pool, batchId: string, error: string): Promise<void> {
  await asSynthetic(pool, 'failing a synthetic batch', batchId, async (q) => {
    // A failed scheduled batch gives its day back, so the scheduler's retry can make the day's batch.
    await q.query(
      `UPDATE synthetic.batches
          SET status = 'failed', error = $2, finished_at = clock_timestamp(), schedule_day = NULL,
              parameters = parameters || jsonb_build_object('schedule_day', schedule_day)
        WHERE batch_id = $1 AND status = 'generating'`,
      [batchId, error.slice(0, 2000)],
    );
  });
}

/** Records a publication; the first one also marks the batch published (and so immutable). */
export async function recordPublication(pool: pg.Pool, batchId: string, kind: 'publish' | 'replay', topic: string, cases: number): Promise<void> {
  await asSynthetic(pool, 'recording a publication', batchId, async (q) => {
    if (kind === 'publish') {
      await q.query(`UPDATE synthetic.batches SET status = 'published', published_at = clock_timestamp() WHERE batch_id = $1 AND status = 'generated'`, [batchId]);
    }
    await q.query(`INSERT INTO synthetic.publications (batch_id, kind, topic, cases) VALUES ($1, $2, $3, $4)`, [batchId, kind, topic, cases]);
  });
}

const BATCH_COLUMNS = `batch_id, version, backend, generator_version, model, prompt_templates, seed, parameters, targets, achieved, status,
  to_char(schedule_day, 'YYYY-MM-DD') AS schedule_day, cases_total, cases_accepted, cases_repaired, cases_flagged, cases_rejected, error,
  created_at, finished_at, published_at`;

function toView(r: Record<string, any>): BatchView {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    batch_id: r.batch_id,
    version: r.version,
    backend: r.backend,
    generator_version: r.generator_version,
    model: r.model,
    prompt_templates: r.prompt_templates,
    seed: Number(r.seed),
    parameters: r.parameters,
    targets: r.targets,
    achieved: r.achieved,
    status: r.status,
    schedule_day: r.schedule_day,
    counts: { total: r.cases_total, accepted: r.cases_accepted, repaired: r.cases_repaired, flagged: r.cases_flagged, rejected: r.cases_rejected },
    error: r.error,
    created_at: iso(r.created_at)!,
    finished_at: iso(r.finished_at),
    published_at: iso(r.published_at),
  };
}

export async function findBatch(q: Queryable, batchId: string): Promise<BatchView | null> {
  try {
    const { rows } = await q.query(`SELECT ${BATCH_COLUMNS} FROM synthetic.batches WHERE batch_id = $1`, [batchId]);
    return rows[0] ? toView(rows[0]) : null;
  } catch (err) {
    throw storeError(err, 'reading a synthetic batch', batchId);
  }
}

export async function findBatchByScheduleDay(q: Queryable, day: string): Promise<BatchView | null> {
  try {
    const { rows } = await q.query(`SELECT ${BATCH_COLUMNS} FROM synthetic.batches WHERE schedule_day = $1::date`, [day]);
    return rows[0] ? toView(rows[0]) : null;
  } catch (err) {
    throw storeError(err, 'reading a scheduled synthetic batch');
  }
}

export async function listBatchRows(q: Queryable, limit: number): Promise<BatchView[]> {
  try {
    const { rows } = await q.query(`SELECT ${BATCH_COLUMNS} FROM synthetic.batches ORDER BY created_at DESC, batch_id LIMIT $1`, [limit]);
    return rows.map(toView);
  } catch (err) {
    throw storeError(err, 'listing synthetic batches');
  }
}

export async function listPublications(q: Queryable, batchId: string): Promise<Publication[]> {
  try {
    const { rows } = await q.query(`SELECT kind, topic, cases, published_at FROM synthetic.publications WHERE batch_id = $1 ORDER BY published_at`, [batchId]);
    return rows.map((r) => ({ kind: r.kind, topic: r.topic, cases: r.cases, published_at: (r.published_at as Date).toISOString() }));
  } catch (err) {
    throw storeError(err, 'listing publications', batchId);
  }
}

/** The cases that go to the topic (accepted, repaired, flagged), in batch order, as stored. */
export async function publishableCases(q: Queryable, batchId: string): Promise<SyntheticCaseValue[]> {
  try {
    const { rows } = await q.query<{ published_case: SyntheticCaseValue }>(
      `SELECT published_case FROM synthetic.cases WHERE batch_id = $1 AND status <> 'rejected' ORDER BY seq`,
      [batchId],
    );
    return rows.map((r) => r.published_case);
  } catch (err) {
    throw storeError(err, 'reading synthetic cases', batchId);
  }
}

export async function listCases(q: Queryable, batchId: string, opts: { status?: StoredCaseStatus; limit?: number } = {}): Promise<StoredCase[]> {
  try {
    const { rows } = await q.query<StoredCase>(
      `SELECT case_id, seq, intended_intent, conversation, CASE WHEN status = 'rejected' THEN NULL ELSE published_case END AS published_case,
              raw_output, tags, status, review_reason
         FROM synthetic.cases WHERE batch_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY seq LIMIT $3`,
      [batchId, opts.status ?? null, opts.limit ?? 100_000],
    );
    return rows;
  } catch (err) {
    throw storeError(err, 'reading synthetic cases', batchId);
  }
}
