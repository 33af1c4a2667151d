// Cross-service views: trace, search, notifications, exports and the audit trail.
import { api } from '../api.js';
import { fmtDate, t } from '../i18n.js';
import { workingYear } from '../year.js';
import { label, unitName } from '../labels.js';
import { refreshUnread } from '../main.js';
import { can } from '../session.js';
import {
  badge, card, clear, dataTable, empty, errorBox, fieldList, h, load, pageHeader, spinner, toast,
} from '../ui.js';
import { show, yearPicker } from './common.js';

const ID = (id) => encodeURIComponent(id);
const ROUTE_OF = { item: 'items', finding: null, lead: 'leads', problem: 'problems', task: 'tasks', circular: 'circulars', topic: 'research', research_topic: 'research', warning: 'warnings', proposal: 'proposals', record: 'records', result: 'results', plan: 'plan' };

export function hrefFor(kind, id, extra = {}) {
  if (extra.href) return extra.href;
  if (kind === 'finding') return extra.item_id ? `#/items/${ID(extra.item_id)}` : `#/trace/finding/${ID(id)}`;
  if (kind === 'plan') return `#/plan/${id}`;
  if (kind === 'output') return extra.topic_id ? `#/research/${ID(extra.topic_id)}` : null;
  if (['warning', 'record', 'proposal', 'result'].includes(kind)) return `#/${ROUTE_OF[kind]}`;
  const base = ROUTE_OF[kind];
  return base ? `#/${base}/${ID(id)}` : null;
}

// ---- trace ---------------------------------------------------------------------------------
const CHAIN = ['record', 'warning', 'proposal', 'item', 'finding', 'lead', 'problem', 'task', 'circular', 'topic', 'output', 'result'];
/** Nodes of a trace answer, whatever its exact nesting: [{kind, id, title, status, ...}]. */
export function traceNodes(d) {
  if (Array.isArray(d.nodes)) return d.nodes;
  if (Array.isArray(d.chain)) return d.chain;
  if (Array.isArray(d.items)) return d.items;
  const out = [];
  const plural = { items: 'item', findings: 'finding', leads: 'lead', problems: 'problem', tasks: 'task', circulars: 'circular', warnings: 'warning', records: 'record' };
  for (const [k, v] of Object.entries(d)) {
    const kind = plural[k] || (CHAIN.includes(k) ? k : null);
    if (!kind || !v) continue;
    for (const x of [].concat(v)) out.push({ kind, ...x });
  }
  return out;
}
export async function tracePick(main) {
  const kind = h('select.input', { 'aria-label': t('类型') }, ['item', 'finding', 'lead', 'problem', 'task', 'circular'].map((k) => h('option', { value: k }, label('trace_kind', k))));
  const id = h('input.input', { placeholder: t('编号'), 'aria-label': t('编号') });
  const f = h('form.inline-form', kind, id, h('button.btn.btn-primary', { type: 'submit' }, t('追溯')));
  f.addEventListener('submit', (e) => { e.preventDefault(); if (id.value.trim()) location.hash = `#/trace/${kind.value}/${ID(id.value.trim())}`; });
  clear(main, pageHeader(t('事项追溯'), t('监督事项 → 发现问题 → 问题线索 → 整改问题 → 整改任务 → 通报，双向追溯')),
    card(t('按编号追溯'), h('div', f, h('p.muted', t('也可以在任一事项、线索、问题、任务或通报的详情页点击“追溯链条”。')))));
}
export async function tracePage(main, [kind, id]) {
  const body = h('div');
  clear(main, h('div.crumbs', h('a', { href: '#/trace' }, t('事项追溯')), ' / ', label('trace_kind', kind)),
    pageHeader(t('追溯链条'), t('从 {k} 出发，向前向后查看关联的全部环节（仅显示您有权知悉的内容）', { k: label('trace_kind', kind) })), body);
  await load(body, () => api.get(`/trace/${kind}/${ID(id)}`), (d) => {
    const nodes = traceNodes(d);
    const notes = [
      (d.unavailable || []).length ? h('div.alert.alert-warn', t('以下服务暂未应答，链条可能不全：{s}', { s: d.unavailable.map((x) => label('mechanism', x)).join('、') })) : null,
      d.truncated ? h('div.alert.alert-info', t('关联环节较多，仅显示最近的部分。')) : null,
    ];
    if (!nodes.length) return h('div', notes, card(null, empty(t('没有关联的环节'))));
    const kinds = [...new Set(nodes.map((n) => n.kind || n.type))].sort((a, b) => (CHAIN.indexOf(a) + 99) % 99 - (CHAIN.indexOf(b) + 99) % 99);
    return h('div', notes, h('div.trace', kinds.map((k, i) => [
      i ? h('div.trace-arrow', { 'aria-hidden': 'true' }, '→') : null,
      h('div.trace-col', h('div.trace-kind', label('trace_kind', k)),
        nodes.filter((n) => (n.kind || n.type) === k).map((n) => {
          const href = hrefFor(k, n.id, n);
          const isRoot = k === kind && String(n.id) === String(id);
          return h(`div.trace-node${isRoot ? '.trace-root' : ''}`,
            href ? h('a', { href, title: n.title || '' }, clip(n.title || n.summary || n.measures || `${label('trace_kind', k)} ${n.id}`, 60)) : h('strong', clip(n.title || n.summary || n.id, 60)),
            h('div.small.muted', [n.unit || n.lead_unit || n.holder_unit || n.responsible_unit || n.subject].filter(Boolean).map(unitName).join(' · ')),
            n.status ? h('div', badge(n.status_label || statusText(k, n.status), 'neutral'), n.overdue ? [' ', badge(t('已逾期'), 'bad')] : null) : null);
        })),
    ])));
  });
}
const clip = (x, n) => (x && x.length > n ? `${x.slice(0, n)}…` : x);
function statusText(kind, status) {
  const group = { item: 'item_status', lead: 'lead_status', task: 'task_status', circular: 'circular_status', problem: 'problem_status', warning: 'warning_status', topic: 'topic_status' }[kind];
  return group ? label(group, status) : status;
}

