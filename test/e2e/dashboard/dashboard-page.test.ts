/**
 * The dashboard page in a real Chromium, against a stand-in server with fixture snapshots: what it
 * draws, how it updates, and that a keyboard reaches everything.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { syntheticSnapshot } from '../../../bench/dashboard/synthetic-snapshot';
import type { DashboardTestHook } from '../../../dashboard/view';
import { launchChromium } from './chromium';
import { startFixtureServer, type FixtureServer } from './fixture-server';
import { CART_DETAIL, smallMesh } from './fixtures';

/** The page's globals, as the functions passed to page.evaluate see them in the browser. */
declare const window: { meshformDashboard?: DashboardTestHook };
declare const document: { activeElement: { id: string; textContent: string | null } | null; getElementById(id: string): { textContent: string | null } | null };
declare function getComputedStyle(element: unknown): { outlineStyle: string };

let browser: Browser;
let server: FixtureServer;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  server = await startFixtureServer(smallMesh(0));
  server.setService(CART_DETAIL);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  server.setSnapshot(smallMesh(0));
  server.setUnavailable(false);
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  return () => page.close();
});

async function open(query = 'refresh=0.3'): Promise<void> {
  await page.goto(`${server.url}?${query}`);
  await page.waitForFunction(() => (window.meshformDashboard?.updates() ?? 0) >= 1);
}

/** Waits until the page has applied `count` more snapshots than it had when called. */
async function updatesAfter(count: number): Promise<void> {
  const now = await page.evaluate(() => window.meshformDashboard!.updates());
  await page.waitForFunction((target) => window.meshformDashboard!.updates() >= target, now + count);
}

