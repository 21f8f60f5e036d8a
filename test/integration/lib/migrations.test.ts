import { expect } from 'chai';
import pg from 'pg';
import { createPool } from '../../../lib/db';
import { migrate, readMigrations } from '../../../lib/migrations';
import { createTestDatabase } from '../../helpers';

/** A fingerprint of everything the migrations create: columns, constraints, indexes, functions. */
async function schemaFingerprint(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query(`
    SELECT string_agg(x, E'\\n' ORDER BY x) AS fp FROM (
      SELECT format('col %s.%s.%s %s %s', table_schema, table_name, column_name, data_type, is_nullable) AS x
        FROM information_schema.columns WHERE table_schema IN ('pcc', 'synthetic', 'pcc_meta')
      UNION ALL SELECT format('con %s %s', conrelid::regclass, conname) FROM pg_constraint c
        JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname IN ('pcc', 'synthetic')
      UNION ALL SELECT format('idx %s.%s', schemaname, indexname) FROM pg_indexes WHERE schemaname IN ('pcc', 'synthetic')
      UNION ALL SELECT format('fn %s', p.oid::regprocedure) FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'pcc'
      UNION ALL SELECT format('mig %s', version) FROM pcc_meta.schema_migrations
    ) t`);
  return rows[0].fp as string;
}

describe('migrations (real Postgres)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase();
    pool = createPool({ db: { url: db.url, poolMax: 3 } });
  });

  after(async () => {
    await pool.end();
    await db.drop();
  });

  it('applies every migration once and leaves the schema unchanged when run again', async () => {
    const first = await migrate(pool);
    expect(first.applied).to.have.length(readMigrations().length);
    const before = await schemaFingerprint(pool);
    const second = await migrate(pool);
    expect(second.applied).to.deep.equal([]);
    expect(await schemaFingerprint(pool)).to.equal(before);
    expect(before).to.contain('col pcc.predictions.case_id');
    expect(before).to.contain('col synthetic.cases.batch_id');
  });

  it('creates the design tables', async () => {
    const { rows } = await pool.query(`SELECT table_schema || '.' || table_name AS t FROM information_schema.tables
      WHERE table_schema IN ('pcc', 'synthetic') AND table_type IN ('BASE TABLE') ORDER BY 1`);
    const tables = rows.map((r) => r.t);
    for (const t of ['pcc.predictions', 'pcc.dead_letters', 'pcc.alerts', 'pcc.drift_metrics', 'pcc.pipeline_metrics', 'synthetic.batches', 'synthetic.cases']) {
      expect(tables).to.include(t);
    }
  });

  it('refuses a source other than real or synthetic', async () => {
    await pool.query(`SELECT pcc.ensure_prediction_partition(current_date)`);
    const insert = (source: string) =>
      pool.query(
        `INSERT INTO pcc.predictions (case_id, source, intent, is_privacy, confidence, probabilities, embedding, model_version,
           redacted_excerpt, received_at, predicted_at, processing_ms)
         VALUES ('c1', $1, 'not_privacy', false, 0.9, '{0,0,0,0,0,0,0,0,1}', '{0.1}', 'm', '', now(), now(), 1)`,
        [source],
      );
    const err = await insert('partner').catch((e) => e);
    expect(err).to.be.instanceOf(Error);
    expect(err.code).to.equal('23514'); // check_violation
    await insert('real');
    const n = await pool.query(`SELECT count(*)::int AS n FROM pcc.predictions`);
    expect(n.rows[0].n).to.equal(1);
  });

  it('refuses synthetic provenance on a real row', async () => {
    const err = await pool
      .query(
        `INSERT INTO pcc.predictions (case_id, source, intent, is_privacy, confidence, probabilities, embedding, model_version,
           redacted_excerpt, received_at, predicted_at, processing_ms, batch_id, ground_truth_intent)
         VALUES ('c2', 'real', 'not_privacy', false, 0.9, '{0,0,0,0,0,0,0,0,1}', '{0.1}', 'm', '', now(), now(), 1, 'b1', 'not_privacy')`,
      )
      .catch((e) => e);
    expect(err.code).to.equal('23514');
  });

  it('refuses a changed migration file that was already applied', async () => {
    await pool.query(`UPDATE pcc_meta.schema_migrations SET checksum = 'tampered' WHERE version = 1`);
    const err = await migrate(pool).catch((e) => e);
    expect(err.code).to.equal('PCC_MIGRATION_FAILED');
    expect(err.message).to.contain('changed after it was applied');
  });
});
