// 信息共享 · 成果共用: shared records, early warnings, quarantine, portraits, results library.
import { api } from '../api.js';
import { fmtDate, t } from '../i18n.js';
import { label, options, unitName, unitsCached } from '../labels.js';
import { can } from '../session.js';
import {
  badge, card, clear, dataTable, empty, fieldList, formDialog, h, load, modal, pageHeader,
} from '../ui.js';
import { actionButton, agencyUnits, show, statusBadge, traceLink } from './common.js';

const ID = (id) => encodeURIComponent(id);
const typeFilter = () => options('record_type');

function summarise(data) {
  if (!data || typeof data !== 'object') return show(data);
  return Object.entries(data).slice(0, 4).map(([k, v]) => `${k}: ${show(v)}`).join('；');
}
function provenance(r) {
  return fieldList([
    r.title ? [t('标题'), r.title] : null,
    [t('数据类型'), label('record_type', r.type)],
    [t('涉及对象'), unitName(r.subject)],
    [t('发生时间'), fmtDate(r.occurred_at, true)],
    [t('来源单位'), unitName(r.source_unit)],
    [t('来源系统编号'), r.record_id],
    [t('事件编号'), h('code', r.event_id || '—')],
    [t('接收时间'), fmtDate(r.received_at, true)],
    [t('数据内容'), h('table.table.compact', h('tbody', Object.entries(r.data || {}).map(([k, v]) => h('tr', h('th', k), h('td', show(v))))))],
  ]);
}

export async function recordsPage(main, params, query) {
  const body = h('div');
  clear(main, pageHeader(t('共享数据'), t('各协作单位数据适配器报送的数据，按共享规则仅显示本单位可读的类型')), body);
  await load(body, () => api.list('/records', { subject: query.subject, type: query.type }), (data) => card(null, dataTable({
    rows: data.items,
    emptyText: t('暂无本单位可读的共享数据'),
    onRow: (r) => modal(t('数据详情与来源'), provenance(r), { wide: true }),
    columns: [
      { key: 'type', title: t('数据类型'), render: (r) => label('record_type', r.type), filter: typeFilter() },
      { key: 'subject', title: t('涉及对象'), render: (r) => h('a', { href: `#/portrait/${ID(r.subject)}` }, unitName(r.subject)), sort: (r) => unitName(r.subject) },
      { key: 'occurred_at', title: t('发生时间'), render: (r) => fmtDate(r.occurred_at) },
      { key: 'source_unit', title: t('来源单位'), render: (r) => unitName(r.source_unit), sort: (r) => unitName(r.source_unit) },
      { key: 'data', title: t('内容摘要'), render: (r) => h('span.clip', r.title || summarise(r.data)), sort: (r) => r.title || summarise(r.data) },
    ],
  })));
}

