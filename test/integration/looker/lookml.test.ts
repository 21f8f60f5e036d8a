/**
 * The LookML project (looker/) against the real database. Every .lkml file is parsed with
 * lookml-parser and every .dashboard.lookml with yaml; then:
 *  - every dimension's, dimension group's (each timeframe) and measure's SQL runs as Looker would
 *    generate it for Postgres: `SELECT <expr> FROM <sql_table_name> AS x LIMIT 0`, with ${TABLE},
 *    ${field} and ${view.field} resolved within the view, measures wrapped by type (and filters),
 *    and numeric / time / yesno fields checked for the type Postgres returns;
 *  - every explore's joins run together (`SELECT 1 FROM base JOIN ... ON sql_on LIMIT 0`);
 *  - the dashboard's filters and tiles name explores and fields that exist, and no tile pools real
 *    and synthetic (test data) rows;
 *  - every view with a source labels synthetic rows "Synthetic (test data)".
 * Views drift_metrics and alerts belong to the drift monitor's files; when those files are absent,
 * what refers to them is reported and skipped rather than failed. Read-only queries, LIMIT 0.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import YAML from 'yaml';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lookml = require('lookml-parser') as { parse(text: string): Record<string, unknown> };

/** LOOKML_DIR points the test at another copy of the project (e.g. one without the drift views). */
const LOOKER = process.env.LOOKML_DIR ?? path.resolve(__dirname, '../../../looker');
const DATABASE_URL = process.env.PCC_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/pcc';
/** Views written by another owner; this test tolerates their files being absent. */
const EXTERNAL_VIEWS = new Set(['drift_metrics', 'alerts']);

type Lkml = Record<string, unknown> & {
  $name?: string;
  sql?: string;
  type?: string;
  percentile?: string;
  timeframes?: string[];
  datatype?: string;
  filters?: Record<string, string>;
  sql_table_name?: string;
  sql_on?: string;
  from?: string;
  view_name?: string;
  relationship?: string;
  join?: Record<string, Lkml>;
  always_filter?: { filters?: Record<string, string> };
};

type FieldKind = 'dimension' | 'dimension_group' | 'measure';
interface Field {
  kind: FieldKind;
  def: Lkml;
}
interface View {
  name: string;
  file: string;
  table: string;
  fields: Map<string, Field>;
}
interface Explore {
  name: string;
  model: string;
  view: string; // the base view (from / view_name / name)
  def: Lkml;
}

function filesUnder(dir: string, suffix: string): string[] {
  return (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => f.endsWith(suffix))
    .map((f) => path.join(dir, f))
    .sort();
}

/** Named children of a parsed block (`dimension: x {}` → {x: {...}}), without the parser's $keys. */
function named(block: unknown): [string, Lkml][] {
  if (!block || typeof block !== 'object') return [];
  return Object.entries(block as Record<string, Lkml>).filter(([k]) => !k.startsWith('$'));
}

function plainFilters(f: unknown): Record<string, string> {
  return Object.fromEntries(named(f).map(([k, v]) => [k, String(v)]));
}

interface Project {
  views: Map<string, View>;
  explores: Map<string, Explore>;
  models: Map<string, { file: string; includes: string[]; parsed: Record<string, unknown> }>;
  lkmlFiles: string[];
}

function loadProject(): Project {
  const views = new Map<string, View>();
  const explores = new Map<string, Explore>();
  const models = new Map<string, { file: string; includes: string[]; parsed: Record<string, unknown> }>();
  const lkmlFiles = filesUnder(LOOKER, '.lkml');
  for (const file of lkmlFiles) {
    let parsed: Record<string, unknown>;
    try {
      parsed = lookml.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`${path.relative(LOOKER, file)} does not parse: ${(err as Error).message}`);
    }
    for (const [name, v] of named(parsed.view)) {
      if (views.has(name)) throw new Error(`view ${name} is defined twice (${views.get(name)!.file}, ${file})`);
      const fields = new Map<string, Field>();
      for (const kind of ['dimension', 'dimension_group', 'measure'] as const) {
        for (const [fname, def] of named(v[kind])) {
          if (fields.has(fname)) throw new Error(`${name}.${fname} is defined twice`);
          fields.set(fname, { kind, def: { ...def, filters: def.filters ? plainFilters(def.filters) : undefined } });
        }
      }
      views.set(name, { name, file: path.relative(LOOKER, file), table: String(v.sql_table_name ?? '').trim(), fields });
    }
    const modelName = path.basename(file).endsWith('.model.lkml') ? path.basename(file, '.model.lkml') : undefined;
    if (modelName) {
      const inc = parsed.include;
      models.set(modelName, { file, includes: (Array.isArray(inc) ? inc : inc ? [inc] : []).map(String), parsed });
    }
    for (const [name, e] of named(parsed.explore)) {
      explores.set(name, { name, model: modelName ?? '', view: String(e.from ?? e.view_name ?? name), def: e });
    }
  }
  return { views, explores, models, lkmlFiles };
}

