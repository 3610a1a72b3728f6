/**
 * The dashboard page in a real Chromium against a running local mesh with traffic: the controller
 * serves the page and the API, the sidecars' own metrics feed it. Saves a screenshot of the graph
 * as test-results/dashboard-live.png.
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardTestHook } from '../../../dashboard/view';
import { TypeUrl } from '../../../lib/xds';
import type { LocalMesh } from '../../../runner';
import { AdsTestClient } from '../../support/controller-ads-client';
import { sidecarNode } from '../../support/controller-fixtures';
import { launchChromium } from './chromium';
import { startDashboardMesh } from './dashboard-mesh';

/** The page's globals, as the functions passed to page.evaluate see them in the browser. */
declare const window: { meshformDashboard?: DashboardTestHook };

const SCREENSHOT = path.resolve(__dirname, '../../../test-results/dashboard-live.png');
const WAIT = { timeout: 45_000 };

let mesh: LocalMesh;
let browser: Browser;
let page: Page;
let stopLoad: (() => Promise<void>) | undefined;
let nacking: AdsTestClient | undefined;

beforeAll(async () => {
  // Slow enough steps that the page sees the canary between its start and its promotion.
  ({ mesh, stopLoad } = await startDashboardMesh('3s'));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`http://${mesh.controllerAdmin}/debug/dashboard/?refresh=1`);
}, 120_000);

afterAll(async () => {
  nacking?.close();
  await browser?.close();
  await stopLoad?.();
  await mesh?.stop();
});

describe('the dashboard page on a local mesh with traffic', () => {
  it('draws every service and version, and the edges that carry traffic', async () => {
    const expected = ['shop/ingress', 'shop/web', 'shop/reviews', 'shop/reviews/v1', 'shop/reviews/v2', 'shop/locked'];
    await page.waitForFunction((ids) => ids.every((id) => window.meshformDashboard?.nodeIds().includes(id)), expected, WAIT);
    // Calls to a service with versions go to the version that answered.
    for (const target of ['web', 'reviews/v1', 'reviews/v2']) {
      await page.waitForFunction((id) => /^[1-9]|^0\.[1-9]/.test(window.meshformDashboard?.edge(id)?.label ?? ''), `shop/ingress->shop/${target}`, WAIT);
    }
    const edge = await page.evaluate(() => window.meshformDashboard!.edge('shop/ingress->shop/web'));
    expect(edge!.lineStyle).toBe('solid');
    expect(edge!.label).toMatch(/rps · 100% · p99 \d+ ms$/);
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.locator('#graph').screenshot({ path: SCREENSHOT });
  });

  it('draws the calls an AccessPolicy refuses as denied', async () => {
    await page.waitForFunction(() => window.meshformDashboard?.edge('shop/ingress->shop/locked')?.label.includes('denied'), undefined, WAIT);
    const edge = await page.evaluate(() => window.meshformDashboard!.edge('shop/ingress->shop/locked'));
    expect(edge!.lineColor).toBe('rgb(179,38,30)');
    expect(edge!.classes).toContain('denied');
    expect(edge!.label).toMatch(/ · 0% · /);
  });

  it('shows a canary step in its history as the driver takes it', async () => {
    const history = page.locator('.canary[aria-label="canary shop/reviews-route"] table').nth(1);
    await history.locator('td', { hasText: /^step$/ }).first().waitFor(WAIT);
    await expect(history.locator('tr', { hasText: 'step' }).first().textContent()).resolves.toContain('50%');
    await page.locator('.canary-state', { hasText: 'Succeeded' }).waitFor(WAIT);
    await expect(history.locator('tbody tr').first().textContent()).resolves.toContain('promote');
  });

  it('shows a NACKed config, with its reason, on the proxy that sent it', async () => {
    const node = sidecarNode('web', '127.0.0.99', {}, 'shop');
    nacking = new AdsTestClient(`${mesh.controllerAdmin.split(':')[0]}:15010`, node);
    nacking.subscribe(TypeUrl.Cluster);
    const clusters = await nacking.next(TypeUrl.Cluster);
    nacking.nack(clusters, '', 'cluster outbound|9080||reviews.shop.svc.cluster.local: unsupported field');
    const row = page.locator('#proxies-body tbody tr', { hasText: node.id });
    await row.locator('.bad', { hasText: 'NACK CDS' }).waitFor(WAIT);
    await expect(row.textContent()).resolves.toContain('unsupported field');
  });
});
