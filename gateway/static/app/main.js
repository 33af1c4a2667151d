// The application shell: header, left navigation by mechanism, hash routing.
import { api, getToken, onUnauthorized } from './api.js';
import { lang, setLang, t } from './i18n.js';
import { label, loadUnits, unitName } from './labels.js';
import { can, logout, restore, session } from './session.js';
import { clear, h, spinner } from './ui.js';
import { loginPage } from './pages/login.js';
import * as planning from './pages/planning.js';
import * as leads from './pages/leads.js';
import * as rect from './pages/rectification.js';
import * as research from './pages/research.js';
import * as sharing from './pages/sharing.js';
import * as cross from './pages/cross.js';
import { dashboard } from './pages/dashboard.js';
import { publicPage } from './pages/public.js';
import { resolveWorkingYear, workingYear } from './year.js';

// Roles: o = office_admin, l = liaison, s = supervised, v = viewer.
const NAV = [
  { title: '工作台', links: [['#/dashboard', '工作台首页', 'olsv'], ['#/notifications', '通知中心', 'olsv']] },
  { title: '计划共商·工作共推', links: [['#/plan', '年度监督计划', 'olsv'], ['#/proposals', '议题建议', 'olv'], ['#/meetings', '联合会商会议', 'olv']] },
  { title: '信息共享', links: [['#/records', '共享数据', 'olv'], ['#/warnings', '风险预警', 'olv'], ['#/portrait', '监督对象画像', 'olv'], ['#/quarantine', '数据隔离区', 'ol']] },
  { title: '线索共处', links: [['#/leads', '问题线索', 'olv']] },
  { title: '整改共促', links: [['#/problems', '整改问题', 'olv'], ['#/tasks', '整改任务', 'olsv'], ['#/key-units', '整改重点单位', 'olsv'], ['#/circulars', '通报', 'olsv']] },
  { title: '成果共用', links: [['#/results', '成果库', 'olv']] },
  { title: '课题共研', links: [['#/research', '研究课题', 'olv']] },
  { title: '综合查询', links: [['#/trace', '事项追溯', 'olv'], ['#/exports', '报告与导出', 'olsv'], ['#/audit', '操作审计', 'o']] },
];
const ROLE_CODE = { office_admin: 'o', liaison: 'l', supervised: 's', viewer: 'v' };

// [pattern, page(params, query, main)]
const ROUTES = [
  [/^\/dashboard$/, dashboard],
  [/^\/plan$/, (main) => planning.planPage(main, [workingYear()])],
  [/^\/plan\/(\d{4})$/, planning.planPage],
  [/^\/items\/([^/]+)$/, planning.itemPage],
  [/^\/proposals$/, planning.proposalsPage],
  [/^\/meetings$/, planning.meetingsPage],
  [/^\/leads$/, leads.leadsPage],
  [/^\/leads\/([^/]+)$/, leads.leadPage],
  [/^\/problems$/, rect.problemsPage],
  [/^\/problems\/([^/]+)$/, rect.problemPage],
  [/^\/tasks$/, rect.tasksPage],
  [/^\/tasks\/([^/]+)$/, rect.taskPage],
  [/^\/key-units$/, rect.keyUnitsPage],
  [/^\/circulars$/, rect.circularsPage],
  [/^\/circulars\/([^/]+)$/, rect.circularPage],
  [/^\/research$/, research.topicsPage],
  [/^\/research\/([^/]+)$/, research.topicPage],
  [/^\/records$/, sharing.recordsPage],
  [/^\/warnings$/, sharing.warningsPage],
  [/^\/quarantine$/, sharing.quarantinePage],
  [/^\/results$/, sharing.resultsPage],
  [/^\/portrait$/, sharing.portraitPick],
  [/^\/portrait\/([^/]+)$/, sharing.portraitPage],
  [/^\/trace$/, cross.tracePick],
  [/^\/trace\/([a-z]+)\/([^/]+)$/, cross.tracePage],
  [/^\/search$/, cross.searchPage],
  [/^\/notifications$/, cross.notificationsPage],
  [/^\/exports$/, cross.exportsPage],
  [/^\/audit$/, cross.auditPage],
];

const root = document.getElementById('app');
let shell = null;

