// 计划共商 · 工作共推: the year's plan, its items, proposals and consultation meetings.
import { api } from '../api.js';
import { fmtDate, t } from '../i18n.js';
import { thisYear, workingYear } from '../year.js';
import { label, options, unitName, unitNames } from '../labels.js';
import { can, myUnit } from '../session.js';
import {
  badge, card, clear, confirmAction, dataTable, empty, fieldList, formDialog, h, load, pageHeader,
} from '../ui.js';
import {
  actionButton, agencyUnits, allUnits, coordinatingUnits, keyBadge, show, statusBadge, traceLink, yearPicker,
} from './common.js';

// ---- the annual plan -----------------------------------------------------------------------
export async function planPage(main, [year]) {
  year = Number(year);
  const body = h('div');
  clear(main, pageHeader(t('{y} 年度协同联动专项监督计划', { y: year }), t('计划共商 · 工作共推'),
    yearPicker(year, (y) => { location.hash = `#/plan/${y}`; })), body);
  const reload = () => planPage(main, [year]);
  await load(body, async () => {
    try { return await api.get(`/plans/${year}`); } catch (e) { if (e.status === 404) return null; throw e; }
  }, (plan) => {
    if (!plan) {
      return h('div.card', empty(t('{y} 年度尚未制定监督计划。', { y: year }),
        can.office() ? t('根据联合会商会议研究确定的议题，创建年度计划并逐项列入监督事项。') : t('计划由人大常委会办公室制定。')),
      can.office() ? h('div.center', actionButton(t('创建 {y} 年度计划', { y: year }), () =>
        confirmAction(t('创建年度计划'), t('确认创建 {y} 年度协同联动专项监督计划？创建后为草拟状态，可继续增加监督事项，审议通过后生效。', { y: year }),
          () => api.post('/plans', { year }), reload), 'primary')) : null);
    }
    const items = plan.items || [];
    const keyCount = items.filter((i) => i.key).length;
    const draft = plan.status !== 'adopted';
    const actions = [];
    if (can.office() && draft) {
      actions.push(actionButton(t('新增监督事项'), () => itemDialog(year, reload), 'primary'));
      actions.push(actionButton(t('审议通过计划'), () => confirmAction(t('通过年度计划'),
        t('通过后计划即生效。每年至少明确一个重点监督事项，每个事项须有牵头单位和参与单位。'),
        () => api.post(`/plans/${year}/adopt`), reload)));
    }
    const next = thisYear();
    return h('div',
      can.office() && !draft && year < next && year === workingYear()
        ? h('div.alert.alert-info', t('{y} 年度计划尚未制定。', { y: next }), ' ', h('a', { href: `#/plan/${next}` }, t('去制定 {y} 年度计划 →', { y: next }))) : null,
      h('div.stat-row',
        stat(t('计划状态'), statusBadge('plan_status', plan.status), plan.adopted_at ? t('{d} 通过', { d: fmtDate(plan.adopted_at) }) : null),
        stat(t('监督事项'), items.length),
        stat(t('重点事项'), keyCount),
        stat(t('实施中'), items.filter((i) => i.status === 'in_progress').length),
        stat(t('已办结'), items.filter((i) => i.status === 'concluded').length)),
      draft ? adoptionChecklist(items) : null,
      card(t('监督事项'), dataTable({
        rows: items,
        emptyText: t('计划中还没有监督事项'),
        onRow: (r) => { location.hash = `#/items/${encodeURIComponent(r.id)}`; },
        columns: [
          { key: 'seq', title: t('序号'), render: (r) => r.seq ?? '—', sort: (r) => r.seq ?? 0 },
          { key: 'title', title: t('事项名称'), render: (r) => h('span', h('a', { href: `#/items/${encodeURIComponent(r.id)}` }, r.title), ' ', keyBadge(r.key)) },
          { key: 'form', title: t('监督形式'), render: (r) => label('form', r.form), filter: options('form') },
          { key: 'lead_unit', title: t('牵头单位'), render: (r) => unitName(r.lead_unit), sort: (r) => unitName(r.lead_unit) },
          { key: 'participating_units', title: t('参与单位'), render: (r) => unitNames(r.participating_units), sort: (r) => unitNames(r.participating_units) },
          { key: 'status', title: t('状态'), render: (r) => statusBadge('item_status', r.status), filter: options('item_status') },
        ],
      }), ...actions));
  });
}
/** The adoption rules, checked as the office fills the plan in (the service decides). */
function adoptionChecklist(items) {
  const checks = [
    [items.length > 0, t('计划中至少有一个监督事项')],
    [items.some((i) => i.key), t('至少明确一个重点监督事项')],
    [items.length > 0 && items.every((i) => i.lead_unit && (i.participating_units || []).length), t('每个事项都有牵头单位和参与单位')],
  ];
  return h('div.checklist', { 'aria-label': t('通过条件') },
    h('span.checklist-title', t('审议通过条件：')),
    checks.map(([ok, text]) => h(`span.check-item.${ok ? 'ok' : 'todo'}`, h('span', { 'aria-hidden': 'true' }, ok ? '✓ ' : '○ '), text)));
}
function stat(title, value, sub) {
  return h('div.stat', h('div.stat-label', title), h('div.stat-value', value), sub ? h('div.stat-sub', sub) : null);
}
function itemDialog(year, after) {
  formDialog(t('新增监督事项'), {
    fields: [
      { name: 'title', label: t('事项名称'), required: true },
      { name: 'form', label: t('监督形式'), type: 'select', options: options('form'), required: true },
      { name: 'lead_unit', label: t('牵头单位'), type: 'select', options: coordinatingUnits(), required: true },
      { name: 'participating_units', label: t('参与单位'), type: 'multiselect', options: coordinatingUnits(), required: true },
      { name: 'description', label: t('事项说明'), type: 'textarea', rows: 3 },
      { name: 'key', label: t('列为重点监督事项'), type: 'checkbox' },
    ],
    submitText: t('保存事项'),
    submit: (v) => api.post(`/plans/${year}/items`, v),
  }, after);
}