// ---- search --------------------------------------------------------------------------------
export async function searchPage(main, params, query) {
  const q = query.q || '';
  const input = h('input.input.search-big', { type: 'search', value: q, placeholder: t('输入关键词，如“乡村振兴”'), 'aria-label': t('搜索') });
  const f = h('form.inline-form', input, h('button.btn.btn-primary', { type: 'submit' }, t('搜索')));
  f.addEventListener('submit', (e) => { e.preventDefault(); location.hash = `#/search?q=${encodeURIComponent(input.value.trim())}`; });
  const body = h('div');
  clear(main, pageHeader(t('搜索'), t('在您有权查看的事项、线索、问题、任务、通报、课题和共享数据中检索')), card(null, f), body);
  if (!q) { clear(body, card(null, empty(t('请输入关键词')))); return; }
  await load(body, () => api.get('/search', { q, limit: 100 }), (data) => {
    const gap = (data.unavailable || []).length
      ? h('div.alert.alert-warn', t('以下服务暂未应答，结果可能不全：{s}', { s: data.unavailable.map((x) => label('mechanism', x)).join('、') })) : null;
    if (!data.items.length) return h('div', gap, card(null, empty(t('没有找到与“{q}”相关的内容', { q }), t('请尝试更短的关键词，或检查是否有权查看。'))));
    const groups = {};
    for (const r of data.items) (groups[r.kind || r.type || 'other'] ||= []).push(r);
    return h('div', gap, h('p.muted', t('共找到 {n} 条结果', { n: data.total || data.items.length })),
      Object.entries(groups).map(([k, list]) => card(`${label('trace_kind', k)}（${list.length}）`, h('ul.results', list.map((r) => {
        const href = hrefFor(k, r.id, r);
        return h('li', href ? h('a', { href }, r.title || r.summary || r.id) : h('strong', r.title || r.id),
          r.snippet || r.summary ? h('div.small.muted', r.snippet || r.summary) : null);
      })))));
  });
}

