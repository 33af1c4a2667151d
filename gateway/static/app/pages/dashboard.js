// 工作台: the year at a glance. The cross-service counts come from GET /dashboard; the year's plan
// is read from planning directly, so the page still says something useful when one service is
// down (each card explains its own gap instead of the whole page failing).
import { api } from '../api.js';
import { fmtDate, t } from '../i18n.js';
import { label, unitName } from '../labels.js';
import { can, session } from '../session.js';
import { card, clear, empty, errorTitle, h, load, pageHeader } from '../ui.js';
import { workingYear } from '../year.js';
import { yearPicker } from './common.js';
import { noteHref } from './cross.js';

const MECH_ORDER = ['planning', 'sharing', 'leads', 'rectification', 'results', 'research'];
const PALETTE = ['#2f5d8a', '#4f8a8b', '#c08a3e', '#8a5a8c', '#5b8c5a', '#b5534b', '#6c7a89', '#3d7ea6'];
const STATUS_COLOURS = { planned: '#9fb3c8', in_progress: '#2f5d8a', concluded: '#5b8c5a', cancelled: '#c5ced8' };
const COUNT_LABEL = {
  items: '监督事项', proposals: '议题建议', meetings: '会商会议', findings: '发现问题', leads: '问题线索', problems: '整改问题',
  tasks: '整改任务', circulars: '通报', topics: '研究课题', research_topics: '研究课题', outputs: '研究成果', records: '共享数据',
  warnings: '风险预警', results: '成果', reuses: '成果复用', key_units: '重点单位', milestones: '工作节点', total: '合计',
  open: '在办', overdue: '逾期', concluded: '已办结', verified: '已销号', in_progress: '实施中', transferred: '已移送', accepted: '已受理',
  quarantine: '隔离数据', overdue_milestones: '逾期节点', overdue_leads: '逾期线索', overdue_tasks: '逾期任务',
  warnings_open: '待处置预警', warnings_total: '风险预警', escalations_open: '督办中', final_reports: '最终报告', published: '已公开',
};
const countLabel = (k) => t(COUNT_LABEL[k] || label('mechanism', k));

// ---- reading the dashboard answer ----------------------------------------------------------
// API.md names what it holds (counts per mechanism, overdue, per unit) but not its nesting, so the
// readers below accept the shapes a gateway may reasonably give and ignore what they don't know.
const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const isCounts = (v) => v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => num(x) !== null);
const sum = (o) => Object.values(o).reduce((s, x) => s + (num(x) ?? 0), 0);
const SKIP = new Set(['year', 'overdue', 'per_unit', 'total', 'count', 'unavailable']);
// What each mechanism's headline figure is, and which of its counts say the most beside it;
// any other service's stats fall back to the generic reading.
const PRIMARY = {
  planning: ['items_total', 'items'], leads: ['total', 'leads'], rectification: ['tasks', 'problems'],
  research: ['topics_total', 'topics'], sharing: ['records', 'warnings_total'],
};
const SHOWN = {
  planning: ['proposals', 'findings'], leads: ['open', 'concluded', 'escalations_open'],
  rectification: ['problems', 'verified', 'circulars'], research: ['outputs', 'final_reports', 'concluded'],
  sharing: ['warnings_open', 'results', 'quarantine'],
};
// ECharts tooltips are HTML: anything from the server is escaped first.
const esc = (x) => String(x).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const countOf = (x) => num(x) ?? (isCounts(x) ? sum(x) : null);

