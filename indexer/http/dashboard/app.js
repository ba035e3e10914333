/* The camdex operations dashboard: fleet totals, units by online rate with
 * their 30-day trends, the camera list (filtered and paged by the API,
 * never loaded whole), one camera with its last 7 days, and live
 * transitions from the event stream. Plain JS, no build step. Texts come
 * from the message catalogue (i18n.js), charts from charts.js. Everything
 * from the index reaches the page as text nodes (textContent), never as
 * markup: names come from inventories. */
'use strict';

(function () {
  const API = '/api/v1';
  const TOKEN_KEY = 'camdex.token';
  const PAGE = 100;             /* cameras per page */
  const TICKER_MAX = 20;        /* transitions kept in the ticker */
  const REFRESH_MS = 60000;     /* totals and units re-read even without events */
  const RECONCILE_MS = 3000;    /* after a burst of events, re-read the counters */
  const STREAM_SILENCE_MS = 45000; /* keepalives come every 15 s */
  const STATES = ['online', 'offline', 'degraded', 'maintenance', 'unknown'];
  const REASONS = ['dns_failed', 'connect_refused', 'connect_reset', 'connect_timeout',
    'net_unreachable', 'rtsp_timeout', 'protocol_error', 'auth_failed', 'forbidden',
    'session_limit', 'not_found', 'server_error', 'redirect_loop', 'no_media', 'no_keyframe',
    'decode_error', 'black', 'frozen', 'blurred', 'occluded', 'low_fps', 'low_bitrate',
    'resolution_mismatch', 'unsupported_url', 'internal_error'];
  const TREND_DAYS = 30;        /* the overview's and a unit's trend */
  const STRIP_DAYS = 7;         /* a camera's availability strip */
  const DAY_MS = 86400000;
  /* Outage reasons in the stacked bars, biggest first (colour-blind safe
   * first eight: Okabe and Ito's palette, then greys). */
  const PALETTE = ['#d55e00', '#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#f0e442',
    '#000000', '#7f7f7f', '#b0b0b0'];

  const $ = (id) => document.getElementById(id);
  const I = window.CamdexI18n;
  const C = window.CamdexCharts;
  const t = I.t;
  const num = {format: (n) => I.num(n)};

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY) || '',
    summary: null,
    units: [],
    unitsById: new Map(),
    today: new Map(),     /* unit id (or "ALL") → time-weighted online rate today */
    sort: {key: 'rate', dir: 1},
    list: null,           /* the camera list on screen: filters, rows, cursor */
    camera: null,         /* the camera page on screen: id */
    lastEventId: '',
    view: '',
    tzOffset: null,       /* the index's day zone, ms east of UTC (from its times) */
    trend: null,          /* {days, fleet: {online, intact}, units: Map(id → online[])} */
    outages: null,        /* GET /reports/outages over the trend's days */
  };

  /* ---- DOM: text only ---- */

  /* el('td', {class: 'x'}, 'text', node, ...): strings become text nodes. */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false)
        continue;
      if (k === 'on')
        for (const [ev, fn] of Object.entries(v))
          e.addEventListener(ev, fn);
      else
        e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false)
        continue;
      e.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function setText(id, text) {
    const e = $(id);
    if (e)
      e.textContent = text;
  }

  function showError(msg) {
    const e = $('error');
    e.textContent = msg || '';
    e.hidden = !msg;
  }

  const pct = I.pct;
  const rateClass = (r) => (r === null || r === undefined) ? 'rate-none'
    : r < 0.9 ? 'rate-bad' : r < 0.97 ? 'rate-warn' : 'rate-good';

  /* "2026-11-27T18:40:05+08:00" in the index's own zone, as the CLI
   * prints it, formatted for the page's language; and how long ago. */
  function timeText(when) {
    if (!when)
      return '';
    const off = I.offsetMs(when);
    if (off !== null && state.tzOffset === null)
      state.tzOffset = off;
    return I.time(when);
  }
  const ago = (when) => (when ? I.ago(when) : '');

  function badge(st) {
    return el('span', {class: 'badge st-' + (STATES.includes(st) ? st : 'unknown'), 'data-state': st},
      I.stateText(st));
  }
  const reasonCell = (r) => el('span', {class: 'reason-text', 'data-reason': r || ''},
    I.reasonText(r));

  const cameraHref = (id) => '#/camera/' + encodeURIComponent(id);
  function camerasHref(f) {
    const p = new URLSearchParams();
    for (const k of ['unit', 'state', 'reason', 'q'])
      if (f && f[k])
        p.set(k, f[k]);
    const s = p.toString();
    return '#/cameras' + (s ? '?' + s : '');
  }

  /* ---- the API, with the token ---- */

  let tokenAsk = null;

  /* One dialog for every request that met a 401 at the same time. */
  function askToken(refused) {
    if (tokenAsk)
      return tokenAsk;
    tokenAsk = new Promise((resolve) => {
      const dlg = $('token-dialog'), form = $('token-form'), input = $('token-input');
      setText('token-why', t(refused ? 'ui.token.refused' : 'ui.token.why'));
      input.value = '';
      const done = (ev) => {
        ev.preventDefault();
        const t = input.value.trim();
        if (!t)
          return;
        form.removeEventListener('submit', done);
        state.token = t;
        sessionStorage.setItem(TOKEN_KEY, t);
        dlg.close();
        tokenAsk = null;
        resolve(t);
      };
      form.addEventListener('submit', done);
      dlg.showModal();
      input.focus();
    });
    return tokenAsk;
  }

  async function api(path, method) {
    for (;;) {
      const headers = {Accept: 'application/json'};
      if (state.token)
        headers.Authorization = 'Bearer ' + state.token;
      const res = await fetch(API + path, {method: method || 'GET', headers, cache: 'no-store'});
      if (res.status === 401) {
        await askToken(Boolean(state.token));
        continue;
      }
      let body = null;
      try {
        body = await res.json();
      } catch (e) {
        body = null;
      }
      if (!res.ok) {
        const msg = body && body.error ? body.error.message : t('ui.error.http', {status: res.status});
        const err = new Error(path + ': ' + msg);
        err.status = res.status;
        throw err;
      }
      return body;
    }
  }

  /* ---- totals and units ---- */

  function unitRate(u) {
    const on = u.states.online + u.states.degraded;
    const mon = on + u.states.offline;
    return mon ? on / mon : null;
  }

  function renderTotals() {
    const s = state.summary;
    if (!s)
      return;
    setText('t-cameras', num.format(s.cameras));
    for (const st of ['online', 'offline', 'degraded', 'maintenance'])
      setText('t-' + st, num.format(s.states[st] || 0));
    setText('t-rate', pct(s.online_rate));
    setText('t-today', pct(state.today.get('ALL')));
    setText('updated', s.generated_at ? t('ui.updated', {time: timeText(s.generated_at)}) : '');
  }

  async function loadCounters() {
    const [summary, units] = await Promise.all([api('/summary'), api('/units')]);
    state.summary = summary;
    state.units = units.units;
    state.unitsById = new Map(state.units.map((u) => [u.id, u]));
    renderTotals();
    if (state.view === 'overview')
      renderUnitRows();
    if (state.view === 'cameras')
      fillUnitSelect();
    /* Today's time-weighted rates and the trends are not needed for the
     * first paint. */
    loadToday(summary.generated_at).catch((e) => showError(e.message));
    loadTrends(summary.generated_at).catch((e) => showError(e.message));
  }

  /* The days of a trend ending with `last` (YYYY-MM-DD), oldest first. */
  function daysBack(last, n) {
    const end = Date.parse(last + 'T00:00:00Z');
    const days = [];
    for (let i = n - 1; i >= 0; i--)
      days.push(new Date(end - i * DAY_MS).toISOString().slice(0, 10));
    return days;
  }

  /* One report for the fleet's trend and every unit's sparkline, and the
   * outages per reason; read once per day of the index, not per refresh
   * (yesterday's figures do not change, today's move slowly). */
  async function loadTrends(generatedAt) {
    const day = (generatedAt || '').slice(0, 10);
    if (!/^\d{4}-\d\d-\d\d$/.test(day) || (state.trend && state.trend.last === day))
      return;
    const days = daysBack(day, TREND_DAYS);
    const range = '?from=' + days[0] + '&to=' + day;
    /* shape=series: two arrays of rates per unit, a twentieth of the rows. */
    const [rep, out] = await Promise.all([api('/reports/online-rate' + range + '&shape=series'),
      api('/reports/outages' + range)]);
    const blank = rep.days.map(() => null);
    const all = rep.series.ALL || {online: blank, intact: blank};
    const trend = {last: day, days: rep.days, fleet: {online: all.online, intact: all.intact},
      units: new Map()};
    for (const [unit, sr] of Object.entries(rep.series))
      if (unit !== 'ALL')
        trend.units.set(unit, sr.online);
    state.trend = trend;
    state.outages = out;
    if (state.view === 'overview') {
      renderCharts();
      renderUnitRows();
    }
  }

  function trendChart(id, title, days, online, intact) {
    if (!online.some((v) => v !== null))
      return el('p', {class: 'muted', id}, t('ui.trend.none'));
    return C.trend({id, days, ariaLabel: title,
      /* Intact first: the online line, never below it, is drawn over it. */
      series: [{key: 'intact', label: t('ui.trend.intact'), values: intact},
        {key: 'online', label: t('ui.trend.online'), values: online}],
      dayText: I.dayShort, pctText: pct,
      pointText: (d, label, value) => t('ui.trend.point', {day: I.dayLong(d), series: label, value})});
  }

  function legend(items) {
    return el('ul', {class: 'legend'}, items.map(([cls, text, color]) => el('li', {},
      C.swatch(cls, color), ' ', text)));
  }

  /* Stacked bars of new outages per day, one colour per reason. */
  function outageChart(out) {
    const totals = new Map();
    for (const d of out.days)
      for (const [k, n] of Object.entries(d.outages))
        totals.set(k, (totals.get(k) || 0) + n);
    if (!totals.size)
      return el('p', {class: 'muted', id: 'outage-chart'}, t('ui.outages.none'));
    const keys = [...totals.keys()].sort((a, b) => totals.get(b) - totals.get(a) || (a < b ? -1 : 1));
    const color = (k) => PALETTE[Math.min(keys.indexOf(k), PALETTE.length - 1)];
    const rText = (k) => (k === 'other' ? t('ui.outages.other') : I.reasonText(k));
    return el('div', {},
      C.stackedBars({id: 'outage-chart', ariaLabel: t('ui.outages.title'),
        days: out.days.map((d) => d.day), keys, counts: out.days.map((d) => d.outages), color,
        numText: (n) => num.format(n), dayText: I.dayShort,
        barText: (d, k, n) => t('ui.outages.bar', {day: I.dayLong(d), reason: rText(k), n: num.format(n)})}),
      legend(keys.map((k) => ['', rText(k) + ' (' + num.format(totals.get(k)) + ')', color(k)])));
  }

  function renderCharts() {
    const box = $('charts');
    if (!box || !state.trend)
      return;
    const tr = state.trend;
    box.replaceChildren(
      el('section', {class: 'chart-panel', id: 'fleet-trend-panel'},
        el('h2', {}, t('ui.trend.fleet')),
        trendChart('fleet-trend', t('ui.trend.fleet'), tr.days, tr.fleet.online, tr.fleet.intact),
        legend([['s-online', t('ui.trend.online')], ['s-intact', t('ui.trend.intact')]])),
      el('section', {class: 'chart-panel', id: 'outages-panel'},
        el('h2', {}, t('ui.outages.title')), outageChart(state.outages)));
    if (!performance.getEntriesByName('camdex:charts').length)
      requestAnimationFrame(() => performance.mark('camdex:charts'));
  }

  /* "Today" is the index's day: the date of generated_at, which the
   * server writes in the index's day zone. */
  async function loadToday(generatedAt) {
    const day = (generatedAt || '').slice(0, 10);
    if (!/^\d{4}-\d\d-\d\d$/.test(day))
      return;
    const rep = await api('/reports/online-rate?from=' + day + '&to=' + day);
    state.today = new Map(rep.rows.filter((r) => r.day === day).map((r) => [r.unit, r.online_rate]));
    renderTotals();
    if (state.view === 'overview')
      renderUnitRows();
  }

  let reconcileTimer = 0;
  function reconcileSoon() {
    if (!reconcileTimer)
      reconcileTimer = setTimeout(() => {
        reconcileTimer = 0;
        loadCounters().catch((e) => showError(e.message));
      }, RECONCILE_MS);
  }

  /* ---- view: overview ---- */

  const UNIT_COLUMNS = [
    {key: 'name', get: (u) => u.name, text: true},
    {key: 'cameras', get: (u) => u.cameras},
    {key: 'online', get: (u) => u.states.online},
    {key: 'offline', get: (u) => u.states.offline},
    {key: 'degraded', get: (u) => u.states.degraded},
    {key: 'maintenance', get: (u) => u.states.maintenance},
    {key: 'rate', get: (u) => u.online_rate},
    {key: 'today', get: (u) => state.today.get(u.id)},
    {key: 'trend', nosort: true},
  ];

  function sortedUnits() {
    const col = UNIT_COLUMNS.find((c) => c.key === state.sort.key) || UNIT_COLUMNS[6];
    const dir = state.sort.dir;
    const coll = new Intl.Collator('zh-CN');
    return state.units.slice().sort((a, b) => {
      const x = col.get(a), y = col.get(b);
      /* Units with nothing monitored have no rate: last either way. */
      const xn = x === null || x === undefined, yn = y === null || y === undefined;
      if (xn || yn)
        return xn === yn ? 0 : xn ? 1 : -1;
      const c = col.text ? coll.compare(x, y) : x - y;
      return c * dir || coll.compare(a.name, b.name) || (a.id < b.id ? -1 : 1);
    });
  }

  function renderOverview() {
    const view = $('view');
    view.replaceChildren();
    const head = el('tr', {}, UNIT_COLUMNS.map((c) => el('th', {
      scope: 'col', 'data-key': c.key, class: c.text || c.nosort ? '' : 'num',
    }, c.nosort ? t('ui.units.col.' + c.key) : el('button', {type: 'button', class: 'sort', on: {click: () => {
      /* First click: names A-Z, rates worst first, counts largest first. */
      const first = c.text || c.key === 'rate' || c.key === 'today' ? 1 : -1;
      state.sort = {key: c.key, dir: state.sort.key === c.key ? -state.sort.dir : first};
      renderUnitRows();
    }}}, t('ui.units.col.' + c.key)))));
    view.append(
      el('div', {id: 'charts', class: 'charts'}),
      el('h1', {}, t('ui.units.title')),
      el('p', {class: 'muted'}, t('ui.units.help')),
      el('table', {id: 'units', class: 'grid'}, el('thead', {}, head), el('tbody', {id: 'unit-rows'})));
    renderCharts();
    renderUnitRows();
  }

  function renderUnitRows() {
    const body = $('unit-rows');
    if (!body)
      return;
    for (const th of document.querySelectorAll('#units th')) {
      const k = th.getAttribute('data-key');
      if (k === 'trend')
        continue;
      th.setAttribute('aria-sort', k === state.sort.key
        ? (state.sort.dir > 0 ? 'ascending' : 'descending') : 'none');
    }
    const rows = sortedUnits().map((u) => {
      const today = state.today.get(u.id);
      return el('tr', {'data-unit': u.id, class: 'link', on: {click: (ev) => {
        if (ev.target.tagName !== 'A')
          location.hash = camerasHref({unit: u.id});
      }}},
      el('td', {class: 'name'}, el('a', {href: camerasHref({unit: u.id}), lang: 'zh-CN'}, u.name),
        el('span', {class: 'id'}, u.id)),
      el('td', {class: 'num'}, num.format(u.cameras)),
      el('td', {class: 'num'}, num.format(u.states.online)),
      el('td', {class: 'num' + (u.states.offline ? ' st-offline-text' : '')}, num.format(u.states.offline)),
      el('td', {class: 'num'}, num.format(u.states.degraded)),
      el('td', {class: 'num'}, num.format(u.states.maintenance)),
      el('td', {class: 'num rate ' + rateClass(u.online_rate)}, pct(u.online_rate)),
      el('td', {class: 'num rate ' + rateClass(today)}, pct(today)),
      el('td', {class: 'trend'}, sparkFor(u)));
    });
    body.replaceChildren(...rows);
    if (!performance.getEntriesByName('camdex:units').length && rows.length)
      requestAnimationFrame(() => performance.mark('camdex:units'));
  }

  function sparkFor(u) {
    const tr = state.trend;
    const values = tr && tr.units.get(u.id);
    if (!values)
      return '';
    if (tr.floor === undefined)
      tr.floor = C.floorOf([...tr.units.values()].flat());
    return C.sparkline({days: tr.days, values, floor: tr.floor, ariaLabel: t('ui.trend.unit', {name: u.name}),
      pctText: pct, pointText: (d, value) => t('ui.trend.point',
        {day: I.dayLong(d), series: t('ui.trend.online'), value})});
  }

  /* ---- view: camera list ---- */

  function fillUnitSelect() {
    const sel = $('f-unit');
    if (!sel || !state.list)
      return;
    const want = state.list.filters.unit || '';
    const units = state.units.slice().sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
    sel.replaceChildren(el('option', {value: ''}, t('ui.filter.all_units')),
      ...units.map((u) => el('option', {value: u.id}, u.name + ' (' + u.id + ')')));
    if (want && !state.unitsById.has(want))
      sel.append(el('option', {value: want}, want));
    sel.value = want;
  }

  function renderCameras(filters) {
    state.list = {filters, rows: [], cursor: null, loading: false, seq: (state.list ? state.list.seq : 0) + 1};
    const view = $('view');
    view.replaceChildren();
    const apply = (ev) => {
      if (ev)
        ev.preventDefault();
      const f = {
        unit: $('f-unit').value, state: $('f-state').value,
        reason: $('f-reason').value, q: $('f-q').value.trim(),
      };
      location.hash = camerasHref(f);
    };
    /* Reasons are chosen by their text; the address keeps the code. */
    const reasons = REASONS.includes(filters.reason) || !filters.reason ? REASONS
      : REASONS.concat([filters.reason]);
    const form = el('form', {id: 'filters', class: 'filters', on: {submit: apply}},
      el('label', {}, t('ui.filter.unit') + ' ', el('select', {id: 'f-unit', on: {change: apply}})),
      el('label', {}, t('ui.filter.state') + ' ', el('select', {id: 'f-state', on: {change: apply}},
        el('option', {value: ''}, t('ui.filter.any')),
        STATES.map((s) => el('option', {value: s}, I.stateText(s))))),
      el('label', {}, t('ui.filter.reason') + ' ', el('select', {id: 'f-reason', on: {change: apply}},
        el('option', {value: ''}, t('ui.filter.any')),
        reasons.map((r) => el('option', {value: r}, I.reasonText(r))))),
      el('label', {}, t('ui.filter.search') + ' ', el('input', {id: 'f-q', type: 'search', size: 24,
        placeholder: t('ui.filter.search_hint')})),
      el('button', {type: 'submit'}, t('ui.filter.apply')),
      el('a', {href: '#/cameras', class: 'clear'}, t('ui.filter.clear')));
    const cols = ['id', 'name', 'unit', 'state', 'reason', 'since', 'detail'];
    view.append(el('h1', {}, t('ui.cameras.title')), form,
      ...(filters.unit ? [el('section', {class: 'chart-panel', id: 'unit-trend-panel'})] : []),
      el('p', {id: 'list-status', class: 'muted'}, t('ui.list.loading')),
      el('table', {id: 'cameras', class: 'grid'},
        el('thead', {}, el('tr', {}, cols.map((c) => el('th', {scope: 'col'}, t('ui.list.col.' + c))))),
        el('tbody', {id: 'camera-rows'})),
      el('p', {}, el('button', {id: 'more', type: 'button', hidden: true,
        on: {click: () => loadPage()}}, t('ui.list.more'))));
    fillUnitSelect();
    $('f-state').value = filters.state || '';
    $('f-reason').value = filters.reason || '';
    if (filters.unit)
      loadUnitTrend(filters.unit, state.list.seq).catch((e) => showError(e.message));
    $('f-q').value = filters.q || '';
    loadPage();
  }

  function cameraRow(c) {
    return el('tr', {'data-camera': c.id},
      el('td', {class: 'id'}, el('a', {href: cameraHref(c.id)}, c.id)),
      el('td', {class: 'name', lang: 'zh-CN'}, c.name),
      el('td', {class: 'unit', lang: 'zh-CN', title: c.unit}, c.unit_name || c.unit),
      el('td', {class: 'state'}, badge(c.state)),
      el('td', {class: 'reason', 'data-reason': c.reason || ''}, I.reasonText(c.reason)),
      el('td', {class: 'since', title: c.since || ''}, c.since ? ago(c.since) : ''),
      el('td', {class: 'detail'}, c.detail));
  }

  async function loadPage() {
    const list = state.list;
    if (!list || list.loading)
      return;
    list.loading = true;
    const seq = list.seq;
    const p = new URLSearchParams();
    for (const k of ['unit', 'state', 'reason', 'q'])
      if (list.filters[k])
        p.set(k, list.filters[k]);
    p.set('limit', String(PAGE));
    if (list.cursor)
      p.set('cursor', list.cursor);
    $('more').disabled = true;
    try {
      const page = await api('/cameras?' + p.toString());
      if (!state.list || state.list.seq !== seq)
        return; /* the filters changed meanwhile */
      list.rows.push(...page.cameras);
      list.cursor = page.next_cursor || null;
      $('camera-rows').append(...page.cameras.map(cameraRow));
      setText('list-status', list.rows.length
        ? t(list.cursor ? 'ui.list.shown_more' : 'ui.list.shown', {n: num.format(list.rows.length)})
        : t('ui.list.none'));
      $('more').hidden = !list.cursor;
      /* Which listing the rows are (for people reading the DOM and tests). */
      $('list-status').setAttribute('data-for', camerasHref(list.filters));
      if (!performance.getEntriesByName('camdex:cameras').length)
        requestAnimationFrame(() => performance.mark('camdex:cameras'));
    } catch (e) {
      if (state.list && state.list.seq === seq) {
        setText('list-status', e.message);
        showError(e.message);
      }
    } finally {
      list.loading = false;
      const more = $('more');
      if (more)
        more.disabled = false;
    }
  }

  /* A unit's 30 days above its cameras: online and intact rate per day. */
  async function loadUnitTrend(unit, seq) {
    const generated = state.summary ? state.summary.generated_at : new Date().toISOString();
    const days = daysBack(generated.slice(0, 10), TREND_DAYS);
    const rep = await api('/reports/online-rate?unit=' + encodeURIComponent(unit) + '&from=' +
      days[0] + '&to=' + days[days.length - 1]);
    const box = $('unit-trend-panel');
    if (!box || !state.list || state.list.seq !== seq)
      return;
    const at = new Map(rep.rows.map((r) => [r.day, r]));
    const pick = (k) => days.map((d) => (at.has(d) ? at.get(d)[k] : null));
    const u = state.unitsById.get(unit);
    const title = t('ui.trend.unit', {name: u ? u.name : unit});
    box.replaceChildren(el('h2', {}, title),
      trendChart('unit-trend', title, days, pick('online_rate'), pick('intact_rate')),
      legend([['s-online', t('ui.trend.online')], ['s-intact', t('ui.trend.intact')]]));
  }

  /* ---- view: one camera ---- */

  /* Rows [field, value]: the heading is the catalogue's ui.field.FIELD,
   * data-field the field's stable name. */
  function kv(rows) {
    return el('table', {class: 'kv'}, el('tbody', {}, rows.filter((r) => r[1] !== undefined &&
      r[1] !== null && r[1] !== '').map(([k, v]) => el('tr', {},
      el('th', {scope: 'row'}, t('ui.field.' + k)), el('td', {'data-field': k}, v)))));
  }

  /* `again`: the camera changed state while shown; keep the page until
   * the new answer is there. */
  async function renderCamera(id, again) {
    state.camera = id;
    const view = $('view');
    if (!again)
      view.replaceChildren(el('p', {class: 'muted'}, t('ui.camera.loading', {id})));
    let c;
    try {
      c = await api('/cameras/' + encodeURIComponent(id));
    } catch (e) {
      if (state.camera === id)
        view.replaceChildren(el('h1', {}, t('ui.camera.title', {id})), el('p', {class: 'error'}, e.message));
      return;
    }
    if (state.camera !== id)
      return;
    const v = c.video || {};
    const unitLink = el('a', {href: camerasHref({unit: c.unit}), lang: 'zh-CN'}, c.unit_name || c.unit);
    const health = kv([
      ['state', badge(c.state)], ['reason', c.reason ? reasonCell(c.reason) : ''], ['detail', c.detail],
      ['since', c.since ? timeText(c.since) + ' (' + ago(c.since) + ')' : ''],
      ['last_probe', timeText(c.last_probe)], ['last_success', timeText(c.last_success)],
      ['consec_fail', c.consecutive_failures !== undefined ? num.format(c.consecutive_failures) : ''],
      ['flapping', t(c.flapping ? 'ui.yes' : 'ui.no')],
      ['rtsp_status', c.rtsp_status],
      ['latency', c.latency_ms !== undefined ? I.num(Math.round(c.latency_ms * 10) / 10) + ' ms' : ''],
    ]);
    const stream = kv([
      ['codec', v.codec ? v.codec + (v.profile ? ' (' + v.profile + ')' : '') : ''],
      ['resolution', v.width ? v.width + '×' + v.height : ''],
      ['fps', v.fps ? I.num(Math.round(v.fps * 100) / 100) + ' fps' : ''],
      ['bitrate', v.bitrate_kbps ? num.format(v.bitrate_kbps) + ' kbit/s' : ''],
      ['audio', c.audio ? c.audio.codec : ''],
      ['server', c.server], ['url', c.url],
    ]);
    const exp = c.expected || {};
    const record = kv([
      ['unit', unitLink], ['address', c.address], ['tags', c.tags],
      ['location', c.location ? c.location.lat.toFixed(6) + ', ' + c.location.lon.toFixed(6) : ''],
      ['expected', exp.width ? exp.width + '×' + exp.height + (exp.fps ? ' @ ' + exp.fps + ' fps' : '') : ''],
      ['gb28181', c.gb28181 ? c.gb28181.description : ''],
    ]);
    const events = (c.events || []).slice().reverse();
    const evCols = ['time', 'change', 'reason', 'detail'];
    const evTable = events.length ? el('table', {id: 'camera-events', class: 'grid'},
      el('thead', {}, el('tr', {}, evCols.map((k) => el('th', {scope: 'col'}, t('ui.events.col.' + k))))),
      el('tbody', {}, events.map((e) => el('tr', {},
        el('td', {class: 'time'}, timeText(e.time)),
        el('td', {}, badge(e.from), ' → ', badge(e.to)),
        el('td', {'data-reason': e.reason || ''}, I.reasonText(e.reason)),
        el('td', {class: 'detail'}, e.detail)))))
      : el('p', {class: 'muted', id: 'camera-events'}, t('ui.events.none'));
    /* "Look now": a deep probe on demand that brings the keyframe back as
     * a JPEG (POST .../probe?thumbnail=true, which needs token_rw). */
    const lookOut = el('div', {id: 'camera-look-result', 'aria-live': 'polite'});
    const lookBtn = el('button', {id: 'camera-look', type: 'button'}, t('ui.look.button'));
    lookBtn.addEventListener('click', async () => {
      lookBtn.disabled = true;
      lookOut.replaceChildren(el('p', {class: 'muted'}, t('ui.look.busy')));
      try {
        const r = await api('/cameras/' + encodeURIComponent(c.id) + '/probe?thumbnail=true', 'POST');
        const at = el('p', {class: 'muted'}, badge(r.state), ' ', I.reasonText(r.reason), ' — ',
          I.timeAt(Date.now(), state.tzOffset || 0));
        const ok = typeof r.thumbnail === 'string' && r.thumbnail.startsWith('data:image/jpeg;base64,');
        lookOut.replaceChildren(ok
          ? el('img', {class: 'thumb', src: r.thumbnail, alt: t('ui.look.alt', {id: c.id})})
          : el('p', {}, t('ui.look.no_picture', {why: r.detail || I.reasonText(r.reason) ||
            I.stateText(r.state)})), at);
      } catch (e) {
        lookOut.replaceChildren(el('p', {class: 'error'}, e.status === 403
          ? t('ui.look.needs_rw') : e.message));
      }
      lookBtn.disabled = false;
    });
    view.replaceChildren(
      el('p', {class: 'crumbs'}, el('a', {href: '#/'}, t('ui.nav.overview')), ' / ', unitLink.cloneNode(true), ' / ', c.id),
      el('h1', {id: 'camera-title'}, el('span', {lang: 'zh-CN'}, c.name), ' ', badge(c.state)),
      el('p', {class: 'id'}, c.id),
      el('section', {id: 'camera-look-panel'}, lookBtn, lookOut),
      availabilityPanel(c),
      el('div', {class: 'panels'},
        el('section', {id: 'camera-health'}, el('h2', {}, t('ui.camera.health')), health),
        el('section', {id: 'camera-stream'}, el('h2', {}, t('ui.camera.stream')), stream),
        el('section', {id: 'camera-record'}, el('h2', {}, t('ui.camera.record')), record)),
      el('h2', {}, t('ui.camera.events')), evTable);
  }

  /* The camera's last 7 days as a strip: one span per state it was in,
   * from its events (the state before the first one is that event's
   * "from"; without events, the state it is in now). The panel fills in
   * when the events are there. */
  function availabilityPanel(c) {
    const box = el('section', {class: 'chart-panel', id: 'camera-availability'},
      el('h2', {}, t('ui.camera.availability')));
    const to = Date.now(), from = to - STRIP_DAYS * DAY_MS;
    const since = new Date(from).toISOString();
    api('/cameras/' + encodeURIComponent(c.id) + '/events?limit=1000&since=' + encodeURIComponent(since))
      .then((r) => {
        if (state.camera === c.id)
          box.append(availabilityStrip(c, r.events, from, to));
      }, (e) => box.append(el('p', {class: 'error'}, e.message)));
    return box;
  }

  function availabilityStrip(c, events, from, to) {
    const off = state.tzOffset !== null ? state.tzOffset : (I.offsetMs(c.since) || 0);
    const spans = [];
    let cur = events.length ? events[0].from : c.state;
    let reason = events.length ? '' : c.reason || '';
    let at = from;
    for (const e of events) {
      const when = Date.parse(e.time);
      spans.push({start: at, end: when, state: cur, reason});
      at = when;
      cur = e.to;
      reason = e.reason || '';
    }
    spans.push({start: at, end: to, state: cur, reason});
    for (const sp of spans) {
      const vars = {state: I.stateText(sp.state), reason: I.reasonText(sp.reason),
        dur: I.duration(sp.end - sp.start), from: I.timeAt(sp.start, off), to: I.timeAt(sp.end, off)};
      sp.text = t(sp.reason && sp.state !== 'online' ? 'ui.strip.span' : 'ui.strip.span_plain', vars);
    }
    /* A tick at each midnight of the index's day zone. */
    const ticks = [];
    for (let d = Math.ceil((from + off) / DAY_MS) * DAY_MS - off; d < to; d += DAY_MS)
      ticks.push({at: d, text: I.dayShort(new Date(d + off).toISOString().slice(0, 10))});
    return C.strip({id: 'availability-strip', ariaLabel: t('ui.camera.availability'), from, to,
      spans, ticks});
  }

  /* ---- live: the event stream ---- */

  const live = {status: 'off', ctrl: null, backoff: 1000, silence: 0};

  function setLive(status, why) {
    live.status = status;
    const e = $('live');
    e.className = 'live ' + status;
    e.textContent = t(status === 'on' ? 'ui.live.on' : status === 'wait' ? 'ui.live.wait' : 'ui.live.off');
    e.title = why || '';
  }

  function onTransition(ev) {
    const tx = JSON.parse(ev.data);
    if (ev.id)
      state.lastEventId = ev.id;
    /* Counters move at once; a re-read shortly after corrects any drift. */
    const move = (states) => {
      if (!states)
        return;
      if (tx.from in states)
        states[tx.from] = Math.max(0, states[tx.from] - 1);
      if (tx.to in states)
        states[tx.to] += 1;
    };
    if (state.summary) {
      move(state.summary.states);
      state.summary.online_rate = unitRate(state.summary);
      renderTotals();
    }
    const u = state.unitsById.get(tx.unit);
    if (u) {
      move(u.states);
      u.online_rate = unitRate(u);
      if (state.view === 'overview')
        renderUnitRows();
    }
    reconcileSoon();
    addTicker(tx);
    for (const tr of document.querySelectorAll('#camera-rows tr[data-camera]')) {
      if (tr.getAttribute('data-camera') !== tx.camera)
        continue;
      tr.querySelector('td.state').replaceChildren(badge(tx.to));
      const rc = tr.querySelector('td.reason');
      rc.textContent = I.reasonText(tx.reason);
      rc.setAttribute('data-reason', tx.reason || '');
      tr.querySelector('td.detail').textContent = tx.detail;
      const since = tr.querySelector('td.since');
      since.textContent = ago(tx.time);
      since.title = tx.time;
      tr.classList.remove('flash');
      void tr.offsetWidth; /* restart the animation */
      tr.classList.add('flash');
    }
    if (state.view === 'camera' && state.camera === tx.camera)
      renderCamera(tx.camera, true);
  }

  function addTicker(tx) {
    const list = $('ticker');
    const empty = $('ticker-empty');
    if (empty)
      empty.remove();
    const u = state.unitsById.get(tx.unit);
    list.prepend(el('li', {'data-camera': tx.camera, 'data-key': tx.key},
      el('span', {class: 'time'}, I.clock(tx.time)), ' ',
      el('a', {href: cameraHref(tx.camera)}, tx.camera), ' ',
      el('span', {class: 'unit', lang: 'zh-CN'}, u ? u.name : tx.unit), ' ',
      badge(tx.from), ' → ', badge(tx.to), ' ',
      el('span', {class: 'reason', 'data-reason': tx.reason || ''}, I.reasonText(tx.reason))));
    while (list.children.length > TICKER_MAX)
      list.lastElementChild.remove();
  }

  async function runStream() {
    for (;;) {
      live.ctrl = new AbortController();
      const kick = () => {
        clearTimeout(live.silence);
        live.silence = setTimeout(() => live.ctrl.abort(), STREAM_SILENCE_MS);
      };
      let why = t('ui.live.ended');
      try {
        setLive(live.status === 'on' ? 'wait' : live.status, t('ui.live.connecting'));
        await CamdexSSE.readEventStream(API + '/events/stream', {
          token: state.token, lastEventId: state.lastEventId, signal: live.ctrl.signal,
          onOpen: () => {
            live.backoff = 1000;
            setLive('on', t('ui.live.connected', {url: API + '/events/stream'}));
            kick();
          },
          onBytes: kick,
          onRetry: (ms) => { live.backoff = Math.max(500, Math.min(ms, 60000)); },
          onEvent: (ev) => {
            if (ev.type === 'transition')
              onTransition(ev);
          },
        });
      } catch (e) {
        if (e.status === 401) {
          setLive('wait', t('ui.live.needs_token'));
          await askToken(Boolean(state.token));
          continue;
        }
        why = e.name === 'AbortError' ? t('ui.live.silent') : e.message;
        if (e.status === 404)
          why = t('ui.live.no_stream', {url: API + '/events/stream'});
      } finally {
        clearTimeout(live.silence);
      }
      setLive(live.status === 'on' ? 'wait' : 'off', t('ui.live.retrying', {why}));
      /* Missed transitions are replayed from Last-Event-ID; the counters
       * are re-read anyway in case the server could not replay them all. */
      await new Promise((r) => setTimeout(r, live.backoff));
      live.backoff = Math.min(live.backoff * 2, 30000);
      reconcileSoon();
    }
  }

  /* ---- routing ---- */

  function route() {
    const h = location.hash || '#/';
    showError('');
    let m;
    for (const a of document.querySelectorAll('header nav a'))
      a.classList.remove('here');
    if ((m = /^#\/camera\/(.+)$/.exec(h))) {
      state.view = 'camera';
      state.list = null;
      let id;
      try {
        id = decodeURIComponent(m[1]);
      } catch (e) {
        id = m[1];
      }
      renderCamera(id);
      document.title = id + ' · camdex';
    } else if (h === '#/cameras' || h.startsWith('#/cameras?')) {
      state.view = 'cameras';
      state.camera = null;
      const p = new URLSearchParams(h.slice('#/cameras'.length + 1));
      renderCameras({unit: p.get('unit') || '', state: p.get('state') || '',
        reason: p.get('reason') || '', q: p.get('q') || ''});
      $('nav-cameras').classList.add('here');
      document.title = t('ui.cameras.title') + ' · camdex';
    } else {
      state.view = 'overview';
      state.list = null;
      state.camera = null;
      renderOverview();
      $('nav-overview').classList.add('here');
      document.title = 'camdex';
    }
  }

  /* The switch: the choice is kept (localStorage) and the page reloads
   * in that language, where it was. */
  function setupLangSwitch() {
    const sel = $('lang');
    sel.value = I.lang;
    sel.addEventListener('change', () => {
      I.choose(sel.value);
      location.reload();
    });
  }

  async function start() {
    await I.load(API);
    I.apply(document);
    setupLangSwitch();
    window.addEventListener('hashchange', route);
    route();
    try {
      await loadCounters();
    } catch (e) {
      showError(e.message);
    }
    setInterval(() => loadCounters().catch((e) => showError(e.message)), REFRESH_MS);
    runStream();
  }

  start();
})();
