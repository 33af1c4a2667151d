// 线索共处: leads, their transfer, acceptance, return, feedback and history.
import { api } from '../api.js';
import { fmtDate, t } from '../i18n.js';
import { label, options, unitName, unitsCached } from '../labels.js';
import { can, myUnit } from '../session.js';
import {
  badge, card, clear, confirmAction, dataTable, empty, fieldList, formDialog, h, load, modal, pageHeader,
} from '../ui.js';
import { actionButton, agencyUnits, coordinatingUnits, overdueBadge, statusBadge, traceLink } from './common.js';

const OPEN = ['registered', 'transferred', 'accepted', 'handling', 'returned'];

export async function leadsPage(main, params, query) {
  const body = h('div');
  const reload = () => leadsPage(main, params, query);
  const acts = [];
  if (can.coordinate()) acts.push(actionButton(t('登记线索'), () => registerDialog(reload), 'primary'));
  acts.push(h('button.btn', { type: 'button', onclick: () => api.download('/leads.xlsx', 'leads.xlsx') }, t('导出 Excel')));
  clear(main, pageHeader(t('问题线索'), t('线索内容仅登记、移送、办理单位和人大常委会办公室可见'), ...acts), body);
  await load(body, async () => {
    const [data, esc] = await Promise.all([
      api.list('/leads', query.overdue ? { overdue: query.overdue } : undefined),
      can.office() ? api.list('/leads/escalations').catch(() => ({ items: [] })) : { items: [] },
    ]);
    return { ...data, escalations: esc.items };
  }, (data) => {
    const rows = data.items;
    const overdue = rows.filter((r) => r.overdue).length;
    const waiting = rows.filter((r) => r.status === 'transferred' && can.isUnit(r.holder_unit)).length;
    return h('div',
      h('div.stat-row',
        stat(t('线索总数'), rows.length),
        stat(t('办理中'), rows.filter((r) => OPEN.includes(r.status)).length),
        stat(t('待本单位受理'), waiting),
        stat(t('逾期'), overdue, overdue ? 'bad' : '')),
      data.escalations.length ? card(t('逾期线索督办（提请办公室）'), h('ul.links', data.escalations.map((e) => h('li',
        h('a', { href: `#/leads/${encodeURIComponent(e.lead_id)}` }, clip(e.summary, 40)), ' ',
        badge(e.deadline === 'accept' ? t('超期未受理') : t('超期未反馈'), 'bad'), ' ',
        h('span.muted.small', `${unitName(e.holder_unit)} · ${t('期限')} ${fmtDate(e.due_on)}`))))) : null,
      card(null, dataTable({
        rows,
        emptyText: t('暂无您可查看的线索'),
        onRow: (r) => { location.hash = `#/leads/${encodeURIComponent(r.id)}`; },
        columns: [
          { key: 'subject', title: t('涉及对象'), render: (r) => unitName(r.subject), sort: (r) => unitName(r.subject) },
          { key: 'summary', title: t('线索摘要'), render: (r) => h('span', h('a', { href: `#/leads/${encodeURIComponent(r.id)}` }, clip(r.summary, 36)), ' ', overdueBadge(r)) },
          { key: 'category', title: t('类别'), render: (r) => label('lead_category', r.category), filter: options('lead_category') },
          { key: 'status', title: t('状态'), render: (r) => statusBadge('lead_status', r.status), filter: options('lead_status').filter((o, i, a) => a.findIndex((x) => x.text === o.text) === i) },
          { key: 'source_unit', title: t('来源单位'), render: (r) => unitName(r.source_unit), sort: (r) => unitName(r.source_unit) },
          { key: 'holder_unit', title: t('当前承办'), render: (r) => unitName(r.holder_unit), sort: (r) => unitName(r.holder_unit) },
          { key: 'due', title: t('办理期限'), sort: (r) => dueOf(r) || '', render: (r) => fmtDate(dueOf(r)) },
        ],
      })));
  });
}
const clip = (s, n) => (s && s.length > n ? `${s.slice(0, n)}…` : (s || '—'));
const dueOf = (r) => (r.status === 'transferred' ? r.accept_due : r.feedback_due) || r.accept_due;
function stat(title, value, kind = '') {
  return h(`div.stat${kind ? `.stat-${kind}` : ''}`, h('div.stat-label', title), h('div.stat-value', value));
}