/** One mechanism's stats → {total, detail: {kind: count}, unavailable}. */
export function mechanismCounts(v, key) {
  if (num(v) !== null) return { total: v, detail: {} };
  if (!v || typeof v !== 'object') return { total: 0, detail: {} };
  if (v.unavailable === true) return { total: null, detail: {}, unavailable: true };
  const detail = {};
  if (SHOWN[key]) {
    for (const k of SHOWN[key]) if (countOf(v[k]) !== null) detail[k] = countOf(v[k]);
  } else {
    for (const [k, x] of Object.entries(v)) {
      if (SKIP.has(k) || k.startsWith('overdue') || k.endsWith('_total') || /(^|_)(by|per)_/.test(k)) continue;
      if (countOf(x) !== null) detail[k] = countOf(x);
    }
  }
  const first = (PRIMARY[key] || []).map((k) => countOf(v[k])).find((n) => n !== null && n !== undefined);
  const named = Object.keys(v).find((k) => k.endsWith('_total') && num(v[k]) !== null);
  const total = first ?? num(v.total) ?? num(v.count) ?? (named ? v[named] : sum(detail));
  return { total, detail };
}
export function mechanisms(d) {
  let m = d.mechanisms || d.per_mechanism || d.counts || null;
  if (!m) m = Object.fromEntries(MECH_ORDER.filter((k) => k in d).map((k) => [k, d[k]]));
  const entries = Array.isArray(m) ? m.map((x) => [x.mechanism || x.key || x.name, x.counts || x]) : Object.entries(m);
  return entries.map(([key, v]) => ({ key, raw: v, name: (d.labels || {})[key], ...mechanismCounts(v, key) }))
    .sort((a, b) => ((MECH_ORDER.indexOf(a.key) + 99) % 99) - ((MECH_ORDER.indexOf(b.key) + 99) % 99));
}
/** {kind: overdue count}, from a top-level `overdue` or from each mechanism's own. */
export function overdue(d, mech) {
  const o = d.overdue;
  if (o && typeof o === 'object') {
    return Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'total').map(([k, v]) => [k, num(v) ?? mechanismCounts(v, k).total ?? 0]));
  }
  const out = {};
  for (const m of mech) {
    const n = m.raw && typeof m.raw === 'object' ? num(m.raw.overdue) : null;
    if (n !== null) out[m.key] = n;
  }
  if (!Object.keys(out).length && num(o) !== null) out.total = o;
  return out;
}
/** [{unit, counts: {mechanism or kind: n}}] from a top-level `per_unit` or each mechanism's. */
export function perUnit(d, mech) {
  const u = d.per_unit || d.units || d.by_unit;
  const table = {};
  const add = (unit, k, n) => { if (n) { table[unit] ||= {}; table[unit][k] = (table[unit][k] || 0) + n; } };
  if (u) {
    const list = Array.isArray(u) ? u.map((x) => [x.unit || x.id, x.counts || x]) : Object.entries(u);
    for (const [unit, v] of list) {
      if (num(v) !== null) add(unit, 'total', v);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== 'unit' && num(x) !== null) add(unit, k, x);
    }
  } else {
    for (const m of mech) {
      const pu = m.raw && m.raw.per_unit;
      if (isCounts(pu)) for (const [unit, n] of Object.entries(pu)) add(unit, m.key, n);
    }
  }
  return Object.entries(table).map(([unit, counts]) => ({ unit, counts }));
}

// ---- charts --------------------------------------------------------------------------------
function chart(el, option) {
  if (!window.echarts) { clear(el, h('p.muted', t('图表组件未能加载'))); return; }
  const c = window.echarts.init(el, null, { renderer: 'canvas' });
  c.setOption({ color: PALETTE, textStyle: { fontFamily: 'inherit' }, animationDuration: 400, ...option });
  new ResizeObserver(() => c.resize()).observe(el);
}
const chartBox = (id, label_, cls = '') => h(`div.chart${cls}`, { id, role: 'img', 'aria-label': label_ });
function unavailable(err) {
  return h('div.empty.unavailable', h('p', errorTitle(err)), h('p.muted.small', err.message || ''));
}

// ---- the page ------------------------------------------------------------------------------
export async function dashboard(main, params, query) {
  const year = Number(query.year) || workingYear();
  const body = h('div');
  const me = session.me;
  clear(main, pageHeader(t('{y} 年度协同监督工作台', { y: year }),
    t('{u} · {r}，您好', { u: unitName(me.unit), r: label('role', me.role) }),
    yearPicker(year, (y) => { location.hash = `#/dashboard?year=${y}`; })), body);
  await load(body, async () => {
    const settled = await Promise.allSettled([
      api.get('/dashboard', { year }),
      api.get(`/plans/${year}`),
      api.list('/notifications', { unread: 'true', limit: 6 }),
    ]);
    return settled.map((r) => (r.status === 'fulfilled' ? { ok: r.value } : { err: r.reason }));
  }, ([dash, plan, notes]) => render(year, dash, plan, notes), { rows: 8 });
}

