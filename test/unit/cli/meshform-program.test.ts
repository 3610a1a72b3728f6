import { Command, type Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { version } from '../../../package.json';
import { main, meshformProgram } from '../../../cli/main';
import { exitCodeAction, runProgram } from '../../../cli/program';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `meshform <argv>` in-process, its help and errors captured. */
async function meshform(...argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { writeOut: (text) => (stdout += text), writeErr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

/** Every command registered on the program, subcommands included, as its words after `meshform`. */
function commandPaths(command: Command, above: readonly string[] = []): { path: string[]; command: Command }[] {
  return command.commands.flatMap((sub) => {
    const path = [...above, sub.name()];
    return [{ path, command: sub }, ...commandPaths(sub, path)];
  });
}

/** Values for a command's mandatory options, so that parsing gets past them. */
function mandatoryValues(command: Command): string[] {
  return command.options.filter((o: Option) => o.mandatory).flatMap((o: Option) => [o.long!, 'x']);
}

const commands = commandPaths(meshformProgram());

describe('every meshform command', () => {
  it('is registered: the ones the README and the images name, each once', () => {
    const names = commands.map((c) => c.path.join(' '));
    expect(names).toEqual(expect.arrayContaining(['synth', 'analyze', 'controller', 'proxy', 'up', 'stat', 'webhooks', 'bootstrap-secrets', 'debug', 'debug config']));
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(commands.map((c) => [c.path.join(' '), c] as const))('%s answers --help on stdout with exit 0', async (_name, { path }) => {
    const run = await meshform(...path, '--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: meshform ${path.join(' ')}`);
    expect(run.stderr).toBe('');
    // `help` is each parent's: `meshform help synth`, `meshform debug help config`.
    expect(await meshform(...path.slice(0, -1), 'help', path.at(-1)!)).toEqual(run);
  });

  it.each(commands.map((c) => [c.path.join(' '), c] as const))('%s refuses an unknown flag with a line naming it and its usage on stderr, exit 2', async (_name, { path, command }) => {
    const bare = await meshform(...path, '--no-such-flag');
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^error: /);
    expect(bare.stderr).toContain(`Usage: meshform ${path.join(' ')}`);
    expect(bare.stdout).toBe('');
    // A missing mandatory option is reported first (commander's order); past them, the flag is named.
    const named = await meshform(...path, ...mandatoryValues(command), '--no-such-flag');
    expect(named.code).toBe(2);
    expect(named.stderr.split('\n')[0]).toBe("error: unknown option '--no-such-flag'");
    expect(named.stderr).toContain(`Usage: meshform ${path.join(' ')}`);
  });
});

describe('the meshform program', () => {
  it('answers --help and help with the command list on stdout, exit 0', async () => {
    const help = await meshform('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: meshform [options] [command]');
    for (const { path } of commands) expect(help.stdout).toMatch(new RegExp(`^  ${path[0]} `, 'm'));
    expect(help.stdout).toContain('meshform <command> --help');
    expect(await meshform('help')).toEqual(help);
  });

  it('prints the version of package.json', async () => {
    expect(await meshform('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('refuses an unknown command, and no command at all, with the usage on stderr, exit 2', async () => {
    const unknown = await meshform('synthesize');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown command 'synthesize'\n/);
    expect(unknown.stderr).toContain('Usage: meshform [options] [command]');
    expect((await meshform('help', 'synthesize')).code).toBe(2);
    const none = await meshform();
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: meshform [options] [command]');
  });

  it('refuses a missing mandatory option or argument, and a stray argument, naming it', async () => {
    const proxy = await meshform('proxy');
    expect(proxy.code).toBe(2);
    expect(proxy.stderr).toMatch(/^error: required option '--bootstrap <file>' not specified\n/);
    expect(proxy.stderr).toContain('Usage: meshform proxy --bootstrap <file>');
    const webhooks = await meshform('webhooks', '--cert', 'c.pem', '--key', 'k.pem');
    expect(webhooks.stderr).toMatch(/^error: required option '--injection-config <json>' not specified\n/);
    const analyze = await meshform('analyze');
    expect(analyze.code).toBe(2);
    expect(analyze.stderr).toMatch(/^error: missing required argument 'dir'\n/);
    expect(analyze.stderr).toContain('Usage: meshform analyze [options] <dir>');
    const synth = await meshform('synth', 'dev');
    expect(synth.code).toBe(2);
    expect(synth.stderr).toMatch(/^error: too many arguments for 'synth'/);
  });

  it('refuses a bad numeric value, naming the flag', async () => {
    const cases: [string[], string][] = [
      [['webhooks', '--cert', 'c', '--key', 'k', '--injection-config', 'i', '--port', 'https'], "error: option '--port <n>' argument 'https' is invalid. It must be a whole number (0 or more)."],
      [['webhooks', '--cert', 'c', '--key', 'k', '--injection-config', 'i', '--port=65536'], "error: option '--port <n>' argument '65536' is invalid. A port is 0 to 65535 (0 picks a free one)."],
      [['up', '--subnet', 'ten'], "error: option '--subnet <n>' argument 'ten' is invalid. It must be a whole number (0 or more)."],
      [['stat', '--window', '2'], `error: option '--window <duration>' argument '2' is invalid. "2" is not a duration; write it like "250ms", "10s", "1m30s" or "24h"`],
    ];
    for (const [argv, line] of cases) {
      const run = await meshform(...argv);
      expect({ argv, code: run.code, line: run.stderr.split('\n')[0] }).toEqual({ argv, code: 2, line });
      expect(run.stderr).toContain(`Usage: meshform ${argv[0]}`);
    }
  });

  it('runs in-process: no process.exit, nor a process exit code left behind', async () => {
    const before = process.exitCode;
    await meshform('nosuch');
    await meshform('--help');
    expect(process.exitCode).toBe(before);
  });
});

describe('runProgram', () => {
  const quiet = { writeOut: () => {}, writeErr: () => {} };

  it("resolves to what the command's action resolves to, and passes on what it throws", async () => {
    const program = () =>
      new Command('t').addCommand(new Command('three').action(exitCodeAction(async () => 3))).addCommand(
        new Command('fail').action(
          exitCodeAction(() => {
            throw new Error('broken');
          }),
        ),
      );
    expect(await runProgram(program(), ['three'], quiet)).toBe(3);
    await expect(runProgram(program(), ['fail'], quiet)).rejects.toThrow('broken');
  });
});