// ---- one item ------------------------------------------------------------------------------
export async function itemPage(main, [id]) {
  const reload = () => itemPage(main, [id]);
  const head = h('div');
  const body = h('div');
  clear(main, head, body);
  await load(body, () => api.get(`/items/${encodeURIComponent(id)}`), (item) => {
    const isLead = can.isUnit(item.lead_unit);
    const isParticipant = isLead || can.isUnit(item.participating_units);
    const mine = can.office() || (can.liaison() && isParticipant);
    const base = [[t('事项说明'), item.description || '—']];
    const acts = [traceLink('item', item.id)];
    if ((can.office() || (can.liaison() && isLead)) && item.status === 'planned') {
      acts.push(actionButton(t('启动实施'), () => confirmAction(t('启动实施'),
        t('实施方案须已批准，且各参与单位均已派员。确认启动？'), () => api.post(`/items/${id}/start`), reload), 'primary'));
    }
    if ((can.office() || (can.liaison() && isLead)) && item.status === 'in_progress') {
      acts.push(actionButton(t('办结事项'), () => formDialog(t('办结监督事项'), {
        fields: [{ name: 'conclusion', label: t('办结结论'), type: 'textarea', required: true }],
        submitText: t('确认办结'),
        submit: (v) => api.post(`/items/${id}/conclude`, v),
      }, reload), 'primary'));
    }
    if (can.office() && ['planned', 'in_progress'].includes(item.status)) {
      acts.push(actionButton(t('撤销事项'), () => formDialog(t('撤销监督事项'), {
        fields: [{ name: 'reason', label: t('撤销理由'), type: 'textarea', required: true }],
        submitText: t('确认撤销'),
        submit: (v) => api.post(`/items/${id}/cancel`, v),
      }, reload), 'danger'));
    }
    clear(head, h('div.crumbs', h('a', { href: `#/plan/${item.year || workingYear()}` }, t('年度监督计划')), ' / ', t('监督事项')),
      pageHeader(item.title, null, ...acts));
    return h('div.grid-2',
      h('div',
        card(t('基本信息'), fieldList([
          ...base,
          [t('监督形式'), label('form', item.form)],
          (item.subjects || []).length ? [t('监督对象'), h('span', item.subjects.map((x, i) => [i ? '、' : '', h('a', { href: `#/portrait/${encodeURIComponent(x)}` }, unitName(x))]))] : null,
          [t('牵头单位'), unitName(item.lead_unit)],
          [t('参与单位'), unitNames(item.participating_units)],
          [t('重点事项'), item.key ? badge(t('重点监督事项'), 'key') : t('否')],
          [t('状态'), statusBadge('item_status', item.status)],
          item.conclusion ? [t('办结结论'), item.conclusion] : null,
        ])),
        implementationPlanCard(item, isLead, reload),
        findingsCard(item, mine, reload)),
      h('div',
        staffCard(item, isParticipant, reload),
        milestonesCard(item, can.office() || (can.liaison() && isLead), reload),
        progressCard(item, mine, reload)));
  });
}