// ---- notifications -------------------------------------------------------------------------
export function noteHref(n) {
  if (n.link && String(n.link).startsWith('#')) return n.link;
  const kind = n.entity_kind || n.kind || (n.entity && n.entity.kind);
  const id = n.entity_id || (n.entity && n.entity.id);
  return kind && id ? hrefFor(kind, id) : null;
}
export async function notificationsPage(main, params, query) {
  const onlyUnread = query.unread === 'true';
  const body = h('div');
  const reload = () => notificationsPage(main, params, query);
  const readAll = h('button.btn', { type: 'button', onclick: async () => {
    readAll.disabled = true;
    try { await api.post('/notifications/read-all'); toast(t('已全部标记为已读')); refreshUnread(); reload(); } catch (err) { toast(err.message, 'bad'); readAll.disabled = false; }
  } }, t('全部标为已读'));
  clear(main, pageHeader(t('通知中心'), t('线索待受理、期限临近、逾期、任务退回、通报印发等提醒'),
    h('a.btn', { href: onlyUnread ? '#/notifications' : '#/notifications?unread=true' }, onlyUnread ? t('显示全部') : t('只看未读')), readAll), body);
  await load(body, () => api.list('/notifications', onlyUnread ? { unread: 'true' } : undefined), (data) => {
    if (!data.items.length) return card(null, empty(onlyUnread ? t('没有未读通知') : t('暂无通知')));
    return card(null, h('ul.notifications', data.items.map((n) => {
      const unread = !(n.read || n.read_at);
      const href = noteHref(n);
      const mark = unread ? h('button.btn.btn-small', { type: 'button', onclick: async (e) => {
        e.target.disabled = true;
        try { await api.post(`/notifications/${ID(n.id)}/read`); toast(t('已标记为已读')); refreshUnread(); reload(); } catch (err) { toast(err.message, 'bad'); e.target.disabled = false; }
      } }, t('标为已读')) : h('span.muted.small', t('已读'));
      return h(`li.note${unread ? '.unread' : ''}`, { dataset: { id: n.id } },
        h('span.dot', { 'aria-hidden': 'true' }),
        h('div.note-main',
          h('div', n.type ? [badge(n.type_label || noteType(n.type), noteKind(n.type)), ' '] : null, href ? h('a', { href }, n.title || n.message) : h('strong', n.title || n.message)),
          n.title && n.message ? h('div.small', n.message) : null,
          h('div.small.muted', fmtDate(n.created_at || n.at, true), n.due_on ? ` · ${t('期限')} ${fmtDate(n.due_on)}` : '')),
        mark);
    })));
  });
}
const NOTE_TYPES = { lead_returned: '线索退回', lead_concluded: '线索办结', task_assigned: '新交办任务', task_submitted: '任务待核验', due_soon: '期限临近',  lead_received: '线索待受理', lead_transferred: '线索待受理', deadline_near: '期限临近', deadline_soon: '期限临近', lead_overdue: '线索逾期', task_overdue: '任务逾期', overdue: '已逾期', task_sent_back: '任务退回', circular_issued: '通报印发', task_assigned: '新交办任务' };
const noteType = (k) => t(NOTE_TYPES[k] || k);
const noteKind = (k) => (/overdue|sent_back/.test(k) ? 'bad' : /near|soon|received|transferred/.test(k) ? 'warn' : 'info');

