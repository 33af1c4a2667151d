// 课题共研: research topics, their outputs with versions, the matters they study, conclusion.
import { api } from '../api.js';
import { fmtDate, t } from '../i18n.js';
import { workingYear } from '../year.js';
import { label, unitName, unitNames } from '../labels.js';
import { can } from '../session.js';
import {
  badge, card, clear, dataTable, empty, fieldList, formDialog, h, load, pageHeader,
} from '../ui.js';
import { actionButton, coordinatingUnits, overdueBadge, statusBadge, yearPicker } from './common.js';

const ID = (id) => encodeURIComponent(id);

export async function topicsPage(main, params, query) {
  const year = Number(query.year) || workingYear();
  const body = h('div');
  const reload = () => topicsPage(main, params, query);
  const acts = [yearPicker(year, (y) => { location.hash = `#/research?year=${y}`; })];
  if (can.office()) {
    acts.push(actionButton(t('确定研究课题'), () => formDialog(t('确定理论研究课题'), {
      fields: [
        { name: 'title', label: t('课题名称'), required: true },
        { name: 'lead_unit', label: t('牵头单位'), type: 'select', options: coordinatingUnits(), required: true },
        { name: 'participating_units', label: t('参与单位'), type: 'multiselect', options: coordinatingUnits(), required: true },
        { name: 'questions', label: t('研究问题'), type: 'lines', required: true, hint: t('每行一个问题') },
        { name: 'deliverables', label: t('预期成果'), type: 'lines', hint: t('每行一项，如“调研报告”“工作指引”') },
        { name: 'due_on', label: t('完成期限'), type: 'date', required: true },
      ],
      submit: (v) => api.post('/research-topics', { ...v, year }),
    }, (topic) => { if (topic && topic.id) location.hash = `#/research/${ID(topic.id)}`; else reload(); }), 'primary'));
  }
  clear(main, pageHeader(t('{y} 年度理论研究课题', { y: year }), t('每年 1–2 个，由办公室会同各单位确定'), ...acts), body);
  await load(body, () => api.listByYear('/research-topics', year), (data) => card(null, dataTable({
    rows: data.items,
    emptyText: t('本年度暂无研究课题'),
    onRow: (r) => { location.hash = `#/research/${ID(r.id)}`; },
    columns: [
      { key: 'title', title: t('课题名称'), render: (r) => h('span', h('a', { href: `#/research/${ID(r.id)}` }, r.title), ' ', overdueBadge(r)) },
      { key: 'lead_unit', title: t('牵头单位'), render: (r) => unitName(r.lead_unit), sort: (r) => unitName(r.lead_unit) },
      { key: 'participating_units', title: t('参与单位'), render: (r) => unitNames(r.participating_units), sort: (r) => unitNames(r.participating_units) },
      { key: 'outputs_count', title: t('成果'), render: (r) => r.outputs_count ?? '—' },
      { key: 'due_on', title: t('完成期限'), render: (r) => fmtDate(r.due_on) },
      { key: 'status', title: t('状态'), render: (r) => (r.status ? statusBadge('topic_status', r.status) : '—') },
    ],
  })));
}