function planVersions(ip) {
  if (!ip) return [];
  if (Array.isArray(ip)) return ip;
  if (Array.isArray(ip.versions)) return ip.versions;
  return ip.content ? [ip] : [];
}
function implementationPlanCard(item, isLead, reload) {
  const ip = item.implementation_plan;
  const versions = planVersions(ip);
  const latest = versions[versions.length - 1];
  const content = ip && !Array.isArray(ip) && ip.content ? ip.content : latest && latest.content;
  const versionNo = (ip && ip.current_version) || (latest && latest.version) || versions.length;
  const approved = !!((ip && !Array.isArray(ip) && ip.approved) || (latest && latest.approved));
  const acts = [];
  if (can.coordinate() && isLead && item.status !== 'concluded') {
    acts.push(actionButton(content ? t('修订方案') : t('编制方案'), () => formDialog(t('实施方案（一事一案）'), {
      fields: [{ name: 'content', label: t('方案内容'), type: 'textarea', rows: 10, required: true, value: content || '' }],
      submitText: t('保存为新版本'),
      submit: (v) => api.put(`/items/${item.id}/implementation-plan`, v),
    }, reload), 'small'));
  }
  if (can.office() && content && !approved) {
    acts.push(actionButton(t('批准方案'), () => confirmAction(t('批准实施方案'), t('确认批准当前版本的实施方案？'),
      () => api.post(`/items/${item.id}/implementation-plan/approve`), reload), 'small'));
  }
  const body = content
    ? h('div',
      h('div.meta-line', t('第 {v} 版', { v: versionNo }), ' · ',
        approved ? badge(t('已批准'), 'good') : badge(t('待审批'), 'warn'),
        latest && latest.created_at ? ` · ${unitName(latest.unit)} ${fmtDate(latest.created_at, true)}` : ''),
      h('div.prose', content),
      versions.length > 1 ? h('details', h('summary', t('历史版本（{n}）', { n: versions.length })),
        versions.map((v, i) => h('div.version', h('strong', t('第 {v} 版', { v: v.version || i + 1 })), ' ',
          h('span.muted', `${unitName(v.unit)} ${fmtDate(v.created_at, true)}`), ' ', v.approved ? badge(t('已批准'), 'good') : null,
          h('div.prose', v.content)))) : null)
    : empty(t('尚未编制实施方案'), t('实施方案由牵头单位编制，经办公室批准后方可启动。'));
  return card(t('实施方案'), body, ...acts);
}
function progressCard(item, mine, reload) {
  const acts = [];
  if (mine && item.status === 'in_progress') {
    acts.push(actionButton(t('报告进展'), () => formDialog(t('报告工作进展'), {
      fields: [
        { name: 'note', label: t('进展情况'), type: 'textarea', required: true },
        (item.milestones || []).length ? { name: 'milestone_id', label: t('对应节点'), type: 'select', options: item.milestones.map((m) => ({ value: m.id, text: m.title })) } : null,
        (item.milestones || []).length ? { name: 'done', label: t('该节点已完成'), type: 'checkbox' } : null,
      ].filter(Boolean),
      submit: (v) => api.post(`/items/${item.id}/progress`, { ...v, milestone_id: v.milestone_id || null }),
    }, reload), 'small'));
  }
  const notes = item.progress || [];
  if (!notes.length && !acts.length) return null;
  return card(t('工作进展'), notes.length ? h('ol.timeline', notes.map((n) => h('li',
    h('div.tl-date', fmtDate(n.created_at, true)),
    h('div', h('span.muted', unitName(n.unit)), h('div.prose', n.note))))) : empty(t('暂无进展记录')), ...acts);
}
function staffCard(item, isParticipant, reload) {
  const acts = [];
  if (can.coordinate() && isParticipant && item.status !== 'concluded') {
    acts.push(actionButton(t('派员'), () => formDialog(t('派员参加'), {
      fields: [
        { name: 'unit', label: t('派出单位'), type: 'select', options: allUnits().filter((o) => o.value === myUnit()), value: myUnit(), required: true },
        { name: 'name', label: t('姓名'), required: true },
        { name: 'role', label: t('职责'), required: true, placeholder: t('如：组员、联络员') },
      ],
      submitText: t('确认派员'),
      submit: (v) => api.post(`/items/${item.id}/staff`, v),
    }, reload), 'small'));
  }
  const staff = item.staff || [];
  const units = [item.lead_unit, ...(item.participating_units || [])];
  const missing = item.missing_staff || units.filter((u) => u && !staff.some((s) => s.unit === u));
  return card(t('派员情况'), h('div',
    missing.length && item.status === 'planned' ? h('div.alert.alert-warn', t('尚未派员：{u}', { u: unitNames(missing) })) : null,
    staff.length ? h('table.table.compact', h('thead', h('tr', h('th', t('单位')), h('th', t('姓名')), h('th', t('职责')))),
      h('tbody', staff.map((s) => h('tr', h('td', unitName(s.unit)), h('td', s.name), h('td', s.role || '—')))))
      : empty(t('暂无派员'))), ...acts);
}
function milestonesCard(item, mayPlan, reload) {
  const acts = [];
  const itemUnits = [item.lead_unit, ...(item.participating_units || [])].filter(Boolean);
  if (mayPlan && ['planned', 'in_progress'].includes(item.status)) {
    acts.push(actionButton(t('新增节点'), () => formDialog(t('新增工作节点'), {
      fields: [
        { name: 'title', label: t('节点名称'), required: true },
        { name: 'owner_unit', label: t('责任单位'), type: 'select', options: coordinatingUnits().filter((o) => itemUnits.includes(o.value)), required: true },
        { name: 'due_on', label: t('完成期限'), type: 'date', required: true },
      ],
      submit: (v) => api.post(`/items/${item.id}/milestones`, v),
    }, reload), 'small'));
  }
  const ms = item.milestones || [];
  return card(t('工作节点'), ms.length ? h('ul.timeline', ms.map((m) => h('li',
    h('div.tl-date', fmtDate(m.due_on)),
    h('div', h('strong', m.title), ' ', h('span.muted', unitName(m.owner_unit)), ' ',
      m.done_on ? badge(t('已完成'), 'good') : (m.overdue ? badge(t('已逾期'), 'bad') : null)))))
    : empty(t('暂无工作节点')), ...acts);
}
const leadIds = (f) => f.lead_ids || (f.lead_id ? [f.lead_id] : []);
const problemIds = (f) => f.problem_ids || (f.problem_id ? [f.problem_id] : []);
function findingsCard(item, mine, reload) {
  const acts = [];
  if (mine && item.status === 'in_progress') {
    acts.push(actionButton(t('记录发现问题'), () => formDialog(t('记录发现问题'), {
      fields: [
        { name: 'title', label: t('问题标题'), required: true },
        { name: 'subject', label: t('涉及对象'), type: 'select', options: allUnits(), required: true },
        { name: 'description', label: t('问题描述'), type: 'textarea', required: true },
      ],
      submit: (v) => api.post(`/items/${item.id}/findings`, v),
    }, reload), 'small'));
  }
  const list = item.findings || [];
  if (!list.length) return card(t('发现问题'), empty(t('暂无发现问题')), ...acts);
  return card(t('发现问题'), h('div.finding-list', list.map((f) => h('div.finding',
    h('div.finding-head', h('strong', f.title), ' ', h('span.muted', unitName(f.subject))),
    h('p', f.description || ''),
    h('div.finding-links',
      leadIds(f).map((x) => h('a', { href: `#/leads/${x}` }, t('已移送线索 →'))),
      problemIds(f).map((x) => h('a', { href: `#/problems/${x}` }, t('已转整改问题 →'))),
      traceLink('finding', f.id),
      mine && !leadIds(f).length ? actionButton(t('移送为线索'), () => formDialog(t('发现问题移送为线索'), {
        fields: [
          { name: 'to_unit', label: t('接收单位'), type: 'select', options: agencyUnits(), required: true },
          { name: 'category', label: t('线索类别'), type: 'select', options: options('lead_category'), value: 'default', required: true },
          { name: 'sensitivity', label: t('敏感程度'), type: 'select', options: options('sensitivity').slice(0, 3), value: 'normal', required: true },
        ],
        submitText: t('移送'),
        submit: (v) => api.post(`/findings/${f.id}/to-lead`, v),
      }, (lead) => { if (lead && lead.id) location.hash = `#/leads/${lead.id}`; else reload(); }), 'small') : null,
      mine && !problemIds(f).length ? actionButton(t('转为整改问题'), () => formDialog(t('发现问题转为整改问题'), {
        fields: [{ name: 'nature', label: t('问题性质'), type: 'select', options: options('nature').filter((o) => o.value !== 'negative_case'), required: true }],
        submitText: t('转为整改问题'),
        submit: (v) => api.post(`/findings/${f.id}/to-problem`, v),
      }, (p) => { if (p && p.id) location.hash = `#/problems/${p.id}`; else reload(); }), 'small') : null)))), ...acts);
}

