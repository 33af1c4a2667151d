// 信息共享 · 成果共用: shared records, early warnings, quarantine, portraits, results library.
import { api } from '../api.js';
import { fmtDate, t } from '../i18n.js';
import { label, options, unitName, unitsCached } from '../labels.js';
import { can } from '../session.js';
import {
  badge, card, clear, dataTable, empty, fieldList, formDialog, h, load, modal, pageHeader,
} from '../ui.js';
import { actionButton, agencyUnits, show, statusBadge } from './common.js';

const ID = (id) => encodeURIComponent(id);
const typeFilter = () => options('record_type');

function summarise(data) {
  if (!data || typeof data !== 'object') return show(data);
  return Object.entries(data).slice(0, 4).map(([k, v]) => `${k}: ${show(v)}`).join('；');
}
function provenance(r) {
  return fieldList([
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
      { key: 'data', title: t('内容摘要'), render: (r) => h('span.clip', summarise(r.data)), sort: (r) => summarise(r.data) },
    ],
  })));
}

export async function warningsPage(main, params, query) {
  const body = h('div');
  const reload = () => warningsPage(main, params, query);
  clear(main, pageHeader(t('风险预警'), t('依据共享数据和预警规则自动生成，每条预警说明触发规则和依据的数据')), body);
  await load(body, () => api.list('/warnings', { status: query.status }), (data) => {
    if (!data.items.length) return card(null, empty(t('当前没有预警'), t('数据适配器报送新数据后，系统会自动按规则检查。')));
    return h('div.warning-list', data.items.map((w) => {
      const records = w.records || [];
      const converted = w.lead_id || ['converted', 'to_lead'].includes(w.status);
      return h('section.card.warning', { dataset: { warning: w.id } },
        h('div.card-head', h('h2', h('span.warn-icon', { 'aria-hidden': 'true' }, '⚠ '), w.title || label('record_type', w.rule) || t('预警')),
          h('div.card-actions',
            statusBadge('warning_status', w.status),
            w.lead_id ? h('a.btn.btn-small', { href: `#/leads/${ID(w.lead_id)}` }, t('查看线索')) : null,
            can.coordinate() && !converted ? actionButton(t('转为线索'), () => formDialog(t('预警转为问题线索'), {
              fields: [{ name: 'to_unit', label: t('移送至'), type: 'select', options: agencyUnits(), required: true }],
              submitText: t('转为线索并移送'),
              submit: (v) => api.post(`/warnings/${ID(w.id)}/to-lead`, v),
            }, (lead) => { if (lead && lead.id) location.hash = `#/leads/${ID(lead.id)}`; else reload(); }), 'primary') : null)),
        h('div.card-body',
          fieldList([
            [t('涉及对象'), w.subject ? h('a', { href: `#/portrait/${ID(w.subject)}` }, unitName(w.subject)) : '—'],
            [t('预警规则'), w.rule_name || w.rule || '—'],
            [t('预警说明'), h('div.prose', w.explanation || w.message || w.reason || '—')],
            [t('生成时间'), fmtDate(w.raised_at || w.created_at, true)],
          ]),
          records.length ? h('details', { open: true }, h('summary', t('依据的数据（{n} 条）', { n: records.length })),
            h('table.table.compact', h('thead', h('tr', h('th', t('类型')), h('th', t('来源')), h('th', t('编号')), h('th', t('内容')))),
              h('tbody', records.map((r) => (typeof r === 'object'
                ? h('tr', h('td', label('record_type', r.type)), h('td', unitName(r.source_unit)), h('td', r.record_id || '—'), h('td', summarise(r.data)))
                : h('tr', h('td', { colSpan: 4 }, String(r)))))))) : null));
    }));
  });
}

