/**
 * The drift monitor's repository: the only code of sinks/drift that writes SQL. Takes a
 * Queryable, so the same calls run inside the checkpoint transaction.
 */
import type { Queryable } from '../../lib/db';
import type { Source } from '../../lib/taxonomy';
import type { MetricRow } from './compute';
import type { WindowSummary } from './window';

export interface StoredWindow {
  summary: WindowSummary;
  reference: boolean;
  volume: boolean;
}

const ts = (ms: number) => new Date(ms).toISOString();

export function createDriftRepository(db: Queryable) {
  return {
    /** Upserts metric rows: recomputing a window replaces its rows. */
    async upsertMetrics(rows: readonly MetricRow[], q: Queryable = db): Promise<void> {
      const CHUNK = 500;
      for (let i = 0; i < rows.length; i += CHUNK) {
        const part = rows.slice(i, i + CHUNK);
        const values: unknown[] = [];
        const tuples = part.map((r, j) => {
          const b = j * 12;
          values.push(r.source, ts(r.windowStart), ts(r.windowEnd), r.metric, r.segment, r.value, r.threshold, r.status, r.reference, r.sampleSize, JSON.stringify(r.offsets), JSON.stringify(r.details));
          return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}, $${b + 9}, $${b + 10}, $${b + 11}::jsonb, $${b + 12}::jsonb)`;
        });
        await q.query(
          `INSERT INTO pcc.drift_metrics (source, window_start, window_end, metric, segment, value, threshold, status, reference, sample_size, offsets, details)
           VALUES ${tuples.join(', ')}
           ON CONFLICT (source, window_start, window_end, metric, segment) DO UPDATE SET
             value = EXCLUDED.value, threshold = EXCLUDED.threshold, status = EXCLUDED.status, reference = EXCLUDED.reference,
             sample_size = EXCLUDED.sample_size, offsets = EXCLUDED.offsets, details = EXCLUDED.details, computed_at = clock_timestamp()`,
          values,
        );
      }
    },

    async upsertWindow(groupId: string, w: StoredWindow, q: Queryable = db): Promise<void> {
      await q.query(
        `INSERT INTO pcc.drift_window_summaries (group_id, source, window_start, window_end, sample_size, reference, volume, summary)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
         ON CONFLICT (group_id, source, window_start) DO UPDATE SET
           window_end = EXCLUDED.window_end, sample_size = EXCLUDED.sample_size, reference = EXCLUDED.reference,
           volume = EXCLUDED.volume, summary = EXCLUDED.summary, computed_at = clock_timestamp()`,
        [groupId, w.summary.source, ts(w.summary.windowStart), ts(w.summary.windowEnd), w.summary.count, w.reference, w.volume, JSON.stringify(w.summary)],
      );
    },

    /** Closed windows of a source starting at or after `since` (the reference period). */
    async loadWindows(groupId: string, source: Source, since: number, q: Queryable = db): Promise<StoredWindow[]> {
      const { rows } = await q.query<{ summary: WindowSummary; reference: boolean; volume: boolean }>(
        `SELECT summary, reference, volume FROM pcc.drift_window_summaries
          WHERE group_id = $1 AND source = $2 AND window_start >= $3 ORDER BY window_start`,
        [groupId, source, ts(since)],
      );
      return rows;
    },

    async pruneWindows(groupId: string, before: number, q: Queryable = db): Promise<void> {
      await q.query('DELETE FROM pcc.drift_window_summaries WHERE group_id = $1 AND window_start < $2', [groupId, ts(before)]);
    },

    async saveCheckpoint(groupId: string, state: unknown, q: Queryable = db): Promise<void> {
      await q.query(
        `INSERT INTO pcc.drift_checkpoints (group_id, state) VALUES ($1, $2::jsonb)
         ON CONFLICT (group_id) DO UPDATE SET state = EXCLUDED.state, updated_at = clock_timestamp()`,
        [groupId, JSON.stringify(state)],
      );
    },

    async loadCheckpoint<T>(groupId: string, q: Queryable = db): Promise<T | null> {
      const { rows } = await q.query<{ state: T }>('SELECT state FROM pcc.drift_checkpoints WHERE group_id = $1', [groupId]);
      return rows[0]?.state ?? null;
    },
  };
}

export type DriftRepository = ReturnType<typeof createDriftRepository>;
