import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = path.resolve(__dirname, '../../../scripts/build-images.sh');

describe('scripts/build-images.sh', () => {
  it('without a working builder says so and exits non-zero instead of pretending', () => {
    // A PATH with node, bash and coreutils but no docker, podman or buildah.
    const bin = mkdtempSync(path.join(tmpdir(), 'meshform-nobuilder-'));
    try {
      for (const tool of ['node', 'bash', 'dirname', 'cat']) {
        const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
        symlinkSync(found, path.join(bin, tool));
      }
      const result = spawnSync(path.join(bin, 'bash'), [SCRIPT], { encoding: 'utf8', env: { PATH: bin } });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('no working container builder');
      expect(result.stderr).toMatch(/docker build -f proxy\/Dockerfile -t ghcr\.io\/meshform\/proxy:\d+\.\d+\.\d+/);
      expect(result.stdout).not.toContain('building');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
