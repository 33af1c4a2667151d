// 整改共促: problems, rectification tasks, key units and circulars.
import { api } from '../api.js';
import { fmtDate, t } from '../i18n.js';
import { workingYear } from '../year.js';
import { label, options, unitName, unitNames } from '../labels.js';
import { can, myUnit } from '../session.js';
import {
  badge, card, clear, confirmAction, dataTable, empty, fieldList, formDialog, h, load, modal, pageHeader,
} from '../ui.js';
import {
  actionButton, allUnits, coordinatingUnits, overdueBadge, show, statusBadge, supervisedUnits, traceLink, yearPicker,
} from './common.js';

const ID = (id) => encodeURIComponent(id);

// ---- problems ------------------------------------------------------------------------------
export async function problemsPage(main, params, query) {
  const body = h('div');
  const reload = () => problemsPage(main, params, query);
  const acts = [];
  if (can.coordinate()) acts.push(actionButton(t('登记问题'), () => problemDialog(reload), 'primary'));
  acts.push(h('button.btn', { type: 'button', onclick: () => api.download('/problems.xlsx', 'problems.xlsx') }, t('导出 Excel')));
  clear(main, pageHeader(t('整改问题'), t('来自监督发现、问题线索、审计发现、巡察反馈和中央环保督察反馈'), ...acts), body);
  await load(body, () => api.list('/problems'), (data) => card(null, dataTable({
    rows: data.items,
    emptyText: t('暂无整改问题'),
    onRow: (r) => { location.hash = `#/problems/${ID(r.id)}`; },
    columns: [
      { key: 'title', title: t('问题'), render: (r) => h('a', { href: `#/problems/${ID(r.id)}` }, r.title) },
      { key: 'subject', title: t('涉及对象'), render: (r) => unitName(r.subject), sort: (r) => unitName(r.subject) },
      { key: 'source', title: t('来源'), render: (r) => label('source', r.source), filter: options('source') },
      { key: 'nature', title: t('性质'), render: (r) => label('nature', r.nature), filter: options('nature').filter((o) => o.value !== 'negative_case') },
      { key: 'status', title: t('状态'), render: (r) => (r.status ? statusBadge('problem_status', r.status) : '—') },
      { key: 'created_at', title: t('登记时间'), render: (r) => fmtDate(r.created_at) },
    ],
  })));
}
function problemDialog(after) {
  formDialog(t('登记整改问题'), {
    fields: [
      { name: 'title', label: t('问题标题'), required: true },
      { name: 'subject', label: t('涉及对象'), type: 'select', options: supervisedUnits(), required: true },
      { name: 'source', label: t('问题来源'), type: 'select', options: options('source'), required: true },
      { name: 'nature', label: t('问题性质'), type: 'select', options: options('nature').filter((o) => o.value !== 'negative_case'), required: true },
      { name: 'description', label: t('问题描述'), type: 'textarea', required: true },
    ],
    submit: (v) => api.post('/problems', v),
  }, (p) => { if (p && p.id) location.hash = `#/problems/${ID(p.id)}`; else after(); });
}

