// Runs a commander program the one way every meshform entry point does (cli/main.ts and the image
// entries cli/proxy-main.ts, cli/controller-main.ts): help and errors on the given output, and an
// exit code back instead of process.exit, so a test can run a command line in-process.
import { CommanderError, type Command } from 'commander';

/** Where help, usage and errors go: the process's streams, or a test's buffers. */
export interface Output {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

/** The exit code of a usage error: an unknown command or option, a missing or bad value. */
export const USAGE_ERROR = 2;

const PROCESS_OUTPUT: Output = { writeOut: (text) => process.stdout.write(text), writeErr: (text) => process.stderr.write(text) };

/**
 * Gives a command's implementation module, so that its declaration (cli/commands/) loads nothing
 * heavy: cli/main.ts requires the module when the command runs (the proxy must not load cdk8s),
 * while an image's entry imports it, as esbuild shakes only what is imported, not what is required.
 */
export type Load<Module> = () => Module;

/** What the action of the last run of a program resolved to (commander's actions return nothing). */
const exitCodes = new WeakMap<Command, number>();

function rootOf(command: Command): Command {
  return command.parent ? rootOf(command.parent) : command;
}

function withDescendants(command: Command): Command[] {
  return [command, ...command.commands.flatMap(withDescendants)];
}

/**
 * A command's action: `run` gets what commander passes an action (the arguments, the options, the
 * command) and resolves to the exit code, which `runProgram` returns.
 */
export function exitCodeAction<A extends unknown[]>(run: (...args: A) => number | Promise<number>): (...args: A) => Promise<void> {
  return async (...args) => {
    const command = args.at(-1) as Command;
    exitCodes.set(rootOf(command), await run(...args));
  };
}

/**
 * Parses `argv` (the arguments after the program name) with `program` and runs the command it
 * names. Resolves to 0 after help or the version (on stdout), to USAGE_ERROR after a usage error
 * (one line naming the problem, then that command's help, on stderr), else to what the command's
 * action resolved to. Errors a command throws while running are passed on.
 */
export async function runProgram(program: Command, argv: readonly string[], output: Output = PROCESS_OUTPUT): Promise<number> {
  // Commands added with addCommand inherit nothing from their parent: each is set up here.
  for (const command of withDescendants(program)) command.exitOverride().configureOutput(output).showHelpAfterError();
  exitCodes.delete(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : USAGE_ERROR;
    throw error;
  }
  return exitCodes.get(program) ?? 0;
}