export async function warningsPage(main, params, query) {
  const body = h('div');
  const reload = () => warningsPage(main, params, query);
  clear(main, pageHeader(t('风险预警'), t('依据共享数据和预警规则自动生成，每条预警说明触发规则和依据的数据')), body);
  const filter = h('div.btn-row.filter-row', [['', t('全部')], ['open', t('待处置')], ['converted', t('已转线索')], ['dismissed', t('已排除')]].map(([v, text]) =>
    h(`a.btn.btn-small${(query.status || '') === v ? '.btn-primary' : ''}`, { href: v ? `#/warnings?status=${v}` : '#/warnings' }, text)));
  main.insertBefore(filter, body);
  await load(body, () => api.list('/warnings', { status: query.status }), (data) => {
    if (!data.items.length) return card(null, empty(t('当前没有预警'), t('数据适配器报送新数据后，系统会自动按规则检查。')));
    return h('div.warning-list', data.items.map((w) => {
      const records = w.records || [];
      return h('section.card.warning', { dataset: { warning: w.id } },
        h('div.card-head', h('h2', h('span.warn-icon', { 'aria-hidden': 'true' }, '⚠ '), w.title || label('record_type', w.rule) || t('预警')),
          h('div.card-actions',
            statusBadge('warning_status', w.status),
            w.lead_id ? h('a.btn.btn-small', { href: `#/leads/${ID(w.lead_id)}` }, t('查看线索')) : null,
            traceLink('warning', w.id),
            can.coordinate() && w.status === 'open' ? actionButton(t('转为线索'), () => formDialog(t('预警转为问题线索'), {
              fields: [
                { name: 'to_unit', label: t('移送至'), type: 'select', options: agencyUnits(), required: true },
                { name: 'category', label: t('线索类别'), type: 'select', options: options('lead_category'), value: 'funds', required: true },
                { name: 'sensitivity', label: t('敏感程度'), type: 'select', options: options('sensitivity').slice(0, 3), value: 'normal', required: true },
                { name: 'reason', label: t('移送理由'), type: 'textarea', rows: 3, placeholder: t('不填则以预警说明为理由') },
              ],
              submitText: t('转为线索并移送'),
              submit: (v) => api.post(`/warnings/${ID(w.id)}/to-lead`, v),
            }, (lead) => { if (lead && lead.id) location.hash = `#/leads/${ID(lead.id)}`; else reload(); }), 'primary') : null,
            can.coordinate() && w.status === 'open' ? actionButton(t('排除'), () => formDialog(t('排除预警'), {
              fields: [{ name: 'reason', label: t('排除理由'), type: 'textarea', required: true }],
              submitText: t('确认排除'),
              submit: (v) => api.post(`/warnings/${ID(w.id)}/dismiss`, v),
            }, reload)) : null)),
        h('div.card-body',
          fieldList([
            [t('涉及对象'), w.subject ? h('a', { href: `#/portrait/${ID(w.subject)}` }, w.subject_name || unitName(w.subject)) : '—'],
            [t('预警规则'), h('span', w.rule_name || w.rule || '—', w.rule_description ? h('div.small.muted', w.rule_description) : null)],
            [t('预警说明'), h('div.prose', w.explanation || w.message || w.reason || '—')],
            [t('生成时间'), fmtDate(w.raised_at || w.created_at, true)],
          ]),
          records.length ? h('details', { open: true }, h('summary', t('依据的数据（{n} 条）', { n: records.length })),
            h('table.table.compact', h('thead', h('tr', h('th', t('类型')), h('th', t('来源单位')), h('th', t('来源编号')), h('th', t('接收时间')), h('th', t('内容')))),
              h('tbody', records.map((r) => (typeof r === 'object'
                ? h('tr.clickable', { onclick: () => modal(t('数据详情与来源'), provenance(r), { wide: true }) },
                  h('td', r.type_label || label('record_type', r.type)), h('td', unitName(r.source_unit)), h('td', r.record_id || '—'),
                  h('td', fmtDate(r.received_at, true)), h('td', r.title || summarise(r.data)))
                : h('tr', h('td', { colSpan: 5 }, String(r)))))))) : null));
    }));
  });
}

export async function quarantinePage(main) {
  const body = h('div');
  clear(main, pageHeader(t('数据隔离区'), can.office() ? t('各适配器被拒收的数据及原因') : t('本单位适配器被拒收的数据及原因')), body);
  await load(body, () => api.list('/quarantine'), (data) => card(null, dataTable({
    rows: data.items,
    emptyText: t('隔离区为空，所有数据均已通过校验'),
    onRow: (r) => modal(t('被拒收的数据'), h('div', fieldList([
      [t('拒收原因'), show(r.reasons || r.reason)], [t('原因代码'), r.code || '—'], [t('来自'), r.origin || '—'],
      [t('接收时间'), fmtDate(r.received_at, true)]]), r.record || r.payload ? h('pre.code', JSON.stringify(r.record || r.payload, null, 2)) : null), { wide: true }),
    columns: [
      { key: 'source_unit', title: t('来源单位'), render: (r) => unitName(r.source_unit || r.agency), sort: (r) => unitName(r.source_unit || r.agency) },
      { key: 'type', title: t('数据类型'), render: (r) => (r.type ? label('record_type', r.type) : '—') },
      { key: 'record_id', title: t('原始编号'), render: (r) => r.record_id || (r.record && r.record.record_id) || '—' },
      { key: 'reason', title: t('拒收原因'), render: (r) => h('span.text-bad', show(r.reasons || r.reason)), sort: (r) => show(r.reasons || r.reason) },
      { key: 'received_at', title: t('接收时间'), render: (r) => fmtDate(r.received_at || r.created_at, true) },
    ],
  })));
}

