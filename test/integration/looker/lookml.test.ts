/**
 * The LookML project against the real database: every file parses, every dimension's and
 * measure's SQL runs (`SELECT <expr> FROM <table> LIMIT 0`), every explore's joins run, and the
 * dashboard's tiles name explores and fields that exist.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import YAML from 'yaml';
import { createPool } from '../../../lib/db';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lookml = require('lookml-parser') as { parse(text: string): Record<string, Record<string, LkmlObject>> };

interface LkmlObject {
  [k: string]: unknown;
  sql?: string;
  type?: string;
  percentile?: string;
  timeframes?: string[];
  sql_table_name?: string;
  sql_on?: string;
}

const LOOKER = path.resolve(__dirname, '../../../looker');

function files(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix))
    .map((f) => path.join(dir, f));
}

interface View {
  name: string;
  table: string;
  fields: Map<string, { kind: 'dimension' | 'measure' | 'dimension_group'; def: LkmlObject }>;
}

function loadViews(): Map<string, View> {
  const views = new Map<string, View>();
  for (const f of files(LOOKER, '.view.lkml')) {
    const parsed = lookml.parse(readFileSync(f, 'utf8'));
    for (const [name, v] of Object.entries(parsed.view ?? {})) {
      const fields = new Map<string, { kind: 'dimension' | 'measure' | 'dimension_group'; def: LkmlObject }>();
      for (const kind of ['dimension', 'measure', 'dimension_group'] as const) {
        for (const [fname, def] of Object.entries((v[kind] as Record<string, LkmlObject>) ?? {})) fields.set(fname, { kind, def });
      }
      views.set(name, { name, table: String(v.sql_table_name).trim(), fields });
    }
  }
  return views;
}

/** The SQL of a field, with ${TABLE} and ${other_field} resolved within its view. */
function fieldSql(view: View, name: string, alias: string, depth = 0): string {
  if (depth > 10) throw new Error(`${view.name}.${name}: reference cycle`);
  const f = view.fields.get(name);
  if (!f) throw new Error(`${view.name}: no field ${name}`);
  const { def, kind } = f;
  const expr = (def.sql ?? '').trim();
  const resolve = (s: string) =>
    s.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, ref: string) => (ref === 'TABLE' ? alias : `(${fieldSql(view, ref, alias, depth + 1)})`));
  if (kind !== 'measure') return resolve(expr);
  const inner = resolve(expr);
  switch (def.type) {
    case 'count':
      return 'count(*)';
    case 'count_distinct':
      return `count(DISTINCT ${inner})`;
    case 'sum':
      return `sum(${inner})`;
    case 'average':
      return `avg(${inner})`;
    case 'min':
      return `min(${inner})`;
    case 'max':
      return `max(${inner})`;
    case 'median':
      return `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${inner})`;
    case 'percentile':
      return `percentile_cont(${Number(def.percentile) / 100}) WITHIN GROUP (ORDER BY ${inner})`;
    case 'number':
      return inner;
    default:
      throw new Error(`${view.name}.${name}: measure type ${def.type} not understood by this test`);
  }
}

/** Field names a dashboard or explore may use: dimension groups expand to group_timeframe. */
function exposedFields(view: View): Set<string> {
  const out = new Set<string>();
  for (const [name, f] of view.fields) {
    if (f.kind === 'dimension_group') for (const tf of f.def.timeframes ?? []) out.add(`${name}_${tf}`);
    else out.add(name);
  }
  return out;
}

describe('LookML project (real Postgres)', () => {
  let pool: pg.Pool;
  const views = loadViews();
  const model = lookml.parse(readFileSync(path.join(LOOKER, 'pcc.model.lkml'), 'utf8'));
  const explores = model.explore ?? {};

  before(() => {
    pool = createPool({ db: { url: process.env.PCC_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/pcc', poolMax: 2 } });
  });

  after(async () => {
    await pool.end();
  });

  it('parses every view and names a table for each', () => {
    expect(views.size).to.be.at.least(10);
    for (const v of views.values()) expect(v.table, v.name).to.match(/^[a-z_]+\.[a-z_]+$/);
  });

  it("runs every dimension's and measure's SQL against the database", async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const v of views.values()) {
      for (const [name, f] of v.fields) {
        if (f.kind === 'measure' && f.def.type === 'count' && !f.def.sql) continue;
        const sql = `SELECT ${fieldSql(v, name, 'x')} FROM ${v.table} AS x LIMIT 0`;
        checked++;
        await pool.query(sql).catch((e: Error) => failures.push(`${v.name}.${name}: ${e.message}`));
      }
    }
    expect(failures).to.deep.equal([]);
    expect(checked).to.be.greaterThan(50);
  });

  it('labels synthetic rows wherever a view has a source', () => {
    for (const v of views.values()) {
      if (!v.fields.has('source') || v.name === 'pipeline_metrics') continue;
      const label = v.fields.get('source_label');
      expect(label, `${v.name} has source_label`).to.exist;
      expect(label!.def.sql).to.contain('Synthetic (test data)');
    }
  });

  it("runs every explore's joins", async () => {
    const failures: string[] = [];
    for (const [name, e] of Object.entries(explores)) {
      const base = views.get(name);
      expect(base, `explore ${name} has a view`).to.exist;
      for (const [joinName, j] of Object.entries((e.join as Record<string, LkmlObject>) ?? {})) {
        const other = views.get(joinName);
        expect(other, `join ${joinName}`).to.exist;
        const on = String(j.sql_on).replace(/\$\{([a-z_]+)\.([a-z0-9_]+)\}/g, (_, vn: string, fn: string) => {
          const v = views.get(vn)!;
          const field = v.fields.has(fn) ? fn : fn.replace(/_(date|time|raw|hour|week)$/, '');
          return `(${fieldSql(v, field, vn)})`;
        });
        await pool.query(`SELECT 1 FROM ${base!.table} AS ${name} JOIN ${other!.table} AS ${joinName} ON ${on} LIMIT 0`).catch((err: Error) => failures.push(`${name} join ${joinName}: ${err.message}`));
      }
    }
    expect(failures).to.deep.equal([]);
  });

  it('builds the dashboard from explores and fields that exist', () => {
    const dashFiles = files(LOOKER, '.dashboard.lookml');
    expect(dashFiles).to.have.length.at.least(1);
    for (const f of dashFiles) {
      const [dash] = YAML.parse(readFileSync(f, 'utf8')) as { elements: { name: string; explore: string; fields: string[]; pivots?: string[] }[] }[];
      expect(dash.elements.length).to.be.at.least(8);
      for (const el of dash.elements) {
        expect(explores, `${el.name}: explore ${el.explore}`).to.have.property(el.explore);
        for (const field of [...el.fields, ...(el.pivots ?? [])]) {
          const [vn, fn] = field.split('.');
          const v = views.get(vn);
          expect(v, `${el.name}: view ${vn}`).to.exist;
          expect(exposedFields(v!).has(fn), `${el.name}: field ${field}`).to.equal(true);
        }
      }
    }
  });
});