export async function problemPage(main, [id]) {
  const reload = () => problemPage(main, [id]);
  const head = h('div');
  const body = h('div');
  clear(main, head, body);
  await load(body, async () => {
    const problem = await api.get(`/problems/${ID(id)}`);
    let tasks = problem.tasks;
    if (!tasks) {
      try { tasks = (await api.list('/tasks')).items.filter((x) => String(x.problem_id) === String(id)); } catch (e) { tasks = []; }
    }
    return { problem, tasks };
  }, ({ problem, tasks }) => {
    const acts = [traceLink('problem', problem.id)];
    if (can.coordinate()) {
      acts.push(actionButton(t('交办整改任务'), () => formDialog(t('交办整改任务'), {
        fields: [
          { name: 'responsible_unit', label: t('责任单位'), type: 'select', options: supervisedUnits(), required: true, value: problem.subject },
          { name: 'supervising_units', label: t('督促单位'), type: 'multiselect', options: coordinatingUnits(), required: true, value: can.liaison() ? [myUnit()] : [],
            hint: can.liaison() ? t('交办单位应为督促单位之一') : null },
          { name: 'measures', label: t('整改措施'), type: 'textarea', required: true },
          { name: 'deadline', label: t('整改期限'), type: 'date', required: true },
        ],
        submitText: t('交办'),
        submit: (v) => api.post(`/problems/${ID(problem.id)}/tasks`, v),
      }, reload), 'primary'));
    }
    clear(head, h('div.crumbs', h('a', { href: '#/problems' }, t('整改问题')), ' / ', t('问题详情')), pageHeader(problem.title, null, ...acts));
    return h('div',
      card(t('问题信息'), fieldList([
        [t('涉及对象'), unitName(problem.subject)],
        [t('来源'), label('source', problem.source)],
        [t('性质'), label('nature', problem.nature)],
        [t('问题描述'), h('div.prose', problem.description || '—')],
        problem.status ? [t('状态'), statusBadge('problem_status', problem.status)] : null,
        problem.origin ? [t('问题来源'), originLink(problem.origin)] : null,
        (problem.circular_ids || []).length ? [t('相关通报'), h('span', problem.circular_ids.map((c, i) => [i ? '、' : '', h('a', { href: `#/circulars/${ID(c)}` }, t('通报 →'))]))] : null,
      ])),
      card(t('整改任务'), tasksTable(tasks)));
  });
}

// ---- tasks ---------------------------------------------------------------------------------
function tasksTable(rows) {
  return dataTable({
    rows,
    emptyText: t('暂无整改任务'),
    onRow: (r) => { location.hash = `#/tasks/${ID(r.id)}`; },
    columns: [
      { key: 'measures', title: t('整改任务'), render: (r) => h('div', h('a', { href: `#/tasks/${ID(r.id)}` }, clip(r.measures || r.title, 34)), ' ', overdueBadge(r),
        r.problem_title ? h('div.small.muted', r.problem_title) : null) },
      { key: 'responsible_unit', title: t('责任单位'), render: (r) => unitName(r.responsible_unit), sort: (r) => unitName(r.responsible_unit) },
      { key: 'supervising_units', title: t('督促单位'), render: (r) => unitNames(r.supervising_units), sort: (r) => unitNames(r.supervising_units) },
      { key: 'deadline', title: t('整改期限'), render: (r) => fmtDate(r.deadline) },
      { key: 'status', title: t('状态'), render: (r) => statusBadge('task_status', r.status), filter: options('task_status') },
    ],
  });
}
const TASK_ACTIONS = { assigned: '交办', in_progress: '报告进展', submitted: '报送整改完成', verified: '核验销号', sent_back: '退回重新整改', deadline_changed: '调整整改期限' };
const ORIGIN_HREF = { finding: (id) => `#/trace/finding/${ID(id)}`, lead: (id) => `#/leads/${ID(id)}`, warning: () => '#/warnings', record: () => '#/records' };
function originLink(o) {
  const text = t('由{k}转来', { k: label('trace_kind', o.kind) });
  const href = ORIGIN_HREF[o.kind];
  return href ? h('a', { href: href(o.id) }, text) : text;
}
const clip = (s, n) => (s && s.length > n ? `${s.slice(0, n)}…` : (s || '—'));

