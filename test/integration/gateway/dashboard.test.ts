/**
 * The dashboard in a real browser (issue 6, deliverable 3): a test database seeded with a week of
 * real and synthetic predictions, dead letters, drift metrics and alerts; the gateway started
 * in-process over the real Kafka, registry and Postgres; headless Chromium (Debian's build, driven
 * by playwright-core) opens /dashboard and every chart must have drawn data. The screenshot is
 * saved to test-artifacts/dashboard.png for a person to look at.
 *
 * Without Chromium the suite is skipped and says how to install it (`make browser`).
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createCodec, createRegistry, registerDesignSchemas, subjectFor } from '../../../lib/codec';
import type { PccConfig } from '../../../lib/config';
import { createPool } from '../../../lib/db';
import { designTopics, ensureTopics } from '../../../lib/kafka';
import { createMetricsRegistry } from '../../../lib/metrics';
import { migrate } from '../../../lib/migrations';
import { INTENTS, type Intent, type Source } from '../../../lib/taxonomy';
import { parseKeys } from '../../../gateway/auth';
import { startGateway, type GatewayServer } from '../../../gateway/server';
import { createTestDatabase, deleteSubject, testConfig, testKafka, testLogger } from '../../helpers';

const ROOT = path.resolve(__dirname, '../../..');
const CHROMIUM = process.env.PCC_TEST_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const DAY = 86_400_000;
const HOUR = 3_600_000;

const KEYS = { ingest: `ingest-${randomUUID()}`, read: `read-${randomUUID()}`, admin: `admin-${randomUUID()}` };
const CHARTS = ['volume', 'intents', 'confidence', 'lowconf', 'deadletters', 'latency', 'drift-real', 'drift-synthetic', 'lag'];
const DRIFT = { intent_js_distance: 0.1, confidence_psi: 0.1, embedding_cosine_distance: 0.1 } as const;

/** A small deterministic PRNG (mulberry32), so a failing run can be reproduced. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = rand() * total;
  for (let i = 0; i < items.length; i++) if ((r -= weights[i]) < 0) return items[i];
  return items[items.length - 1];
}

/** Real traffic is mostly not privacy; the synthetic twin is balanced by design. */
const REAL_WEIGHTS = [6, 4, 2, 1, 7, 2, 2, 3, 73];
const SYNTHETIC_WEIGHTS = [1, 1, 1, 1, 1, 1, 1, 1, 1];

interface Seeded {
  predictions: Record<Source, number>;
  deadLetters: Record<Source, number>;
  firingAlertMetric: string;
}