function subjectOptions() {
  return unitsCached().filter((u) => u.kind === 'supervised').map((u) => ({ value: u.id, text: u.name }));
}
export function registerDialog(after, preset = {}) {
  formDialog(t('登记问题线索'), {
    fields: [
      { name: 'subject', label: t('涉及对象'), type: 'select', options: subjectOptions(), required: true, value: preset.subject, hint: t('被监督单位；涉及具体人员的请在摘要中写明') },
      { name: 'summary', label: t('线索摘要'), type: 'textarea', required: true, value: preset.summary },
      { name: 'category', label: t('类别'), type: 'select', options: options('lead_category'), required: true, value: preset.category || 'default' },
      { name: 'sensitivity', label: t('敏感程度'), type: 'select', options: options('sensitivity').slice(0, 3), required: true, value: 'normal' },
      can.office() ? { name: 'registered_on', label: t('收到日期'), type: 'date', hint: t('补录此前收到的线索时填写；不填为今天') } : null,
    ],
    submitText: t('登记'),
    submit: (v) => api.post('/leads', { ...v, registered_on: v.registered_on || undefined }),
  }, (lead) => {
    const dups = (lead && lead.possible_duplicates) || [];
    if (dups.length) {
      modal(t('可能重复的线索'), h('div',
        h('div.alert.alert-warn', t('该对象已有相似的在办线索，请确认是否为同一问题，避免重复办理。')),
        h('ul.dup-list', dups.map((d) => h('li', h('a', { href: `#/leads/${encodeURIComponent(d.id || d)}` },
          d.summary ? clip(d.summary, 50) : t('线索 {id}', { id: d.id || d })),
          d.holder_unit ? h('span.muted', ` · ${unitName(d.holder_unit)}`) : null,
          (d.score ?? d.similarity) ? h('span.muted', ` · ${t('相似度')} ${Math.round((d.score ?? d.similarity) * 100)}%`) : null))),
        h('div.form-actions', h('a.btn.btn-primary', { href: `#/leads/${encodeURIComponent(lead.id)}`, onclick: () => document.querySelector('.modal-overlay')?.remove() }, t('查看新登记的线索')))));
    } else if (lead && lead.id) {
      location.hash = `#/leads/${encodeURIComponent(lead.id)}`;
    } else if (after) after(lead);
  });
}