export async function tasksPage(main, params, query) {
  const body = h('div');
  const overdue = query.overdue === 'true';
  const toggle = h('a.btn', { href: overdue ? '#/tasks' : '#/tasks?overdue=true' }, overdue ? t('显示全部任务') : t('只看逾期任务'));
  const exp = h('button.btn', { type: 'button', onclick: () => api.download('/tasks.xlsx', 'tasks.xlsx', overdue ? { overdue: 'true' } : undefined) }, t('导出 Excel'));
  clear(main, pageHeader(overdue ? t('逾期整改任务') : t('整改任务'),
    can.supervised() ? t('交办给本单位的整改任务') : t('交办 → 整改中 → 报送 → 销号（或退回）'), toggle, exp), body);
  await load(body, () => api.list('/tasks', overdue ? { overdue: 'true' } : undefined), (data) => {
    const rows = data.items;
    return h('div', h('div.stat-row',
      h('div.stat', h('div.stat-label', t('任务总数')), h('div.stat-value', rows.length)),
      h('div.stat', h('div.stat-label', t('整改中')), h('div.stat-value', rows.filter((r) => ['assigned', 'in_progress', 'sent_back'].includes(r.status)).length)),
      h('div.stat', h('div.stat-label', t('待销号')), h('div.stat-value', rows.filter((r) => r.status === 'submitted').length)),
      h('div.stat', h('div.stat-label', t('已销号')), h('div.stat-value', rows.filter((r) => r.status === 'verified').length)),
      h(`div.stat${rows.some((r) => r.overdue) ? '.stat-bad' : ''}`, h('div.stat-label', t('逾期')), h('div.stat-value', rows.filter((r) => r.overdue).length))),
    card(null, tasksTable(rows)));
  });
}

export async function taskPage(main, [id]) {
  const reload = () => taskPage(main, [id]);
  const head = h('div');
  const body = h('div');
  clear(main, head, body);
  await load(body, () => api.get(`/tasks/${ID(id)}`), (task) => {
    const acts = [traceLink('task', task.id)];
    const responsible = can.isUnit(task.responsible_unit);
    const supervising = can.coordinate() && can.isUnit(task.supervising_units);
    const open = ['assigned', 'in_progress', 'sent_back'].includes(task.status);
    if (responsible && can.supervised() && open) {
      acts.push(actionButton(t('报告整改进展'), () => formDialog(t('报告整改进展'), {
        fields: [
          { name: 'note', label: t('进展情况'), type: 'textarea', required: true },
          { name: 'evidence', label: t('佐证材料'), type: 'lines', hint: t('每行一项，如文件名称或文号') },
        ],
        submit: (v) => api.post(`/tasks/${ID(task.id)}/progress`, v),
      }, reload), 'primary'));
      acts.push(actionButton(t('报送整改完成'), () => formDialog(t('报送整改完成'), {
        fields: [
          { name: 'note', label: t('整改完成情况'), type: 'textarea', placeholder: t('可不填；已报告的进展会一并报送') },
          { name: 'evidence', label: t('佐证材料'), type: 'lines', hint: t('每行一项') },
        ],
        submitText: t('报送，请督促单位核验'),
        submit: (v) => api.post(`/tasks/${ID(task.id)}/submit`, { note: v.note || null, evidence: v.evidence }),
      }, reload)));
    }
    if (supervising && task.status === 'submitted') {
      acts.push(actionButton(t('核验销号'), () => formDialog(t('核验销号'), {
        fields: [{ name: 'opinion', label: t('核验意见'), type: 'textarea', placeholder: t('可不填') }],
        submitText: t('确认整改到位，销号'),
        submit: (v) => api.post(`/tasks/${ID(task.id)}/verify`, { opinion: v.opinion || null }),
      }, reload), 'primary'));
      acts.push(actionButton(t('退回重改'), () => formDialog(t('退回重新整改'), {
        fields: [{ name: 'reason', label: t('退回理由'), type: 'textarea', required: true }],
        submitText: t('退回'),
        submit: (v) => api.post(`/tasks/${ID(task.id)}/send-back`, v),
      }, reload)));
    }
    if ((can.office() || supervising) && task.status !== 'verified') {
      acts.push(actionButton(t('调整期限'), () => formDialog(t('调整整改期限'), {
        fields: [
          { name: 'deadline', label: t('新的整改期限'), type: 'date', required: true, value: task.deadline },
          { name: 'reason', label: t('调整理由'), type: 'textarea', required: true },
        ],
        submit: (v) => api.put(`/tasks/${ID(task.id)}/deadline`, v),
      }, reload)));
    }
    clear(head, h('div.crumbs', h('a', { href: '#/tasks' }, t('整改任务')), ' / ', t('任务详情')),
      pageHeader(h('span', task.problem_title || task.title || t('整改任务'), ' ', statusBadge('task_status', task.status), ' ', overdueBadge(task)), null, ...acts));
    const progress = task.progress || task.history || [];
    return h('div.grid-2',
      card(t('任务信息'), fieldList([
        [t('责任单位'), unitName(task.responsible_unit)],
        [t('督促单位'), unitNames(task.supervising_units)],
        [t('整改措施'), h('div.prose', task.measures || '—')],
        [t('整改期限'), h('span', fmtDate(task.deadline), ' ', overdueBadge(task))],
        task.problem_id ? [t('所属问题'), h('a', { href: `#/problems/${ID(task.problem_id)}` }, task.problem_title || t('查看问题'))] : null,
        task.send_back_reason ? [t('退回理由'), task.send_back_reason] : null,
        task.round > 1 ? [t('整改轮次'), t('第 {n} 轮', { n: task.round })] : null,
        task.verified_at ? [t('销号时间'), fmtDate(task.verified_at, true)] : null,
      ])),
      card(t('整改进展'), progress.length ? h('ol.timeline', progress.map((p) => h('li',
        h('div.tl-date', fmtDate(p.at || p.created_at || p.occurred_at, true)),
        h('div', h('strong', p.action ? t(TASK_ACTIONS[p.action] || label('task_status', p.action)) : t('进展')), ' ', p.unit ? h('span.muted', unitName(p.unit)) : null,
          p.note || p.reason ? h('div.prose.small', p.note || p.reason) : null,
          p.evidence && p.evidence.length ? h('div.small.muted', t('佐证：'), show(p.evidence)) : null))))
        : empty(t('尚未报告进展'))));
  });
}