/** A week of what the sinks would have written, for both sources, up to now. */
async function seed(pool: pg.Pool, now: number): Promise<Seeded> {
  const rand = prng(20260515);
  const today = Math.floor(now / DAY) * DAY;
  for (let d = 6; d >= 0; d--) await pool.query('SELECT pcc.ensure_prediction_partition($1::date)', [new Date(today - d * DAY).toISOString().slice(0, 10)]);

  const out: Seeded = { predictions: { real: 0, synthetic: 0 }, deadLetters: { real: 0, synthetic: 0 }, firingAlertMetric: 'intent_js_distance' };
  const rows: Record<string, unknown>[] = [];
  const dead: Record<string, unknown>[] = [];
  let offset = 0;
  for (let d = 6; d >= 0; d--) {
    const dayStart = today - d * DAY;
    const span = d === 0 ? Math.max(60_000, now - dayStart - 60_000) : DAY;
    for (const source of ['real', 'synthetic'] as const) {
      const n = source === 'real' ? 150 + Math.floor(rand() * 120) : 180;
      const batchId = `syn-batch-${new Date(dayStart).toISOString().slice(0, 10)}`;
      for (let i = 0; i < n; i++) {
        const predictedAt = dayStart + Math.floor(rand() * span);
        // Drift on the last two days of real traffic: fewer confident predictions.
        const shifted = source === 'real' && d <= 1;
        const intent = pick(rand, INTENTS, source === 'real' ? REAL_WEIGHTS : SYNTHETIC_WEIGHTS) as Intent;
        const confidence = Math.min(0.99, Math.max(0.2, 0.55 + rand() * 0.45 - (shifted ? 0.2 * rand() : 0)));
        const rest = (1 - confidence) / (INTENTS.length - 1);
        const probabilities = INTENTS.map((l) => (l === intent ? confidence : rest));
        const privacy = intent !== 'not_privacy';
        const receivedAt = predictedAt - 15 - Math.floor(rand() * (source === 'real' ? 250 : 120));
        const truth = source === 'synthetic' ? (rand() < 0.88 ? intent : INTENTS[Math.floor(rand() * INTENTS.length)]) : null;
        rows.push({
          case_id: source === 'real' ? `case-${d}-${i}-${randomUUID().slice(0, 8)}` : `syn-${d}-${i}-${randomUUID().slice(0, 8)}`,
          source,
          intent,
          is_privacy: privacy,
          confidence,
          probabilities,
          embedding: Array.from({ length: 8 }, () => Math.round((rand() * 2 - 1) * 1000) / 1000),
          model_version: 'pcc-intent-1.0.0',
          redacted_excerpt: privacy ? 'Please [action] the data you hold on me, [EMAIL].' : 'My parcel has not arrived yet.',
          pii_found: privacy && rand() < 0.4 ? ['email'] : [],
          warnings: rand() < 0.03 ? ['language_unknown'] : [],
          channel: pick(rand, ['email', 'chat', 'ticket', 'form'], [5, 3, 3, 1]),
          language: 'en',
          jurisdiction: privacy ? pick(rand, ['GDPR', 'CCPA'], [2, 1]) : null,
          received_at: new Date(receivedAt).toISOString(),
          predicted_at: new Date(predictedAt).toISOString(),
          stored_at: new Date(predictedAt + 20 + Math.floor(rand() * 180)).toISOString(),
          processing_ms: 2 + rand() * 8,
          ground_truth_intent: truth,
          batch_id: source === 'synthetic' ? batchId : null,
          sla_due_at: privacy ? new Date(receivedAt + 30 * DAY).toISOString() : null,
          source_partition: i % 3,
          source_offset: offset++,
        });
        out.predictions[source]++;
      }
      const deadCount = source === 'real' ? 2 + Math.floor(rand() * 6) : Math.floor(rand() * 3);
      for (let i = 0; i < deadCount; i++) {
        dead.push({
          source_topic: `pcc.cases.${source}.v1`,
          source_partition: i % 3,
          source_offset: offset++,
          case_id: source === 'real' ? `bad-${d}-${i}-${randomUUID().slice(0, 8)}` : `syn-bad-${d}-${i}-${randomUUID().slice(0, 8)}`,
          source,
          reason_code: pick(rand, ['PCC_VALIDATION_EMPTY_BODY', 'PCC_DECODE_BAD_MAGIC', 'PCC_VALIDATION_BODY_TOO_LARGE'], [3, 1, 1]),
          reason: 'seeded by the dashboard test',
          failed_at: new Date(dayStart + Math.floor(rand() * span)).toISOString(),
        });
        out.deadLetters[source]++;
      }
    }
  }
  for (let i = 0; i < rows.length; i += 500) {
    await pool.query(
      `INSERT INTO pcc.predictions (case_id, source, intent, is_privacy, confidence, probabilities, embedding, model_version, redacted_excerpt,
         pii_found, warnings, channel, language, jurisdiction, received_at, predicted_at, stored_at, processing_ms, ground_truth_intent, batch_id,
         sla_due_at, source_partition, source_offset)
       SELECT case_id, source, intent, is_privacy, confidence, probabilities, embedding, model_version, redacted_excerpt,
         pii_found, warnings, channel, language, jurisdiction, received_at, predicted_at, stored_at, processing_ms, ground_truth_intent, batch_id,
         sla_due_at, source_partition, source_offset
       FROM jsonb_to_recordset($1::jsonb) AS r(case_id text, source text, intent text, is_privacy boolean, confidence real, probabilities real[],
         embedding real[], model_version text, redacted_excerpt text, pii_found text[], warnings text[], channel text, language text, jurisdiction text,
         received_at timestamptz, predicted_at timestamptz, stored_at timestamptz, processing_ms real, ground_truth_intent text, batch_id text,
         sla_due_at timestamptz, source_partition integer, source_offset bigint)`,
      [JSON.stringify(rows.slice(i, i + 500))],
    );
  }
  await pool.query(
    `INSERT INTO pcc.prediction_keys (case_id, source, predicted_at) SELECT case_id, source, predicted_at FROM pcc.predictions`,
  );
  await pool.query(
    `INSERT INTO pcc.dead_letters (source_topic, source_partition, source_offset, case_id, source, reason_code, reason, failed_at)
     SELECT source_topic, source_partition, source_offset, case_id, source, reason_code, reason, failed_at
     FROM jsonb_to_recordset($1::jsonb) AS r(source_topic text, source_partition integer, source_offset bigint, case_id text, source text,
       reason_code text, reason text, failed_at timestamptz)`,
    [JSON.stringify(dead)],
  );

  // Drift: hourly windows over the week, per source and metric; real traffic drifts on the last day.
  const drift: Record<string, unknown>[] = [];
  const lastWindow = Math.floor(now / HOUR) * HOUR;
  for (let w = lastWindow - 7 * DAY + HOUR; w < lastWindow; w += HOUR) {
    for (const source of ['real', 'synthetic'] as const) {
      for (const [metric, threshold] of Object.entries(DRIFT)) {
        const drifting = source === 'real' && w >= lastWindow - 18 * HOUR && metric !== 'embedding_cosine_distance';
        const value = drifting ? threshold * (1.2 + rand()) : threshold * (0.15 + 0.45 * rand());
        drift.push({
          source,
          window_start: new Date(w).toISOString(),
          window_end: new Date(w + HOUR).toISOString(),
          metric,
          value,
          threshold,
          status: value >= 2 * threshold ? 'critical' : value >= threshold ? 'warning' : 'ok',
          sample_size: 10 + Math.floor(rand() * 30),
        });
      }
    }
  }
  await pool.query(
    `INSERT INTO pcc.drift_metrics (source, window_start, window_end, metric, value, threshold, status, sample_size)
     SELECT source, window_start, window_end, metric, value, threshold, status, sample_size
     FROM jsonb_to_recordset($1::jsonb) AS r(source text, window_start timestamptz, window_end timestamptz, metric text,
       value double precision, threshold double precision, status text, sample_size integer)`,
    [JSON.stringify(drift)],
  );

  interface SeedAlert {
    kind: string; severity?: string; status?: string; metric: string; value: number; threshold: number; source: Source;
    window_start: number; window_end: number; fired_at: number; resolved_at: number | null;
  }
  const alert = (id: string, a: SeedAlert) => ({
    alert_id: id,
    fingerprint: `${a.kind}:${a.metric}:${a.source}`,
    severity: 'warning',
    status: 'resolved',
    details: {},
    ...a,
  });
  const alerts = [
    alert('alert-firing-1', { kind: 'drift', severity: 'critical', status: 'firing', metric: out.firingAlertMetric, value: 0.241, threshold: 0.2, source: 'real', window_start: lastWindow - 2 * HOUR, window_end: lastWindow - HOUR, fired_at: lastWindow - HOUR + 60_000, resolved_at: null }),
    alert('alert-resolved-1', { kind: 'low_confidence', metric: 'low_confidence_share', value: 0.31, threshold: 0.25, source: 'real', window_start: lastWindow - 3 * DAY, window_end: lastWindow - 3 * DAY + HOUR, fired_at: lastWindow - 3 * DAY + HOUR, resolved_at: lastWindow - 3 * DAY + 3 * HOUR }),
    alert('alert-resolved-2', { kind: 'synthetic_accuracy', metric: 'synthetic_accuracy', value: 0.71, threshold: 0.8, source: 'synthetic', window_start: lastWindow - 5 * DAY, window_end: lastWindow - 5 * DAY + HOUR, fired_at: lastWindow - 5 * DAY + HOUR, resolved_at: lastWindow - 4 * DAY }),
  ].map((a) => ({ ...a, window_start: new Date(a.window_start).toISOString(), window_end: new Date(a.window_end).toISOString(), fired_at: new Date(a.fired_at).toISOString(), resolved_at: a.resolved_at == null ? null : new Date(a.resolved_at).toISOString() }));
  await pool.query(
    `INSERT INTO pcc.alerts (alert_id, fingerprint, kind, severity, status, metric, value, threshold, window_start, window_end, source, details, fired_at, resolved_at)
     SELECT alert_id, fingerprint, kind, severity, status, metric, value, threshold, window_start, window_end, source, details, fired_at, resolved_at
     FROM jsonb_to_recordset($1::jsonb) AS r(alert_id text, fingerprint text, kind text, severity text, status text, metric text, value double precision,
       threshold double precision, window_start timestamptz, window_end timestamptz, source text, details jsonb, fired_at timestamptz, resolved_at timestamptz)`,
    [JSON.stringify(alerts)],
  );
  return out;
}

