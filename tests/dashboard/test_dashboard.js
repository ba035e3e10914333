/* The dashboard end to end in a real browser (Debian's chromium, driven by
 * playwright-core): a generated fleet with Chinese names and 30 days of
 * known history (dashboard_seed) imported, camfarm simulating it, `camdex
 * serve` with a read token; then the token prompt, the unit table and its
 * sorting, the charts at known points, the camera list's filters, search
 * and paging, a camera's page and its availability strip, a camera killed
 * on camfarm showing up live, the page in Chinese and in English, the
 * language switch, and the page without its catalogue. Run by run.sh
 * (ctest "dashboard_browser"); prints the first-paint figures and writes
 * screenshots of each page in both languages. Every wait has a deadline
 * and waits for the thing that proves it, never for time to pass. */
'use strict';

const assert = require('node:assert/strict');
const {spawn, execFileSync} = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const env = (name, dflt) => {
  const v = process.env[name];
  if (v === undefined || v === '') {
    if (dflt === undefined)
      throw new Error(name + ' is not set (run this through tests/dashboard/run.sh)');
    return dflt;
  }
  return v;
};
const CAMDEX = env('CAMDEX_BIN');
const CAMFARM = env('CAMFARM_BIN');
const SEED = env('DASHBOARD_SEED');
const CLIPS = env('CAMFARM_CLIPS');
const OUT = env('DASHBOARD_OUT');
const MODULES = env('DASHBOARD_NODE_MODULES');
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const CAMERAS = Number(env('DASHBOARD_CAMERAS', '400'));
const UNITS = Number(env('DASHBOARD_UNITS', '12'));
const INTERVAL_S = Number(env('DASHBOARD_INTERVAL_S', '2'));
const PROBE_TIMEOUT_MS = 5000;
const TOKEN = 'dash-ro-token-3c9a51';
const RW_TOKEN = 'dash-rw-token-8e27d4';
const HOSTILE_ID = '32019900001320999999';
const HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">测试<b>粗</b>';
const HOSTILE_UNIT = '32019900002165999999';
const HOSTILE_UNIT_NAME = '<i>临时</i>单位 & "引号"';

const {chromium} = require(path.join(MODULES, 'playwright-core'));
const history = require('./history.js');

const procs = [];
const browsers = [];
let tmp = '';

function log(...a) {
  console.log('dashboard:', ...a);
}

/* A loopback port nobody listens on right now (as tests/support/procs.h). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address();
      s.close(() => resolve(port));
    });
  });
}

/* Starts a program; lines of `stream` are offered to waiters. */
function start(name, argv, stream) {
  const p = spawn(argv[0], argv.slice(1), {stdio: ['ignore', 'pipe', 'pipe']});
  const proc = {name, p, lines: [], waiters: [], exited: null, buf: ''};
  const feed = (chunk) => {
    proc.buf += chunk.toString('utf8');
    let nl;
    while ((nl = proc.buf.indexOf('\n')) >= 0) {
      const line = proc.buf.slice(0, nl);
      proc.buf = proc.buf.slice(nl + 1);
      proc.lines.push(line);
      if (proc.lines.length > 2000)
        proc.lines.shift();
      for (const w of proc.waiters.slice())
        if (w.match(line)) {
          proc.waiters.splice(proc.waiters.indexOf(w), 1);
          w.resolve(line);
        }
    }
  };
  p[stream].on('data', feed);
  p[stream === 'stdout' ? 'stderr' : 'stdout'].on('data', () => {});
  p.on('error', (e) => {
    proc.exited = {code: -1, sig: e.message};
    for (const w of proc.waiters.splice(0))
      w.reject(new Error(name + ': ' + e.message));
  });
  p.on('exit', (code, sig) => {
    proc.exited = {code, sig};
    for (const w of proc.waiters.splice(0))
      w.reject(new Error(name + ' exited (' + (sig || code) + ') while waiting for ' + w.what));
  });
  procs.push(proc);
  return proc;
}

/* Waits for a line of `proc` containing every needle, from now on. */
function waitLine(proc, needles, ms) {
  const what = JSON.stringify(needles);
  return new Promise((resolve, reject) => {
    if (proc.exited)
      return reject(new Error(proc.name + ' is not running'));
    const w = {what, match: (l) => needles.every((n) => l.includes(n)), resolve, reject};
    const timer = setTimeout(() => {
      proc.waiters.splice(proc.waiters.indexOf(w), 1);
      reject(new Error(proc.name + ': no line with ' + what + ' within ' + ms + ' ms; last: ' +
        proc.lines.slice(-3).join(' | ')));
    }, ms);
    w.resolve = (l) => { clearTimeout(timer); resolve(l); };
    w.reject = (e) => { clearTimeout(timer); reject(e); };
    proc.waiters.push(w);
  });
}

