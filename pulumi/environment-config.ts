import { environmentNamed, parseEnvironment, type Environment } from '../stacks/environments';

/** Reads one Pulumi config value (`pulumi.Config#get`), undefined when unset. */
export type ConfigReader = (key: string) => string | undefined;

/**
 * A Pulumi stack is an environment: the stack name picks the environment's defaults and stack
 * config overrides them, through the same zod-validated schema `meshform synth` uses.
 */
export function environmentFromConfig(stack: string, get: ConfigReader): Environment {
  const base = environmentNamed(stack);
  const mtlsMode = get('mtlsMode');
  const sampling = get('tracingSamplingPercent');
  return parseEnvironment({
    ...base,
    ...(mtlsMode !== undefined ? { mtlsMode } : {}),
    ...(sampling !== undefined ? { tracingSamplingPercent: Number(sampling) } : {}),
  });
}
