// Small DOM helpers and the widgets every page shares: loading states, tables, forms, dialogs.
import { t } from './i18n.js';

/** h('div.card#id', {attrs}, children...) builds an element; strings become text nodes. */
export function h(tag, attrs, ...children) {
  const [, name = 'div', rest = ''] = /^([a-z0-9-]*)(.*)$/i.exec(tag);
  const el = document.createElement(name || 'div');
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (attrs !== null && attrs !== undefined && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'class') el.className += ` ${v}`;
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}
function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}
export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function spinner(text) {
  return h('div.loading', { role: 'status', 'aria-live': 'polite' },
    h('span.spinner', { 'aria-hidden': 'true' }), h('span', text || t('正在加载…')));
}
export function skeleton(rows = 5) {
  return h('div.skeleton', { role: 'status', 'aria-label': t('正在加载…') },
    Array.from({ length: rows }, (_, i) => h('div.sk-line', { style: { width: `${90 - (i % 3) * 18}%` } })));
}
export function empty(text, hint) {
  return h('div.empty', h('div.empty-icon', { 'aria-hidden': 'true' }, '○'),
    h('p', text || t('暂无数据')), hint ? h('p.muted', hint) : null);
}
/** What went wrong, said for the status: 403, 404, 409 and 503 each get their own heading. */
export function errorTitle(err) {
  const status = err && err.status;
  if (status === 0) return t('无法连接服务器');
  if (status === 401) return t('登录已过期');
  if (status === 403) return t('没有权限');
  // The gateway's own "no such route" (a service not deployed yet) is not a missing record.
  if (status === 404 && err.code === 'not_found' && err.message === '接口不存在') return t('功能暂未开通');
  if (status === 404) return t('未找到');
  if (status === 409) return t('不符合工作规则');
  if (status === 503) return t('服务暂不可用');
  if (status >= 500) return t('服务器出错');
  return t('加载失败：');
}
export function errorBox(err, retry) {
  const msg = (err && err.message) || t('err.generic');
  const status = err && err.status;
  const transient = status === 0 || status >= 500;
  return h('div.alert.alert-error.error-box', { role: 'alert', dataset: { status: status ?? '' } },
    h('strong', errorTitle(err)), ' ', msg,
    status === 404 || status === 403 ? h('a.btn.btn-small', { href: '#/dashboard', style: { marginLeft: '12px' } }, t('返回工作台')) : null,
    retry && (transient || !status) ? h('button.btn.btn-small', { type: 'button', onclick: retry, style: { marginLeft: '12px' } }, t('重试')) : null);
}

/** Render `loader()` into `container` with a skeleton while waiting and an explained error after. */
export async function load(container, loader, render, { rows = 5 } = {}) {
  clear(container, skeleton(rows));
  try {
    const data = await loader();
    clear(container);
    const out = render(data);
    if (out) append(container, [out]);
  } catch (err) {
    console.error(err);
    clear(container, errorBox(err, () => load(container, loader, render, { rows })));
  }
}

export function badge(text, kind = 'neutral') { return h(`span.badge.badge-${kind}`, text); }
export function statusKind(status) {
  const good = ['adopted', 'approved', 'concluded', 'closed', 'verified', 'issued', 'published', 'accepted', 'completed', 'resolved'];
  const warn = ['returned', 'sent_back', 'submitted', 'transferred', 'open', 'new', 'draft'];
  const info = ['in_progress', 'handling', 'assigned', 'planned', 'registered', 'rectifying'];
  if (good.includes(status)) return 'good';
  if (warn.includes(status)) return 'warn';
  if (info.includes(status)) return 'info';
  if (status === 'cancelled' || status === 'dismissed') return 'neutral';
  return 'neutral';
}

export function pageHeader(title, subtitle, ...actions) {
  return h('div.page-header',
    h('div', h('h1', title), subtitle ? h('p.subtitle', subtitle) : null),
    h('div.page-actions', actions));
}
export function card(title, body, ...actions) {
  return h('section.card',
    title ? h('div.card-head', h('h2', title), h('div.card-actions', actions)) : null,
    h('div.card-body', body));
}
export function fieldList(pairs) {
  return h('dl.fields', pairs.filter(Boolean).map(([k, v]) => [h('dt', k), h('dd', v ?? '—')]));
}

