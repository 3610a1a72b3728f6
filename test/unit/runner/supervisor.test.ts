import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeSupervisionEvent, startCli, Supervisor, type SupervisionEvent } from '../../../runner';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-supervisor-'));
/** A script that prints its lines, then exits with `code` (or keeps running when code is null). */
function script(name: string, lines: string[], code: number | null): string {
  const file = path.join(dir, `${name}.js`);
  const body = lines.map((l) => `console.log(${JSON.stringify(l)});`).join('\n');
  fs.writeFileSync(file, `${body}\n${code === null ? 'setInterval(() => {}, 1000);' : `setTimeout(() => process.exit(${code}), 20);`}\n`);
  return file;
}

const supervisors: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
});

/** GIVEN a supervised script; the events it reports are collected, and `next(type)` waits for one. */
function supervise(entry: string, backoff = { initialMs: 20, maxMs: 1_000, stableMs: 60_000 }, readyTimeoutMs = 5_000) {
  const events: SupervisionEvent[] = [];
  const waiters: { type: string; resolve: (e: SupervisionEvent) => void }[] = [];
  const supervisor = new Supervisor('worker', {
    launch: () => startCli('worker', entry, []),
    ready: (proc) => proc.waitForLine((line) => (line === 'ready' ? true : undefined), readyTimeoutMs).then(() => undefined),
    backoff,
    onEvent: (event) => {
      events.push(event);
      const i = waiters.findIndex((w) => w.type === event.type);
      if (i >= 0) waiters.splice(i, 1)[0]!.resolve(event);
    },
  });
  supervisors.push(supervisor);
  const next = (type: SupervisionEvent['type']) => new Promise<SupervisionEvent>((resolve) => waiters.push({ type, resolve }));
  return { supervisor, events, next };
}

describe('Supervisor', () => {
  it('reports an exit nobody asked for with its code and last lines, then restarts the process until it is ready', async () => {
    const { supervisor, next } = supervise(script('dies', ['ready', 'working', 'about to fail'], 3));
    const exited = await next('exited');
    expect(exited).toMatchObject({ type: 'exited', name: 'worker', exit: { code: 3, signal: null } });
    expect(exited.type === 'exited' && exited.lastLines).toEqual(['ready', 'working', 'about to fail']);
    const firstPid = supervisor.current.child.pid;
    const restarted = await next('restarted');
    expect(restarted).toMatchObject({ type: 'restarted', restarts: 1 });
    expect(supervisor.current.child.pid).not.toBe(firstPid);
  });

  it('names the signal of a killed process', async () => {
    const { supervisor, next } = supervise(script('lives', ['ready'], null));
    await supervisor.ready();
    supervisor.current.child.kill('SIGKILL');
    expect(await next('exited')).toMatchObject({ exit: { code: null, signal: 'SIGKILL' } });
    await next('restarted');
    expect(supervisor.current.ended).toBe(false);
  });

  it('doubles the delay while the process keeps dying young, up to the maximum', async () => {
    const { next } = supervise(script('crashloop', ['ready'], 1), { initialMs: 10, maxMs: 40, stableMs: 60_000 });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const event = await next('exited');
      if (event.type === 'exited') delays.push(event.restartInMs);
    }
    expect(delays).toEqual([10, 20, 40, 40]);
  });

  it('starts the delay over once a run lasted the stable time', async () => {
    const { next } = supervise(script('slow-crash', ['ready'], 1), { initialMs: 10, maxMs: 1_000, stableMs: 0 });
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const event = await next('exited');
      if (event.type === 'exited') delays.push(event.restartInMs);
    }
    expect(delays).toEqual([10, 10, 10]);
  });

  it('neither reports nor restarts a process it was asked to stop', async () => {
    const { supervisor, events } = supervise(script('stopped', ['ready'], null));
    await supervisor.ready();
    const proc = supervisor.current;
    await supervisor.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(proc.ended).toBe(true);
    expect(supervisor.current).toBe(proc);
    expect(events).toEqual([]);
  });

  it('reports a restarted process that runs but does not become ready', async () => {
    // The first run dies; the second hangs without saying it is ready.
    const marker = path.join(dir, 'hung-once');
    const entry = path.join(dir, 'hangs.js');
    fs.writeFileSync(entry, `const fs = require('fs');\nif (fs.existsSync(${JSON.stringify(marker)})) setInterval(() => {}, 1000);\nelse { fs.writeFileSync(${JSON.stringify(marker)}, ''); process.exit(1); }\n`);
    const { supervisor, next } = supervise(entry, undefined, 200);
    await next('exited');
    const event = await next('not-ready');
    expect(event.type === 'not-ready' && event.reason).toBe('worker did not become ready within 200 ms');
    expect(supervisor.current.ended).toBe(false);
  });
});

describe('describeSupervisionEvent', () => {
  it('says which process ended, how, after how long, its last lines and when it restarts', () => {
    const text = describeSupervisionEvent({ type: 'exited', name: 'controller', exit: { code: null, signal: 'SIGKILL' }, uptimeMs: 30_250, lastLines: ['a', 'b'], restartInMs: 100 });
    expect(text.split('\n')).toEqual(['controller was killed by SIGKILL after 30.3 s; restarting in 0.1 s', '  its last lines:', '  | a', '  | b']);
    expect(describeSupervisionEvent({ type: 'exited', name: 'x', exit: { code: 2, signal: null }, uptimeMs: 0, lastLines: [], restartInMs: 400 })).toBe('x exited with code 2 after 0.0 s; restarting in 0.4 s\n  (it wrote nothing)');
    expect(describeSupervisionEvent({ type: 'restarted', name: 'controller', restarts: 2, downMs: 700 })).toBe('controller is back (restart 2, down 0.7 s)');
  });
});