// ---------------------------------------------------------------------------------------------
// SQL generation, as Looker's Postgres dialect would do it.

const TIMEFRAMES: Record<string, (e: string) => string> = {
  raw: (e) => e,
  time: (e) => `date_trunc('second', ${e})`,
  second: (e) => `date_trunc('second', ${e})`,
  minute: (e) => `date_trunc('minute', ${e})`,
  hour: (e) => `date_trunc('hour', ${e})`,
  date: (e) => `(${e})::date`,
  week: (e) => `date_trunc('week', ${e})::date`,
  month: (e) => `to_char(date_trunc('month', ${e}), 'YYYY-MM')`,
  quarter: (e) => `to_char(date_trunc('quarter', ${e}), 'YYYY-MM')`,
  year: (e) => `extract(year FROM ${e})::integer`,
  hour_of_day: (e) => `extract(hour FROM ${e})::integer`,
  day_of_week: (e) => `to_char(${e}, 'Day')`,
  day_of_month: (e) => `extract(day FROM ${e})::integer`,
  month_name: (e) => `to_char(${e}, 'FMMonth')`,
};

const NUMERIC_OIDS = new Set([20, 21, 23, 700, 701, 1700]); // int8 int2 int4 float4 float8 numeric
const TIME_OIDS = new Set([1082, 1114, 1184]); // date timestamp timestamptz

/** The field a ${ref} names in a view: a field, or a dimension group's timeframe. */
function lookupRef(view: View, ref: string): { field: Field; name: string; timeframe?: string } {
  const f = view.fields.get(ref);
  if (f) return { field: f, name: ref };
  for (const [name, field] of view.fields) {
    if (field.kind !== 'dimension_group' || !ref.startsWith(`${name}_`)) continue;
    const tf = ref.slice(name.length + 1);
    if ((field.def.timeframes ?? []).includes(tf)) return { field, name, timeframe: tf };
  }
  throw new Error(`${view.name}: no field ${ref}`);
}

function exposedFields(view: View): Set<string> {
  const out = new Set<string>();
  for (const [name, f] of view.fields) {
    if (f.kind === 'dimension_group') for (const tf of f.def.timeframes ?? []) out.add(`${name}_${tf}`);
    else out.add(name);
  }
  return out;
}

class SqlBuilder {
  constructor(private readonly views: Map<string, View>) {}

  /** Replaces ${TABLE}, ${field}, ${view.field} and ${view.SQL_TABLE_NAME} in a field's SQL. */
  private resolve(view: View, sql: string, alias: string, depth: number, from: FieldKind): string {
    return sql.replace(/\$\{([A-Za-z0-9_]+)(?:\.([A-Za-z0-9_]+))?\}/g, (_m, a: string, b: string | undefined) => {
      if (!b && a === 'TABLE') return alias;
      if (b && b === 'SQL_TABLE_NAME') return this.views.get(a)?.table ?? `<no view ${a}>`;
      if (b && a !== view.name) throw new Error(`${view.name}: reference to another view's field \${${a}.${b}}`);
      const ref = b ?? a;
      const target = lookupRef(view, ref);
      if (from !== 'measure' && target.field.kind === 'measure') throw new Error(`${view.name}: a dimension refers to measure ${ref}`);
      return `(${this.field(view, ref, alias, depth + 1)})`;
    });
  }

  /** A filter expression of Looker's filter syntax (the subset this project uses) as a condition. */
  private condition(view: View, field: string, expr: string, alias: string, depth: number): string {
    const target = lookupRef(view, field);
    const col = this.field(view, field, alias, depth + 1);
    const value = expr.trim();
    if (target.field.def.type === 'yesno') {
      if (/^yes$/i.test(value)) return `(${col}) = 'Yes'`;
      if (/^no$/i.test(value)) return `(${col}) = 'No'`;
    }
    if (/^-?null$/i.test(value)) return `(${col}) IS ${value.startsWith('-') ? 'NOT ' : ''}NULL`;
    const cmp = /^(<=|>=|<>|!=|<|>|=)\s*(-?[0-9.]+)$/.exec(value);
    if (cmp) return `(${col}) ${cmp[1]} ${cmp[2]}`;
    const parts = value.split(',').map((s) => s.trim());
    const neg = parts.every((p) => p.startsWith('-'));
    const list = parts.map((p) => `'${p.replace(/^-/, '').replace(/'/g, "''")}'`).join(', ');
    return `(${col}) ${neg ? 'NOT IN' : 'IN'} (${list})`;
  }