// ---- tables -------------------------------------------------------------------------------
/**
 * A table that sorts (click a header) and filters (a search box, plus optional select filters)
 * on the client. columns: [{key, title, render?(row), sort?(row), filter?: [{value,text}]}]
 */
export function dataTable({ columns, rows, onRow, emptyText, pageSize = 20, toolbar }) {
  const state = { q: '', sortKey: null, dir: 1, page: 0, filters: {} };
  const tbody = h('tbody');
  const info = h('span.muted.table-info');
  const pager = h('div.pager');
  const heads = columns.map((c) => {
    const th = h('th', { scope: 'col', tabindex: 0, 'aria-sort': 'none' }, c.title, h('span.sort-ind', ''));
    th.addEventListener('click', () => sortBy(c.key));
    th.addEventListener('keydown', (e) => { if (e.key === 'Enter') sortBy(c.key); });
    return th;
  });
  function sortBy(key) {
    state.dir = state.sortKey === key ? -state.dir : 1;
    state.sortKey = key;
    heads.forEach((th, i) => {
      const on = columns[i].key === key;
      th.setAttribute('aria-sort', on ? (state.dir > 0 ? 'ascending' : 'descending') : 'none');
      th.querySelector('.sort-ind').textContent = on ? (state.dir > 0 ? ' ▲' : ' ▼') : '';
    });
    draw();
  }
  const text = (row, c) => {
    const v = c.sort ? c.sort(row) : row[c.key];
    return v === null || v === undefined ? '' : (Array.isArray(v) ? v.join(' ') : String(v));
  };
  function visible() {
    const q = state.q.trim().toLowerCase();
    let out = rows.filter((r) => {
      for (const [key, val] of Object.entries(state.filters)) {
        if (val && String(r[key]) !== val) return false;
      }
      if (!q) return true;
      return columns.some((c) => text(r, c).toLowerCase().includes(q)
        || (c.render && cellText(c.render(r)).toLowerCase().includes(q)));
    });
    if (state.sortKey) {
      const c = columns.find((x) => x.key === state.sortKey);
      out = [...out].sort((a, b) => text(a, c).localeCompare(text(b, c), 'zh-CN', { numeric: true }) * state.dir);
    }
    return out;
  }
  function draw() {
    const list = visible();
    const pages = Math.max(1, Math.ceil(list.length / pageSize));
    state.page = Math.min(state.page, pages - 1);
    const slice = list.slice(state.page * pageSize, (state.page + 1) * pageSize);
    clear(tbody, slice.length ? slice.map((r) => {
      const tr = h('tr', columns.map((c) => {
        const content = c.render ? c.render(r) : (r[c.key] ?? '—');
        // Short values (dates, units, statuses) never break; long text wraps.
        return h(`td${cellText(content).length <= 12 ? '.nowrap' : ''}`, content);
      }));
      if (onRow) {
        tr.classList.add('clickable');
        tr.tabIndex = 0;
        tr.addEventListener('click', (e) => { if (!e.target.closest('a,button')) onRow(r); });
        tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') onRow(r); });
      }
      return tr;
    }) : h('tr', h('td.empty-cell', { colSpan: columns.length },
      rows.length ? t('没有符合筛选条件的记录') : (emptyText || t('暂无数据')))));
    info.textContent = t('共 {n} 条', { n: list.length }) + (list.length !== rows.length ? t('（全部 {n} 条）', { n: rows.length }) : '');
    clear(pager);
    if (pages > 1) {
      pager.append(
        h('button.btn.btn-small', { type: 'button', disabled: state.page === 0, onclick: () => { state.page--; draw(); } }, t('上一页')),
        h('span.muted', ` ${state.page + 1} / ${pages} `),
        h('button.btn.btn-small', { type: 'button', disabled: state.page >= pages - 1, onclick: () => { state.page++; draw(); } }, t('下一页')));
    }
  }
  const search = h('input.input.table-search', { type: 'search', placeholder: t('在表格中筛选…'), 'aria-label': t('在表格中筛选') });
  search.addEventListener('input', () => { state.q = search.value; state.page = 0; draw(); });
  const selects = columns.filter((c) => c.filter).map((c) => {
    const sel = h('select.input', { 'aria-label': c.title },
      h('option', { value: '' }, `${c.title}：${t('全部')}`),
      c.filter.map((o) => h('option', { value: o.value }, o.text)));
    sel.addEventListener('change', () => { state.filters[c.key] = sel.value; state.page = 0; draw(); });
    return sel;
  });
  draw();
  return h('div.table-wrap',
    h('div.table-toolbar', search, selects, h('span.spacer'), info, toolbar || null),
    h('div.table-scroll', h('table.table', h('thead', h('tr', heads)), tbody)),
    pager);
}
function cellText(node) {
  if (node === null || node === undefined) return '';
  if (node instanceof Node) return node.textContent || '';
  return String(node);
}

