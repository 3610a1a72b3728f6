/** The controller's dashboard API, addressed relative to the page so any mount path works. */
import type { DashboardSnapshot, ServiceDetail } from '../../lib/dashboard';

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!response.ok) throw new Error(`${url} answered ${response.status} ${response.statusText}`);
  return (await response.json()) as T;
}

export function fetchSnapshot(): Promise<DashboardSnapshot> {
  return getJson('api/snapshot');
}

export function fetchService(namespace: string, name: string): Promise<ServiceDetail> {
  return getJson(`api/services/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`);
}
