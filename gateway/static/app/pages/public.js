// 公开通报: what the office chose to publish, redacted, readable without signing in.
import { api } from '../api.js';
import { fmtDate, t } from '../i18n.js';
import { label } from '../labels.js';
import { card, clear, dataTable, h, load } from '../ui.js';

const ID = (id) => encodeURIComponent(id);

function frame(root, ...content) {
  const main = h('main.main.public-main#main');
  clear(root,
    h('header.topbar',
      h('a.brand', { href: '#/public/circulars' }, h('span.brand-mark', { 'aria-hidden': 'true' }, '协'),
        h('span.brand-text', h('strong', t('公开通报')), h('small', t('区人大常委会 · 1+N 协同监督')))),
      h('div.header-right', h('a.header-btn', { href: '#/login' }, t('工作人员登录')))),
    main);
  clear(main, ...content);
  return main;
}

export async function publicPage(root, path) {
  const m = /^\/public\/circulars\/([^/]+)$/.exec(path);
  if (m) return publicCircular(root, decodeURIComponent(m[1]));
  const body = h('div');
  frame(root, h('div.page-header', h('div', h('h1', t('公开通报')),
    h('p.subtitle', t('区人大常委会公开的整改通报；个人信息已按规定遮盖')))), body);
  return load(body, () => api.list('/public/circulars'), (data) => card(null, dataTable({
    rows: data.items,
    emptyText: t('暂无公开的通报'),
    onRow: (r) => { location.hash = `#/public/circulars/${ID(r.id)}`; },
    columns: [
      { key: 'title', title: t('标题'), render: (r) => h('a', { href: `#/public/circulars/${ID(r.id)}` }, r.title) },
      { key: 'number', title: t('文号'), render: (r) => r.number || '—' },
      { key: 'nature', title: t('类型'), render: (r) => label('nature', r.nature) },
      { key: 'issued_on', title: t('印发日期'), render: (r) => fmtDate(r.issued_on) },
    ],
  })));
}

async function publicCircular(root, id) {
  const body = h('div');
  frame(root, h('div.crumbs', h('a', { href: '#/public/circulars' }, t('公开通报')), ' / ', t('通报全文')), body);
  return load(body, () => api.get(`/public/circulars/${ID(id)}`), (c) => card(null, h('article.doc',
    h('h3.doc-title', c.title),
    c.number ? h('p.doc-number', c.number) : null,
    h('div.prose', c.body),
    h('p.doc-sign', c.issuer || t('区人大常委会办公室'), h('br'), fmtDate(c.issued_on)))));
}