describe('dashboard page', () => {
  it('draws every service, version and call of the snapshot, inside their namespaces', async () => {
    await open();
    const ids = await page.evaluate(() => window.meshformDashboard!.nodeIds().sort());
    expect(ids).toEqual(['legacy/ledger', 'ns:legacy', 'ns:shop', 'shop/cart', 'shop/cart/v1', 'shop/cart/v2', 'shop/frontend', 'shop/payments']);
    const edges = await page.evaluate(() => window.meshformDashboard!.edgeIds().sort());
    expect(edges).toEqual(['shop/frontend->shop/cart', 'shop/frontend->shop/payments', 'shop/payments->legacy/ledger']);
    await expect(page.locator('#summary').textContent()).resolves.toBe('4 services · 3 calls · 1 denied');
  });

  it('draws a call with denied requests red and says so; a plaintext call dashed', async () => {
    await open();
    const denied = await page.evaluate(() => window.meshformDashboard!.edge('shop/frontend->shop/payments'));
    const allowed = await page.evaluate(() => window.meshformDashboard!.edge('shop/frontend->shop/cart'));
    const plaintext = await page.evaluate(() => window.meshformDashboard!.edge('shop/payments->legacy/ledger'));
    expect(denied!.lineColor).toBe('rgb(179,38,30)');
    expect(denied!.label).toContain('2.0/s denied');
    expect(allowed!.lineColor).not.toBe(denied!.lineColor);
    expect(allowed!.lineStyle).toBe('solid');
    expect(plaintext!.lineStyle).toBe('dashed');
    expect(plaintext!.label).toContain('plaintext');
    await page.locator('#text-alternative summary').click();
    const row = page.locator('#calls-table tr', { hasText: 'shop/payments' }).filter({ hasText: 'shop/frontend' });
    await expect(row.textContent()).resolves.toContain('2.0 rps denied');
  });

  it('applies an update without moving what was drawn: a new caller appears, the canary steps on', async () => {
    await open();
    const before = await page.evaluate(() => ['shop/frontend', 'shop/cart/v1', 'legacy/ledger'].map((id) => window.meshformDashboard!.position(id)));
    await expect(page.locator('.canary-state').textContent()).resolves.toBe('Progressing · step 1 · canary weight 10%');
    server.setSnapshot(smallMesh(1));
    await page.waitForFunction(() => window.meshformDashboard!.edgeIds().includes('shop/reviews->shop/cart'));
    await updatesAfter(1);
    const after = await page.evaluate(() => ['shop/frontend', 'shop/cart/v1', 'legacy/ledger'].map((id) => window.meshformDashboard!.position(id)));
    expect(after).toEqual(before);
    expect(await page.evaluate(() => window.meshformDashboard!.position('shop/reviews'))).not.toBeNull();
    expect(await page.evaluate(() => window.meshformDashboard!.edge('shop/frontend->shop/cart')!.label)).toContain('24 rps');
    await expect(page.locator('.canary-state').textContent()).resolves.toBe('Progressing · step 2 · canary weight 20%');
    await expect(page.locator('.canary table').nth(1).locator('tbody tr').first().textContent()).resolves.toContain('checks passed; weight 20%');
  });

  it("shows a proxy's NACK with its reason, first among the proxies", async () => {
    await open();
    const first = page.locator('#proxies-body tbody tr').first();
    await expect(first.textContent()).resolves.toContain('sidecar~shop~cart-1');
    await expect(first.locator('.bad').first().textContent()).resolves.toBe('NACK RDS v7 at 09:59:58: route shop/cart: regex "(" does not compile');
    const frontend = page.locator('#proxies-body tbody tr', { hasText: 'sidecar~shop~frontend-1' });
    await expect(frontend.textContent()).resolves.toContain('LDS v7, RDS v7, CDS v7, EDS v9');
  });

  it('reaches search, a service panel and the graph by keyboard alone, with visible focus', async () => {
    await open();
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Skip to the graph as tables');
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('search');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).toBe('solid');
    await page.keyboard.type('cart');
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('shop/cart');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'service-title');
    await expect(page.locator('#service-title').textContent()).resolves.toBe('shop/cart');
    const panel = page.locator('#service-panel');
    await expect(panel.locator('tr', { hasText: 'cart v2' }).textContent()).resolves.toContain('cart v1: 90%, cart v2: 10%');
    await expect(panel.locator('tr', { hasText: 'cart-callers' }).textContent()).resolves.toContain('in force');
    await expect(panel.locator('tr', { hasText: 'shop-default' }).textContent()).resolves.toContain('overridden');
    await expect(panel.locator('figcaption').first().textContent()).resolves.toBe('Requests per second: 12 rps now');
    expect(await panel.locator('canvas').count()).toBe(3);
    expect(await page.evaluate(() => window.meshformDashboard!.nodeIds().length)).toBe(8);
    await page.focus('#graph');
    const panBefore = await page.evaluate(() => window.meshformDashboard!.pan());
    await page.keyboard.press('ArrowLeft');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('graph');
    expect(await page.evaluate(() => window.meshformDashboard!.pan())).toEqual({ x: panBefore.x + 150, y: panBefore.y });
  });

  it('steps through the nodes from the keyboard, says which is selected, and opens or collapses it with Enter', async () => {
    await open();
    await page.focus('#graph');
    await page.keyboard.press('[');
    await expect(page.locator('#graph-announce').textContent()).resolves.toMatch(/^service legacy\/ledger: .*Enter opens its panel\.$/);
    for (let i = 0; i < 4; i++) await page.keyboard.press(']');
    await expect(page.locator('#graph-announce').textContent()).resolves.toMatch(/^service shop\/cart: 12 rps/);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'service-title');
    await expect(page.locator('#service-title').textContent()).resolves.toBe('shop/cart');
    await page.focus('#graph');
    // From shop/cart, two back: shop/frontend, then the namespace legacy.
    await page.keyboard.press('[');
    await page.keyboard.press('[');
    await expect(page.locator('#graph-announce').textContent()).resolves.toMatch(/^namespace legacy\. Enter collapses or expands it\.$/);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => !window.meshformDashboard!.nodeIds().includes('legacy/ledger'));
    await expect(page.locator('li[data-namespace="legacy"] input[data-role="collapse"]').isChecked()).resolves.toBe(true);
  });

  it('keeps keyboard focus on a button of the graph-as-tables while updates rebuild them, and opens the panel from it', async () => {
    await open();
    await page.locator('#text-alternative summary').click();
    await page.getByRole('button', { name: 'Details of payments' }).focus();
    await updatesAfter(2);
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Details of payments');
    server.setService({ ...CART_DETAIL, name: 'payments', routes: [], policies: [] });
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'service-title');
    await expect(page.locator('#service-title').textContent()).resolves.toBe('shop/payments');
    await expect(page.locator('#service-panel').textContent()).resolves.toContain('No policy covers this service.');
  });

  it('filters out a namespace and collapses one into a single node that carries its calls', async () => {
    await open();
    await page.locator('#namespaces summary').click();
    await page.locator('li[data-namespace="legacy"] input[data-role="show"]').uncheck();
    await page.waitForFunction(() => !window.meshformDashboard!.nodeIds().includes('legacy/ledger'));
    expect(await page.evaluate(() => window.meshformDashboard!.edgeIds().sort())).toEqual(['shop/frontend->shop/cart', 'shop/frontend->shop/payments']);
    await page.locator('#show-all').click();
    await page.locator('li[data-namespace="legacy"] input[data-role="collapse"]').check();
    await page.waitForFunction(() => window.meshformDashboard!.nodeIds().includes('legacy/ledger') === false && window.meshformDashboard!.nodeIds().includes('ns:legacy'));
    expect(await page.evaluate(() => window.meshformDashboard!.edgeIds().sort())).toEqual(['shop/frontend->shop/cart', 'shop/frontend->shop/payments', 'shop/payments->ns:legacy']);
  });

  it('opens a 1000-service mesh with namespaces collapsed, and search expands the one holding the service', async () => {
    server.setSnapshot(syntheticSnapshot({ services: 1000 }));
    await open();
    const ids = await page.evaluate(() => window.meshformDashboard!.nodeIds());
    expect(ids).toHaveLength(20);
    expect(ids.every((id) => id.startsWith('ns:'))).toBe(true);
    await page.fill('#search', 'svc-0999');
    await page.locator('#search-results').getByRole('button', { name: 'team-19/svc-0999', exact: true }).click();
    await page.waitForFunction(() => window.meshformDashboard!.nodeIds().includes('team-19/svc-0999'));
    const after = await page.evaluate(() => window.meshformDashboard!.nodeIds());
    expect(after.filter((id) => id.startsWith('team-19/')).length).toBeGreaterThanOrEqual(50);
    expect(after.some((id) => id.startsWith('team-18/'))).toBe(false);
  });

  it('says when it cannot read the mesh, keeps the last graph meanwhile, and recovers by itself', async () => {
    await open();
    server.setUnavailable(true);
    const error = page.locator('#error');
    await error.filter({ hasText: 'Cannot read the mesh' }).waitFor();
    await expect(error.textContent()).resolves.toBe('Cannot read the mesh: api/snapshot answered 503 Service Unavailable. Showing the data of 10:00:00 UTC. Retrying every 0.3 s.');
    expect(await page.evaluate(() => window.meshformDashboard!.nodeIds().length)).toBe(8);
    server.setUnavailable(false);
    await page.waitForFunction(() => document.getElementById('error')?.textContent === '');
  });

  it('loads nothing from outside its own server: it works offline', async () => {
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await open();
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => !url.startsWith(server.url))).toEqual([]);
    expect(requested).toContain(`${server.url}elk-worker.js`);
  });
});