function render(year, dash, plan, notes) {
  const d = dash.ok || null;
  const mech = d ? mechanisms(d) : [];
  const od = d ? overdue(d, mech) : {};
  const odTotal = Object.values(od).reduce((s, x) => s + x, 0);
  const units = d ? perUnit(d, mech) : [];
  if (d && d.unit_names) unitNames = d.unit_names;
  const items = (plan.ok && plan.ok.items) || [];

  const tiles = h('div.stat-row.dash-tiles',
    planTile(year, plan),
    mech.filter((m) => m.key !== 'planning').map((m) => h('a.stat.stat-link', { href: mechHref(m.key, year), dataset: { mechanism: m.key } },
      h('div.stat-label', mechName(m)), h('div.stat-value', m.unavailable ? '—' : m.total),
      h('div.stat-sub', m.unavailable ? t('服务暂不可用') : Object.entries(m.detail).slice(0, 3).map(([k, v]) => `${countLabel(k)} ${v}`).join(' · ')))),
    d ? h(`a.stat.stat-link${odTotal ? '.stat-bad' : ''}`, { href: overdueHref(od, year) },
      h('div.stat-label', t('逾期事项')), h('div.stat-value', odTotal),
      h('div.stat-sub', Object.entries(od).filter(([, v]) => v).map(([k, v]) => `${shortName(k)} ${v}`).join(' · ') || t('当前没有逾期事项'))) : null);

  const mechChart = chartBox('chart-mechanisms', t('各机制工作量'));
  const planChart = chartBox('chart-plan', t('年度监督事项进展'));
  const unitChart = chartBox('chart-units', t('各单位参与情况'));
  const noteList = notes.err ? unavailable(notes.err)
    : notes.ok.items.length ? h('ul.note-list', notes.ok.items.map((n) => h('li',
      h('a', { href: noteHref(n) || '#/notifications' }, n.title || n.message || n.text), h('div.muted.small', fmtDate(n.created_at || n.at, true)))))
      : empty(t('没有未读通知'));

  // Who took part: the cross-service per-unit counts when there are any, else the plan's items.
  const planUnits = {};
  for (const i of items) {
    for (const u of [i.lead_unit, ...(i.participating_units || [])].filter(Boolean)) {
      planUnits[u] ||= { lead: 0, join: 0 };
      planUnits[u][u === i.lead_unit ? 'lead' : 'join'] += 1;
    }
  }
  const unitRows = units.length ? units : Object.entries(planUnits).map(([unit, c]) => ({ unit, counts: { 牵头: c.lead, 参与: c.join } }));

  const out = h('div',
    tiles,
    h('div.grid-2',
      card(t('各机制工作量'), d ? (mech.length ? mechChart : empty(t('本年度暂无统计'))) : unavailable(dash.err)),
      card(t('待办与提醒'), h('div', noteList, h('a.more', { href: '#/notifications' }, t('进入通知中心 →'))))),
    h('div.grid-2',
      card(t('{y} 年度监督事项进展', { y: year }), plan.ok ? (items.length ? planChart : empty(t('计划中还没有监督事项')))
        : plan.err.status === 404 ? empty(t('{y} 年度尚未制定监督计划。', { y: year }), can.office() ? h('a', { href: `#/plan/${year}` }, t('去制定 →')) : null)
          : unavailable(plan.err)),
      card(units.length ? t('各单位参与情况') : t('各单位参与监督事项'), unitRows.length ? unitChart : empty(t('暂无分单位统计')))));

  // Charts measure their boxes, so they are drawn once the page is in the document.
  requestAnimationFrame(() => {
    if (d && mech.length) drawMechanisms(mechChart, mech, od);
    if (items.length) drawPlan(planChart, items);
    if (unitRows.length) drawUnits(unitChart, unitRows);
  });
  return out;
}

