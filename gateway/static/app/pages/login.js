// Sign-in page: username and password against POST /auth/token.
import { lang, setLang, t } from '../i18n.js';
import { login } from '../session.js';
import { clear, h } from '../ui.js';

export function loginPage(root, onSignedIn, notice) {
  const user = h('input.input#username', { name: 'username', autocomplete: 'username', required: true });
  const pass = h('input.input#password', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const userErr = h('div.field-error', { role: 'alert' });
  const passErr = h('div.field-error', { role: 'alert' });
  const general = h('div.form-error', { role: 'alert', hidden: true });
  const info = notice ? h('div.alert.alert-info.login-notice', { role: 'status' }, notice) : null;
  const button = h('button.btn.btn-primary.btn-block', { type: 'submit' }, t('登录'));
  const formEl = h('form.login-form', { novalidate: true },
    info,
    h('div.field', h('label.field-label', { htmlFor: 'username' }, t('用户名')), user, userErr),
    h('div.field', h('label.field-label', { htmlFor: 'password' }, t('密码')), pass, passErr),
    general, button);
  formEl.addEventListener('submit', async (e) => {
    e.preventDefault();
    userErr.textContent = user.value.trim() ? '' : t('请输入用户名');
    passErr.textContent = pass.value ? '' : t('请输入密码');
    general.hidden = true;
    if (info) info.remove();
    if (!user.value.trim() || !pass.value) return;
    button.disabled = true;
    button.textContent = t('正在登录…');
    try {
      await login(user.value.trim(), pass.value);
      onSignedIn();
    } catch (err) {
      const f = err.fields || {};
      userErr.textContent = [].concat(f.username || []).join('；');
      passErr.textContent = [].concat(f.password || []).join('；');
      general.hidden = false;
      general.textContent = err.status === 401 ? t('用户名或密码不正确。') : err.message;
      button.disabled = false;
      button.textContent = t('登录');
    }
  });
  clear(root, h('div.login-page',
    h('div.login-panel',
      h('div.login-brand', h('span.brand-mark.brand-mark-lg', '协'),
        h('div', h('h1', t('协同联动监督平台')), h('p', t('区人大常委会 “1+N” 协同联动监督')))),
      formEl,
      h('div.login-foot',
        h('span.muted', t('计划共商 · 工作共推 · 信息共享 · 线索共处 · 整改共促 · 成果共用 · 课题共研')),
        h('button.link-btn', { type: 'button', onclick: () => { setLang(lang() === 'en' ? 'zh' : 'en'); loginPage(root, onSignedIn, notice); } },
          lang() === 'en' ? '中文' : 'English')))));
  user.focus();
}