export async function resultsPage(main) {
  const body = h('div');
  const reload = () => resultsPage(main);
  clear(main, pageHeader(t('成果库'), t('已办结事项的报告与结论、研究成果和通报，记录各单位的复用情况')), body);
  await load(body, () => api.list('/results'), (data) => card(null, dataTable({
    rows: data.items,
    emptyText: t('成果库暂无成果'),
    onRow: (r) => resultDialog(r),
    columns: [
      { key: 'title', title: t('成果名称') },
      { key: 'kind', title: t('类别'), render: (r) => label('result_kind', r.kind), filter: options('result_kind') },
      { key: 'source_unit', title: t('形成单位'), render: (r) => unitName(r.source_unit || r.unit), sort: (r) => unitName(r.source_unit || r.unit) },
      { key: 'reuses', title: t('复用次数'), render: (r) => (r.reuses || []).length || r.reuse_count || 0, sort: (r) => (r.reuses || []).length || r.reuse_count || 0 },
      { key: 'actions', title: t('操作'), sort: () => '', render: (r) => (can.coordinate() ? actionButton(t('登记复用'), () => formDialog(t('登记成果复用'), {
        fields: [{ name: 'purpose', label: t('复用用途'), type: 'textarea', required: true }],
        submit: (v) => api.post(`/results/${ID(r.id)}/reuse`, v),
      }, reload), 'small') : '—') },
    ],
  })));
}

function resultDialog(r) {
  modal(r.title, h('div',
    fieldList([
      [t('类别'), label('result_kind', r.kind)],
      [t('形成单位'), unitName(r.source_unit)],
      [t('形成时间'), fmtDate(r.created_at, true)],
    ]),
    r.content ? h('div.doc', h('div.prose', r.content)) : null,
    h('h3.section-title', t('复用记录（{n}）', { n: (r.reuses || []).length })),
    (r.reuses || []).length ? h('ul.links', r.reuses.map((u) => h('li', h('strong', unitName(u.unit)), ' ',
      h('span.muted.small', fmtDate(u.at, true)), h('div.small', u.purpose)))) : empty(t('尚无单位复用'))), { wide: true });
}

export async function portraitPick(main) {
  const subjects = unitsCached().filter((u) => u.kind === 'supervised');
  clear(main, pageHeader(t('监督对象画像'), t('汇集各来源关于一个监督对象的全部信息，注明来源')),
    card(t('选择监督对象'), subjects.length ? h('div.tiles', subjects.map((u) => h('a.tile', { href: `#/portrait/${ID(u.id)}` },
      h('div.tile-title', u.name), h('div.muted', u.id)))) : empty(t('单位名录为空'))));
}

const STATUS_GROUP = { item: 'item_status', lead: 'lead_status', task: 'task_status', problem: 'problem_status', circular: 'circular_status', warning: 'warning_status' };
const KIND_ROUTE = { item: 'items', lead: 'leads', task: 'tasks', problem: 'problems', circular: 'circulars' };
function kindHref(kind, x) {
  if (KIND_ROUTE[kind]) return `#/${KIND_ROUTE[kind]}/${ID(x.id)}`;
  if (kind === 'finding') return `#/trace/finding/${ID(x.id)}`;
  if (kind === 'warning') return '#/warnings';
  return null;
}

