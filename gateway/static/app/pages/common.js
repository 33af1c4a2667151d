// Bits several pages share: year picker, status badges, unit pickers, action buttons.
import { t } from '../i18n.js';
import { label, unitOptions } from '../labels.js';
import { badge, h, statusKind } from '../ui.js';
import { thisYear } from '../year.js';
import { can } from '../session.js';

export function yearPicker(year, onChange) {
  // Next year too: the office drafts next year's plan in the autumn.
  const now = thisYear();
  const years = [];
  for (let y = now + 1; y >= Math.min(now - 3, Number(year) || now); y--) years.push(y);
  if (Number(year) > now + 1) years.unshift(Number(year));
  const sel = h('select.input.year-select', { 'aria-label': t('年度') },
    years.map((y) => h('option', { value: y, selected: Number(year) === y }, t('{y} 年度', { y }))));
  sel.addEventListener('change', () => onChange(Number(sel.value)));
  return sel;
}
export function statusBadge(group, status) { return badge(label(group, status), statusKind(status)); }
export function overdueBadge(row) {
  if (!row || !row.overdue) return null;
  return badge(row.days_overdue ? t('逾期 {n} 天', { n: row.days_overdue }) : t('已逾期'), 'bad');
}
export function keyBadge(key) { return key ? badge(t('重点'), 'key') : null; }

export const coordinatingUnits = () => unitOptions(['npc', 'agency']);
export const agencyUnits = () => unitOptions(['agency']);
export const supervisedUnits = () => unitOptions(['supervised']);
export const allUnits = () => unitOptions();

export function actionButton(text, onclick, kind = '') {
  return h(`button.btn${kind ? `.btn-${kind}` : ''}`, { type: 'button', onclick, dataset: { action: text } }, text);
}
export function traceLink(kind, id) {
  const trace = h('a.btn.btn-small.btn-ghost', { href: `#/trace/${kind}/${encodeURIComponent(id)}` }, t('追溯链条'));
  // The office reads every state change of the matter, who made it and when.
  if (!can.office()) return trace;
  return [trace, h('a.btn.btn-small.btn-ghost', { href: `#/audit?entity=${encodeURIComponent(`${kind}:${id}`)}` }, t('操作记录'))];
}
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
/** Short human text of an arbitrary value (API objects may carry more than the contract names). */
export function show(v) {
  if (v === null || v === undefined || v === '') return '—';
  if (Array.isArray(v)) return v.map(show).join('、');
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k}: ${show(x)}`).join('；');
  if (typeof v === 'boolean') return v ? t('是') : t('否');
  return String(v);
}