// ---- forms --------------------------------------------------------------------------------
/**
 * fields: [{name, label, type: text|textarea|select|multiselect|date|number|checkbox|lines,
 *           options, required, value, hint}]
 * submit(values) may throw an ApiError; its per-field messages appear under the fields.
 */
export function form({ fields: given, submitText, submit, onDone, cancel }) {
  const fields = given.filter(Boolean);
  const controls = {};
  const errs = {};
  const general = h('div.form-error', { role: 'alert', hidden: true });
  const rows = fields.map((f) => {
    const id = `f-${f.name}-${Math.random().toString(36).slice(2, 7)}`;
    let input;
    if (f.type === 'textarea' || f.type === 'lines') {
      input = h('textarea.input', { id, name: f.name, rows: f.rows || 4, placeholder: f.placeholder || '' });
      input.value = Array.isArray(f.value) ? f.value.join('\n') : (f.value ?? '');
    } else if (f.type === 'select') {
      input = h('select.input', { id, name: f.name },
        f.required ? h('option', { value: '' }, t('请选择…')) : h('option', { value: '' }, '—'),
        (f.options || []).map((o) => h('option', { value: o.value, selected: String(f.value) === String(o.value) }, o.text)));
    } else if (f.type === 'multiselect') {
      const chosen = new Set(f.value || []);
      input = h('div.checks', { id, role: 'group', 'aria-label': f.label },
        (f.options || []).map((o) => h('label.check', h('input', { type: 'checkbox', value: o.value, checked: chosen.has(o.value) }), o.text)));
    } else if (f.type === 'checkbox') {
      input = h('input', { id, name: f.name, type: 'checkbox', checked: !!f.value });
    } else {
      input = h('input.input', { id, name: f.name, type: f.type || 'text', placeholder: f.placeholder || '' });
      input.value = f.value ?? '';
    }
    controls[f.name] = { f, input };
    errs[f.name] = h('div.field-error', { role: 'alert' });
    const lab = h('label.field-label', { htmlFor: id }, f.label, f.required ? h('span.req', ' *') : null);
    if (f.type === 'checkbox') {
      return h('div.field.field-inline', { dataset: { field: f.name } }, input, lab, errs[f.name]);
    }
    return h('div.field', { dataset: { field: f.name } }, lab, input, f.hint ? h('div.hint', f.hint) : null, errs[f.name]);
  });
  function values() {
    const out = {};
    for (const [name, { f, input }] of Object.entries(controls)) {
      if (f.type === 'multiselect') out[name] = [...input.querySelectorAll('input:checked')].map((x) => x.value);
      else if (f.type === 'checkbox') out[name] = input.checked;
      else if (f.type === 'number') out[name] = input.value === '' ? null : Number(input.value);
      else if (f.type === 'lines') out[name] = input.value.split('\n').map((s) => s.trim()).filter(Boolean);
      else out[name] = input.value.trim();
    }
    return out;
  }
  function showErrors(given, message) {
    // The API names list entries as "field.0"; they belong under "field".
    const fieldErrors = {};
    for (const [k, v] of Object.entries(given || {})) {
      const name = k in errs ? k : k.split('.')[0];
      fieldErrors[name] = [...(fieldErrors[name] || []), ...[].concat(v)];
    }
    let shown = false;
    for (const [name, el] of Object.entries(errs)) {
      const list = fieldErrors[name];
      el.textContent = list ? [].concat(list).join('；') : '';
      controls[name].input.classList.toggle('invalid', !!list);
      if (list) controls[name].input.setAttribute('aria-invalid', 'true');
      else controls[name].input.removeAttribute('aria-invalid');
      if (list) shown = true;
    }
    const other = Object.entries(fieldErrors).filter(([k]) => !(k in errs))
      .map(([k, v]) => `${k === '_body' ? '' : `${k}：`}${[].concat(v).join('；')}`);
    const text = [message, ...other].filter(Boolean).join(' ');
    general.hidden = !text;
    general.textContent = text;
    const first = Object.keys(fieldErrors).find((k) => k in errs);
    if (first) {
      const input = controls[first].input;
      (input.matches('input,select,textarea') ? input : input.querySelector('input') || input).focus();
    }
    return shown;
  }
  const button = h('button.btn.btn-primary', { type: 'submit' }, submitText || t('提交'));
  const el = h('form.form', { novalidate: true },
    rows, general,
    h('div.form-actions', button, cancel ? h('button.btn', { type: 'button', onclick: cancel }, t('取消')) : null));
  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    // Required fields are checked here too, so a person learns at once which one is missing.
    const v = values();
    const missing = {};
    for (const { f } of Object.values(controls)) {
      const val = v[f.name];
      if (f.required && (val === '' || val === null || (Array.isArray(val) && !val.length))) missing[f.name] = [t('此项为必填项')];
    }
    if (Object.keys(missing).length) { showErrors(missing, t('请完善标红的项目。')); return; }
    showErrors({}, '');
    button.disabled = true;
    const old = button.textContent;
    button.textContent = t('正在提交…');
    try {
      const result = await submit(v);
      if (onDone) onDone(result);
    } catch (err) {
      const fieldErrors = err.fields || {};
      const said = err.message || (Object.keys(fieldErrors).length ? t('请更正标红的项目。') : t('err.generic'));
      // A rule's refusal (409) or a missing right (403) is said with its heading, so the person
      // knows it is the mechanism's rule and not a typing mistake.
      const heading = [403, 404, 409, 503].includes(err.status) ? `${errorTitle(err)}：` : '';
      showErrors(fieldErrors, heading + said);
      general.dataset.status = err.status ?? '';
    } finally {
      button.disabled = false;
      button.textContent = old;
    }
  });
  return el;
}

