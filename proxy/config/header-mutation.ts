import type { OutgoingHttpHeaders } from 'node:http';

interface HeaderValueOptionMessage {
  header?: { key?: string; value?: string };
  append?: { value?: boolean } | null;
  append_action?: string;
}

/** Headers to add and remove, compiled once from route, virtual host or cluster-weight config. */
export interface HeaderMutation {
  readonly add: readonly { name: string; value: string; append: boolean }[];
  readonly remove: readonly string[];
}

export const NO_HEADER_MUTATION: HeaderMutation = { add: [], remove: [] };

export function compileHeaderMutation(
  add: readonly HeaderValueOptionMessage[] | undefined,
  remove: readonly string[] | undefined,
): HeaderMutation {
  if (!add?.length && !remove?.length) return NO_HEADER_MUTATION;
  return {
    add: (add ?? []).map((option) => ({
      name: (option.header?.key ?? '').toLowerCase(),
      value: option.header?.value ?? '',
      // append_action (v3) wins over the deprecated bool; Envoy's default is to append.
      append: option.append_action
        ? option.append_action === 'APPEND_IF_EXISTS_OR_ADD'
        : (option.append?.value ?? true),
    })),
    remove: (remove ?? []).map((name) => name.toLowerCase()),
  };
}

/** Applies mutations in order (most specific last) to a header object, in place. */
export function applyHeaderMutations(headers: OutgoingHttpHeaders, mutations: readonly HeaderMutation[]): void {
  for (const mutation of mutations) {
    for (const name of mutation.remove) delete headers[name];
    for (const { name, value, append } of mutation.add) {
      const existing = headers[name];
      if (append && existing !== undefined) {
        headers[name] = [...(Array.isArray(existing) ? existing : [String(existing)]), value];
      } else {
        headers[name] = value;
      }
    }
  }
}