// ---- key units ---------------------------------------------------------------------------
export async function keyUnitsPage(main, params, query) {
  const year = Number(query.year) || workingYear();
  const body = h('div');
  const reload = () => keyUnitsPage(main, params, query);
  const acts = [yearPicker(year, (y) => { location.hash = `#/key-units?year=${y}`; })];
  if (can.office()) {
    acts.push(actionButton(t('确定重点单位'), () => formDialog(t('确定整改重点单位'), {
      fields: [
        { name: 'unit', label: t('被监督单位'), type: 'select', options: supervisedUnits(), required: true, hint: t('每年 1–2 个，第三个将被拒绝') },
        { name: 'reason', label: t('确定理由'), type: 'textarea', rows: 3 },
      ],
      submit: (v) => api.post('/key-units', { ...v, year }),
    }, reload), 'primary'));
  }
  clear(main, pageHeader(t('{y} 年度整改重点单位', { y: year }), t('每年确定 1–2 个，向常委会报告整改情况'), ...acts), body);
  const list = () => api.listByYear('/key-units', year);
  await load(body, list, (data) => (data.items.length
    ? h('div.tiles.tiles-wide', data.items.map((k) => h('div.tile', { dataset: { unit: k.unit } },
      h('div.tile-title', k.unit_name || unitName(k.unit)),
      h('div.muted.small', t('{y} 年度整改重点单位', { y: k.year || year }), k.selected_at ? ` · ${fmtDate(k.selected_at)}` : ''),
      k.reason ? h('p.small', k.reason) : null,
      h('div.mini-stats',
        h('span', t('整改任务'), h('strong', k.tasks ?? '—')),
        h('span', t('已销号'), h('strong', k.verified ?? '—')),
        h(`span${k.overdue ? '.text-bad' : ''}`, t('逾期'), h('strong', k.overdue ?? '—'))),
      h('div.btn-row',
        k.reported_at ? badge(t('{d} 已向常委会报告', { d: fmtDate(k.reported_at) }), 'good') : badge(t('尚未报告'), 'warn'),
        can.office() || (can.supervised() && can.isUnit(k.unit)) || can.liaison() || can.viewer()
          ? h('button.btn.btn-small', { type: 'button', onclick: () => reportDialog(k, year, reload) }, t('整改情况报告')) : null))))
    : card(null, empty(t('本年度尚未确定整改重点单位')))));
}
function reportDialog(k, year, after) {
  const path = `/key-units/${year}/${ID(k.unit)}/report`;
  modal(t('{u} 整改情况报告', { u: k.unit_name || unitName(k.unit) }), (close) => {
    const box = h('div');
    load(box, () => api.get(path), (r) => {
      const mayReport = !r.reported_at && (can.office() || (can.supervised() && can.isUnit(k.unit)));
      const sections = r.sections || [];
      return h('div',
        h('div.doc',
          h('h3.doc-title', r.title || t('整改情况报告')),
          sections.map((sec) => h('div', sec.heading ? h('h4', sec.heading) : null, h('div.prose', sec.text || sec.body || show(sec.items || '')))),
          r.summary ? h('div.prose', r.summary) : null),
        r.reported_at ? h('div.alert.alert-ok', t('已于 {d} 报送常委会', { d: fmtDate(r.reported_at, true) })) : null,
        h('div.form-actions',
          h('button.btn', { type: 'button', onclick: () => api.download(`${path}.docx`, `key-unit-report-${year}-${k.unit}.docx`) }, t('下载 Word 文档')),
          mayReport ? actionButton(t('报送常委会'), () => { close(); formDialog(t('报送整改情况报告'), {
            fields: [{ name: 'summary', label: t('报告说明'), type: 'textarea', rows: 5, placeholder: t('可补充整改工作总体情况') }],
            submitText: t('报送'),
            submit: (v) => api.post(path, v),
          }, after); }, 'primary') : null));
    });
    return box;
  }, { wide: true });
}