// ---- dialogs and notices ------------------------------------------------------------------
export function modal(title, body, { wide } = {}) {
  const close = () => { overlay.remove(); document.removeEventListener('keydown', onKey); };
  const onKey = (e) => { if (e.key === 'Escape') close(); };
  const overlay = h('div.modal-overlay', { onclick: (e) => { if (e.target === overlay) close(); } },
    h(`div.modal${wide ? '.modal-wide' : ''}`, { role: 'dialog', 'aria-modal': 'true', 'aria-label': title },
      h('div.modal-head', h('h2', title), h('button.icon-btn', { type: 'button', 'aria-label': t('关闭'), onclick: close }, '×')),
      h('div.modal-body', typeof body === 'function' ? body(close) : body)));
  document.addEventListener('keydown', onKey);
  document.body.appendChild(overlay);
  const first = overlay.querySelector('input,select,textarea');
  if (first) first.focus();
  return close;
}
/** Open a form in a dialog; closes and calls `after(result)` on success. */
export function formDialog(title, spec, after) {
  modal(title, (close) => form({ ...spec, cancel: close, onDone: (r) => { close(); toast(t('操作成功')); if (after) after(r); } }));
}
export function confirmAction(title, message, run, after) {
  modal(title, (close) => {
    const err = h('div.form-error', { role: 'alert', hidden: true });
    const ok = h('button.btn.btn-primary', { type: 'button' }, t('确定'));
    ok.addEventListener('click', async () => {
      ok.disabled = true;
      ok.textContent = t('正在提交…');
      try { const r = await run(); close(); toast(t('操作成功')); if (after) after(r); } catch (e) {
        const heading = [403, 404, 409, 503].includes(e.status) ? `${errorTitle(e)}：` : '';
        err.hidden = false; err.textContent = heading + (e.message || t('err.generic'));
        err.dataset.status = e.status ?? '';
        ok.disabled = false; ok.textContent = t('确定');
      }
    });
    return h('div', h('p', message), err, h('div.form-actions', ok, h('button.btn', { type: 'button', onclick: close }, t('取消'))));
  });
}
export function toast(text, kind = 'ok') {
  let box = document.querySelector('.toasts');
  if (!box) { box = h('div.toasts', { 'aria-live': 'polite' }); document.body.appendChild(box); }
  const el = h(`div.toast.toast-${kind}`, text);
  box.appendChild(el);
  setTimeout(() => el.remove(), 3500);
}
export function link(href, text) { return h('a', { href }, text); }