export async function portraitPage(main, [subject]) {
  const body = h('div');
  const title = h('h1', t('{s} · 画像', { s: unitName(subject) }));
  clear(main, h('div.crumbs', h('a', { href: '#/portrait' }, t('监督对象画像')), ' / ', unitName(subject)),
    h('div.page-header', h('div', title, h('p.subtitle', t('各来源关于该对象的事实，均注明来源单位、原始编号和接收时间')))), body);
  await load(body, () => api.get(`/subjects/${ID(subject)}/portrait`), (p) => {
    if (p.subject_name) title.textContent = t('{s} · 画像', { s: p.subject_name });
    const facts = p.facts || [];
    const timeline = [...(p.timeline || [])].reverse();
    const list = (kind, rows, none) => (rows || []).length ? h('ul.links', rows.map((x) => {
      const href = kindHref(kind, x);
      const text = x.title || x.summary || x.measures || x.id;
      return h('li', href ? h('a', { href }, text) : text,
        x.status ? [' ', badge(STATUS_GROUP[kind] ? label(STATUS_GROUP[kind], x.status) : x.status, 'neutral')] : null,
        x.overdue ? [' ', badge(t('已逾期'), 'bad')] : null);
    })) : empty(none || t('无'));
    // the lists hold the newest few; totals count them all
    const total = (name) => p.totals?.[name] ?? (p[name] || []).length;
    const more = (name) => total(name) > (p[name] || []).length
      ? h('p.muted', t('显示最近 {n} 条，共 {m} 条', { n: (p[name] || []).length, m: total(name) })) : null;
    const counts = [[t('共享数据'), p.facts_total ?? facts.length], [t('风险预警'), (p.warnings || []).length], [t('监督事项'), (p.items || []).length],
      [t('问题线索'), total('leads')], [t('整改问题'), total('problems')], [t('整改任务'), total('tasks')]];
    return h('div',
      (p.unavailable || []).length ? h('div.alert.alert-warn', t('以下服务暂未应答，画像可能不全：{s}', { s: p.unavailable.map((x) => label('mechanism', x)).join('、') })) : null,
      h('div.stat-row', counts.map(([k, v]) => h('div.stat', h('div.stat-label', k), h('div.stat-value', v)))),
      h('div.grid-2',
        h('div',
          card(t('时间线'), timeline.length ? h('ol.timeline.timeline-scroll', timeline.map((e) => h('li',
            h('div.tl-date', fmtDate(e.at || e.occurred_at || e.date), ' · ', label('trace_kind', e.kind)),
            h('div', kindHref(e.kind, e) ? h('a', { href: kindHref(e.kind, e) }, e.title || label('record_type', e.type)) : h('strong', e.title || label('record_type', e.type) || e.kind), ' ',
              e.source_unit ? h('span.muted', unitName(e.source_unit)) : null,
              e.status && STATUS_GROUP[e.kind] ? [' ', badge(label(STATUS_GROUP[e.kind], e.status), 'neutral')] : null)))) : empty(t('暂无时间线记录'))),
          card(t('各来源事实'), dataTable({
            rows: facts,
            pageSize: 10,
            emptyText: t('暂无本单位可读的数据'),
            onRow: (r) => modal(t('数据详情与来源'), provenance(r), { wide: true }),
            columns: [
              { key: 'type', title: t('类型'), render: (r) => label('record_type', r.type), filter: options('record_type') },
              { key: 'occurred_at', title: t('时间'), render: (r) => fmtDate(r.occurred_at) },
              { key: 'source_unit', title: t('来源'), render: (r) => unitName(r.source_unit), sort: (r) => unitName(r.source_unit) },
              { key: 'data', title: t('内容'), render: (r) => h('span.clip', r.title || summarise(r.data)), sort: (r) => r.title || summarise(r.data) },
            ],
          }))),
        h('div',
          (p.warnings || []).length ? card(t('风险预警'), list('warning', p.warnings)) : null,
          card(t('相关监督事项'), list('item', p.items)),
          (p.findings || []).length ? card(t('发现问题'), list('finding', p.findings)) : null,
          card(t('相关问题线索'), h('div', list('lead', p.leads, t('无（或不在本单位知悉范围内）')), more('leads'))),
          card(t('整改问题与任务'), h('div', list('problem', p.problems, t('无整改问题')), more('problems'),
            (p.tasks || []).length ? list('task', p.tasks) : null, more('tasks'))),
          (p.circulars || []).length ? card(t('相关通报'), list('circular', p.circulars)) : null)));
  });
}