export async function leadPage(main, [id]) {
  const reload = () => leadPage(main, [id]);
  const head = h('div');
  const body = h('div');
  clear(main, head, body);
  await load(body, () => api.get(`/leads/${encodeURIComponent(id)}`), (lead) => {
    const acts = [traceLink('lead', lead.id)];
    const holder = lead.holder_unit;
    // Every step is the current holder's (the service checks it too): the office acts only
    // while the lead is with the committee's own office.
    const mine = can.coordinate() && can.isUnit(holder);
    if (mine && ['registered', 'returned', 'accepted', 'handling'].includes(lead.status)) {
      acts.push(actionButton(t('移送'), () => formDialog(t('移送线索'), {
        fields: [
          { name: 'to_unit', label: t('接收单位'), type: 'select', options: agencyUnits().concat(coordinatingUnits().filter((o) => o.value === 'npc')).filter((o) => o.value !== myUnit()), required: true },
          { name: 'reason', label: t('移送理由'), type: 'textarea', required: true },
        ],
        submitText: t('移送'),
        submit: (v) => api.post(`/leads/${lead.id}/transfer`, v),
      }, reload), ['registered', 'returned'].includes(lead.status) ? 'primary' : ''));
    }
    if (mine && lead.status === 'transferred') {
      acts.push(actionButton(t('受理'), () => formDialog(t('受理线索'), {
        fields: [{ name: 'note', label: t('受理意见'), type: 'textarea', rows: 3, placeholder: t('可不填') }],
        submitText: t('确认受理'),
        submit: (v) => api.post(`/leads/${lead.id}/accept`, v),
      }, reload), 'primary'));
      acts.push(actionButton(t('退回'), () => formDialog(t('退回线索'), {
        fields: [{ name: 'reason', label: t('退回理由'), type: 'textarea', required: true }],
        submitText: t('退回'),
        submit: (v) => api.post(`/leads/${lead.id}/return`, v),
      }, reload)));
    }
    if (mine && ['accepted', 'handling'].includes(lead.status)) {
      acts.push(actionButton(t('记录办理情况'), () => formDialog(t('记录办理情况'), {
        fields: [{ name: 'note', label: t('办理情况'), type: 'textarea', rows: 4, required: true }],
        submit: (v) => api.post(`/leads/${lead.id}/progress`, v),
      }, reload)));
      acts.push(actionButton(t('反馈办理结果'), () => formDialog(t('反馈办理结果'), {
        fields: [{ name: 'result', label: t('办理结果'), type: 'textarea', rows: 6, required: true }],
        submitText: t('反馈并办结'),
        submit: (v) => api.post(`/leads/${lead.id}/feedback`, v),
      }, reload), 'primary'));
    }
    clear(head, h('div.crumbs', h('a', { href: '#/leads' }, t('问题线索')), ' / ', t('线索详情')),
      pageHeader(h('span', t('线索：{s}', { s: unitName(lead.subject) }), ' ', statusBadge('lead_status', lead.status), ' ', overdueBadge(lead)), null, ...acts));
    const history = lead.history || [];
    return h('div.grid-2',
      h('div',
        card(t('线索信息'), fieldList([
          [t('涉及对象'), unitName(lead.subject)],
          [t('线索摘要'), h('div.prose', lead.summary)],
          [t('类别'), label('lead_category', lead.category)],
          [t('敏感程度'), label('sensitivity', lead.sensitivity)],
          [t('来源单位'), unitName(lead.source_unit)],
          [t('当前承办单位'), unitName(holder)],
          [t('受理期限'), h('span', fmtDate(lead.accept_due), ' ', lead.overdue && lead.status === 'transferred' ? badge(t('超期未受理'), 'bad') : null)],
          [t('反馈期限'), h('span', fmtDate(lead.feedback_due), ' ', lead.overdue && lead.status !== 'transferred' ? badge(t('超期未反馈'), 'bad') : null)],
          lead.result ? [t('办理结果'), h('div.prose', lead.result)] : null,
          lead.origin ? [t('线索来源'), originLink(lead.origin)] : null,
          (lead.problem_ids || []).length ? [t('转整改问题'), h('span', lead.problem_ids.map((p, i) => [i ? '、' : '', h('a', { href: `#/problems/${encodeURIComponent(p)}` }, t('整改问题 →'))]))] : null,
        ])),
        (lead.possible_duplicates || []).length ? card(t('可能重复的线索'), h('ul.dup-list', lead.possible_duplicates.map((d) => h('li',
          h('a', { href: `#/leads/${encodeURIComponent(d.id || d)}` }, d.summary ? clip(d.summary, 50) : (d.id || d)),
          d.holder_unit ? h('span.muted', ` · ${unitName(d.holder_unit)}`) : null,
          d.status ? [' ', statusBadge('lead_status', d.status)] : null)))) : null),
      card(t('办理过程'), history.length ? h('ol.timeline', history.map((e) => h('li',
        h('div.tl-date', fmtDate(e.at || e.occurred_at || e.created_at, true), e.on && e.at && !String(e.at).startsWith(e.on) ? ` ${t('（办理日期 {d}）', { d: e.on })}` : ''),
        h('div', h('strong', historyText(e)), ' ', h('span.muted', unitName(e.unit || e.actor_unit)),
          e.to_unit ? h('span.muted', ` → ${unitName(e.to_unit)}`) : null,
          e.reason || e.result || e.note ? h('div.prose.small', e.reason || e.result || e.note) : null))))
        : empty(t('暂无办理记录'))));
  });
}
const ACTION_TEXT = { registered: '登记', transferred: '移送', accepted: '受理', returned: '退回', handling: '办理', feedback: '反馈办理结果', concluded: '反馈办理结果并办结', closed: '办结', escalated: '逾期提请办公室督办', overdue: '逾期' };
const ORIGIN_HREF = { finding: null, warning: '#/warnings', record: '#/records', problem: '#/problems/' };
function originLink(o) {
  const text = t('由{k}转来', { k: label('trace_kind', o.kind) });
  if (o.kind === 'finding') return h('a', { href: `#/trace/finding/${encodeURIComponent(o.id)}` }, text);
  const base = ORIGIN_HREF[o.kind];
  if (!base) return text;
  return h('a', { href: base.endsWith('/') ? `${base}${encodeURIComponent(o.id)}` : base }, text);
}
function historyText(e) {
  const a = e.action || e.type || e.event || e.status;
  return ACTION_TEXT[a] ? t(ACTION_TEXT[a]) : String(a || '—');
}