  /** The SQL Looker would select for view.ref (a measure's SQL is its aggregate). */
  field(view: View, ref: string, alias: string, depth = 0): string {
    if (depth > 20) throw new Error(`${view.name}.${ref}: reference cycle`);
    const { field, name, timeframe } = lookupRef(view, ref);
    const { def, kind } = field;
    const raw = (def.sql ?? '').trim();
    if (kind === 'dimension_group') {
      if (def.type !== 'time') throw new Error(`${view.name}.${name}: dimension_group type ${def.type} not understood by this test`);
      const tf = TIMEFRAMES[timeframe ?? 'raw'];
      if (!tf) throw new Error(`${view.name}.${ref}: timeframe ${timeframe} not understood by this test`);
      return tf(this.resolve(view, raw || `\${TABLE}.${name}`, alias, depth, kind));
    }
    if (kind === 'dimension') {
      const expr = this.resolve(view, raw || `\${TABLE}.${name}`, alias, depth, kind);
      return def.type === 'yesno' ? `CASE WHEN ${expr} THEN 'Yes' ELSE 'No' END` : expr;
    }
    // Measures.
    const inner = raw ? this.resolve(view, raw, alias, depth, kind) : '';
    const conds = Object.entries(def.filters ?? {}).map(([f, v]) => this.condition(view, f, v, alias, depth));
    const when = conds.length ? conds.join(' AND ') : undefined;
    const filtered = (e: string) => (when ? `CASE WHEN ${when} THEN ${e} END` : e);
    const need = () => {
      if (!inner) throw new Error(`${view.name}.${name}: measure of type ${def.type} has no sql`);
      return inner;
    };
    switch (def.type) {
      case 'count':
        if (raw) throw new Error(`${view.name}.${name}: a count measure takes no sql (use filters, or count_distinct)`);
        return when ? `count(CASE WHEN ${when} THEN 1 END)` : 'count(*)';
      case 'count_distinct':
        return `count(DISTINCT ${filtered(need())})`;
      case 'sum':
        return `coalesce(sum(${filtered(need())}), 0)`;
      case 'average':
        return `avg(${filtered(need())})`;
      case 'min':
        return `min(${filtered(need())})`;
      case 'max':
        return `max(${filtered(need())})`;
      case 'median':
        return `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${filtered(need())})`;
      case 'percentile': {
        const p = Number(def.percentile);
        if (!(p > 0 && p < 100)) throw new Error(`${view.name}.${name}: percentile ${def.percentile}`);
        return `percentile_cont(${p / 100}) WITHIN GROUP (ORDER BY ${filtered(need())})`;
      }
      case 'number':
        if (when) throw new Error(`${view.name}.${name}: filters on a type: number measure are ignored by Looker`);
        return need();
      case 'percent_of_total':
        return `100.0 * (${need()}) / NULLIF(sum(${need()}) OVER (), 0)`;
      default:
        throw new Error(`${view.name}.${name}: measure type ${def.type} not understood by this test`);
    }
  }
}

/** The SQL statements that exercise one field (a dimension group gives one per timeframe). */
function fieldChecks(b: SqlBuilder, v: View, name: string): { label: string; sql: string; expect?: 'numeric' | 'time' }[] {
  const f = v.fields.get(name)!;
  const q = (e: string) => `SELECT ${e} AS v FROM ${v.table} AS x LIMIT 0`;
  if (f.kind === 'dimension_group') {
    const out: { label: string; sql: string; expect?: 'numeric' | 'time' }[] = [{ label: `${name} (raw)`, sql: q(b.field(v, name, 'x')), expect: 'time' }];
    for (const tf of f.def.timeframes ?? []) out.push({ label: `${name}_${tf}`, sql: q(b.field(v, `${name}_${tf}`, 'x')) });
    return out;
  }
  const numeric = (f.kind === 'dimension' && ['number', 'tier'].includes(String(f.def.type))) || f.kind === 'measure';
  return [{ label: name, sql: q(b.field(v, name, 'x')), expect: numeric ? 'numeric' : undefined }];
}

