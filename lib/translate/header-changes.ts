import type { SpecOf } from '../api';
import type { EnvoyMessage } from './envoy-types';

type HeaderChanges = NonNullable<SpecOf<'TrafficRoute'>['rules'][number]['requestHeaders']>;

/** `set` overwrites, `add` appends; removal is by name. Prefix is `request` or `response`. */
export function headerChangeFields(prefix: 'request' | 'response', changes: HeaderChanges | undefined): EnvoyMessage {
  if (!changes) return {};
  const add = [
    ...Object.entries(changes.set).map(([key, value]) => ({ header: { key, value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' })),
    ...Object.entries(changes.add).map(([key, value]) => ({ header: { key, value }, append_action: 'APPEND_IF_EXISTS_OR_ADD' })),
  ];
  return {
    ...(add.length > 0 ? { [`${prefix}_headers_to_add`]: add } : {}),
    ...(changes.remove.length > 0 ? { [`${prefix}_headers_to_remove`]: changes.remove } : {}),
  };
}
