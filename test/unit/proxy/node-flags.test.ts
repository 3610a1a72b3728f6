import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIDECAR_NODE_FLAGS } from '../../../proxy/node-flags';

describe('SIDECAR_NODE_FLAGS', () => {
  it('are the flags of the proxy image ENTRYPOINT, which cannot import them', () => {
    const dockerfile = readFileSync(path.join(__dirname, '../../../proxy/Dockerfile'), 'utf8');
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(entrypoint, 'an exec-form ENTRYPOINT line').toBeDefined();
    expect(JSON.parse(entrypoint!)).toEqual(['node', ...SIDECAR_NODE_FLAGS, '/app/proxy.js']);
  });
});