function parseHash() {
  const raw = decodeURIComponent(location.hash.replace(/^#/, '')) || '/dashboard';
  const [path, qs = ''] = raw.split('?');
  return { path, query: Object.fromEntries(new URLSearchParams(qs)) };
}

function bellIcon() {
  // Inline SVG: emoji fonts are not guaranteed on office machines.
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', 'M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z');
  svg.appendChild(path);
  return svg;
}

function buildShell() {
  const me = session.me;
  const code = ROLE_CODE[me.role] || 'v';
  const bell = h('a.header-btn.bell#bell', { href: '#/notifications', title: t('通知中心'), 'aria-label': t('通知中心') },
    bellIcon(), h('span.bell-label', t('通知')), h('span.count#unread-count', { hidden: true }, '0'));
  const searchInput = h('input.input.header-search', { type: 'search', name: 'q', placeholder: t('搜索事项、线索、问题、通报…'), 'aria-label': t('全局搜索') });
  const searchForm = h('form.header-search-form', { role: 'search' }, searchInput);
  searchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = searchInput.value.trim();
    if (q) location.hash = `#/search?q=${encodeURIComponent(q)}`;
  });
  const nav = h('nav.sidenav', { 'aria-label': t('主导航') },
    NAV.map((g) => {
      const links = g.links.filter(([, , roles]) => roles.includes(code));
      if (!links.length) return null;
      return h('div.nav-group', h('div.nav-title', t(g.title)),
        links.map(([href, text]) => h('a.nav-link', { href, dataset: { href } }, t(text))));
    }));
  const main = h('main.main#main', { tabindex: -1 });
  shell = { main, nav, bell };
  clear(root,
    h('header.topbar',
      h('a.brand', { href: '#/dashboard' }, h('span.brand-mark', { 'aria-hidden': 'true' }, '协'),
        h('span.brand-text', h('strong', t('协同联动监督平台')), h('small', t('区人大常委会 · 1+N 协同监督')))),
      searchForm,
      h('div.header-right',
        bell,
        h('button.header-btn.lang-btn', { type: 'button', onclick: () => { setLang(lang() === 'en' ? 'zh' : 'en'); buildShell(); route(); } },
          lang() === 'en' ? '中文' : 'EN'),
        h('span.user', { title: me.username },
          h('span.user-name', me.username),
          h('span.user-meta', `${unitName(me.unit)} · ${label('role', me.role)}`)),
        h('button.header-btn#logout', { type: 'button', onclick: () => { logout(); location.hash = '#/login'; start(t('您已安全退出。')); } }, t('退出')))),
    h('div.layout', nav, main));
  refreshUnread();
}

export async function refreshUnread() {
  const el = document.getElementById('unread-count');
  if (!el) return;
  try {
    // The answer carries the caller's unread count beside the page of notices.
    const data = await api.get('/notifications', { unread: 'true', limit: 1 });
    const n = data.unread ?? data.total ?? 0;
    el.textContent = n > 99 ? '99+' : String(n);
    el.hidden = n === 0;
    document.getElementById('bell').setAttribute('aria-label', t('通知中心（{n} 条未读）', { n }));
  } catch (e) { el.hidden = true; }
}

async function route() {
  if (!session.me) return;
  const { path, query } = parseHash();
  for (const a of shell.nav.querySelectorAll('.nav-link')) {
    const href = a.dataset.href.slice(1);
    a.classList.toggle('active', path === href || (href !== '/dashboard' && path.startsWith(`${href}/`)));
  }
  const main = shell.main;
  clear(main, spinner());
  for (const [re, page] of ROUTES) {
    const m = re.exec(path);
    if (m) {
      try {
        await page(main, m.slice(1), query);
      } catch (err) {
        console.error(err);
        clear(main, h('div.alert.alert-error', { role: 'alert' }, t('页面出错：'), err.message || String(err)));
      }
      document.title = `${(main.querySelector('h1') || {}).textContent || ''} - ${t('协同联动监督平台')}`;
      return;
    }
  }
  clear(main, h('div.empty', h('p', t('页面不存在。')), h('a', { href: '#/dashboard' }, t('返回工作台'))));
}

async function enter() {
  await Promise.all([loadUnits(), resolveWorkingYear()]);
  buildShell();
  if (!location.hash || parseHash().path === '/login') location.hash = '#/dashboard';
  else route();
}

/** notice: shown above the sign-in form, e.g. why the person was sent back to it. */
async function start(notice) {
  document.documentElement.lang = lang() === 'en' ? 'en' : 'zh-CN';
  // Published circulars are for the public: no sign-in, no shell.
  if (parseHash().path.startsWith('/public')) {
    shell = null;
    session.me = null;
    publicPage(root, parseHash().path);
    return;
  }
  const hadToken = !!getToken();
  if (!hadToken || !(await restore())) {
    if (hadToken && !notice) notice = t('登录已过期，请重新登录。');
    shell = null;
    document.querySelectorAll('.modal-overlay').forEach((m) => m.remove());
    loginPage(root, enter, notice);
    return;
  }
  await enter();
}

window.addEventListener('hashchange', () => {
  const { path } = parseHash();
  if (path.startsWith('/public') || !shell || !session.me) {
    // Sent to '#/login' while the sign-in form is already showing (sign-out): leave it be.
    if (path === '/login' && !shell && root.querySelector('.login-form')) return;
    start();
    return;
  }
  route();
});
// A 401 anywhere (expired or revoked token) returns to the sign-in page and says why; the hash is
// kept, so signing in again lands where the person was.
onUnauthorized(() => { if (session.me) { session.me = null; start(t('登录已过期，请重新登录。')); } });
setInterval(() => { if (session.me && !document.hidden) refreshUnread(); }, 60000);
start();
