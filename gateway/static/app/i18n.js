// Simplified Chinese first. The Chinese text is the key; the English dictionary is a courtesy, and
// anything it lacks stays in Chinese rather than showing a key.
import { EN } from './i18n_en.js';

const LANG_KEY = 'cosupervise.lang';
const ALIASES = {
  'err.network': '无法连接服务器，请检查网络或稍后重试。',
  'err.401': '登录已过期，请重新登录。',
  'err.403': '您没有执行此操作的权限。',
  'err.404': '未找到该内容，或您无权查看。',
  'err.409': '该操作不符合工作机制的规定。',
  'err.500': '服务器暂时无法处理请求，请稍后重试。',
  'err.503': '相关服务暂不可用，请稍后重试。',
  'err.generic': '请求未能完成，请检查后重试。',
};

export function lang() { return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh'; }
export function setLang(value) {
  localStorage.setItem(LANG_KEY, value === 'en' ? 'en' : 'zh');
  document.documentElement.lang = value === 'en' ? 'en' : 'zh-CN';
}

/** Translate `text` (Chinese) and fill `{name}` placeholders from `vars`. */
export function t(text, vars) {
  const zh = ALIASES[text] || text;
  let out = lang() === 'en' ? (EN[zh] || zh) : zh;
  if (vars) out = out.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return out;
}

/** 2025-09-30 or 2025-09-30 14:05, always in Asia/Shanghai whatever the browser's zone. */
export function fmtDate(value, withTime = false) {
  if (!value) return '—';
  if (!withTime && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const opts = { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' };
  if (withTime) Object.assign(opts, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', opts).formatToParts(d).map((x) => [x.type, x.value]));
  const day = `${p.year}-${p.month}-${p.day}`;
  return withTime ? `${day} ${p.hour}:${p.minute}` : day;
}
