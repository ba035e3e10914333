/* The dashboard's charts as plain SVG: a daily rate trend, a sparkline, an
 * availability strip and stacked daily bars. Every mark carries its value
 * in data-* attributes and a <title> (the browser shows it on hover), so a
 * person can read the exact figure and a test can check it. Colours come
 * from the style sheet by class, or as presentation attributes: the page's
 * CSP allows no inline style. Texts arrive already translated; everything
 * is put in as text nodes. */
'use strict';

(function () {
  const NS = 'http://www.w3.org/2000/svg';

  function svg(tag, attrs, ...children) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {}))
      if (v !== undefined && v !== null)
        e.setAttribute(k, String(v));
    for (const c of children.flat())
      if (c !== undefined && c !== null)
        e.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    return e;
  }

  const title = (text) => svg('title', {}, text);
  const r2 = (x) => Math.round(x * 100) / 100;

  /* The lowest rate shown: the highest of these steps below every value,
   * so that 99.9 % and 100 % do not look the same and 60 % still fits. */
  const FLOORS = [0.995, 0.99, 0.98, 0.95, 0.9, 0.8, 0.5, 0];
  function floorOf(values) {
    const lo = Math.min(1, ...values.filter((v) => v !== null && v !== undefined));
    return FLOORS.find((f) => f < lo) ?? 0;
  }

  /* opts: {days: ['YYYY-MM-DD'...], series: [{key, label, values: [rate|null]}],
   * dayText(day), pctText(rate), pointText(day, label, pctText), ariaLabel,
   * id}. Days without a value leave a gap in the line. */
  function trend(opts) {
    const W = 720, H = 220, L = 46, R = 10, T = 12, B = 28;
    const n = opts.days.length;
    const all = opts.series.flatMap((s) => s.values);
    const lo = floorOf(all);
    const x = (i) => L + (n > 1 ? i * (W - L - R) / (n - 1) : (W - L - R) / 2);
    const y = (v) => T + (1 - (v - lo) / (1 - lo || 1)) * (H - T - B);
    const g = svg('svg', {viewBox: '0 0 ' + W + ' ' + H, class: 'chart trend', id: opts.id,
      role: 'img', 'aria-label': opts.ariaLabel, 'data-floor': lo});
    for (let k = 0; k <= 4; k++) {
      const v = lo + (1 - lo) * k / 4;
      g.append(svg('line', {class: 'grid', x1: L, x2: W - R, y1: r2(y(v)), y2: r2(y(v))}),
        svg('text', {class: 'axis', x: L - 4, y: r2(y(v)) + 4, 'text-anchor': 'end'}, opts.pctText(v)));
    }
    const step = Math.max(1, Math.ceil(n / 8));
    for (let i = 0; i < n; i += step)
      g.append(svg('text', {class: 'axis', x: r2(x(i)), y: H - 8, 'text-anchor': 'middle'},
        opts.dayText(opts.days[i])));
    for (const s of opts.series) {
      let d = '';
      s.values.forEach((v, i) => {
        if (v === null || v === undefined)
          return;
        const prev = i > 0 && s.values[i - 1] !== null && s.values[i - 1] !== undefined;
        d += (prev ? 'L' : 'M') + r2(x(i)) + ' ' + r2(y(v));
      });
      const line = svg('g', {class: 'series s-' + s.key, 'data-series': s.key});
      if (d)
        line.append(svg('path', {class: 'line', d}));
      s.values.forEach((v, i) => {
        if (v === null || v === undefined)
          return;
        line.append(svg('circle', {class: 'point', cx: r2(x(i)), cy: r2(y(v)), r: 3,
          'data-day': opts.days[i], 'data-value': v},
        title(opts.pointText(opts.days[i], s.label, opts.pctText(v)))));
      });
      g.append(line);
    }
    return g;
  }

  /* A unit's rate over the days, small enough for a table cell; one
   * invisible bar per day carries the hover text. */
  function sparkline(opts) {
    const W = 120, H = 26, P = 2;
    const n = opts.days.length;
    /* One scale for every sparkline of a table, so that rows compare. */
    const lo = opts.floor ?? floorOf(opts.values);
    const x = (i) => P + (n > 1 ? i * (W - 2 * P) / (n - 1) : (W - 2 * P) / 2);
    const y = (v) => P + (1 - (v - lo) / (1 - lo || 1)) * (H - 2 * P);
    const g = svg('svg', {viewBox: '0 0 ' + W + ' ' + H, class: 'chart spark', role: 'img',
      'aria-label': opts.ariaLabel, 'data-values': opts.values.map((v) => v === null ? '' : v).join(',')});
    let d = '';
    opts.values.forEach((v, i) => {
      if (v === null || v === undefined)
        return;
      const prev = i > 0 && opts.values[i - 1] !== null && opts.values[i - 1] !== undefined;
      d += (prev ? 'L' : 'M') + r2(x(i)) + ' ' + r2(y(v));
    });
    if (d)
      g.append(svg('path', {class: 'line', d}));
    const last = opts.values.length - 1;
    if (last >= 0 && opts.values[last] !== null)
      g.append(svg('circle', {class: 'point', cx: r2(x(last)), cy: r2(y(opts.values[last])), r: 2}));
    const bw = (W - 2 * P) / Math.max(1, n);
    opts.values.forEach((v, i) => {
      if (v === null || v === undefined)
        return;
      g.append(svg('rect', {class: 'hover', x: r2(x(i) - bw / 2), y: 0, width: r2(bw), height: H,
        'data-day': opts.days[i], 'data-value': v}, title(opts.pointText(opts.days[i], opts.pctText(v)))));
    });
    return g;
  }

  /* opts: {from, to (ms), spans: [{start, end (ms), state, text}], ticks:
   * [{at (ms), text}], id, ariaLabel}. The strip is 1000 units wide: a
   * span's x and width are its share of the window in thousandths. */
  function strip(opts) {
    const W = 1000, H = 34, BAR = 20;
    const span = opts.to - opts.from;
    const x = (t) => Math.min(W, Math.max(0, (t - opts.from) / span * W));
    const g = svg('svg', {viewBox: '0 0 ' + W + ' ' + H, class: 'chart strip', id: opts.id,
      role: 'img', 'aria-label': opts.ariaLabel, 'data-from': opts.from, 'data-to': opts.to});
    for (const s of opts.spans) {
      const x0 = x(s.start), x1 = x(s.end);
      if (x1 <= x0)
        continue;
      g.append(svg('rect', {class: 'span st-' + s.state, x: r2(x0), y: 0, width: r2(x1 - x0),
        height: BAR, 'data-state': s.state, 'data-reason': s.reason || '', 'data-start': s.start,
        'data-end': s.end}, title(s.text)));
    }
    for (const t of opts.ticks) {
      const tx = r2(x(t.at));
      g.append(svg('line', {class: 'tick', x1: tx, x2: tx, y1: 0, y2: BAR + 3}),
        svg('text', {class: 'axis', x: tx + 3, y: H - 2}, t.text));
    }
    return g;
  }

  /* opts: {days, keys (stack order, bottom first), counts: [{key: n}] per
   * day, color(key), barText(day, key, n), dayText, id, ariaLabel}. */
  function stackedBars(opts) {
    const W = 720, H = 200, L = 34, R = 10, T = 10, B = 28;
    const n = opts.days.length;
    const totals = opts.counts.map((c) => opts.keys.reduce((a, k) => a + (c[k] || 0), 0));
    const max = Math.max(1, ...totals);
    const step = (W - L - R) / Math.max(1, n);
    const y = (v) => T + (1 - v / max) * (H - T - B);
    const g = svg('svg', {viewBox: '0 0 ' + W + ' ' + H, class: 'chart bars', id: opts.id,
      role: 'img', 'aria-label': opts.ariaLabel, 'data-max': max});
    for (const v of [0, Math.ceil(max / 2), max])
      g.append(svg('line', {class: 'grid', x1: L, x2: W - R, y1: r2(y(v)), y2: r2(y(v))}),
        svg('text', {class: 'axis', x: L - 4, y: r2(y(v)) + 4, 'text-anchor': 'end'}, opts.numText(v)));
    const every = Math.max(1, Math.ceil(n / 8));
    opts.days.forEach((day, i) => {
      let base = 0;
      for (const k of opts.keys) {
        const c = opts.counts[i][k] || 0;
        if (!c)
          continue;
        g.append(svg('rect', {class: 'bar', x: r2(L + i * step + step * 0.15), width: r2(step * 0.7),
          y: r2(y(base + c)), height: r2(y(base) - y(base + c)), fill: opts.color(k),
          'data-day': day, 'data-reason': k, 'data-count': c}, title(opts.barText(day, k, c))));
        base += c;
      }
      if (i % every === 0)
        g.append(svg('text', {class: 'axis', x: r2(L + (i + 0.5) * step), y: H - 8,
          'text-anchor': 'middle'}, opts.dayText(day)));
    });
    return g;
  }

  /* A legend's colour sample: by class (a series) or by fill (a reason). */
  function swatch(cls, fill) {
    return svg('svg', {class: 'swatch ' + (cls || ''), viewBox: '0 0 12 12', width: 12, height: 12,
      'aria-hidden': 'true'}, svg('rect', {x: 0, y: 0, width: 12, height: 12, rx: 2, fill}));
  }

  window.CamdexCharts = {trend, sparkline, strip, stackedBars, swatch, floorOf};
})();
