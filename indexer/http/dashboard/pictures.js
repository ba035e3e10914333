/* The dashboard's pictures: the wall of faulty pictures (#/pictures, every
 * camera whose latest diagnosed picture has a fault, with its thumbnail
 * and the faults in the page's language, filtered by fault and unit) and
 * the camera page's picture panel (its reference picture beside its latest
 * faulty picture, and the button that accepts the scene it shows now as
 * the reference). Pictures come through the API with the token and reach
 * the page as data: URLs (the CSP allows img-src 'self' data:); names
 * reach it as text only. app.js hands over its helpers (ctx). */
'use strict';

(function () {
  /* The faults a picture diagnosis finds (probes/probe_result.h). */
  const PICTURE_REASONS = ['signal_lost', 'black', 'too_bright', 'blurred', 'occluded', 'color_cast',
    'noisy', 'stripes', 'frozen', 'scene_changed', 'shaking'];
  const WALL_MAX = 200; /* pictures on the wall at once; the count says how many more */

  const picturesHref = (f) => {
    const p = new URLSearchParams();
    for (const k of ['unit', 'reason'])
      if (f && f[k])
        p.set(k, f[k]);
    const s = p.toString();
    return '#/pictures' + (s ? '?' + s : '');
  };

  /* The findings of a diagnosis as one line of text, most severe first. */
  function findingsText(ctx, d) {
    const f = d && Array.isArray(d.findings) ? d.findings : [];
    return f.map((x) => ctx.I.reasonText(x.reason)).join(' · ');
  }

  /* An <img> that fills in when its picture has come. */
  function lazyPicture(ctx, path, attrs, onNone) {
    const img = ctx.el('img', Object.assign({class: 'picture'}, attrs));
    ctx.apiPicture(path).then((url) => {
      if (url)
        img.src = url;
      else if (onNone)
        onNone(img);
    }, (e) => img.replaceWith(ctx.el('p', {class: 'error'}, e.message)));
    return img;
  }

  function wallCard(ctx, row) {
    const href = ctx.cameraHref(row.id);
    return ctx.el('figure', {class: 'wall-card', 'data-camera': row.id},
      ctx.el('a', {href}, lazyPicture(ctx, '/cameras/' + encodeURIComponent(row.id) + '/thumbnail',
        {alt: ctx.t('ui.pictures.alt', {id: row.id}), width: row.thumbnail.width,
          height: row.thumbnail.height})),
      ctx.el('figcaption', {},
        ctx.el('a', {href, class: 'name', lang: 'zh-CN'}, row.name),
        ctx.el('span', {class: 'faults', 'data-reasons': (row.diagnosis ? row.diagnosis.findings : [])
          .map((x) => x.reason).join(' ')}, findingsText(ctx, row.diagnosis)),
        ctx.el('span', {class: 'muted unit', lang: 'zh-CN'}, row.unit_name || row.unit),
        ctx.el('span', {class: 'muted time'}, ctx.timeText(row.thumbnail.time))));
  }

  async function renderWall(ctx, filters) {
    const {el, t, I, $} = ctx;
    const view = $('view');
    const apply = (ev) => {
      if (ev)
        ev.preventDefault();
      location.hash = picturesHref({unit: $('p-unit').value, reason: $('p-reason').value});
    };
    const units = ctx.state.units.slice().sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
    const unitSel = el('select', {id: 'p-unit', on: {change: apply}},
      el('option', {value: ''}, t('ui.filter.all_units')),
      units.map((u) => el('option', {value: u.id}, u.name + ' (' + u.id + ')')));
    if (filters.unit && !units.some((u) => u.id === filters.unit))
      unitSel.append(el('option', {value: filters.unit}, filters.unit));
    const reasons = PICTURE_REASONS.includes(filters.reason) || !filters.reason ? PICTURE_REASONS
      : PICTURE_REASONS.concat([filters.reason]);
    const reasonSel = el('select', {id: 'p-reason', on: {change: apply}},
      el('option', {value: ''}, t('ui.pictures.all_reasons')),
      reasons.map((r) => el('option', {value: r}, I.reasonText(r))));
    const status = el('p', {id: 'wall-status', class: 'muted'}, t('ui.list.loading'));
    const wall = el('div', {id: 'wall', class: 'wall'});
    view.replaceChildren(el('h1', {}, t('ui.pictures.title')),
      el('p', {class: 'muted'}, t('ui.pictures.intro')),
      el('form', {id: 'wall-filters', class: 'filters', on: {submit: apply}},
        el('label', {}, t('ui.filter.unit') + ' ', unitSel),
        el('label', {}, t('ui.filter.reason') + ' ', reasonSel),
        el('a', {href: '#/pictures', class: 'clear'}, t('ui.filter.clear'))),
      status, wall);
    unitSel.value = filters.unit || '';
    reasonSel.value = filters.reason || '';
    const q = new URLSearchParams({limit: String(WALL_MAX)});
    if (filters.unit)
      q.set('unit', filters.unit);
    if (filters.reason)
      q.set('reason', filters.reason);
    let r;
    try {
      r = await ctx.api('/thumbnails?' + q.toString());
    } catch (e) {
      status.replaceWith(el('p', {class: 'error', id: 'wall-status'}, e.message));
      return;
    }
    if (ctx.state.view !== 'pictures')
      return;
    wall.replaceChildren(...r.thumbnails.map((row) => wallCard(ctx, row)));
    status.textContent = !r.count ? t('ui.pictures.none')
      : t('ui.pictures.count', {n: I.num(r.count)}) + (r.count > r.thumbnails.length
        ? ' — ' + t('ui.pictures.more', {n: I.num(r.count - r.thumbnails.length)}) : '');
    status.dataset.count = String(r.count);
  }

  /* The camera page's panel: reference and latest faulty picture side by
   * side, and "accept this scene" (PUT .../reference, needs token_rw). */
  function panel(ctx, c) {
    const {el, t} = ctx;
    const base = '/cameras/' + encodeURIComponent(c.id);
    const none = (key) => (img) => img.replaceWith(el('p', {class: 'muted none'}, t(key)));
    const refFig = el('figure', {id: 'camera-reference'});
    const showRef = () => refFig.replaceChildren(
      lazyPicture(ctx, base + '/reference.png',
        {alt: t('ui.picture.ref_alt', {id: c.id}), class: 'picture reference'},
        none('ui.picture.no_reference')),
      el('figcaption', {}, t('ui.picture.reference'),
        c.reference ? ' · ' + ctx.timeText(c.reference.time) : ''));
    showRef();
    const cur = c.thumbnail
      ? lazyPicture(ctx, base + '/thumbnail', {alt: t('ui.pictures.alt', {id: c.id})},
        none('ui.picture.no_current'))
      : el('p', {class: 'muted none'}, t('ui.picture.no_current'));
    const curFig = el('figure', {id: 'camera-current'}, cur,
      el('figcaption', {}, t('ui.picture.current'),
        c.thumbnail ? ' · ' + ctx.timeText(c.thumbnail.time) : '',
        c.diagnosis && c.diagnosis.findings.length ? ' · ' + findingsText(ctx, c.diagnosis) : ''));
    const out = el('p', {id: 'camera-accept-result', 'aria-live': 'polite'});
    const btn = el('button', {id: 'camera-accept', type: 'button'}, t('ui.picture.accept'));
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      out.textContent = '';
      out.className = '';
      try {
        const r = await ctx.api(base + '/reference', 'PUT');
        c.reference = r.reference;
        out.textContent = t('ui.picture.accepted');
        out.className = 'ok';
        showRef();
      } catch (e) {
        out.textContent = e.status === 403 ? t('ui.picture.needs_rw') : e.message;
        out.className = 'error';
      }
      btn.disabled = false;
    });
    return el('section', {id: 'camera-pictures', class: 'chart-panel'},
      el('h2', {}, t('ui.picture.title')),
      el('div', {class: 'side-by-side'}, refFig, curFig), el('p', {}, btn), out);
  }

  window.CamdexPictures = {renderWall, panel, picturesHref};
})();