// ---- exports -------------------------------------------------------------------------------
export async function exportsPage(main) {
  let year = workingYear();
  const status = h('div', { 'aria-live': 'polite' });
  const run = async (btn, path, name, params) => {
    btn.disabled = true;
    clear(status, spinner(t('正在生成 {n}…', { n: name })));
    try {
      const f = await api.download(path, name, params);
      clear(status, h('div.alert.alert-ok', t('已下载：{n}（{k} KB）', { n: f.name, k: Math.max(1, Math.round(f.size / 1024)) })));
    } catch (err) { clear(status, errorBox(err)); } finally { btn.disabled = false; }
  };
  const btn = (text, path, name, params) => {
    const b = h('button.btn', { type: 'button', dataset: { export: name } }, text);
    b.addEventListener('click', () => run(b, typeof path === 'function' ? path() : path, typeof name === 'function' ? name() : name, params && params()));
    return b;
  };
  const report = btn(t('下载年度工作报告（Word）'), () => `/reports/annual/${year}.docx`, () => `annual-report-${year}.docx`);
  report.classList.add('btn-primary');
  report.id = 'export-annual';
  const lists = [
    btn(t('监督事项清单'), '/items.xlsx', 'items.xlsx', () => ({ year })),
    can.coordinate() ? btn(t('问题线索清单'), '/leads.xlsx', 'leads.xlsx') : null,
    can.supervised() ? null : btn(t('整改问题清单'), '/problems.xlsx', 'problems.xlsx'),
    btn(t('整改任务清单'), '/tasks.xlsx', 'tasks.xlsx'),
  ];
  clear(main, pageHeader(t('报告与导出'), t('年度工作报告按公文格式生成；清单导出为 Excel，内容与您可查看的列表一致')),
    h('div.grid-2',
      card(t('年度工作报告'), h('div', h('p', t('汇总计划共商、工作共推、信息共享、线索共处、整改共促、成果共用、课题共研七项机制的年度工作。')),
        h('div.inline-form', yearPicker(year, (y) => { year = y; }), can.supervised() ? h('span.muted', t('年度报告仅供协作单位和领导查阅')) : report))),
      card(t('清单导出（Excel）'), h('div.btn-row', lists))),
    status);
}

// ---- audit ---------------------------------------------------------------------------------
export async function auditPage(main, params, query) {
  const entity = query.entity || '';
  const input = h('input.input.search-big', { value: entity, placeholder: t('实体，如 lead:lead-xxxx 或 item:item-xxxx'), 'aria-label': t('实体') });
  const f = h('form.inline-form', input, h('button.btn.btn-primary', { type: 'submit' }, t('查询')));
  f.addEventListener('submit', (e) => { e.preventDefault(); location.hash = `#/audit${input.value.trim() ? `?entity=${encodeURIComponent(input.value.trim())}` : ''}`; });
  const body = h('div');
  clear(main, pageHeader(t('操作审计'), t('每一次状态变更：操作人、单位、时间、内容、变更前后，防篡改链式存证')), card(null, f), body);
  if (!can.office()) { clear(body, card(null, empty(t('仅人大常委会办公室可查看操作审计。')))); return; }
  if (!entity) { clear(body, card(null, empty(t('请输入要查看的实体'), t('格式为“类型:编号”，如 item:item-xxxx、lead:lead-xxxx；只写类型（如 plan）则列出该类型的全部记录。')))); return; }
  await load(body, () => api.get('/audit', { entity }), (data) => card(null, dataTable({
    rows: data.items || [],
    emptyText: t('没有审计记录'),
    columns: [
      { key: 'at', title: t('时间'), render: (r) => fmtDate(r.at || r.occurred_at || r.created_at, true), sort: (r) => r.at || r.occurred_at || r.created_at },
      { key: 'actor', title: t('操作人'), render: (r) => r.actor || r.username || '—' },
      { key: 'unit', title: t('单位'), render: (r) => unitName(r.unit || r.actor_unit) },
      { key: 'action', title: t('操作'), render: (r) => r.action || r.event || '—' },
      { key: 'entity', title: t('对象'), render: (r) => [r.entity || r.entity_kind, r.entity_id].filter(Boolean).join(':') || '—' },
      { key: 'change', title: t('变更前 → 后'), sort: () => '', render: (r) => h('span.small', `${show(r.before)} → ${show(r.after)}`) },
      { key: 'outcome', title: t('结果'), render: (r) => r.outcome || '—' },
      { key: 'service', title: t('服务'), render: (r) => label('mechanism', r.service) },
      { key: 'hash', title: t('链式校验值'), sort: () => '', render: (r) => h('code.small', (r.hash || '').slice(0, 12)) },
    ],
  })));
}
export { fieldList };