// ---- circulars -----------------------------------------------------------------------------
/** Drafting a circular, or editing its draft (PUT) when `c` is given. */
async function circularDialog(c, after) {
  let problems = [];
  try { problems = (await api.list('/problems')).items; } catch (e) { /* none to pick */ }
  formDialog(c ? t('修改通报草稿') : t('起草通报'), {
    fields: [
      { name: 'title', label: t('通报标题'), required: true, value: c && c.title },
      { name: 'nature', label: t('通报类型'), type: 'select', options: options('nature').filter((o) => o.value !== 'other'), required: true, value: c && c.nature },
      { name: 'problem_ids', label: t('涉及问题'), type: 'multiselect', options: problems.map((p) => ({ value: p.id, text: p.title })), value: c ? c.problem_ids : [] },
      { name: 'body', label: t('通报正文'), type: 'textarea', rows: 8, required: true, value: c && c.body },
      { name: 'names', label: t('涉及人员姓名'), type: 'lines', hint: t('每行一个姓名；公开版本中遮盖为“某某”'), value: c ? c.names : [] },
      { name: 'redact', label: t('公开时需遮盖的其他内容'), type: 'lines', hint: t('每行一项（至少 2 个字），如身份证号、具体地址'), value: c ? c.redact : [] },
      { name: 'recipients', label: t('主送单位'), placeholder: t('如：各协作单位、各被监督单位'), value: c && c.recipients },
    ],
    submitText: t('保存草稿'),
    submit: (v) => (c ? api.put(`/circulars/${ID(c.id)}`, v) : api.post('/circulars', v)),
  }, after);
}
export async function circularsPage(main) {
  const body = h('div');
  const reload = () => circularsPage(main);
  const acts = [];
  if (can.office()) {
    acts.push(actionButton(t('起草通报'), () => circularDialog(null, (c) => { if (c && c.id) location.hash = `#/circulars/${ID(c.id)}`; else reload(); }), 'primary'));
  }
  clear(main, pageHeader(t('通报'), t('典型性、普遍性、倾向性问题和整改不力反面典型的通报'), ...acts), body);
  await load(body, () => api.list('/circulars'), (data) => card(null, dataTable({
    rows: data.items,
    emptyText: t('暂无通报'),
    onRow: (r) => { location.hash = `#/circulars/${ID(r.id)}`; },
    columns: [
      { key: 'title', title: t('标题'), render: (r) => h('a', { href: `#/circulars/${ID(r.id)}` }, r.title) },
      { key: 'nature', title: t('类型'), render: (r) => label('nature', r.nature), filter: options('nature').filter((o) => o.value !== 'other') },
      { key: 'status', title: t('状态'), render: (r) => h('span', statusBadge('circular_status', r.status), ' ', r.published ? badge(t('已公开'), 'good') : null), filter: options('circular_status') },
      { key: 'issued_at', title: t('印发日期'), render: (r) => fmtDate(r.issued_at) },
    ],
  })));
}

