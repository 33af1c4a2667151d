// 整改共促: problems, rectification tasks, key units and circulars.
import { api } from '../api.js';
import { fmtDate, t } from '../i18n.js';
import { workingYear } from '../year.js';
import { label, options, unitName, unitNames } from '../labels.js';
import { can } from '../session.js';
import {
  badge, card, clear, confirmAction, dataTable, empty, fieldList, formDialog, h, load, pageHeader,
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
          { name: 'supervising_units', label: t('督促单位'), type: 'multiselect', options: coordinatingUnits(), required: true },
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
    const supervising = can.isUnit(task.supervising_units) && !can.viewer();
    const open = ['assigned', 'in_progress', 'sent_back'].includes(task.status);
    if (responsible && can.supervised() && open) {
      acts.push(actionButton(t('报告整改进展'), () => formDialog(t('报告整改进展'), {
        fields: [
          { name: 'note', label: t('进展情况'), type: 'textarea', required: true },
          { name: 'evidence', label: t('佐证材料'), type: 'lines', hint: t('每行一项，如文件名称或文号') },
        ],
        submit: (v) => api.post(`/tasks/${ID(task.id)}/progress`, v),
      }, reload), 'primary'));
      acts.push(actionButton(t('报送整改完成'), () => confirmAction(t('报送整改完成'), t('报送后由督促单位核验销号。确认报送？'),
        () => api.post(`/tasks/${ID(task.id)}/submit`), reload)));
    }
    if (supervising && task.status === 'submitted') {
      acts.push(actionButton(t('核验销号'), () => confirmAction(t('核验销号'), t('确认整改已到位并销号？'),
        () => api.post(`/tasks/${ID(task.id)}/verify`), reload), 'primary'));
      acts.push(actionButton(t('退回重改'), () => formDialog(t('退回重新整改'), {
        fields: [{ name: 'reason', label: t('退回理由'), type: 'textarea', required: true }],
        submitText: t('退回'),
        submit: (v) => api.post(`/tasks/${ID(task.id)}/send-back`, v),
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
      ])),
      card(t('整改进展'), progress.length ? h('ol.timeline', progress.map((p) => h('li',
        h('div.tl-date', fmtDate(p.at || p.created_at || p.occurred_at, true)),
        h('div', h('strong', p.action ? label('task_status', p.action) : t('进展')), ' ', p.unit ? h('span.muted', unitName(p.unit)) : null,
          p.note || p.reason ? h('div.prose.small', p.note || p.reason) : null,
          p.evidence && p.evidence.length ? h('div.small.muted', t('佐证：'), show(p.evidence)) : null))))
        : empty(t('尚未报告进展'))));
  });
}

// ---- key units -----------------------------------------------------------------------------
export async function keyUnitsPage(main, params, query) {
  const year = Number(query.year) || workingYear();
  const body = h('div');
  const reload = () => keyUnitsPage(main, params, query);
  const acts = [yearPicker(year, (y) => { location.hash = `#/key-units?year=${y}`; })];
  if (can.office()) {
    acts.push(actionButton(t('确定重点单位'), () => formDialog(t('确定整改重点单位'), {
      fields: [{ name: 'unit', label: t('被监督单位'), type: 'select', options: supervisedUnits(), required: true }],
      hint: t('每年 1–2 个'),
      submit: (v) => api.post('/key-units', { ...v, year }),
    }, reload), 'primary'));
  }
  clear(main, pageHeader(t('{y} 年度整改重点单位', { y: year }), t('每年确定 1–2 个，向常委会报告整改情况'), ...acts), body);
  await load(body, () => api.list('/key-units', { year }), (data) => (data.items.length
    ? h('div.tiles', data.items.map((k) => h('div.tile', h('div.tile-title', unitName(k.unit)),
      h('div.muted', t('{y} 年度整改重点单位', { y: k.year || year })),
      k.reported_at ? badge(t('已向常委会报告'), 'good') : null)))
    : card(null, empty(t('本年度尚未确定整改重点单位')))));
}

// ---- circulars -----------------------------------------------------------------------------
export async function circularsPage(main) {
  const body = h('div');
  const reload = () => circularsPage(main);
  const acts = [];
  if (can.office()) {
    acts.push(actionButton(t('起草通报'), async () => {
      let problems = [];
      try { problems = (await api.list('/problems')).items; } catch (e) { /* none to pick */ }
      formDialog(t('起草通报'), {
        fields: [
          { name: 'title', label: t('通报标题'), required: true },
          { name: 'nature', label: t('通报类型'), type: 'select', options: options('nature').filter((o) => o.value !== 'other'), required: true },
          { name: 'problem_ids', label: t('涉及问题'), type: 'multiselect', options: problems.map((p) => ({ value: p.id, text: p.title })) },
          { name: 'body', label: t('通报正文'), type: 'textarea', rows: 8, required: true },
          { name: 'redact', label: t('公开时需遮盖的内容'), type: 'lines', hint: t('每行一项，如人名、身份证号；公开版本中将被遮盖') },
        ],
        submitText: t('保存草稿'),
        submit: (v) => api.post('/circulars', v),
      }, (c) => { if (c && c.id) location.hash = `#/circulars/${ID(c.id)}`; else reload(); });
    }, 'primary'));
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
      if (c.status === 'draft') acts.push(step('approve', t('审核通过'), t('确认审核通过该通报？')));
      if (c.status === 'approved') acts.push(step('issue', t('印发'), t('印发后将通知相关单位。确认印发？')));
      if (c.status === 'issued' && !c.published) acts.push(step('publish', t('向社会公开'), t('公开版本将遮盖人名及标注的内容，无需登录即可查看。确认公开？')));
    }
    clear(head, h('div.crumbs', h('a', { href: '#/circulars' }, t('通报')), ' / ', t('通报详情')),
      pageHeader(h('span', c.title, ' ', statusBadge('circular_status', c.status), ' ', c.published ? badge(t('已公开'), 'good') : null), null, ...acts));
    return h('div.grid-2',
      card(t('通报正文'), h('div.doc', h('h3.doc-title', c.title), h('div.prose', c.body || '—'))),
      card(t('通报信息'), fieldList([
        [t('类型'), label('nature', c.nature)],
        [t('状态'), statusBadge('circular_status', c.status)],
        [t('印发日期'), fmtDate(c.issued_at)],
        [t('涉及问题'), (c.problem_ids || []).length ? h('span', c.problem_ids.map((p, i) => [i ? '、' : '', h('a', { href: `#/problems/${ID(p)}` }, t('问题 {id}', { id: p }))])) : '—'],
        [t('公开遮盖项'), (c.redact || []).length ? show(c.redact) : '—'],
        c.published ? [t('公开链接'), h('a', { href: `/api/v1/public/circulars/${ID(c.id)}`, target: '_blank' }, t('查看公开版本'))] : null,
      ])));
  });
}
export { allUnits };