// ---- proposals and meetings ---------------------------------------------------------------
export async function proposalsPage(main, params, query) {
  const year = Number(query.year) || workingYear();
  const body = h('div');
  const reload = () => proposalsPage(main, params, query);
  const acts = [yearPicker(year, (y) => { location.hash = `#/proposals?year=${y}`; })];
  if (can.coordinate()) {
    acts.push(actionButton(t('提出议题建议'), () => formDialog(t('提出议题建议'), {
      fields: [
        { name: 'title', label: t('议题名称'), required: true },
        { name: 'concern_source', label: t('关注来源'), type: 'select', options: options('concern_source'), required: true },
        { name: 'rationale', label: t('建议理由'), type: 'textarea', required: true },
      ],
      submit: (v) => api.post('/proposals', { ...v, year }),
    }, reload), 'primary'));
  }
  clear(main, pageHeader(t('{y} 年度议题建议', { y: year }), t('各协作单位提出，联合会商会议研究确定'), ...acts), body);
  await load(body, () => api.list('/proposals', { year }), (data) => card(null, dataTable({
    rows: data.items,
    emptyText: t('本年度暂无议题建议'),
    columns: [
      { key: 'title', title: t('议题名称') },
      { key: 'concern_source', title: t('关注来源'), render: (r) => label('concern_source', r.concern_source), filter: options('concern_source') },
      { key: 'unit', title: t('建议单位'), render: (r) => unitName(r.unit || r.proposer_unit), sort: (r) => unitName(r.unit || r.proposer_unit) },
      { key: 'rationale', title: t('建议理由'), render: (r) => h('span.clip', r.rationale || '—') },
      { key: 'created_at', title: t('提出时间'), render: (r) => fmtDate(r.created_at) },
    ],
  })));
}

