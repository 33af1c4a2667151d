// Who is signed in, and what their role lets them do. The gateway and the services enforce the
// rules; the client only avoids offering what a role may not do.
import { api, setToken } from './api.js';

export const session = { me: null };

export async function login(username, password) {
  const data = await api.post('/auth/token', { username, password });
  setToken(data.access_token);
  session.me = await api.get('/me');
  return session.me;
}
export async function restore() {
  try { session.me = await api.get('/me'); } catch (e) { session.me = null; }
  return session.me;
}
export function logout() {
  setToken(null);
  session.me = null;
}

const role = () => (session.me && session.me.role) || '';
export const can = {
  office: () => role() === 'office_admin',
  liaison: () => role() === 'liaison',
  supervised: () => role() === 'supervised',
  viewer: () => role() === 'viewer',
  /** Anyone who may change something at all (leaders only read). */
  write: () => ['office_admin', 'liaison', 'supervised'].includes(role()),
  /** The office or a coordinating unit (the "1+N"), acting for its own unit. */
  coordinate: () => ['office_admin', 'liaison'].includes(role()),
  /** True when the signed-in user's unit is `unit` (or one of `unit`). */
  isUnit: (unit) => !!session.me && [].concat(unit || []).includes(session.me.unit),
};
export function myUnit() { return session.me ? session.me.unit : null; }
