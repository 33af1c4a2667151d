// 课题共研: research topics and their outputs.
import { api } from '../api.js';
import { fmtDate, t } from '../i18n.js';
import { workingYear } from '../year.js';
import { label, unitName, unitNames } from '../labels.js';
import { can } from '../session.js';
import { badge, card, clear, dataTable, empty, fieldList, formDialog, h, load, pageHeader } from '../ui.js';
import { actionButton, coordinatingUnits, statusBadge, yearPicker } from './common.js';

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
        { name: 'due_on', label: t('完成期限'), type: 'date', required: true },
      ],
      submit: (v) => api.post('/research-topics', { ...v, year }),
    }, reload), 'primary'));
  }
  clear(main, pageHeader(t('{y} 年度理论研究课题', { y: year }), t('每年 1–2 个，由办公室会同各单位确定'), ...acts), body);
  await load(body, () => api.list('/research-topics', { year }), (data) => card(null, dataTable({
    rows: data.items,
    emptyText: t('本年度暂无研究课题'),
    onRow: (r) => { location.hash = `#/research/${ID(r.id)}`; },
    columns: [
      { key: 'title', title: t('课题名称'), render: (r) => h('a', { href: `#/research/${ID(r.id)}` }, r.title) },
      { key: 'lead_unit', title: t('牵头单位'), render: (r) => unitName(r.lead_unit), sort: (r) => unitName(r.lead_unit) },
      { key: 'participating_units', title: t('参与单位'), render: (r) => unitNames(r.participating_units) },
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
    const member = can.liaison() && (can.isUnit(topic.lead_unit) || can.isUnit(topic.participating_units));
    const acts = [];
    if (member || (can.office() && can.isUnit([topic.lead_unit, ...(topic.participating_units || [])]))) {
      acts.push(actionButton(t('提交研究成果'), () => formDialog(t('提交研究成果'), {
        fields: [
          { name: 'title', label: t('成果名称'), required: true },
          { name: 'content', label: t('成果内容'), type: 'textarea', rows: 8, required: true },
          { name: 'final', label: t('作为最终研究报告'), type: 'checkbox' },
        ],
        submit: (v) => api.post(`/research-topics/${ID(topic.id)}/outputs`, v),
      }, reload), 'primary'));
    }
    clear(head, h('div.crumbs', h('a', { href: '#/research' }, t('研究课题')), ' / ', t('课题详情')), pageHeader(topic.title, null, ...acts));
    const outputs = topic.outputs || [];
    return h('div.grid-2',
      card(t('课题信息'), fieldList([
        [t('牵头单位'), unitName(topic.lead_unit)],
        [t('参与单位'), unitNames(topic.participating_units)],
        [t('研究问题'), (topic.questions || []).length ? h('ol.plain', topic.questions.map((q) => h('li', q))) : '—'],
        [t('完成期限'), fmtDate(topic.due_on)],
        topic.status ? [t('状态'), statusBadge('topic_status', topic.status)] : null,
      ])),
      card(t('研究成果'), outputs.length ? h('div', outputs.map((o) => h('div.output',
        h('div', h('strong', o.title), ' ', o.final ? badge(t('最终报告'), 'good') : badge(t('第 {v} 版', { v: o.version || 1 }), 'neutral'),
          ' ', h('span.muted', `${unitName(o.unit || o.author_unit)} · ${fmtDate(o.created_at)}`)),
        h('div.prose.small', o.content)))) : empty(t('尚未提交研究成果'))));
  });
}
export { label };
