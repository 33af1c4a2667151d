// API values (stable English ids) shown to people in Chinese.
import { api } from './api.js';
import { t } from './i18n.js';

const L = {
  role: { office_admin: '人大常委会办公室', liaison: '协作单位联络员', supervised: '被监督单位', viewer: '领导（只读）', adapter: '数据适配器' },
  form: { joint_supervision: '联合监督', law_enforcement_inspection: '执法检查', special_governance: '专项治理' },
  plan_status: { draft: '草拟中', adopted: '已通过' },
  item_status: { planned: '计划中', in_progress: '实施中', concluded: '已办结', cancelled: '已取消' },
  ip_status: { draft: '待审批', submitted: '待审批', approved: '已批准' },
  concern_source: { party_government: '党委政府关心', deputies: '人大代表关注', public: '人民群众关切', npc_key_work: '人大监督重点工作' },
  lead_status: { registered: '已登记', transferred: '已移送', accepted: '已受理', returned: '已退回', handling: '办理中', concluded: '已办结', closed: '已办结' },
  sensitivity: { normal: '一般', sensitive: '敏感', secret: '机密', confidential: '机密', low: '一般', medium: '较敏感', high: '高度敏感' },
  lead_category: { default: '一般线索', discipline: '违纪违法', judicial: '执法司法', funds: '资金使用', ecology: '生态环保' },
  source: { finding: '监督发现', lead: '问题线索', audit_finding: '审计发现', inspection_feedback: '巡察反馈', environmental_inspection: '中央环保督察反馈', other: '其他' },
  nature: { typical: '典型性', common: '普遍性', tendency: '倾向性', negative_case: '反面典型', other: '其他' },
  task_status: { assigned: '已交办', in_progress: '整改中', submitted: '已报送', verified: '已销号', sent_back: '已退回' },
  problem_status: { open: '整改中', rectifying: '整改中', resolved: '已整改', closed: '已销号' },
  circular_status: { draft: '草稿', approved: '已审核', issued: '已印发', published: '已公开' },
  warning_status: { open: '待处置', converting: '正在转线索', converted: '已转线索', dismissed: '已排除', new: '待处置', to_lead: '已转线索', closed: '已处置' },
  result_kind: { item_conclusion: '事项结论', research_output: '研究成果', circular: '通报' },
  topic_status: { planned: '已立项', in_progress: '研究中', concluded: '已结题', completed: '已结题' },
  trace_kind: { item: '监督事项', finding: '发现问题', lead: '问题线索', problem: '整改问题', task: '整改任务', circular: '通报', warning: '风险预警', record: '共享数据', proposal: '议题建议', topic: '研究课题', output: '研究成果', result: '成果' },
  record_type: {
    'audit.finding': '审计发现', 'finance.disbursement': '资金拨付', 'finance.budget_execution': '预算执行',
    'statistics.indicator': '统计指标', 'plc.case_quality': '案件质量评查', 'plc.petition': '信访投诉',
    'inspection.feedback': '巡察反馈', 'cdi.case_concluded': '审结案件',
  },
  mechanism: {
    planning: '计划共商·工作共推', sharing: '信息共享·成果共用', leads: '线索共处', rectification: '整改共促',
    results: '成果共用', research: '课题共研', plan: '计划共商', work: '工作共推',
  },
};

/** The Chinese label of `value` in `group`, falling back to the raw value. */
export function label(group, value) {
  if (value === null || value === undefined || value === '') return '—';
  const zh = (L[group] || {})[value];
  return zh ? t(zh) : String(value);
}
export function options(group) {
  return Object.entries(L[group] || {}).map(([value, text]) => ({ value, text: t(text) }));
}

// The unit registry is configuration on the server; we ask once and cache it.
let units = null;
export async function loadUnits() {
  if (units) return units;
  try {
    const data = await api.list('/units');
    units = data.items;
  } catch (e) {
    units = [];
  }
  return units;
}
export function unitsCached() { return units || []; }
export function unitName(id) {
  if (!id) return '—';
  const u = (units || []).find((x) => x.id === id);
  return u ? u.name : String(id);
}
export function unitNames(ids) {
  if (!ids || !ids.length) return '—';
  return (Array.isArray(ids) ? ids : [ids]).map(unitName).join('、');
}
export function unitOptions(kinds) {
  return (units || [])
    .filter((u) => !kinds || kinds.includes(u.kind))
    .map((u) => ({ value: u.id, text: u.name }));
}