describe('the dashboard in headless Chromium', function () {
  this.timeout(120_000);
  let db: { url: string; drop: () => Promise<void> } | undefined;
  let config: Readonly<PccConfig>;
  let pool: pg.Pool | undefined;
  let kafka: Kafka | undefined;
  let gateway: GatewayServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let seeded: Seeded;
  let pageErrors: string[];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      // A skipped suite says so in the summary line; the message says how to get the browser.
      process.stdout.write(`  dashboard test skipped: no Chromium at ${CHROMIUM}. Install it with \`make browser\` (Debian: apt-get install chromium) or point PCC_TEST_CHROMIUM at one.\n`);
      this.skip();
    }
    db = await createTestDatabase();
    config = testConfig({ PCC_DATABASE_URL: db.url });
    pool = createPool(config, 'pcc-test-dashboard');
    await migrate(pool);
    seeded = await seed(pool, Date.now());

    kafka = testKafka(config);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, designTopics(config));
    await admin.disconnect();
    const registry = createRegistry(config);
    await registerDesignSchemas(registry, config);
    gateway = await startGateway({
      config,
      logger: testLogger(),
      kafka,
      codec: createCodec(registry),
      pool,
      metrics: createMetricsRegistry(),
      keys: parseKeys([`${KEYS.ingest}:ingest`, `${KEYS.read}:read`, `${KEYS.admin}:admin`]),
      port: 0,
    });

    // Cases nobody consumes yet: the processor's lag is what the lag chart shows.
    const res = await fetch(`${gateway.url}/v1/cases`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': KEYS.ingest },
      body: JSON.stringify({ cases: Array.from({ length: 12 }, (_, i) => ({ body: `Where is my order number ${i}?`, channel: 'chat' })) }),
    });
    expect(res.status, await res.text()).to.equal(202);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400) pageErrors.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    await page.goto(`${gateway.url}/dashboard?key=${encodeURIComponent(KEYS.read)}`);
    await page.waitForSelector('body[data-loaded]', { timeout: 30_000 });
    const state = await page.getAttribute('body', 'data-loaded');
    if (state !== 'true') throw new Error(`the dashboard did not load: ${await page.textContent('#status')}; page errors: ${pageErrors.join(' | ')}`);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await gateway?.stop().catch(() => undefined);
    await pool?.end().catch(() => undefined);
    if (kafka) {
      const admin = kafka.admin();
      await admin.connect();
      const topics = designTopics(config).map((t) => t.topic);
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
      for (const t of topics) await deleteSubject(config, subjectFor(t));
    }
    await db?.drop();
  });

  it('loads without a script error', () => {
    expect(pageErrors).to.deep.equal([]);
  });

  it('draws every chart with data, as Chart.js reports it and as pixels on the canvas', async () => {
    const charts = await page.$$eval('canvas[data-chart]', (canvases) =>
      canvases.map((c) => {
        const canvas = c as HTMLCanvasElement;
        const chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: { data: unknown[] }[] } } | undefined } }).Chart.getChart(canvas);
        const ctx = canvas.getContext('2d')!;
        const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        // Coloured pixels (not the greys of axes, grid and text): the data itself.
        let coloured = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          if (pixels[i + 3] < 128) continue;
          const max = Math.max(pixels[i], pixels[i + 1], pixels[i + 2]);
          const min = Math.min(pixels[i], pixels[i + 1], pixels[i + 2]);
          if (max - min > 60) coloured++;
        }
        return {
          name: canvas.dataset.chart!,
          drawn: Number(canvas.dataset.drawn ?? 0),
          hasChart: Boolean(chart),
          points: chart ? chart.data.datasets.map((d) => d.data.filter((v) => v != null).length) : [],
          width: canvas.width,
          height: canvas.height,
          coloured,
        };
      }),
    );
    expect(charts.map((c) => c.name).sort()).to.deep.equal([...CHARTS].sort());
    expect(await page.$$eval('.plot[data-empty]', (els) => els.map((e) => e.querySelector('canvas')?.dataset.chart))).to.deep.equal([]);
    for (const c of charts) {
      expect(c.hasChart, `${c.name}: a Chart.js chart`).to.equal(true);
      expect(c.drawn, `${c.name}: data-drawn`).to.be.greaterThan(0);
      expect(c.points.length, `${c.name}: datasets`).to.be.greaterThan(0);
      expect(c.points.some((n) => n > 0), `${c.name}: a dataset with points`).to.equal(true);
      expect(c.width * c.height, `${c.name}: canvas size`).to.be.greaterThan(200 * 100);
      expect(c.coloured, `${c.name}: coloured pixels`).to.be.greaterThan(50);
    }
  });

  it('plots a week of volume for both sources, matching what was stored', async () => {
    const volume = await page.$eval('canvas[data-chart="volume"]', (c) => {
      const chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { labels: string[]; datasets: { label: string; data: number[] }[] } } } }).Chart.getChart(c as HTMLCanvasElement);
      return { labels: chart.data.labels, sets: chart.data.datasets.map((d) => ({ label: d.label, total: d.data.reduce((a, b) => a + (b ?? 0), 0) })) };
    });
    expect(volume.labels).to.have.length(7);
    const total = (label: string) => volume.sets.filter((s) => s.label.toLowerCase().startsWith(label)).reduce((a, s) => a + s.total, 0);
    expect(total('real')).to.equal(seeded.predictions.real);
    expect(total('synthetic')).to.equal(seeded.predictions.synthetic);
  });

  for (const source of ['real', 'synthetic'] as const) {
    it(`draws each ${source} drift score beside its threshold`, async () => {
      const sets = await page.$eval(`canvas[data-chart="drift-${source}"]`, (c) =>
        (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: { label: string; data: { y: number }[] }[] } } } }).Chart.getChart(c as HTMLCanvasElement).data.datasets.map((d) => ({ label: d.label, ys: d.data.map((p) => p.y) })),
      );
      for (const [metric, threshold] of Object.entries(DRIFT)) {
        const line = sets.find((d) => d.label.includes(metric) && /threshold/i.test(d.label));
        const series = sets.find((d) => d.label.includes(metric) && !/threshold/i.test(d.label));
        expect(line, `${metric} threshold in ${sets.map((d) => d.label).join(', ')}`).to.not.equal(undefined);
        expect(new Set(line!.ys)).to.deep.equal(new Set([threshold]));
        expect(series, `${metric} series`).to.not.equal(undefined);
        expect(series!.ys.length).to.be.greaterThan(24 * 6);
      }
    });
  }

  it('lists the firing alert first in the alert table', async () => {
    const rows = await page.$$eval('#alerts tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')));
    expect(rows.length).to.equal(3);
    expect(rows[0]).to.include('firing');
    expect(rows[0].join(' ')).to.contain(seeded.firingAlertMetric);
    expect(rows.slice(1).every((r) => r.includes('resolved'))).to.equal(true);
  });

  it('shows a card for real traffic and one for synthetic, with their totals', async () => {
    const cards = await page.$$eval('#cards .card', (els) => els.map((e) => ({ source: (e as HTMLElement).dataset.source, text: e.textContent ?? '' })));
    expect(cards.map((c) => c.source)).to.deep.equal(['real', 'synthetic']);
    expect(cards[0].text).to.contain(seeded.predictions.real.toLocaleString('en'));
    expect(cards[1].text).to.contain(seeded.predictions.synthetic.toLocaleString('en'));
  });

  it('removes the key from the address bar', async () => {
    const url = new URL(page.url());
    expect(url.pathname).to.equal('/dashboard');
    expect(url.searchParams.has('key')).to.equal(false);
    expect(page.url()).not.to.contain(KEYS.read);
  });

  it('fits a laptop screen: no horizontal scrolling at 1366 px', async () => {
    const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(scroll).to.be.at.most(client);
  });

  it('answers 401 without a key and 403 with an ingest key', async () => {
    const none = await fetch(`${gateway!.url}/dashboard`);
    expect(none.status).to.equal(401);
    expect((await none.json()).code).to.equal('PCC_HTTP_UNAUTHORIZED');
    const ingest = await fetch(`${gateway!.url}/dashboard?key=${encodeURIComponent(KEYS.ingest)}`);
    expect(ingest.status).to.equal(403);
    expect((await ingest.json()).code).to.equal('PCC_HTTP_FORBIDDEN');
    const header = await fetch(`${gateway!.url}/dashboard`, { headers: { 'X-API-Key': KEYS.ingest } });
    expect(header.status).to.equal(403);
  });
});
