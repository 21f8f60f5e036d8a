/* PCC dashboard: reads /v1/monitoring/{summary,drift,alerts} with the read key and draws the
 * rolling 7-day window with Chart.js, real and synthetic side by side. The key comes from the
 * link (?key=), is kept in sessionStorage and removed from the address bar. */
(function () {
  'use strict';
  const params = new URLSearchParams(location.search);
  if (params.get('key')) {
    sessionStorage.setItem('pcc-key', params.get('key'));
    params.delete('key');
    history.replaceState(null, '', location.pathname + (params.toString() ? '?' + params : ''));
  }
  const key = sessionStorage.getItem('pcc-key') || '';
  const SOURCES = ['real', 'synthetic'];
  const COLORS = { real: '#1f77b4', synthetic: '#ff7f0e' };
  const DRIFT_METRICS = ['intent_js_distance', 'confidence_psi', 'embedding_cosine_distance'];
  // The label set in DESIGN.md's order: privacy intents first, not_privacy last.
  const INTENTS = ['access_request', 'deletion_request', 'correction_request', 'portability_request', 'marketing_opt_out', 'processing_objection', 'privacy_complaint', 'privacy_inquiry', 'not_privacy'];
  const charts = {};
  const statusEl = document.getElementById('status');

  async function get(path) {
    const res = await fetch(path, { headers: { 'X-API-Key': key, Accept: 'application/json' } });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(`${path}: ${res.status} ${body.code || ''} ${body.message || ''}`);
    return body;
  }
  const pct = (v) => (v == null ? '–' : (100 * v).toFixed(1) + '%');
  const fmt = (v, d = 2) => (v == null ? '–' : Number(v).toFixed(d));
  const intfmt = (v) => (v == null ? '–' : Number(v).toLocaleString('en'));

  // A chart with no points says why instead of showing bare axes.
  function draw(id, config, emptyText = 'no data in the window yet') {
    const canvas = document.getElementById(id);
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } } }, config.options || {});
    charts[id] = new Chart(canvas, config);
    canvas.dataset.drawn = String(config.data.datasets.reduce((n, d) => n + d.data.filter((v) => v != null && (typeof v !== 'object' || v.y != null)).length, 0));
    if (canvas.dataset.drawn === '0') canvas.parentElement.dataset.empty = emptyText;
    else delete canvas.parentElement.dataset.empty;
  }

  function cards(summary, alerts) {
    const el = document.getElementById('cards');
    el.textContent = '';
    for (const s of SOURCES) {
      const src = summary.sources[s];
      if (!src) continue;
      const t = src.totals;
      const lastDay = src.days[src.days.length - 1] || {};
      const card = document.createElement('div');
      card.className = 'card ' + s;
      card.dataset.source = s;
      const items = [
        ['Predictions', intfmt(t.predictions)],
        ['Privacy share', t.predictions ? pct(t.privacy_predictions / t.predictions) : '–'],
        ['Mean confidence', fmt(t.mean_confidence)],
        ['Low-confidence share', pct(t.low_confidence_share)],
        ['Dead letters', intfmt(t.dead_letters)],
        ['Dead-letter rate', pct(t.dead_letter_rate)],
        ['p95 latency today', lastDay.p95_latency_ms == null ? '–' : intfmt(Math.round(lastDay.p95_latency_ms)) + ' ms'],
        ['Firing alerts', intfmt(alerts.alerts.filter((a) => a.status === 'firing' && a.source === s).length)],
      ];
      // Synthetic cases carry their known intent, so their accuracy is measured, not estimated.
      if (s === 'synthetic') items.push(['Accuracy vs known intent', pct(t.accuracy)]);
      const h = document.createElement('h3');
      h.textContent = s === 'real' ? 'Real traffic' : 'Synthetic (labelled test data)';
      const dl = document.createElement('dl');
      for (const [k, v] of items) {
        const dt = document.createElement('dt');
        dt.textContent = k;
        const dd = document.createElement('dd');
        dd.textContent = v;
        const wrap = document.createElement('div');
        wrap.append(dt, dd);
        dl.append(wrap);
      }
      card.append(h, dl);
      el.append(card);
    }
  }

  function render(summary, drift, alerts) {
    cards(summary, alerts);
    const days = (summary.sources.real || summary.sources.synthetic).days.map((d) => d.day);
    const perDay = (field) => SOURCES.filter((s) => summary.sources[s]).map((s) => ({ label: s, data: summary.sources[s].days.map((d) => d[field]), backgroundColor: COLORS[s], borderColor: COLORS[s] }));

    const dayAxis = { ticks: { maxRotation: 0, autoSkip: true, callback: (v, i) => String(days[i] || '').slice(5) } };
    draw('chart-volume', { type: 'bar', data: { labels: days, datasets: perDay('predictions') }, options: { scales: { x: dayAxis } } });

    const seen = new Set(SOURCES.flatMap((s) => Object.keys((summary.sources[s] || { totals: { intent_mix: {} } }).totals.intent_mix)));
    const intents = INTENTS.filter((i) => seen.has(i)).concat(Array.from(seen).filter((i) => !INTENTS.includes(i)));
    draw('chart-intents', {
      type: 'bar',
      data: {
        labels: intents,
        datasets: SOURCES.filter((s) => summary.sources[s]).map((s) => {
          const mix = summary.sources[s].totals.intent_mix;
          const total = Object.values(mix).reduce((a, b) => a + b, 0) || 1;
          return { label: s, data: intents.map((i) => (mix[i] || 0) / total), backgroundColor: COLORS[s] };
        }),
      },
      options: { indexAxis: 'y', scales: { x: { ticks: { callback: (v) => Math.round(v * 100) + '%' } }, y: { ticks: { autoSkip: false, font: { size: 11 } } } } },
    });

    const bins = summary.sources.real ? summary.sources.real.totals.confidence_histogram : summary.sources.synthetic.totals.confidence_histogram;
    draw('chart-confidence', {
      type: 'bar',
      data: {
        labels: bins.map((b) => b.lower.toFixed(1) + '–' + b.upper.toFixed(1)),
        datasets: SOURCES.filter((s) => summary.sources[s]).map((s) => {
          const h = summary.sources[s].totals.confidence_histogram;
          const total = h.reduce((a, b) => a + b.predictions, 0) || 1;
          return { label: s, data: h.map((b) => b.predictions / total), backgroundColor: COLORS[s] };
        }),
      },
      options: { scales: { x: { ticks: { maxRotation: 0, callback: (v, i) => bins[i].lower.toFixed(1) } }, y: { ticks: { callback: (v) => Math.round(v * 100) + '%' } } } },
    });

    draw('chart-lowconf', { type: 'line', data: { labels: days, datasets: perDay('low_confidence_share') }, options: { scales: { x: dayAxis, y: { min: 0, ticks: { callback: (v) => Math.round(v * 100) + '%' } } } } });
    draw('chart-deadletters', { type: 'line', data: { labels: days, datasets: perDay('dead_letter_rate') }, options: { scales: { x: dayAxis, y: { min: 0, suggestedMax: 0.01, ticks: { callback: (v) => (v * 100).toFixed(1) + '%' } } } } });

    const lat = [];
    for (const s of SOURCES) {
      if (!summary.sources[s]) continue;
      lat.push({ label: s + ' p50', data: summary.sources[s].days.map((d) => d.p50_latency_ms), borderColor: COLORS[s], backgroundColor: COLORS[s] });
      lat.push({ label: s + ' p95', data: summary.sources[s].days.map((d) => d.p95_latency_ms), borderColor: COLORS[s], backgroundColor: COLORS[s], borderDash: [4, 3] });
    }
    draw('chart-latency', { type: 'line', data: { labels: days, datasets: lat }, options: { scales: { x: dayAxis } } });

    const lagEntries = Object.entries(summary.lag || {});
    draw('chart-lag', { type: 'bar', data: { labels: lagEntries.map(([g]) => g), datasets: [{ label: 'records behind', data: lagEntries.map(([, v]) => v), backgroundColor: '#6a3d9a' }] }, options: { plugins: { legend: { display: false } } } });

    // Drift: one chart per source (never pooled), one colour per metric; the dashed line of the
    // same colour is that metric's warning threshold. Labels are ISO window ends (sortable across
    // a year boundary), shown as "MM-DD HH:mm".
    const palette = { intent_js_distance: '#1f77b4', confidence_psi: '#d62728', embedding_cosine_distance: '#2ca02c' };
    for (const s of SOURCES) {
      const datasets = [];
      for (const series of drift.series) {
        if (series.source !== s || !DRIFT_METRICS.includes(series.metric)) continue;
        const color = palette[series.metric];
        const pts = series.points.map((p) => ({ x: p.window_end, y: p.value }));
        datasets.push({ label: series.metric, data: pts, borderColor: color, backgroundColor: color, borderWidth: 1.5, pointRadius: 0 });
        const th = series.points.find((p) => p.threshold != null);
        if (th) datasets.push({ label: `${series.metric} threshold`, data: pts.map((p) => ({ x: p.x, y: th.threshold })), borderColor: color, backgroundColor: color, borderDash: [6, 4], borderWidth: 1, pointRadius: 0, threshold: true });
      }
      const labels = Array.from(new Set(datasets.flatMap((d) => d.data.map((p) => p.x)))).sort();
      draw('chart-drift-' + s, {
        type: 'line',
        data: { labels, datasets },
        options: {
          parsing: { xAxisKey: 'x', yAxisKey: 'y' },
          scales: { x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 7, callback: (v, i) => String(labels[i] || '').slice(5, 10) } }, y: { min: 0 } },
          plugins: {
            legend: { position: 'bottom', labels: { boxWidth: 12, filter: (item, data) => !data.datasets[item.datasetIndex].threshold } },
            tooltip: { callbacks: { title: (items) => (items[0] ? String(labels[items[0].dataIndex]).slice(0, 16).replace('T', ' ') + ' UTC' : '') } },
          },
        },
      }, 'no drift windows yet: the drift monitor writes each metric when a window closes');
    }

    const tbody = document.querySelector('#alerts tbody');
    tbody.textContent = '';
    for (const a of alerts.alerts) {
      const tr = document.createElement('tr');
      const cells = [[a.status, a.status], [a.severity, a.severity], [a.kind], [a.metric], [a.source], [fmt(a.value, 3)], [fmt(a.threshold, 3)], [a.window_start.slice(0, 16).replace('T', ' ') + ' → ' + a.window_end.slice(11, 16)], [a.fired_at.slice(0, 16).replace('T', ' ')], [a.resolved_at ? a.resolved_at.slice(0, 16).replace('T', ' ') : '–']];
      for (const [text, cls] of cells) {
        const td = document.createElement('td');
        td.textContent = text;
        if (cls) td.className = cls;
        tr.append(td);
      }
      tbody.append(tr);
    }
    if (!alerts.alerts.length) {
      const tr = document.createElement('tr');
      const td = document.createElement('td');
      td.colSpan = 10;
      td.textContent = 'No alerts in the window.';
      tr.append(td);
      tbody.append(tr);
    }
  }

  async function refresh() {
    try {
      const [summary, drift, alerts] = await Promise.all([get('/v1/monitoring/summary?days=7'), get('/v1/monitoring/drift?days=7'), get('/v1/monitoring/alerts?limit=50')]);
      render(summary, drift, alerts);
      statusEl.className = '';
      statusEl.textContent = 'updated ' + new Date().toLocaleTimeString();
      document.body.dataset.loaded = 'true';
    } catch (err) {
      statusEl.className = 'error';
      statusEl.textContent = String(err.message || err);
      document.body.dataset.loaded = 'error';
    }
  }
  refresh();
  setInterval(refresh, 30000);
})();
