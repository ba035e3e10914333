/* The known past the dashboard test writes into its index (through
 * dashboard_seed, tests/dashboard/seed_history.c) and what the charts must
 * then show: every camera online from 30 days ago until a minute ago, but
 * for three outages at known times. Days are UTC+8's, the seeded index's
 * day zone. */
'use strict';

const DAY = 86400000;
const HOUR = 3600000;
const OFFSET = 8 * HOUR;

const dayOf = (ms) => Math.floor((ms + OFFSET) / DAY);
const dayStart = (d) => d * DAY - OFFSET;
const dayName = (d) => new Date(d * DAY).toISOString().slice(0, 10);

/* One CSV line into its fields (quotes as RFC 4180 has them). */
function csvFields(line) {
  const out = [];
  let cur = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out;
}

/* cameras: [{id, name, unit, unitName, url}] of the fleet (RTSP ones),
 * `now` in ms; `avoid`: ids that must keep a plain history. */
function makePlan(cameras, now, avoid) {
  const today = dayOf(now);
  const d0 = dayStart(today - 30);
  const free = cameras.filter((c) => !avoid.includes(c.id));
  /* Three cameras of three different units. */
  const picked = [];
  for (const c of free)
    if (picked.length < 3 && !picked.some((p) => p.unit === c.unit))
      picked.push(c);
  if (picked.length < 3)
    throw new Error('the fleet needs three units for the seeded outages');
  const outages = [
    {camera: picked[0], day: today - 3, from: 10, to: 16, state: 'offline', reason: 'connect_refused'},
    {camera: picked[1], day: today - 10, from: 0, to: 12, state: 'offline', reason: 'auth_failed'},
    {camera: picked[2], day: today - 5, from: 8, to: 20, state: 'degraded', reason: 'frozen'},
  ];
  for (const o of outages) {
    o.start = dayStart(o.day) + o.from * HOUR;
    o.end = dayStart(o.day) + o.to * HOUR;
  }
  const L = [];
  const tab = (...f) => L.push(f.map((x) => String(x).replace(/[\t\r\n]/g, ' ')).join('\t'));
  tab('clock', d0 + 1000);
  for (const c of cameras)
    tab('camera', c.id, c.unit, c.unitName, c.name, c.url);
  tab('clock', d0 + 2000);
  for (const c of cameras)
    tab('health', c.id, 'online', '');
  const changes = outages.flatMap((o) => [[o.start, o.camera.id, o.state, o.reason],
    [o.end, o.camera.id, 'online', '']]).sort((a, b) => a[0] - b[0]);
  for (const [at, id, st, reason] of changes) {
    tab('clock', at);
    tab('health', id, st, reason);
  }
  /* Credits every camera's time up to a minute ago. */
  tab('clock', now - 60000);
  for (const c of cameras)
    tab('health', c.id, 'online', '');
  return {text: L.join('\n') + '\n', outages, today, dayName, dayStart,
    expected: (unit, day) => expectedRates(cameras, outages, unit, day)};
}

/* The day's online and intact rates of a unit (or 'ALL'). */
function expectedRates(cameras, outages, unit, day) {
  const n = cameras.filter((c) => unit === 'ALL' || c.unit === unit).length;
  let offline = 0, degraded = 0;
  for (const o of outages)
    if (o.day === day && (unit === 'ALL' || o.camera.unit === unit)) {
      if (o.state === 'offline')
        offline += (o.to - o.from) * HOUR;
      else
        degraded += (o.to - o.from) * HOUR;
    }
  const mon = n * DAY;
  return {online: (mon - offline) / mon, intact: (mon - offline - degraded) / mon};
}

module.exports = {makePlan, csvFields, dayOf, dayStart, dayName, DAY, HOUR};