function planTile(year, plan) {
  if (!plan.ok) {
    return h('a.stat.stat-link', { href: `#/plan/${year}`, dataset: { mechanism: 'planning' } },
      h('div.stat-label', label('mechanism', 'planning')), h('div.stat-value', '—'),
      h('div.stat-sub', plan.err && plan.err.status === 404 ? t('{y} 年度尚未制定监督计划。', { y: year }) : errorTitle(plan.err)));
  }
  const items = plan.ok.items || [];
  return h('a.stat.stat-link', { href: `#/plan/${year}`, dataset: { mechanism: 'planning' } },
    h('div.stat-label', label('mechanism', 'planning')), h('div.stat-value', items.length),
    h('div.stat-sub', [label('plan_status', plan.ok.status), `${t('重点')} ${items.filter((i) => i.key).length}`,
      `${t('实施中')} ${items.filter((i) => i.status === 'in_progress').length}`].join(' · ')));
}

function drawMechanisms(el, mech, od) {
  chart(el, {
    tooltip: {
      trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (ps) => {
        const m = mech[ps[0].dataIndex];
        const lines = Object.entries(m.detail).map(([k, v]) => `${countLabel(k)}：${v}`);
        return [`<b>${esc(mechName(m))}</b>`, ...ps.map((p) => `${p.marker}${esc(p.seriesName)}：${p.value}`), ...lines.map(esc)].join('<br>');
      },
    },
    legend: { bottom: 0 },
    grid: { left: 40, right: 16, top: 24, bottom: 40 },
    xAxis: { type: 'category', data: mech.map((m) => shortName(m.key)), axisLabel: { interval: 0, fontSize: 12 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: t('总量'), type: 'bar', barMaxWidth: 32, data: mech.map((m) => m.total ?? 0), label: { show: true, position: 'top', fontSize: 11 } },
      { name: t('逾期'), type: 'bar', barMaxWidth: 32, itemStyle: { color: '#b5534b' }, data: mech.map((m) => od[m.key] ?? 0) },
    ],
  });
}

function drawPlan(el, items) {
  const byStatus = {};
  for (const i of items) byStatus[i.status] = (byStatus[i.status] || 0) + 1;
  const order = ['planned', 'in_progress', 'concluded', 'cancelled'].filter((s) => byStatus[s]);
  chart(el, {
    tooltip: { trigger: 'item', formatter: '{b}：{c} 项（{d}%）' },
    legend: { bottom: 0 },
    series: [{
      type: 'pie', radius: ['45%', '70%'], center: ['50%', '45%'], label: { formatter: '{b}\n{c} 项' },
      data: order.map((s) => ({ name: label('item_status', s), value: byStatus[s], itemStyle: { color: STATUS_COLOURS[s] } })),
    }],
  });
}

function drawUnits(el, rows) {
  el.style.height = `${Math.max(270, rows.length * 28 + 70)}px`;
  const keys = [...new Set(rows.flatMap((u) => Object.keys(u.counts)))];
  const sorted = [...rows].sort((a, b) => sum(a.counts) - sum(b.counts));
  chart(el, {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { bottom: 0, type: 'scroll' },
    grid: { left: 110, right: 16, top: 8, bottom: 40 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: sorted.map((u) => unitLabel(u.unit)), axisLabel: { fontSize: 11 } },
    series: keys.map((k) => ({ name: shortName(k), type: 'bar', stack: 'all', barMaxWidth: 18, data: sorted.map((u) => u.counts[k] ?? 0) })),
  });
}

const SHORT = { planning: '计划', leads: '线索', rectification: '整改', research: '课题', sharing: '共享' };
const shortName = (k) => t(SHORT[k] || COUNT_LABEL[k] || k);
const mechName = (m) => (m.name ? t(m.name) : label('mechanism', m.key));
let unitNames = {};
const unitLabel = (u) => (unitName(u) !== u ? unitName(u) : unitNames[u] || u);
function overdueHref(od, year) {
  const worst = Object.entries(od).sort((a, b) => b[1] - a[1])[0];
  const key = worst && worst[1] ? worst[0] : 'rectification';
  return { planning: `#/plan/${year}`, leads: can.coordinate() || can.viewer() ? '#/leads?overdue=true' : '#/tasks?overdue=true', research: `#/research?year=${year}` }[key] || '#/tasks?overdue=true';
}
function mechHref(key, year) {
  return {
    planning: `#/plan/${year}`, sharing: '#/warnings', leads: can.coordinate() ? '#/leads' : '#/dashboard',
    rectification: '#/tasks', results: '#/results', research: `#/research?year=${year}`,
  }[key] || '#/dashboard';
}
