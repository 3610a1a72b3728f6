import { ConfigError } from '../errors';

export type StringPredicate = (value: string) => boolean;

interface StringMatcherMessage {
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  safe_regex?: { regex?: string };
  ignore_case?: boolean;
  match_pattern?: string;
}

/**
 * Compiles an Envoy regex (RE2 syntax) for full-string matching. RE2 and JavaScript agree on the
 * subset meshes use; constructs JavaScript lacks are rejected here, so the config is NACKed.
 */
export function compileRegex(regex: string | undefined, resource: string, flags = ''): RegExp {
  if (regex === undefined) throw new ConfigError(resource, 'regex matcher without a regex');
  try {
    return new RegExp(`^(?:${regex})$`, flags);
  } catch (error) {
    throw new ConfigError(resource, `invalid regex ${JSON.stringify(regex)}: ${(error as Error).message}`);
  }
}

/** Compiles an envoy.type.matcher.v3.StringMatcher. */
export function compileStringMatcher(message: StringMatcherMessage, resource: string): StringPredicate {
  const ignoreCase = message.ignore_case === true;
  const fold = (value: string) => (ignoreCase ? value.toLowerCase() : value);
  switch (message.match_pattern) {
    case 'exact': {
      const expected = fold(message.exact ?? '');
      return (value) => fold(value) === expected;
    }
    case 'prefix': {
      const expected = fold(message.prefix ?? '');
      return (value) => fold(value).startsWith(expected);
    }
    case 'suffix': {
      const expected = fold(message.suffix ?? '');
      return (value) => fold(value).endsWith(expected);
    }
    case 'contains': {
      const expected = fold(message.contains ?? '');
      return (value) => fold(value).includes(expected);
    }
    case 'safe_regex': {
      const regex = compileRegex(message.safe_regex?.regex, resource);
      return (value) => regex.test(value);
    }
    default:
      throw new ConfigError(resource, `unsupported string matcher ${message.match_pattern ?? '(empty)'}`);
  }
}
