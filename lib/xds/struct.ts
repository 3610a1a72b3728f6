/**
 * google.protobuf.Struct in protobufjs' object form. protobufjs bundles the well-known types with
 * camelCase field names (keepCase does not apply to them), so a Value is `{ stringValue: … }`.
 * These convert node metadata to and from plain JSON values.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface ProtoValue {
  nullValue?: string | number;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: ProtoStruct;
  listValue?: { values?: ProtoValue[] };
}

export interface ProtoStruct {
  fields?: Record<string, ProtoValue>;
}

export function toProtoValue(value: JsonValue): ProtoValue {
  if (value === null) return { nullValue: 0 };
  if (Array.isArray(value)) return { listValue: { values: value.map(toProtoValue) } };
  switch (typeof value) {
    case 'boolean':
      return { boolValue: value };
    case 'number':
      return { numberValue: value };
    case 'string':
      return { stringValue: value };
    default:
      return { structValue: toStruct(value) };
  }
}

export function toStruct(object: { [key: string]: JsonValue }): ProtoStruct {
  return { fields: Object.fromEntries(Object.entries(object).map(([key, value]) => [key, toProtoValue(value)])) };
}

export function fromProtoValue(value: ProtoValue): JsonValue {
  if (value.structValue) return fromStruct(value.structValue);
  if (value.listValue) return (value.listValue.values ?? []).map(fromProtoValue);
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.numberValue === 'number') return value.numberValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  return null;
}

export function fromStruct(struct: ProtoStruct | null | undefined): { [key: string]: JsonValue } {
  return Object.fromEntries(Object.entries(struct?.fields ?? {}).map(([key, value]) => [key, fromProtoValue(value)]));
}