export async function topicPage(main, [id]) {
  const reload = () => topicPage(main, [id]);
  const head = h('div');
  const body = h('div');
  clear(main, head, body);
  await load(body, () => api.get(`/research-topics/${ID(id)}`), (topic) => {
    const units = [topic.lead_unit, ...(topic.participating_units || [])];
    const member = can.coordinate() && can.isUnit(units);
    const open = topic.status !== 'concluded';
    const acts = [];
    if (member && open) {
      acts.push(actionButton(t('提交研究成果'), () => formDialog(t('提交研究成果'), {
        fields: [
          { name: 'title', label: t('成果名称'), required: true },
          { name: 'content', label: t('成果内容'), type: 'textarea', rows: 8, required: true },
          { name: 'final', label: t('作为最终研究报告'), type: 'checkbox' },
        ],
        submit: (v) => api.post(`/research-topics/${ID(topic.id)}/outputs`, v),
      }, reload), 'primary'));
    }
    if (can.office() && open) {
      acts.push(actionButton(t('结题'), () => formDialog(t('课题结题'), {
        fields: [{ name: 'summary', label: t('结题意见'), type: 'textarea', rows: 4 }],
        submitText: t('确认结题'),
        submit: (v) => api.post(`/research-topics/${ID(topic.id)}/conclude`, v),
      }, reload)));
    }
    clear(head, h('div.crumbs', h('a', { href: `#/research?year=${topic.year || workingYear()}` }, t('研究课题')), ' / ', t('课题详情')),
      pageHeader(h('span', topic.title, ' ', statusBadge('topic_status', topic.status), ' ', overdueBadge(topic)), null, ...acts));
    const outputs = topic.outputs || [];
    const links = topic.links || [];
    return h('div.grid-2',
      h('div',
        card(t('课题信息'), fieldList([
          [t('牵头单位'), unitName(topic.lead_unit)],
          [t('参与单位'), unitNames(topic.participating_units)],
          [t('研究问题'), (topic.questions || []).length ? h('ol.plain', topic.questions.map((q) => h('li', q))) : '—'],
          (topic.deliverables || []).length ? [t('预期成果'), topic.deliverables.join('、')] : null,
          [t('完成期限'), h('span', fmtDate(topic.due_on), ' ', overdueBadge(topic))],
          topic.conclusion ? [t('结题意见'), h('div.prose', topic.conclusion)] : null,
        ])),
        card(t('研究的事项与问题'), links.length ? h('ul.links', links.map((l) => h('li',
          h('a', { href: l.kind === 'item' ? `#/items/${ID(l.id)}` : `#/problems/${ID(l.id)}` }, l.title || l.id),
          ' ', h('span.muted.small', label('trace_kind', l.kind)))))
          : empty(t('尚未关联监督事项或整改问题')))),
      h('div',
        card(t('研究成果'), outputs.length ? h('div', outputs.map((o) => outputBlock(topic, o, member && open, reload)))
          : empty(t('尚未提交研究成果'), t('牵头和参与单位可提交阶段成果；结题须有最终研究报告。'))),
        (topic.history || []).length ? card(t('课题经过'), h('ol.timeline', topic.history.map((e) => h('li',
          h('div.tl-date', fmtDate(e.at, true)),
          h('div', h('strong', e.summary || e.action), ' ', e.unit ? h('span.muted', unitName(e.unit)) : null))))) : null));
  });
}

function outputBlock(topic, o, mayRevise, reload) {
  const versions = o.versions || [];
  return h('div.output', { dataset: { output: o.id } },
    h('div', h('strong', o.title), ' ', o.final ? badge(t('最终报告'), 'good') : null, ' ',
      badge(t('第 {v} 版', { v: o.version || versions.length || 1 }), 'neutral'), ' ',
      h('span.muted.small', `${unitName(o.unit)} · ${fmtDate(o.updated_at || o.created_at, true)}`),
      mayRevise ? [' ', actionButton(t('修订'), () => formDialog(t('提交新版本'), {
        fields: [
          { name: 'content', label: t('成果内容'), type: 'textarea', rows: 8, required: true, value: o.content },
          { name: 'final', label: t('作为最终研究报告'), type: 'checkbox', value: o.final },
        ],
        submitText: t('保存为新版本'),
        submit: (v) => api.post(`/research-topics/${ID(topic.id)}/outputs/${ID(o.id)}/versions`, v),
      }, reload), 'small')] : null),
    h('div.prose.small', o.content),
    versions.length > 1 ? h('details', h('summary', t('历史版本（{n}）', { n: versions.length })),
      versions.map((v) => h('div.version', h('strong', t('第 {v} 版', { v: v.version })), ' ',
        h('span.muted.small', `${unitName(v.unit)} ${fmtDate(v.created_at, true)}`), h('div.prose.small', v.content)))) : null);
}
