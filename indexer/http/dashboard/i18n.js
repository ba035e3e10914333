/* The dashboard's language: English or Simplified Chinese, from the
 * person's choice (the switch, kept in localStorage), else the browser's
 * languages (navigator.languages), else the server's reading of
 * Accept-Language. The texts are the program's one message catalogue
 * (indexer/views/messages.def), fetched once from GET /api/v1/messages;
 * dates and numbers are formatted by Intl for the language. When the
 * catalogue cannot be had, the page still works and shows the keys. */
'use strict';

(function () {
  const LANG_KEY = 'camdex.lang';
  const LANGS = ['en', 'zh'];
  const LOCALES = {en: 'en-GB', zh: 'zh-CN'};

  const I = {lang: 'en', locale: LOCALES.en, msgs: {}, loaded: false};

  function fromBrowser() {
    for (const tag of navigator.languages && navigator.languages.length ? navigator.languages
      : [navigator.language || '']) {
      const l = String(tag).toLowerCase();
      if (l === 'zh' || l.startsWith('zh-') || l.startsWith('zh_'))
        return 'zh';
      if (l === 'en' || l.startsWith('en-') || l.startsWith('en_'))
        return 'en';
    }
    return '';
  }

  function setLang(lang) {
    I.lang = LANGS.includes(lang) ? lang : 'en';
    I.locale = LOCALES[I.lang];
    document.documentElement.lang = I.locale;
    I.numFmt = new Intl.NumberFormat(I.locale);
    I.pct0 = new Intl.NumberFormat(I.locale, {style: 'percent', maximumFractionDigits: 0});
    I.pct1 = new Intl.NumberFormat(I.locale, {style: 'percent', minimumFractionDigits: 1,
      maximumFractionDigits: 1});
    /* Times are shown as the index's wall clock (its day zone), as the CLI
     * prints them: the wall-clock fields are formatted as if in UTC. */
    I.dateTime = new Intl.DateTimeFormat(I.locale, {year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: 'UTC'});
    I.shortTime = new Intl.DateTimeFormat(I.locale, {hour: '2-digit', minute: '2-digit',
      second: '2-digit', hourCycle: 'h23', timeZone: 'UTC'});
    I.dayMonth = new Intl.DateTimeFormat(I.locale, {month: 'numeric', day: 'numeric', timeZone: 'UTC'});
    I.dayFull = new Intl.DateTimeFormat(I.locale, {year: 'numeric', month: 'long', day: 'numeric',
      weekday: 'short', timeZone: 'UTC'});
  }

  /* Loads the catalogue once; never throws (the page renders either way). */
  async function load(api) {
    let want = '';
    try {
      want = localStorage.getItem(LANG_KEY) || '';
    } catch (e) {
      want = '';
    }
    if (!LANGS.includes(want))
      want = fromBrowser();
    setLang(want || 'en');
    try {
      const res = await fetch(api + '/messages' + (want ? '?lang=' + want : ''),
        {headers: {Accept: 'application/json'}});
      if (!res.ok)
        throw new Error('HTTP ' + res.status);
      const body = await res.json();
      if (!want)
        setLang((res.headers.get('content-language') || '').startsWith('zh') ? 'zh' : 'en');
      if (body && typeof body === 'object')
        I.msgs = body;
      I.loaded = true;
    } catch (e) {
      I.msgs = {};
      I.error = e.message;
    }
  }

  /* The person's choice, kept for the next visit. */
  function choose(lang) {
    if (!LANGS.includes(lang))
      return;
    try {
      localStorage.setItem(LANG_KEY, lang);
    } catch (e) {
      /* storage refused (private mode): the choice lasts this page only */
    }
  }

  /* t('ui.list.shown', {n: '1,234'}): the text with {name}s filled in;
   * the key itself when the catalogue does not have it. */
  function t(key, vars) {
    let s = Object.prototype.hasOwnProperty.call(I.msgs, key) ? String(I.msgs[key]) : key;
    if (vars)
      s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
    return s;
  }

  /* States and reasons are codes; people read their text, or the code
   * when the catalogue is missing or does not know it. */
  const has = (key) => Object.prototype.hasOwnProperty.call(I.msgs, key);
  const stateText = (s) => (s && has('state.' + s) ? I.msgs['state.' + s] : s || '');
  const reasonText = (r) => (r && has('reason.' + r) ? I.msgs['reason.' + r] : r || '');

  const num = (n) => I.numFmt.format(n);
  const pct = (r) => (r === null || r === undefined || Number.isNaN(r)) ? '–'
    : (r >= 0.9995 || r === 0 ? I.pct0 : I.pct1).format(r);

  /* "2026-11-27T18:40:05.181+08:00" → the wall clock it names. */
  function wallMs(t) {
    const m = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)/.exec(t || '');
    return m ? Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN;
  }
  /* Offset east of UTC in ms of an RFC 3339 time; null without one. */
  function offsetMs(t) {
    const m = /([+-])(\d\d):(\d\d)$/.exec(t || '');
    if (m)
      return (m[1] === '-' ? -1 : 1) * (m[2] * 3600000 + m[3] * 60000);
    return /Z$/.test(t || '') ? 0 : null;
  }
  const time = (t) => (Number.isNaN(wallMs(t)) ? (t || '') : I.dateTime.format(wallMs(t)));
  const clock = (t) => (Number.isNaN(wallMs(t)) ? (t || '') : I.shortTime.format(wallMs(t)));
  /* An instant (ms) as the wall clock of a zone `off` ms east of UTC. */
  const timeAt = (ms, off) => I.dateTime.format(ms + off);
  const dayShort = (day) => I.dayMonth.format(Date.parse(day + 'T00:00:00Z'));
  const dayLong = (day) => I.dayFull.format(Date.parse(day + 'T00:00:00Z'));

  function duration(ms) {
    const m = Math.max(0, Math.round(ms / 60000));
    if (m < 60)
      return t('ui.dur.min', {m: num(m)});
    const h = Math.floor(m / 60);
    if (h < 48)
      return t('ui.dur.h_min', {h: num(h), m: num(m % 60)});
    return t('ui.dur.d_h', {d: num(Math.floor(h / 24)), h: num(h % 24)});
  }

  function ago(when) {
    const ms = Date.now() - Date.parse(when);
    if (!(ms >= 0))
      return '';
    const s = Math.floor(ms / 1000);
    if (s < 60)
      return t('ui.ago.s', {n: num(s)});
    const m = Math.floor(s / 60);
    if (m < 60)
      return t('ui.ago.min', {n: num(m)});
    const h = Math.floor(m / 60);
    if (h < 48)
      return t('ui.ago.h_min', {h: num(h), m: num(m % 60)});
    return t('ui.ago.d', {n: num(Math.floor(h / 24))});
  }

  /* Static texts of index.html: data-msg (text), data-msg-title,
   * data-msg-aria-label (attributes). */
  function apply(rootEl) {
    for (const e of rootEl.querySelectorAll('[data-msg]'))
      e.textContent = t(e.getAttribute('data-msg'));
    for (const e of rootEl.querySelectorAll('[data-msg-title]'))
      e.title = t(e.getAttribute('data-msg-title'));
    for (const e of rootEl.querySelectorAll('[data-msg-aria-label]'))
      e.setAttribute('aria-label', t(e.getAttribute('data-msg-aria-label')));
  }

  setLang('en');
  window.CamdexI18n = Object.assign(I, {load, choose, t, stateText, reasonText, num, pct, time,
    clock, timeAt, dayShort, dayLong, duration, ago, offsetMs, apply, LANGS});
})();