async function runCheck(pool: pg.Pool, c: { label: string; sql: string; expect?: 'numeric' | 'time' }): Promise<string | undefined> {
  try {
    const r = await pool.query(c.sql);
    const oid = r.fields[0]?.dataTypeID;
    if (c.expect === 'numeric' && !NUMERIC_OIDS.has(oid)) return `${c.label}: expected a number, Postgres type oid ${oid} (${c.sql})`;
    if (c.expect === 'time' && !TIME_OIDS.has(oid)) return `${c.label}: expected a date or timestamp, Postgres type oid ${oid} (${c.sql})`;
    return undefined;
  } catch (err) {
    return `${c.label}: ${(err as Error).message} (${c.sql})`;
  }
}

function globToRegExp(glob: string): RegExp {
  const re = glob
    .replace(/^\//, '')
    .replace(/[.+^$()|[\]\\]/g, '\\$&')
    .replace(/\*\*\//g, '\u0000')
    .replace(/\*/g, '[^/]*')
    .replace(/\u0000/g, '(?:.*/)?');
  return new RegExp(`^${re}$`);
}

interface DashboardFilter {
  name: string;
  explore?: string;
  model?: string;
  field?: string;
  type?: string;
}
interface DashboardElement {
  name: string;
  model?: string;
  explore?: string;
  type?: string;
  fields?: string[];
  pivots?: string[];
  sorts?: string[];
  hidden_fields?: string[];
  filters?: Record<string, string>;
  listen?: Record<string, string>;
}
interface Dashboard {
  dashboard: string;
  title?: string;
  filters?: DashboardFilter[];
  elements: DashboardElement[];
}

describe('LookML project (real Postgres)', function () {
  let loadError: Error | undefined;
  let project: Project = { views: new Map(), explores: new Map(), models: new Map(), lkmlFiles: [] };
  try {
    project = loadProject();
  } catch (err) {
    loadError = err as Error;
  }
  const { views, explores, models } = project;
  const builder = new SqlBuilder(views);
  const skipped: string[] = [];
  let pool: pg.Pool;

  before(() => {
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    for (const ext of EXTERNAL_VIEWS) if (!views.has(ext)) skipped.push(`view ${ext} (its file is absent): explores and tiles using it are not checked`);
  });

  after(async () => {
    if (skipped.length) console.log(`      skipped: ${[...new Set(skipped)].join('; ')}`);
    await pool?.end();
  });

  it('parses every .lkml file and names an existing table or view for each view', async () => {
    if (loadError) throw loadError;
    expect(project.lkmlFiles.length).to.be.at.least(11);
    expect(views.size).to.be.at.least(10);
    for (const name of ['predictions', 'dead_letters', 'daily_predictions', 'daily_intent_mix', 'daily_confidence_histogram', 'daily_error_rate', 'case_audit', 'open_sla', 'synthetic_batches', 'pipeline_metrics']) {
      expect(views.has(name), `view ${name}`).to.equal(true);
    }
    for (const v of views.values()) {
      expect(v.table, `${v.name}: sql_table_name`).to.match(/^[a-z_]+\.[a-z_]+$/);
      const { rows } = await pool.query('SELECT to_regclass($1) IS NOT NULL AS ok', [v.table]);
      expect(rows[0].ok, `${v.name}: ${v.table} exists`).to.equal(true);
    }
  });

  it('has one model on connection pcc_postgres that includes every view and dashboard file', async () => {
    expect([...models.keys()]).to.deep.equal(['pcc']);
    const model = models.get('pcc')!;
    expect(model.parsed.connection).to.equal('pcc_postgres');
    const patterns = model.includes.map(globToRegExp);
    const files = [...filesUnder(LOOKER, '.view.lkml'), ...filesUnder(LOOKER, '.dashboard.lookml')].map((f) => path.relative(LOOKER, f));
    for (const f of files) expect(patterns.some((p) => p.test(f)), `${f} is included by pcc.model.lkml`).to.equal(true);
    for (const [name, dg] of named(model.parsed.datagroup)) {
      if (dg.sql_trigger) await pool.query(String(dg.sql_trigger)).catch((e: Error) => expect.fail(`datagroup ${name}: ${e.message}`));
    }
  });

  it("runs every dimension's, dimension group's and measure's SQL against the database", async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const v of views.values()) {
      for (const name of v.fields.keys()) {
        let checks: ReturnType<typeof fieldChecks>;
        try {
          checks = fieldChecks(builder, v, name);
        } catch (err) {
          failures.push(`${v.name}.${name}: ${(err as Error).message}`);
          continue;
        }
        for (const c of checks) {
          checked++;
          const fail = await runCheck(pool, { ...c, label: `${v.name}.${c.label}` });
          if (fail) failures.push(fail);
        }
      }
    }
    expect(failures, failures.join('\n')).to.deep.equal([]);
    expect(checked).to.be.greaterThan(150);
  });

  it('fails a field whose SQL is wrong (the check above is not vacuous)', async () => {
    const broken: View = {
      name: 'broken',
      file: '-',
      table: 'pcc.predictions',
      fields: new Map<string, Field>([
        ['no_column', { kind: 'dimension', def: { type: 'string', sql: '${TABLE}.no_such_column' } }],
        ['text_as_number', { kind: 'dimension', def: { type: 'number', sql: '${TABLE}.intent' } }],
        ['not_boolean', { kind: 'dimension', def: { type: 'yesno', sql: '${TABLE}.intent' } }],
        ['sum_of_text', { kind: 'measure', def: { type: 'sum', sql: '${TABLE}.intent' } }],
        ['ungrouped', { kind: 'measure', def: { type: 'number', sql: '${TABLE}.confidence / count(*)' } }],
      ]),
    };
    const b = new SqlBuilder(new Map([['broken', broken]]));
    for (const name of broken.fields.keys()) {
      const [c] = fieldChecks(b, broken, name);
      expect(await runCheck(pool, c), name).to.be.a('string');
    }
  });

  it('labels synthetic rows "Synthetic (test data)" wherever a view has a source', () => {
    for (const v of views.values()) {
      if (!v.fields.has('source')) continue;
      const source = v.fields.get('source')!;
      expect(String(source.def.description ?? ''), `${v.name}.source describes synthetic`).to.match(/synthetic/i);
      const label = v.fields.get('source_label');
      expect(label, `${v.name} has source_label`).to.exist;
      expect(label!.def.sql, `${v.name}.source_label`).to.contain("'Synthetic (test data)'").and.to.contain("'Real'");
    }
    expect(views.get('synthetic_batches')!.fields.get('source_label')!.def.sql).to.contain('Synthetic (test data)');
  });

  it("runs every explore's joins together, and names fields that exist", async () => {
    const failures: string[] = [];
    expect(explores.size).to.be.at.least(8);
    for (const e of explores.values()) {
      const base = views.get(e.view);
      if (!base) {
        if (EXTERNAL_VIEWS.has(e.view)) skipped.push(`explore ${e.name}`);
        else failures.push(`explore ${e.name}: no view ${e.view}`);
        continue;
      }
      const aliases = new Map<string, View>([[e.name, base]]);
      const joins = named(e.def.join);
      for (const [jn, j] of joins) {
        const v = views.get(String(j.from ?? j.view_name ?? jn));
        if (!v) {
          failures.push(`explore ${e.name}: join ${jn} has no view`);
          continue;
        }
        if (!j.relationship) failures.push(`explore ${e.name}: join ${jn} has no relationship`);
        aliases.set(jn, v);
      }
      const ref = (s: string) =>
        s.replace(/\$\{([a-z0-9_]+)\.([a-z0-9_]+)\}/g, (_m, a: string, f: string) => {
          const v = aliases.get(a);
          if (!v) throw new Error(`\${${a}.${f}}: ${a} is not in explore ${e.name}`);
          return `(${builder.field(v, f, a)})`;
        });
      try {
        let sql = `SELECT 1 FROM ${base.table} AS ${e.name}`;
        for (const [jn, j] of joins) {
          const kind = { left_outer: 'LEFT JOIN', inner: 'JOIN', full_outer: 'FULL JOIN', cross: 'CROSS JOIN' }[String(j.type ?? 'left_outer')];
          if (!kind) throw new Error(`join ${jn}: type ${j.type}`);
          sql += ` ${kind} ${aliases.get(jn)!.table} AS ${jn}${kind === 'CROSS JOIN' ? '' : ` ON ${ref(String(j.sql_on))}`}`;
        }
        if (e.def.sql_always_where) sql += ` WHERE ${ref(String(e.def.sql_always_where))}`;
        await pool.query(`${sql} LIMIT 0`).catch((err: Error) => failures.push(`explore ${e.name}: ${err.message} (${sql})`));
        for (const f of Object.keys(plainFilters(e.def.always_filter?.filters))) ref(`\${${f}}`);
      } catch (err) {
        failures.push(`explore ${e.name}: ${(err as Error).message}`);
      }
    }
    expect(failures, failures.join('\n')).to.deep.equal([]);
  });

  it("builds the dashboard from explores and fields that exist, and never pools real with synthetic", () => {
    const dashFiles = filesUnder(LOOKER, '.dashboard.lookml');
    expect(dashFiles.map((f) => path.basename(f))).to.include('pcc_overview.dashboard.lookml');
    const failures: string[] = [];
    const exploreViews = (name: string): Map<string, View> | 'external' | undefined => {
      const e = explores.get(name);
      if (!e) return undefined;
      const base = views.get(e.view);
      if (!base) return EXTERNAL_VIEWS.has(e.view) ? 'external' : undefined;
      const m = new Map<string, View>([[name, base]]);
      for (const [jn, j] of named(e.def.join)) {
        const v = views.get(String(j.from ?? j.view_name ?? jn));
        if (v) m.set(jn, v);
      }
      return m;
    };
    const hasField = (vs: Map<string, View>, field: string) => {
      const [vn, fn] = field.trim().split(/\s+/)[0].split('.');
      const v = vs.get(vn);
      return !!v && exposedFields(v).has(fn);
    };
    for (const file of dashFiles) {
      const docs = YAML.parse(readFileSync(file, 'utf8')) as Dashboard[];
      expect(docs, file).to.be.an('array').with.length.at.least(1);
      for (const dash of docs) {
        const where = `${path.basename(file)} ${dash.dashboard}`;
        const filterNames = new Set((dash.filters ?? []).map((f) => f.name));
        for (const f of dash.filters ?? []) {
          if (f.type !== 'field_filter') continue;
          const vs = exploreViews(String(f.explore));
          if (f.model !== 'pcc') failures.push(`${where} filter ${f.name}: model ${f.model}`);
          if (vs === 'external') skipped.push(`filter ${f.name}`);
          else if (!vs) failures.push(`${where} filter ${f.name}: no explore ${f.explore}`);
          else if (!hasField(vs, String(f.field))) failures.push(`${where} filter ${f.name}: no field ${f.field}`);
        }
        expect(dash.elements.length, where).to.be.at.least(10);
        for (const el of dash.elements) {
          const at = `${where} tile ${el.name}`;
          if (el.type === 'text') continue;
          if (el.model !== 'pcc') failures.push(`${at}: model ${el.model}`);
          const vs = exploreViews(String(el.explore));
          if (vs === 'external') {
            skipped.push(`tile ${el.name}`);
            continue;
          }
          if (!vs) {
            failures.push(`${at}: no explore ${el.explore}`);
            continue;
          }
          const filterFields = Object.keys(el.filters ?? {});
          const all = [...(el.fields ?? []), ...(el.pivots ?? []), ...(el.sorts ?? []), ...(el.hidden_fields ?? []), ...filterFields, ...Object.values(el.listen ?? {})];
          for (const f of all) if (!hasField(vs, f)) failures.push(`${at}: no field ${f} in explore ${el.explore}`);
          for (const k of Object.keys(el.listen ?? {})) if (!filterNames.has(k)) failures.push(`${at}: listens to unknown filter ${k}`);
          for (const p of el.pivots ?? []) if (!(el.fields ?? []).includes(p)) failures.push(`${at}: pivot ${p} is not among its fields`);
          // Real and synthetic are never pooled: a tile over a view with a source either shows the
          // source (as a column or pivot) or filters to a single source.
          const viewsUsed = new Set((el.fields ?? []).map((f) => f.split('.')[0]));
          for (const vn of viewsUsed) {
            const v = vs.get(vn);
            if (!v || !v.fields.has('source')) continue;
            const split = (el.fields ?? []).some((f) => f === `${vn}.source` || f === `${vn}.source_label`);
            const single = Object.entries(el.filters ?? {}).some(([k, val]) => (k === `${vn}.source` && /^(real|synthetic)$/.test(String(val).trim())) || (k === `${vn}.source_label` && !String(val).includes(',')));
            if (!split && !single) failures.push(`${at}: pools real and synthetic (no ${vn}.source_label in its fields and no single-source filter)`);
          }
        }
      }
    }
    expect(failures, failures.join('\n')).to.deep.equal([]);
  });
});
