// The working year: this year in Asia/Shanghai once its plan exists, otherwise the latest year
// that has one (in November a clerk still works on this year's plan, in January on last year's).
import { api } from './api.js';

export function thisYear() {
  return Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()));
}

let working = thisYear();
export function workingYear() { return working; }

/** Asks the planning API once per sign-in; any failure other than 404 keeps this year. */
export async function resolveWorkingYear() {
  const now = thisYear();
  working = now;
  for (const y of [now, now - 1]) {
    try {
      await api.get(`/plans/${y}`);
      working = y;
      return working;
    } catch (e) {
      if (e.status !== 404) return working;
    }
  }
  return working;
}
