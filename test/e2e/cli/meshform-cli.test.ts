import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = path.resolve('bin/meshform.cjs');
const meshform = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('the meshform executable', () => {
  it('prints the command list for --help on stdout and exits 0', () => {
    const run = meshform('--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: meshform [options] [command]');
    expect(run.stdout).toMatch(/^ {2}synth \[options\] /m);
    expect(run.stderr).toBe('');
  });

  it("prints a command's options for <command> --help and exits 0", () => {
    const run = meshform('synth', '--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: meshform synth [options]');
    expect(run.stdout).toContain('--out <dir>');
  });

  it('exits 2 on an unknown command, the error and the usage on stderr', () => {
    const run = meshform('synthesise');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^error: unknown command 'synthesise'\n/);
    expect(run.stderr).toContain('Usage: meshform [options] [command]');
    expect(run.stdout).toBe('');
  });

  it("loads no command's implementation to answer --help (the proxy must not load cdk8s)", () => {
    // The modules a --help run loaded, from the process itself: only the declarations under cli/.
    const script = `require('tsx/cjs');
      require(${JSON.stringify(path.resolve('cli/main.ts'))}).main(['proxy', '--help'], { writeOut() {}, writeErr() {} })
        .then(() => console.log(JSON.stringify(Object.keys(require.cache))));`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(0);
    const loaded = JSON.parse(run.stdout) as string[];
    const packages = new Set(loaded.flatMap((file) => /node_modules[\\/]((@[^\\/]+[\\/])?[^\\/]+)/.exec(file)?.[1] ?? []));
    expect(packages).toContain('commander');
    const heavy = ['cdk8s', 'cdk8s-plus-27', 'constructs', 'zod', 'yaml', 'pino', 'protobufjs', '@grpc', '@kubernetes'];
    expect([...packages].filter((name) => heavy.some((h) => name === h || name.startsWith(`${h}/`)))).toEqual([]);
    const sources = loaded.filter((file) => !file.includes('node_modules')).map((file) => path.relative(process.cwd(), file));
    // Beside the declarations: the version, the duration parser and the cost command's default prices (constants).
    expect(sources.filter((file) => !file.startsWith(`cli${path.sep}`)).sort()).toEqual(['package.json', path.join('lib', 'api', 'duration.ts'), path.join('lib', 'cost', 'prices.ts')].sort());
  });
});
