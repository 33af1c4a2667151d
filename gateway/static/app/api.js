// The one place that talks to the gateway: bearer token, error envelope, downloads.
import { t } from './i18n.js';

const TOKEN_KEY = 'cosupervise.token';
const listeners = new Set();

// Every request in flight shows the thin progress bar at the top of the window, so no wait
// (a page, a save, a download) passes without a sign of progress.
let inflight = 0;
function busy(delta) {
  inflight = Math.max(0, inflight + delta);
  document.documentElement.classList.toggle('busy', inflight > 0);
}

export function getToken() { return sessionStorage.getItem(TOKEN_KEY); }
export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}
/** Called with the ApiError when the gateway says the session is no longer valid. */
export function onUnauthorized(fn) { listeners.add(fn); }

/** An API refusal, carrying the gateway's `{error: {code, message, fields}}`. */
export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || statusText(status));
    this.status = status;
    this.code = err.code || `http_${status}`;
    this.fields = err.fields || {};
  }
}

function statusText(status) {
  if (status === 0) return t('err.network');
  if (status === 401) return t('err.401');
  if (status === 403) return t('err.403');
  if (status === 404) return t('err.404');
  if (status === 409) return t('err.409');
  if (status === 503) return t('err.503');
  if (status >= 500) return t('err.500');
  return t('err.generic');
}

function query(params) {
  if (!params) return '';
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function send(method, path, { body, params, raw } = {}) {
  const headers = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  busy(1);
  try {
    let res;
    try {
      res = await fetch(`/api/v1${path}${query(params)}`, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, null);
    }
    if (!res.ok) {
      let payload = null;
      try { payload = await res.json(); } catch (e) { /* not JSON: keep the status text */ }
      const err = new ApiError(res.status, payload);
      if (res.status === 401 && path !== '/auth/token') {
        setToken(null);
        listeners.forEach((fn) => fn(err));
      }
      throw err;
    }
    if (raw) return res;
    if (res.status === 204) return null;
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  } finally {
    busy(-1);
  }
}

export const api = {
  get: (path, params) => send('GET', path, { params }),
  post: (path, body = {}) => send('POST', path, { body }),
  put: (path, body = {}) => send('PUT', path, { body }),
  /** A list endpoint answers `{items, total}`; older shapes (a bare array) are tolerated. */
  async list(path, params) {
    const data = await send('GET', path, { params: { limit: 500, ...params } });
    if (Array.isArray(data)) return { items: data, total: data.length };
    return { items: (data && data.items) || [], total: (data && data.total) ?? 0 };
  },
  /**
   * A year's list (API.md: ?year=). A gateway that refuses the year or the paging as a query
   * string (422) is asked for the bare list, filtered here, so the page still works.
   */
  async listByYear(path, year, params) {
    try {
      return await api.list(path, { ...params, year });
    } catch (e) {
      if (e.status !== 422) throw e;
      const data = await send('GET', path, { params });
      const all = Array.isArray(data) ? data : (data && data.items) || [];
      const items = all.filter((x) => Number(x.year) === Number(year));
      return { items, total: items.length };
    }
  },
  /** Fetches a file with the bearer token and hands it to the browser as a download. */
  async download(path, filename, params) {
    busy(1);
    let res;
    let blob;
    try {
      res = await send('GET', path, { params, raw: true });
      blob = await res.blob();
    } finally { busy(-1); }
    const disposition = res.headers.get('Content-Disposition') || '';
    // RFC 6266: the UTF-8 name (filename*=) is the Chinese one; the plain filename= is ASCII.
    const m = /filename\*=UTF-8''([^;]+)/i.exec(disposition) || /filename="?([^";]+)"?/i.exec(disposition);
    const name = m ? decodeURIComponent(m[1]) : filename;
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    return { name, size: blob.size };
  },
};