export async function circularPage(main, [id]) {
  const reload = () => circularPage(main, [id]);
  const head = h('div');
  const body = h('div');
  clear(main, head, body);
  await load(body, () => api.get(`/circulars/${ID(id)}`), (c) => {
    const acts = [traceLink('circular', c.id),
      h('button.btn', { type: 'button', onclick: () => api.download(`/circulars/${ID(c.id)}.docx`, `circular-${c.id}.docx`) }, t('下载 Word 文档'))];
    if (can.office()) {
      const step = (path, text, msg) => actionButton(text, () => confirmAction(text, msg, () => api.post(`/circulars/${ID(c.id)}/${path}`), reload), 'primary');
      if (c.status === 'draft') acts.push(actionButton(t('修改草稿'), () => circularDialog(c, reload)));
      if (c.status === 'draft') acts.push(step('approve', t('审核通过'), t('确认审核通过该通报？')));
      if (c.status === 'approved') acts.push(step('issue', t('印发'), t('印发后将通知相关单位。确认印发？')));
      if (c.status === 'issued' && !c.published) acts.push(step('publish', t('向社会公开'), t('公开版本将遮盖人名及标注的内容，无需登录即可查看。确认公开？')));
    }
    clear(head, h('div.crumbs', h('a', { href: '#/circulars' }, t('通报')), ' / ', t('通报详情')),
      pageHeader(h('span', c.title, ' ', statusBadge('circular_status', c.status), ' ', c.published ? badge(t('已公开'), 'good') : null), null, ...acts));
    return h('div.grid-2',
      card(t('通报正文'), h('div.doc', h('h3.doc-title', c.title), h('div.prose', c.body || '—'))),
      card(t('通报信息'), fieldList([
        c.number ? [t('文号'), c.number] : null,
        [t('类型'), label('nature', c.nature)],
        [t('状态'), statusBadge('circular_status', c.status)],
        c.recipients ? [t('主送'), c.recipients] : null,
        [t('印发日期'), fmtDate(c.issued_at)],
        c.published_at ? [t('公开时间'), fmtDate(c.published_at, true)] : null,
        (c.names || []).length ? [t('遮盖姓名'), show(c.names)] : null,
        [t('涉及问题'), (c.problem_ids || []).length ? h('span', c.problem_ids.map((p, i) => [i ? '、' : '', h('a', { href: `#/problems/${ID(p)}` }, t('问题 {id}', { id: p }))])) : '—'],
        [t('公开遮盖项'), (c.redact || []).length ? show(c.redact) : '—'],
        c.published ? [t('公开版本'), h('a', { href: `#/public/circulars/${ID(c.id)}` }, t('查看公开版本（已遮盖）'))] : null,
      ])));
  });
}
export { allUnits };