export async function meetingsPage(main, params, query) {
  const year = Number(query.year) || workingYear();
  const body = h('div');
  const reload = () => meetingsPage(main, params, query);
  const acts = [yearPicker(year, (y) => { location.hash = `#/meetings?year=${y}`; })];
  if (can.office()) {
    acts.push(actionButton(t('登记会商会议'), async () => {
      let proposals = [];
      try { proposals = (await api.list('/proposals', { year })).items; } catch (e) { /* none to pick */ }
      formDialog(t('登记联合会商会议'), {
        fields: [
          { name: 'held_on', label: t('召开日期'), type: 'date', required: true },
          { name: 'attending_units', label: t('参会单位'), type: 'multiselect', options: coordinatingUnits(), required: true },
          { name: 'proposal_ids', label: t('研究的议题'), type: 'multiselect', options: proposals.map((p) => ({ value: p.id, text: p.title })) },
          { name: 'minutes', label: t('会议纪要'), type: 'textarea', rows: 6, required: true },
        ],
        submit: (v) => api.post('/meetings', { ...v, year }),
      }, reload);
    }, 'primary'));
  }
  clear(main, pageHeader(t('{y} 年度联合会商会议', { y: year }), t('每年至少召开一次，由人大常委会办公室召集'), ...acts), body);
  await load(body, () => api.list('/meetings', { year }), (data) => (data.items.length
    ? h('div', data.items.map((m) => card(t('{d} 联合会商会议', { d: fmtDate(m.held_on) }), fieldList([
      [t('参会单位'), unitNames(m.attending_units)],
      [t('研究议题'), show((m.proposals || []).map((p) => p.title || p)) !== '—' ? show((m.proposals || []).map((p) => p.title || p)) : t('{n} 项', { n: (m.proposal_ids || []).length })],
      [t('会议纪要'), h('div.prose', m.minutes || '—')],
      m.decisions ? [t('会议决定'), show(m.decisions)] : null,
    ]))))
    : card(null, empty(t('本年度尚未召开联合会商会议')))));
}