function stop(proc, ms) {
  return new Promise((resolve) => {
    if (proc.exited)
      return resolve(proc.exited);
    const timer = setTimeout(() => proc.p.kill('SIGKILL'), ms);
    proc.p.once('exit', (code, sig) => { clearTimeout(timer); resolve({code, sig}); });
    proc.p.kill('SIGTERM');
  });
}

/* One line on camfarm's control channel; its reply line. */
function control(port, cmd) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => { s.destroy(); reject(new Error('control: no reply to ' + cmd)); }, 5000);
    s.on('connect', () => s.write(cmd + '\n'));
    s.on('data', (d) => {
      got += d.toString('utf8');
      const nl = got.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        s.destroy();
        resolve(got.slice(0, nl));
      }
    });
    s.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

/* Polls `test` (async, true when done) until it holds, within `ms`. For
 * the service's state, which says nothing when it is reached. */
async function until(test, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await test())
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('not within ' + ms + ' ms: ' + what);
}

async function apiGet(base, p) {
  const res = await fetch(base + '/api/v1' + p, {headers: {Authorization: 'Bearer ' + TOKEN}});
  assert.equal(res.status, 200, 'GET ' + p + ': ' + res.status);
  return res.json();
}

/* The fleet: `camdex generate` (Chinese names) plus one hostile row. Its
 * platform cameras (HLS, FLV, RTMP), which camfarm does not serve, are left
 * out: they would go offline one by one as tier 2 gets to them, and the
 * live step checks the counters exactly. */
