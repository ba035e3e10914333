/* The camdex operations dashboard: fleet totals, units by online rate, the
 * camera list (filtered and paged by the API, never loaded whole), one
 * camera, and live transitions from the event stream. Plain JS, no build
 * step. Everything from the index reaches the page as text nodes
 * (textContent), never as markup: names come from inventories. */
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

  const $ = (id) => document.getElementById(id);
  const num = new Intl.NumberFormat('en-US');

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

  const pct = (r) => (r === null || r === undefined || Number.isNaN(r)) ? '–'
    : (r * 100).toFixed(r >= 0.9995 || r === 0 ? 0 : 1) + ' %';
  const rateClass = (r) => (r === null || r === undefined) ? 'rate-none'
    : r < 0.9 ? 'rate-bad' : r < 0.97 ? 'rate-warn' : 'rate-good';

  /* "2026-11-27T18:40:05+08:00" in the index's own zone, as the CLI
   * prints it; shown without the offset, plus how long ago. */
  function timeText(t) {
    if (!t)
      return '';
    return t.replace('T', ' ').replace(/([+-]\d\d:\d\d|Z)$/, '');
  }

  function ago(t) {
    if (!t)
      return '';
    const ms = Date.now() - Date.parse(t);
    if (!(ms >= 0))
      return '';
    const s = Math.floor(ms / 1000);
    if (s < 60)
      return s + ' s ago';
    const m = Math.floor(s / 60);
    if (m < 60)
      return m + ' min ago';
    const h = Math.floor(m / 60);
    if (h < 48)
      return h + ' h ' + (m % 60) + ' min ago';
    return Math.floor(h / 24) + ' d ago';
  }

  function badge(st) {
    return el('span', {class: 'badge st-' + (STATES.includes(st) ? st : 'unknown')}, st);
  }

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
      setText('token-why', refused
        ? 'The token was refused. Give a valid bearer token ([http] token_ro or token_rw).'
        : 'This camdex answers only with a bearer token ([http] token_ro or token_rw).');
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
        const msg = body && body.error ? body.error.message : 'HTTP ' + res.status;
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
    setText('updated', s.generated_at ? 'as of ' + timeText(s.generated_at) : '');
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
    /* Today's time-weighted rates are not needed for the first paint. */
    loadToday(summary.generated_at).catch((e) => showError(e.message));
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
    {key: 'name', title: 'Unit', get: (u) => u.name, text: true},
    {key: 'cameras', title: 'Cameras', get: (u) => u.cameras},
    {key: 'online', title: 'Online', get: (u) => u.states.online},
    {key: 'offline', title: 'Offline', get: (u) => u.states.offline},
    {key: 'degraded', title: 'Degraded', get: (u) => u.states.degraded},
    {key: 'maintenance', title: 'Maint.', get: (u) => u.states.maintenance},
    {key: 'rate', title: 'Online rate', get: (u) => u.online_rate},
    {key: 'today', title: 'Today', get: (u) => state.today.get(u.id)},
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
      scope: 'col', 'data-key': c.key, class: c.text ? '' : 'num',
    }, el('button', {type: 'button', class: 'sort', on: {click: () => {
      /* First click: names A-Z, rates worst first, counts largest first. */
      const first = c.text || c.key === 'rate' || c.key === 'today' ? 1 : -1;
      state.sort = {key: c.key, dir: state.sort.key === c.key ? -state.sort.dir : first};
      renderUnitRows();
    }}}, c.title))));
    view.append(
      el('h1', {}, 'Units'),
      el('p', {class: 'muted'}, 'Online rate = (online + degraded) / (online + degraded + offline); ' +
        'maintenance is not monitored. Click a unit for its cameras; click a heading to sort.'),
      el('table', {id: 'units', class: 'grid'}, el('thead', {}, head), el('tbody', {id: 'unit-rows'})));
    renderUnitRows();
  }

  function renderUnitRows() {
    const body = $('unit-rows');
    if (!body)
      return;
    for (const th of document.querySelectorAll('#units th')) {
      const k = th.getAttribute('data-key');
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
      el('td', {class: 'num rate ' + rateClass(today)}, pct(today)));
    });
    body.replaceChildren(...rows);
    if (!performance.getEntriesByName('camdex:units').length && rows.length)
      requestAnimationFrame(() => performance.mark('camdex:units'));
  }

  /* ---- view: camera list ---- */

  function fillUnitSelect() {
    const sel = $('f-unit');
    if (!sel || !state.list)
      return;
    const want = state.list.filters.unit || '';
    const units = state.units.slice().sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
    sel.replaceChildren(el('option', {value: ''}, 'all units'),
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
        reason: $('f-reason').value.trim(), q: $('f-q').value.trim(),
      };
      location.hash = camerasHref(f);
    };
    const form = el('form', {id: 'filters', class: 'filters', on: {submit: apply}},
      el('label', {}, 'Unit ', el('select', {id: 'f-unit', on: {change: apply}})),
      el('label', {}, 'State ', el('select', {id: 'f-state', on: {change: apply}},
        el('option', {value: ''}, 'any'), STATES.map((s) => el('option', {value: s}, s)))),
      el('label', {}, 'Reason ', el('input', {id: 'f-reason', list: 'reasons', size: 18,
        placeholder: 'any', on: {change: apply}})),
      el('datalist', {id: 'reasons'}, REASONS.map((r) => el('option', {value: r}))),
      el('label', {}, 'Search ', el('input', {id: 'f-q', type: 'search', size: 24,
        placeholder: 'id, name, address, tag'})),
      el('button', {type: 'submit'}, 'Apply'),
      el('a', {href: '#/cameras', class: 'clear'}, 'clear'));
    view.append(el('h1', {}, 'Cameras'), form,
      el('p', {id: 'list-status', class: 'muted'}, 'loading…'),
      el('table', {id: 'cameras', class: 'grid'},
        el('thead', {}, el('tr', {},
          ['Camera id', 'Name', 'Unit', 'State', 'Reason', 'Since', 'Detail'].map((t) =>
            el('th', {scope: 'col'}, t)))),
        el('tbody', {id: 'camera-rows'})),
      el('p', {}, el('button', {id: 'more', type: 'button', hidden: true,
        on: {click: () => loadPage()}}, 'More')));
    fillUnitSelect();
    $('f-state').value = filters.state || '';
    $('f-reason').value = filters.reason || '';
    $('f-q').value = filters.q || '';
    loadPage();
  }

  function cameraRow(c) {
    return el('tr', {'data-camera': c.id},
      el('td', {class: 'id'}, el('a', {href: cameraHref(c.id)}, c.id)),
      el('td', {class: 'name', lang: 'zh-CN'}, c.name),
      el('td', {class: 'unit', lang: 'zh-CN', title: c.unit}, c.unit_name || c.unit),
      el('td', {class: 'state'}, badge(c.state)),
      el('td', {class: 'reason'}, c.reason),
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
        ? num.format(list.rows.length) + (list.cursor ? ' cameras shown, more to load' : ' cameras')
        : 'no camera matches');
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

  /* ---- view: one camera ---- */

  function kv(rows) {
    return el('table', {class: 'kv'}, el('tbody', {}, rows.filter((r) => r[1] !== undefined &&
      r[1] !== null && r[1] !== '').map(([k, v]) => el('tr', {}, el('th', {scope: 'row'}, k),
      el('td', {'data-field': k}, v)))));
  }

  /* `again`: the camera changed state while shown; keep the page until
   * the new answer is there. */
  async function renderCamera(id, again) {
    state.camera = id;
    const view = $('view');
    if (!again)
      view.replaceChildren(el('p', {class: 'muted'}, 'loading ' + id + '…'));
    let c;
    try {
      c = await api('/cameras/' + encodeURIComponent(id));
    } catch (e) {
      if (state.camera === id)
        view.replaceChildren(el('h1', {}, 'Camera ' + id), el('p', {class: 'error'}, e.message));
      return;
    }
    if (state.camera !== id)
      return;
    const v = c.video || {};
    const unitLink = el('a', {href: camerasHref({unit: c.unit}), lang: 'zh-CN'}, c.unit_name || c.unit);
    const health = kv([
      ['State', badge(c.state)], ['Reason', c.reason], ['Detail', c.detail],
      ['Since', c.since ? timeText(c.since) + ' (' + ago(c.since) + ')' : ''],
      ['Last probe', timeText(c.last_probe)], ['Last success', timeText(c.last_success)],
      ['Consecutive failures', c.consecutive_failures],
      ['Flapping', c.flapping ? 'yes' : 'no'],
      ['RTSP status', c.rtsp_status], ['Latency', c.latency_ms !== undefined ? c.latency_ms.toFixed(1) + ' ms' : ''],
    ]);
    const stream = kv([
      ['Codec', v.codec ? v.codec + (v.profile ? ' (' + v.profile + ')' : '') : ''],
      ['Resolution', v.width ? v.width + '×' + v.height : ''],
      ['Frame rate', v.fps ? v.fps.toFixed(2).replace(/\.?0+$/, '') + ' fps' : ''],
      ['Bitrate', v.bitrate_kbps ? num.format(v.bitrate_kbps) + ' kbit/s' : ''],
      ['Audio', c.audio ? c.audio.codec : ''],
      ['Server', c.server], ['URL', c.url],
    ]);
    const exp = c.expected || {};
    const record = kv([
      ['Unit', unitLink], ['Address', c.address], ['Tags', c.tags],
      ['Location', c.location ? c.location.lat.toFixed(6) + ', ' + c.location.lon.toFixed(6) : ''],
      ['Expected', exp.width ? exp.width + '×' + exp.height + (exp.fps ? ' @ ' + exp.fps + ' fps' : '') : ''],
      ['GB/T 28181', c.gb28181 ? c.gb28181.description : ''],
    ]);
    const events = (c.events || []).slice().reverse();
    const evTable = events.length ? el('table', {id: 'camera-events', class: 'grid'},
      el('thead', {}, el('tr', {}, ['Time', 'Change', 'Reason', 'Detail'].map((t) => el('th', {scope: 'col'}, t)))),
      el('tbody', {}, events.map((e) => el('tr', {},
        el('td', {class: 'time'}, timeText(e.time)),
        el('td', {}, badge(e.from), ' → ', badge(e.to)),
        el('td', {}, e.reason), el('td', {class: 'detail'}, e.detail)))))
      : el('p', {class: 'muted', id: 'camera-events'}, 'no state change recorded');
    /* "Look now": a deep probe on demand that brings the keyframe back as
     * a JPEG (POST .../probe?thumbnail=true, which needs token_rw). */
    const lookOut = el('div', {id: 'camera-look-result', 'aria-live': 'polite'});
    const lookBtn = el('button', {id: 'camera-look', type: 'button'}, 'Look now');
    lookBtn.addEventListener('click', async () => {
      lookBtn.disabled = true;
      lookOut.replaceChildren(el('p', {class: 'muted'}, 'looking at the stream (a few seconds)…'));
      try {
        const r = await api('/cameras/' + encodeURIComponent(c.id) + '/probe?thumbnail=true', 'POST');
        const at = el('p', {class: 'muted'}, badge(r.state), ' ', r.reason || '', ' — ',
          timeText(new Date().toISOString()));
        const ok = typeof r.thumbnail === 'string' && r.thumbnail.startsWith('data:image/jpeg;base64,');
        lookOut.replaceChildren(ok
          ? el('img', {class: 'thumb', src: r.thumbnail, alt: 'what ' + c.id + ' shows now'})
          : el('p', {}, 'no picture: ' + (r.detail || r.reason || r.state)), at);
      } catch (e) {
        lookOut.replaceChildren(el('p', {class: 'error'}, e.status === 403
          ? 'Looking needs a read-write token ([http] token_rw); this one may only read.'
          : e.message));
      }
      lookBtn.disabled = false;
    });
    view.replaceChildren(
      el('p', {class: 'crumbs'}, el('a', {href: '#/'}, 'Overview'), ' / ', unitLink.cloneNode(true), ' / ', c.id),
      el('h1', {id: 'camera-title'}, el('span', {lang: 'zh-CN'}, c.name), ' ', badge(c.state)),
      el('p', {class: 'id'}, c.id),
      el('section', {id: 'camera-look-panel'}, lookBtn, lookOut),
      el('div', {class: 'panels'},
        el('section', {id: 'camera-health'}, el('h2', {}, 'Health'), health),
        el('section', {id: 'camera-stream'}, el('h2', {}, 'Stream'), stream),
        el('section', {id: 'camera-record'}, el('h2', {}, 'Record'), record)),
      el('h2', {}, 'Recent events'), evTable);
  }

  /* ---- live: the event stream ---- */

  const live = {status: 'off', ctrl: null, backoff: 1000, silence: 0};

  function setLive(status, why) {
    live.status = status;
    const e = $('live');
    e.className = 'live ' + status;
    e.textContent = status === 'on' ? 'live' : status === 'wait' ? 'reconnecting' : 'not live';
    e.title = why || '';
  }

  function onTransition(ev) {
    const t = JSON.parse(ev.data);
    if (ev.id)
      state.lastEventId = ev.id;
    /* Counters move at once; a re-read shortly after corrects any drift. */
    const move = (states) => {
      if (!states)
        return;
      if (t.from in states)
        states[t.from] = Math.max(0, states[t.from] - 1);
      if (t.to in states)
        states[t.to] += 1;
    };
    if (state.summary) {
      move(state.summary.states);
      state.summary.online_rate = unitRate(state.summary);
      renderTotals();
    }
    const u = state.unitsById.get(t.unit);
    if (u) {
      move(u.states);
      u.online_rate = unitRate(u);
      if (state.view === 'overview')
        renderUnitRows();
    }
    reconcileSoon();
    addTicker(t);
    for (const tr of document.querySelectorAll('#camera-rows tr[data-camera]')) {
      if (tr.getAttribute('data-camera') !== t.camera)
        continue;
      tr.querySelector('td.state').replaceChildren(badge(t.to));
      tr.querySelector('td.reason').textContent = t.reason;
      tr.querySelector('td.detail').textContent = t.detail;
      const since = tr.querySelector('td.since');
      since.textContent = ago(t.time);
      since.title = t.time;
      tr.classList.remove('flash');
      void tr.offsetWidth; /* restart the animation */
      tr.classList.add('flash');
    }
    if (state.view === 'camera' && state.camera === t.camera)
      renderCamera(t.camera, true);
  }

  function addTicker(t) {
    const list = $('ticker');
    const empty = $('ticker-empty');
    if (empty)
      empty.remove();
    const u = state.unitsById.get(t.unit);
    list.prepend(el('li', {'data-camera': t.camera, 'data-key': t.key},
      el('span', {class: 'time'}, timeText(t.time).slice(11)), ' ',
      el('a', {href: cameraHref(t.camera)}, t.camera), ' ',
      el('span', {class: 'unit', lang: 'zh-CN'}, u ? u.name : t.unit), ' ',
      badge(t.from), ' → ', badge(t.to), ' ',
      el('span', {class: 'reason'}, t.reason)));
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
      let why = 'the stream ended';
      try {
        setLive(live.status === 'on' ? 'wait' : live.status, 'connecting');
        await CamdexSSE.readEventStream(API + '/events/stream', {
          token: state.token, lastEventId: state.lastEventId, signal: live.ctrl.signal,
          onOpen: () => {
            live.backoff = 1000;
            setLive('on', 'connected to ' + API + '/events/stream');
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
          setLive('wait', 'the stream needs a token');
          await askToken(Boolean(state.token));
          continue;
        }
        why = e.name === 'AbortError' ? 'no data (not even a keepalive) for 45 s' : e.message;
        if (e.status === 404)
          why = 'this server has no event stream (' + API + '/events/stream)';
      } finally {
        clearTimeout(live.silence);
      }
      setLive(live.status === 'on' ? 'wait' : 'off', why + '; retrying');
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
      document.title = 'Cameras · camdex';
    } else {
      state.view = 'overview';
      state.list = null;
      state.camera = null;
      renderOverview();
      $('nav-overview').classList.add('here');
      document.title = 'camdex';
    }
  }

  async function start() {
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
