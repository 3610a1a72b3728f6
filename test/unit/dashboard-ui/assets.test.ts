import { describe, expect, it } from 'vitest';
import { loadDashboardAssets, PAGE_FILES } from '../../../dashboard';

describe('loadDashboardAssets from source', () => {
  it('bundles the page in memory once: its four files with their content types, linked relatively', async () => {
    const assets = await loadDashboardAssets();
    expect([...assets.keys()].sort()).toEqual(PAGE_FILES.map((f) => `/${f}`).sort());
    expect(assets.get('/index.html')!.contentType).toBe('text/html; charset=utf-8');
    expect(assets.get('/app.js')!.contentType).toBe('text/javascript; charset=utf-8');
    expect(assets.get('/app.css')!.contentType).toBe('text/css; charset=utf-8');
    const html = assets.get('/index.html')!.body.toString();
    expect(html).toContain('<script src="app.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="app.css">');
    // uPlot's sheet is bundled in, not fetched.
    expect(assets.get('/app.css')!.body.toString()).toContain('.uplot');
    expect(assets.get('/app.js')!.body.toString()).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+\/[^"'\s]*\.(js|css)/);
    expect(await loadDashboardAssets()).toBe(assets);
  });
});