function writeFleet(file, rtspPort) {
  const csv = execFileSync(CAMDEX, ['generate', '--cameras', String(CAMERAS), '--units',
    String(UNITS), '--seed', '21', '--port', String(rtspPort)], {encoding: 'utf8',
    maxBuffer: 64 << 20}).split('\n').filter((l, i) => i === 0 || l.includes(',rtsp://'))
    .join('\n');
  const hostile = [HOSTILE_ID, '"' + HOSTILE_NAME.replace(/"/g, '""') + '"', HOSTILE_UNIT,
    '"' + HOSTILE_UNIT_NAME.replace(/"/g, '""') + '"',
    'rtsp://127.1.250.1:' + rtspPort + '/Streaming/Channels/101', '', '', '', '', '', ''].join(',');
  fs.writeFileSync(file, csv + '\n' + hostile + '\n');
}

/* ---- what the page shows ---- */

const texts = (page, sel) => page.$$eval(sel, (es) => es.map((e) => e.textContent.trim()));
const parseNum = (s) => Number(s.replace(/[^0-9]/g, ''));
const parseRate = (s) => (s === '–' ? null : parseFloat(s));

function assertOrdered(values, dir, what) {
  for (let i = 1; i < values.length; i++) {
    const a = values[i - 1], b = values[i];
    if (a === null || b === null) {
      assert.ok(b === null, what + ': a unit without a rate before one with a rate');
      continue;
    }
    assert.ok(dir > 0 ? a <= b : a >= b, what + ': ' + a + ' then ' + b + ' at row ' + i);
  }
}

async function cameraIds(page) {
  return page.$$eval('#camera-rows tr', (rs) => rs.map((r) => r.getAttribute('data-camera')));
}

/* After the hash changes, the list is rebuilt: wait until the rows on the
 * page are those of the listing the address names. */
async function listLoaded(page) {
  await page.waitForFunction(() => {
    const s = document.getElementById('list-status');
    return s && s.getAttribute('data-for') === location.hash;
  }, null, {timeout: 15000});
}

/* ---- charts and languages ---- */

const near = (a, b, eps, what) => assert.ok(Math.abs(a - b) <= eps, what + ': ' + a + ', expected ' + b);

/* The page's percentage, as i18n.js formats it. */
function pctText(lang, r) {
  const locale = lang === 'zh' ? 'zh-CN' : 'en-GB';
  const whole = r >= 0.9995 || r === 0;
  return new Intl.NumberFormat(locale, {style: 'percent', minimumFractionDigits: whole ? 0 : 1,
    maximumFractionDigits: whole ? 0 : 1}).format(r);
}

async function catalogue(base, lang) {
  const res = await fetch(base + '/api/v1/messages?lang=' + lang);
  assert.equal(res.status, 200);
  return res.json();
}

const attr = (page, sel, name) => page.$eval(sel, (e, n) => e.getAttribute(n), name);

/* The trend, sparklines, outage bars and a camera's strip at the seeded
 * points, with their hover texts in `lang`. */
async function checkCharts(page, base, plan, lang) {
  const M = await catalogue(base, lang);
  await page.goto(base + '/#/');
  await page.waitForSelector('#fleet-trend circle.point', {timeout: 15000});
  await page.waitForSelector('#unit-rows svg.spark', {timeout: 15000});
  for (const o of plan.outages) {
    const day = plan.dayName(o.day);
    const all = plan.expected('ALL', o.day);
    for (const series of ['online', 'intact']) {
      const sel = '#fleet-trend g[data-series=' + series + '] circle[data-day="' + day + '"]';
      near(Number(await attr(page, sel, 'data-value')), all[series], 1e-9, 'fleet ' + series + ' ' + day);
      const title = await page.textContent(sel + ' title');
      assert.ok(title.includes(pctText(lang, all[series])) && title.includes(M['ui.trend.' + series]),
        'hover text of the fleet ' + series + ' on ' + day + ': ' + title);
    }
    const unit = plan.expected(o.camera.unit, o.day);
    const spark = '#unit-rows tr[data-unit="' + o.camera.unit + '"] svg.spark rect[data-day="' + day + '"]';
    near(Number(await attr(page, spark, 'data-value')), unit.online, 1e-9, 'sparkline of ' + o.camera.unit);
    const bar = '#outage-chart rect.bar[data-day="' + day + '"][data-reason="' + o.reason + '"]';
    assert.equal(await attr(page, bar, 'data-count'), '1', 'outages of ' + o.reason + ' on ' + day);
    assert.ok((await page.textContent(bar + ' title')).includes(M['reason.' + o.reason]),
      'the bar of ' + o.reason + ' names it in ' + lang);
  }
  /* A day without any outage has full rates. */
  const quiet = plan.dayName(plan.today - 20);
  near(Number(await attr(page, '#fleet-trend g[data-series=online] circle[data-day="' + quiet + '"]',
    'data-value')), 1, 1e-12, 'a quiet day');
  await page.screenshot({path: path.join(OUT, 'screenshots', lang + '-overview.png'), fullPage: true});

  /* A unit's trend above its cameras. */
  const a = plan.outages[0];
  await page.goto(base + '/#/cameras?unit=' + a.camera.unit);
  await page.waitForSelector('#unit-trend circle.point', {timeout: 15000});
  await listLoaded(page);
  near(Number(await attr(page, '#unit-trend g[data-series=online] circle[data-day="' +
    plan.dayName(a.day) + '"]', 'data-value')), plan.expected(a.camera.unit, a.day).online, 1e-9,
  'unit trend');
  await page.screenshot({path: path.join(OUT, 'screenshots', lang + '-cameras.png')});

  /* The camera's strip: a red span where it was offline, as wide as the
   * outage's share of the 7 days, where it was. */
  await page.goto(base + '/#/camera/' + a.camera.id);
  const span = '#availability-strip rect.span[data-start="' + a.start + '"]';
  await page.waitForSelector(span, {timeout: 15000});
  const from = Number(await attr(page, '#availability-strip', 'data-from'));
  const to = Number(await attr(page, '#availability-strip', 'data-to'));
  assert.equal(to - from, 7 * history.DAY);
  near(from, Date.now() - 7 * history.DAY, 120000, 'the strip ends now');
  assert.equal(await attr(page, span, 'data-state'), 'offline');
  assert.equal(Number(await attr(page, span, 'data-end')), a.end);
  near(Number(await attr(page, span, 'width')), (a.end - a.start) / (to - from) * 1000, 0.01, 'span width');
  near(Number(await attr(page, span, 'x')), (a.start - from) / (to - from) * 1000, 0.01, 'span position');
  assert.equal(await page.$eval(span, (e) => getComputedStyle(e).fill), 'rgb(198, 40, 40)', 'red');
  const tip = await page.textContent(span + ' title');
  const dur = M['ui.dur.h_min'].replace('{h}', '6').replace('{m}', '0');
  assert.ok(tip.includes(M['reason.' + a.reason]) && tip.includes(dur) &&
    tip.includes(M['state.offline']), 'strip hover text: ' + tip);
  /* Online before and after it. */
  assert.equal(await attr(page, '#availability-strip rect.span[data-end="' + a.start + '"]', 'data-state'),
    'online');
  assert.equal(await attr(page, '#availability-strip rect.span[data-start="' + a.end + '"]', 'data-state'),
    'online');
  await page.screenshot({path: path.join(OUT, 'screenshots', lang + '-camera.png'), fullPage: true});
}

async function langPage(opts) {
  const browser = await chromium.launch({executablePath: CHROMIUM, headless: true,
    args: ['--lang=' + opts.locale]});
  browsers.push(browser);
  const ctx = await browser.newContext({viewport: {width: 1400, height: 1000}, locale: opts.locale,
    extraHTTPHeaders: {'Accept-Language': opts.accept}});
  await ctx.addInitScript((t) => sessionStorage.setItem('camdex.token', t), TOKEN);
  const page = await ctx.newPage();
  page.errors = [];
  page.on('pageerror', (e) => { page.errors.push(e.message); log('page error:', e.message); });
  return {browser, page};
}

async function unitsShown(page) {
  await page.waitForFunction(() => document.querySelectorAll('#unit-rows tr').length > 0, null,
    {timeout: 15000});
}

async function checkLanguages(base, plan, offlineId) {
  const zh = await catalogue(base, 'zh'), en = await catalogue(base, 'en');

  /* A Chinese browser: Chinese labels, states and reasons. */
  let {browser, page} = await langPage({locale: 'zh-CN', accept: 'zh-CN,zh;q=0.9'});
  await page.goto(base + '/#/');
  await unitsShown(page);
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.equal(await page.textContent('#nav-overview'), '总览');
  assert.equal(await page.textContent('#units th[data-key=rate] button'), zh['ui.units.col.rate']);
  assert.equal(await page.textContent('#token-dialog h2'), '需要令牌');
  await checkCharts(page, base, plan, 'zh');
  await page.goto(base + '/#/cameras?state=offline');
  await listLoaded(page);
  const states = await texts(page, '#camera-rows td.state');
  assert.ok(states.length > 0 && states.every((s) => s === '离线'), 'states: ' + states.join(','));
  const reasons = await page.$$eval('#camera-rows td.reason', (es) =>
    es.map((e) => [e.getAttribute('data-reason'), e.textContent]));
  assert.ok(reasons.length > 0);
  for (const [code, shown] of reasons)
    assert.equal(shown, zh['reason.' + code], 'reason ' + code + ' in Chinese');
  assert.ok(reasons.some(([, shown]) => /[\u4e00-\u9fff]/.test(shown)));
  await page.goto(base + '/#/camera/' + offlineId);
  await page.waitForSelector('#camera-title', {timeout: 10000});
  assert.equal(await page.textContent('#camera-health td[data-field=state]'), '离线');

  /* The switch: English, kept across reloads in this Chinese browser. */
  await page.goto(base + '/#/');
  await unitsShown(page);
  await Promise.all([page.waitForEvent('load'), page.selectOption('#lang', 'en')]);
  await page.waitForFunction(() => document.getElementById('nav-overview').textContent === 'Overview',
    null, {timeout: 15000});
  assert.equal(await page.evaluate(() => localStorage.getItem('camdex.lang')), 'en');
  await page.reload();
  await unitsShown(page);
  assert.equal(await page.textContent('#nav-overview'), 'Overview');
  assert.equal(await page.getAttribute('html', 'lang'), 'en-GB');
  assert.equal(await page.inputValue('#lang'), 'en');
  await Promise.all([page.waitForEvent('load'), page.selectOption('#lang', 'zh')]);
  await page.waitForFunction(() => document.getElementById('nav-overview').textContent === '总览',
    null, {timeout: 15000});
  assert.deepEqual(page.errors, [], 'errors in the Chinese page');
  await browser.close();

  /* A browser whose languages are neither: the server reads its
   * Accept-Language for the first page. */
  ({browser, page} = await langPage({locale: 'fr-FR', accept: 'fr-FR, zh-CN;q=0.8'}));
  await page.goto(base + '/#/');
  await unitsShown(page);
  assert.equal(await page.textContent('#nav-overview'), '总览');
  await browser.close();

  /* An English browser; and the page when its catalogue cannot be had. */
  ({browser, page} = await langPage({locale: 'en-US', accept: 'en-US,en;q=0.9'}));
  await page.goto(base + '/#/');
  await unitsShown(page);
  assert.equal(await page.textContent('#nav-overview'), en['ui.nav.overview']);
  assert.equal(await page.getAttribute('html', 'lang'), 'en-GB');
  await page.route('**/api/v1/messages**', (r) => r.abort());
  await page.reload();
  await unitsShown(page);
  assert.equal(await page.textContent('#nav-overview'), 'ui.nav.overview');
  const badges = await texts(page, '#unit-rows td.num');
  assert.ok(badges.length > 0, 'the unit table is there without the catalogue');
  assert.deepEqual(page.errors, [], 'errors in the page without its catalogue');
  await browser.close();
}

async function main() {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'camdex-dashboard-'));
  fs.mkdirSync(path.join(OUT, 'screenshots'), {recursive: true});
  const db = path.join(tmp, 'index'), fleet = path.join(tmp, 'fleet.csv');
  const rtspPort = await freePort(), controlPort = await freePort();
  writeFleet(fleet, rtspPort);
  const rtspRows = fs.readFileSync(fleet, 'utf8').split('\n').filter((l) => l.includes(',rtsp://'))
    .map(history.csvFields);
  const rtspIds = rtspRows.map((f) => f[0]);
  const dead = [rtspIds[7], rtspIds[101], rtspIds[202]];
  /* 30 days of known history first; the import then finds the cameras
   * there already and keeps their health. */
  const plan = history.makePlan(rtspRows.filter((f) => f[0] !== HOSTILE_ID).map((f) =>
    ({id: f[0], name: f[1], unit: f[2], unitName: f[3], url: f[4]})), Date.now(), dead);
  const planFile = path.join(tmp, 'history.plan');
  fs.writeFileSync(planFile, plan.text);
  execFileSync(SEED, [db, planFile], {stdio: ['ignore', 'ignore', 'inherit']});
  execFileSync(CAMDEX, ['--db', db, 'import', fleet], {stdio: ['ignore', 'ignore', 'inherit']});

  /* No random faults: the offline cameras are those killed here, so the
   * counts hold still and the live step can check them exactly. */
  const farm = start('camfarm', [CAMFARM, '--inventory', fleet, '--clips', CLIPS, '--faults',
    'none', '--listen', '0.0.0.0:' + rtspPort, '--control',
    '127.0.0.1:' + controlPort], 'stdout');
  await waitLine(farm, ['camfarm ready'], 30000);

  /* A short interval and one quick re-check, so a killed camera is
   * offline within interval + re-check + one timeout. The timeouts are
   * generous: on a loaded machine a live camera still answers within
   * them, so the counts hold still until a camera is killed. */
  const serve = start('camdex serve', [CAMDEX, '--db', db, 'serve', '--interval', INTERVAL_S + 's',
    '--depth', 'describe', '--recheck-delay', '300ms', '--fail-threshold', '2',
    '--recover-threshold', '1', '--connect-timeout', PROBE_TIMEOUT_MS + 'ms',
    '--reply-timeout', PROBE_TIMEOUT_MS + 'ms',
    '--set', 'http.listen=127.0.0.1:0', '--set', 'http.token_ro=' + TOKEN,
    '--set', 'http.token_rw=' + RW_TOKEN,
    '--set', 'probe.auth_backoff=1h', '--log-level', 'info'], 'stderr');
  const listening = await waitLine(serve, ['msg="http listening"'], 20000);
  const base = 'http://' + /address=(\S+)/.exec(listening)[1];
  log('service at', base);
  for (const id of dead)
    assert.equal(await control(controlPort, 'kill ' + id), 'ok');
  /* Settled: every camera probed, the killed ones offline. */
  await until(async () => {
    const s = await apiGet(base, '/summary');
    if (s.states.unknown)
      return false;
    for (const id of dead)
      if ((await apiGet(base, '/cameras/' + id)).state !== 'offline')
        return false;
    return true;
  }, 60000, 'every camera probed and the killed ones offline');

  const units = (await apiGet(base, '/units')).units;
  const chinese = units.find((u) => /[\u4e00-\u9fff]/.test(u.name) && !u.name.includes('<'));
  assert.ok(chinese, 'the generated fleet has a unit with a Chinese name');

  const browser = await chromium.launch({executablePath: CHROMIUM, headless: true,
    args: ['--lang=en-US']});
  browsers.push(browser);
  const page = await browser.newPage({viewport: {width: 1400, height: 1000}, locale: 'en-US',
    extraHTTPHeaders: {'Accept-Language': 'en-US,en;q=0.9'}});
  const pageErrors = [];
  page.on('pageerror', (e) => { pageErrors.push(e.message); log('page error:', e.message); });
  /* Refused requests (401, 403) are part of the story; other errors are told. */
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[13]/.test(m.text()))
      log('console:', m.text());
  });
  page.on('dialog', (d) => { pageErrors.push('unexpected dialog: ' + d.message()); d.dismiss(); });

  /* 1. No token yet: the page asks for one, keeps it for the tab. */
  const home = await page.goto(base + '/');
  assert.equal(home.status(), 200);
  assert.match(home.headers()['content-type'], /^text\/html; charset=utf-8/);
  await page.waitForSelector('#token-dialog[open]', {timeout: 10000});
  await page.fill('#token-input', 'wrong-token');
  await page.click('#token-submit');
  await page.waitForFunction(() => /refused/.test(document.getElementById('token-why').textContent) &&
    document.getElementById('token-dialog').open, null, {timeout: 10000});
  await page.fill('#token-input', TOKEN);
  await page.click('#token-submit');
  await page.waitForFunction((n) => document.querySelectorAll('#unit-rows tr').length === n,
    units.length, {timeout: 10000}).catch(async (e) => {
    log('rows', await page.evaluate(() => document.querySelectorAll('#unit-rows tr').length), 'of',
      units.length, 'error:', await page.textContent('#error'));
    throw e;
  });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('camdex.token')), TOKEN);

  /* 2. Totals and units as the API has them; Chinese names as text. */
  assert.equal(await page.evaluate(() => document.characterSet), 'UTF-8');
  const summary = await apiGet(base, '/summary');
  assert.equal(parseNum(await page.textContent('#t-cameras')), summary.cameras);
  const names = await texts(page, '#unit-rows td.name a');
  assert.ok(names.includes(chinese.name), 'unit ' + chinese.name + ' is listed');
  assert.ok(await page.isVisible('text=' + chinese.name), chinese.name + ' is visible');
  /* The hostile names are text, not markup. */
  assert.ok(names.includes(HOSTILE_UNIT_NAME), 'the unit named with markup shows as text');
  assert.equal(await page.$$eval('#units i, #units img', (es) => es.length), 0);

  /* 3. Sorting: worst online rate first by default; by each heading. */
  const column = async (i) => texts(page, '#unit-rows tr td:nth-child(' + i + ')');
  assertOrdered((await column(7)).map(parseRate), 1, 'default order (online rate)');
  assert.equal(await page.getAttribute('#units th[data-key=rate]', 'aria-sort'), 'ascending');
  await page.click('#units th[data-key=offline] button');
  assertOrdered((await column(4)).map(parseNum), -1, 'offline, first click');
  await page.click('#units th[data-key=offline] button');
  assertOrdered((await column(4)).map(parseNum), 1, 'offline, second click');
  await page.click('#units th[data-key=cameras] button');
  assertOrdered((await column(2)).map(parseNum), -1, 'cameras');
  await page.click('#units th[data-key=name] button');
  const sortedNames = await texts(page, '#unit-rows td.name a');
  assert.deepEqual(sortedNames, sortedNames.slice().sort(new Intl.Collator('zh-CN').compare));
  await page.click('#units th[data-key=rate] button');
  assertOrdered((await column(7)).map(parseRate), 1, 'online rate again');

  /* 4. First paint, measured on a reload with the token already given. */
  await page.reload();
  await page.waitForFunction(() => performance.getEntriesByName('camdex:units').length &&
    performance.getEntriesByName('camdex:charts').length, null, {timeout: 30000});
  const timing = await page.evaluate(() => {
    const paint = performance.getEntriesByType('paint');
    const fcp = paint.find((p) => p.name === 'first-contentful-paint');
    const nav = performance.getEntriesByType('navigation')[0];
    return {fcp: fcp ? fcp.startTime : null, units: performance.getEntriesByName('camdex:units')[0].startTime,
      dcl: nav.domContentLoadedEventEnd, charts: performance.getEntriesByName('camdex:charts')[0].startTime};
  });
  log('first contentful paint', timing.fcp.toFixed(0), 'ms; unit table painted',
    timing.units.toFixed(0), 'ms; DOMContentLoaded', timing.dcl.toFixed(0), 'ms (' +
    summary.cameras + ' cameras, ' + units.length + ' units)');
  log('30-day charts painted', timing.charts.toFixed(0), 'ms');
  /* What the charts cost the server: the 30-day reports for every unit. */
  for (const report of ['online-rate', 'online-rate&shape=series', 'outages']) {
    const last = summary.generated_at.slice(0, 10);
    const first = history.dayName(history.dayOf(Date.parse(last + 'T00:00:00Z')) - 29);
    const t0 = performance.now();
    const [name, extra] = report.split('&');
    const res = await fetch(base + '/api/v1/reports/' + name + '?from=' + first + '&to=' + last +
      (extra ? '&' + extra : ''), {headers: {Authorization: 'Bearer ' + TOKEN}});
    const body = await res.text();
    assert.equal(res.status, 200);
    log('GET /reports/' + report, '(30 days, every unit):', (performance.now() - t0).toFixed(0),
      'ms,', body.length, 'bytes');
  }

  /* 5. Click a unit: its cameras. */
  const firstUnit = await page.getAttribute('#unit-rows tr:first-child', 'data-unit');
  await page.click('#unit-rows tr:first-child td:nth-child(2)');
  await page.waitForURL((u) => u.hash === '#/cameras?unit=' + firstUnit, {timeout: 5000});
  await listLoaded(page);
  const unitRows = await page.$$eval('#camera-rows td.unit', (es) => es.map((e) => e.title));
  const unitCount = units.find((u) => u.id === firstUnit).cameras;
  assert.equal(unitRows.length, Math.min(unitCount, 100));
  assert.ok(unitRows.every((u) => u === firstUnit), 'only cameras of ' + firstUnit);
  assert.equal(await page.inputValue('#f-unit'), firstUnit);

  /* 6. Filter by state offline, then also by a unit. */
  await page.goto(base + '/#/cameras');
  await listLoaded(page);
  await page.selectOption('#f-state', 'offline');
  await page.waitForURL((u) => u.hash === '#/cameras?state=offline', {timeout: 5000});
  await listLoaded(page);
  let states = await texts(page, '#camera-rows td.state');
  assert.ok(states.length > 0, 'some cameras are offline');
  assert.ok(states.every((s) => s === 'offline'), 'only offline cameras: ' + states.join(','));
  const offlineUnit = await page.getAttribute('#camera-rows tr:first-child td.unit', 'title');
  await page.selectOption('#f-unit', offlineUnit);
  await listLoaded(page);
  assert.equal(new URL(page.url()).hash, '#/cameras?unit=' + offlineUnit + '&state=offline');
  states = await texts(page, '#camera-rows td.state');
  const offUnits = await page.$$eval('#camera-rows td.unit', (es) => es.map((e) => e.title));
  assert.ok(states.length > 0 && states.every((s) => s === 'offline'));
  assert.ok(offUnits.every((u) => u === offlineUnit));
  const apiOff = await apiGet(base, '/cameras?unit=' + offlineUnit + '&state=offline&limit=1000');
  assert.equal(states.length, Math.min(apiOff.count, 100), 'the page shows what the API has');

  /* 7. Paging with the API's cursor: "More" adds the next page. */
  const listStart = Date.now();
  await page.goto(base + '/#/cameras');
  await listLoaded(page);
  log('camera list: first page of 100 shown', Date.now() - listStart, 'ms after navigating');
  const page1 = await cameraIds(page);
  assert.equal(page1.length, 100);
  await page.click('#more');
  await page.waitForFunction(() => document.querySelectorAll('#camera-rows tr').length > 100, null,
    {timeout: 10000});
  const page2 = await cameraIds(page);
  assert.equal(page2.length, Math.min(200, summary.cameras));
  assert.equal(new Set(page2).size, page2.length, 'no camera twice');

  /* 8. Search by id: an RTSP camera that is online (it is killed below). */
  const online = await apiGet(base, '/cameras?state=online&limit=1000');
  const seeded = plan.outages.map((o) => o.camera.id);
  const victim = online.cameras.find((c) => c.url.startsWith('rtsp://') && c.id !== HOSTILE_ID &&
    !seeded.includes(c.id));
  assert.ok(victim, 'an online RTSP camera');
  await page.fill('#f-q', victim.id);
  await page.press('#f-q', 'Enter');
  await page.waitForURL((u) => u.hash === '#/cameras?q=' + victim.id, {timeout: 5000});
  await listLoaded(page);
  assert.deepEqual(await cameraIds(page), [victim.id]);
  assert.equal(await page.textContent('#camera-rows td.name'), victim.name);

  /* 9. The hostile camera: its name is shown as it is, and runs nothing. */
  await page.goto(base + '/#/cameras?q=' + HOSTILE_ID);
  await listLoaded(page);
  assert.equal(await page.textContent('#camera-rows td.name'), HOSTILE_NAME);
  assert.equal(await page.$$eval('#camera-rows img, #camera-rows b', (es) => es.length), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);

  /* 10. The camera page: metadata, health, events. */
  await page.goto(base + '/#/cameras?q=' + victim.id);
  await listLoaded(page);
  await page.click('#camera-rows td.id a');
  await page.waitForSelector('#camera-title', {timeout: 10000});
  assert.equal(new URL(page.url()).hash, '#/camera/' + victim.id);
  const detail = await apiGet(base, '/cameras/' + victim.id);
  const field = (sec, k) => page.textContent('#camera-' + sec + ' td[data-field="' + k + '"]');
  assert.equal((await page.textContent('#camera-title span[lang]')), detail.name);
  assert.equal(await field('health', 'state'), 'online');
  assert.match(await field('stream', 'codec'), /^h26[45]/);
  assert.equal(await field('stream', 'resolution'), detail.video.width + '×' + detail.video.height);
  const shownUrl = await field('stream', 'url');
  assert.equal(shownUrl, detail.url);
  assert.ok(!/:[^/@*]+@/.test(shownUrl.replace(/^rtsp:\/\//, '')), 'no password in ' + shownUrl);
  assert.equal(await field('record', 'unit'), detail.unit_name);
  const evRows = await texts(page, '#camera-events tbody tr');
  assert.ok(evRows.length >= 1 && evRows.some((t) => /unknown\s*→\s*online/.test(t)),
    'events: ' + evRows.join(' | '));
  assert.equal(await page.$$eval('img.thumb', (es) => es.length), 0, 'no picture before a look');

  /* "Look now": with the read-only token it says what it needs; with the
   * read-write one the camera's picture (320x180 JPEG) shows. */
  await page.click('#camera-look');
  await page.waitForSelector('#camera-look-result .error', {timeout: 15000});
  assert.match(await page.textContent('#camera-look-result'), /read-write token/);
  await page.evaluate((t) => sessionStorage.setItem('camdex.token', t), RW_TOKEN);
  await page.reload();
  await page.waitForSelector('#camera-title', {timeout: 10000});
  await page.click('#camera-look');
  await page.waitForFunction(() => {
    const img = document.querySelector('#camera-look-result img.thumb');
    return img && img.complete && img.naturalWidth > 0;
  }, null, {timeout: 15000});
  const size = await page.$eval('#camera-look-result img.thumb', (i) => [i.naturalWidth, i.naturalHeight]);
  assert.deepEqual(size, [320, 180], 'thumbnail size ' + size);
  await page.screenshot({path: path.join(OUT, 'camera-look.png')});

  /* 11. Live: kill the camera on camfarm; the transition arrives. */
  await page.goto(base + '/#/cameras?q=' + victim.id);
  await listLoaded(page);
  await page.waitForSelector('#live.on', {timeout: 15000});
  const offlineBefore = (await apiGet(base, '/summary')).states.offline;
  await page.waitForFunction((n) =>
    Number(document.getElementById('t-offline').textContent.replace(/[^0-9]/g, '')) === n,
  offlineBefore, {timeout: 10000});
  assert.equal(await control(controlPort, 'kill ' + victim.id), 'ok');
  const killedAt = Date.now();
  /* interval + re-check + one timeout, plus scheduling slack */
  const detectMs = INTERVAL_S * 1000 + 300 + PROBE_TIMEOUT_MS + 4000;
  await page.waitForSelector('#ticker li[data-camera="' + victim.id + '"] .badge.st-offline',
    {timeout: detectMs});
  const liveMs = Date.now() - killedAt;
  await page.waitForFunction((id) => {
    const r = document.querySelector('#camera-rows tr[data-camera="' + id + '"] td.state');
    return r && r.textContent === 'offline';
  }, victim.id, {timeout: 2000});
  /* The counters moved with the event (a re-read follows seconds later). */
  assert.equal(parseNum(await page.textContent('#t-offline')), offlineBefore + 1);
  log('transition on the page', liveMs, 'ms after the kill (bound ' + detectMs + ' ms)');

  await page.goto(base + '/#/');
  await page.waitForFunction((n) => document.querySelectorAll('#unit-rows tr').length === n,
    units.length, {timeout: 10000});
  const shot = path.join(OUT, 'dashboard.png');
  await page.screenshot({path: shot});
  log('screenshot', shot);

  /* 12. The charts at the seeded points, in English. */
  await checkCharts(page, base, plan, 'en');
  assert.deepEqual(pageErrors, [], 'errors in the page');
  await browser.close();

  /* 13. Chinese and English browsers, the switch, no catalogue. */
  await checkLanguages(base, plan, victim.id);
  const st = await stop(serve, 15000);
  assert.equal(st.code, 0, 'camdex serve exited with ' + (st.sig || st.code));
  await stop(farm, 10000);
}

main().then(() => {
  log('1 passed, 0 failed');
}, (e) => {
  console.error('dashboard: FAILED:', e && e.stack ? e.stack : e);
  for (const p of procs)
    console.error('--- last lines of ' + p.name + ':\n' + p.lines.slice(-15).join('\n'));
  process.exitCode = 1;
}).finally(async () => {
  for (const b of browsers)
    await b.close().catch(() => {});
  for (const p of procs)
    if (!p.exited)
      p.p.kill('SIGKILL');
  if (tmp)
    fs.rmSync(tmp, {recursive: true, force: true});
});