export async function quarantinePage(main) {
  const body = h('div');
  clear(main, pageHeader(t('数据隔离区'), can.office() ? t('各适配器被拒收的数据及原因') : t('本单位适配器被拒收的数据及原因')), body);
  await load(body, () => api.list('/quarantine'), (data) => card(null, dataTable({
    rows: data.items,
    emptyText: t('隔离区为空，所有数据均已通过校验'),
    onRow: (r) => modal(t('被拒收的数据'), h('div', fieldList([[t('拒收原因'), show(r.reasons || r.reason)]]), h('pre.code', JSON.stringify(r.record || r.payload || r, null, 2))), { wide: true }),
    columns: [
      { key: 'source_unit', title: t('来源单位'), render: (r) => unitName(r.source_unit || r.agency), sort: (r) => unitName(r.source_unit || r.agency) },
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
    columns: [
      { key: 'title', title: t('成果名称') },
      { key: 'kind', title: t('类别'), render: (r) => label('trace_kind', r.kind) !== String(r.kind) ? label('trace_kind', r.kind) : ({ item_conclusion: t('事项结论'), research_output: t('研究成果'), circular: t('通报') }[r.kind] || r.kind || '—') },
      { key: 'source_unit', title: t('形成单位'), render: (r) => unitName(r.source_unit || r.unit), sort: (r) => unitName(r.source_unit || r.unit) },
      { key: 'reuses', title: t('复用次数'), render: (r) => (r.reuses || []).length || r.reuse_count || 0, sort: (r) => (r.reuses || []).length || r.reuse_count || 0 },
      { key: 'actions', title: t('操作'), sort: () => '', render: (r) => (can.coordinate() ? actionButton(t('登记复用'), () => formDialog(t('登记成果复用'), {
        fields: [{ name: 'purpose', label: t('复用用途'), type: 'textarea', required: true }],
        submit: (v) => api.post(`/results/${ID(r.id)}/reuse`, v),
      }, reload), 'small') : '—') },
    ],
  })));
}

export async function portraitPick(main) {
  const subjects = unitsCached().filter((u) => u.kind === 'supervised');
  clear(main, pageHeader(t('监督对象画像'), t('汇集各来源关于一个监督对象的全部信息，注明来源')),
    card(t('选择监督对象'), subjects.length ? h('div.tiles', subjects.map((u) => h('a.tile', { href: `#/portrait/${ID(u.id)}` },
      h('div.tile-title', u.name), h('div.muted', u.id)))) : empty(t('单位名录为空'))));
}

export async function portraitPage(main, [subject]) {
  const body = h('div');
  clear(main, h('div.crumbs', h('a', { href: '#/portrait' }, t('监督对象画像')), ' / ', unitName(subject)),
    pageHeader(t('{s} · 画像', { s: unitName(subject) }), t('事实均注明来源单位、原始编号和接收时间')), body);
  await load(body, () => api.get(`/subjects/${ID(subject)}/portrait`), (p) => {
    const facts = p.facts || p.records || [];
    const timeline = p.timeline || [];
    const link = (kind, x) => h('li', h('a', { href: `#/${kind}/${ID(x.id)}` }, x.title || x.summary || x.measures || x.id),
      x.status ? [' ', badge(x.status_label || x.status, 'neutral')] : null, x.overdue ? [' ', badge(t('已逾期'), 'bad')] : null);
    return h('div.grid-2',
      h('div',
        card(t('时间线'), timeline.length ? h('ol.timeline', timeline.map((e) => h('li',
          h('div.tl-date', fmtDate(e.at || e.occurred_at || e.date)),
          h('div', h('strong', e.title || e.text || label('record_type', e.type) || e.kind), ' ',
            e.source_unit ? h('span.muted', unitName(e.source_unit)) : null,
            e.detail ? h('div.small', show(e.detail)) : null)))) : empty(t('暂无时间线记录'))),
        card(t('各来源事实'), dataTable({
          rows: facts,
          pageSize: 10,
          emptyText: t('暂无本单位可读的数据'),
          onRow: (r) => modal(t('数据详情与来源'), provenance(r), { wide: true }),
          columns: [
            { key: 'type', title: t('类型'), render: (r) => label('record_type', r.type), filter: options('record_type') },
            { key: 'occurred_at', title: t('时间'), render: (r) => fmtDate(r.occurred_at) },
            { key: 'source_unit', title: t('来源'), render: (r) => unitName(r.source_unit) },
            { key: 'data', title: t('内容'), render: (r) => h('span.clip', summarise(r.data)), sort: (r) => summarise(r.data) },
          ],
        }))),
      h('div',
        card(t('相关监督事项'), (p.items || []).length ? h('ul.links', p.items.map((x) => link('items', x))) : empty(t('无'))),
        card(t('相关问题线索'), (p.leads || []).length ? h('ul.links', p.leads.map((x) => link('leads', x))) : empty(t('无（或不在本单位知悉范围内）'))),
        card(t('整改任务'), (p.tasks || []).length ? h('ul.links', p.tasks.map((x) => link('tasks', x))) : empty(t('无'))),
        (p.warnings || []).length ? card(t('风险预警'), h('ul.links', p.warnings.map((w) => h('li', h('a', { href: '#/warnings' }, w.title || w.rule))))) : null));
  });
}
