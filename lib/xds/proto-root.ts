import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { DiscoveryMessage, TypeUrl, typeNameOf } from './type-urls';

/**
 * The protos that define the messages below. They share one root so that a `google.protobuf.Any`
 * found anywhere (a filter's typed_config, a transport socket) resolves against the same types.
 */
const PROTO_FILES = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
  'envoy/extensions/load_balancing_policies/maglev/v3/maglev.proto',
  'envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto',
  'envoy/extensions/load_balancing_policies/least_request/v3/least_request.proto',
  'envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'google/rpc/status.proto',
];

/**
 * The messages Meshform encodes or decodes: those of its xDS streams and every type a resource
 * embeds in an Any. The root holds these and what their fields reference, nothing else: the protos
 * above import a great deal more (validation rules, annotations, other extensions), which would
 * cost every sidecar memory and start-up time.
 */
const MESSAGES = [...Object.values(DiscoveryMessage), ...Object.values(TypeUrl).map(typeNameOf)];

/**
 * The descriptor as JSON, when this code runs from a bundle: scripts/build-bundles.ts defines it
 * (`descriptorDefine`), so a sidecar never parses a .proto file. Not defined when running from source.
 */
declare const MESHFORM_XDS_DESCRIPTOR: string | undefined;

function includeDirs(): string[] {
  const deps = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  return ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) => path.join(deps, dir));
}

/** protobufjs bundles the well-known types except descriptor.proto, which Envoy's annotations import. */
function registerDescriptorProto(): void {
  const descriptor = require('protobufjs/google/protobuf/descriptor.json') as {
    nested: { google: { nested: { protobuf: { nested: protobuf.INamespace['nested'] } } } };
  };
  const nested = descriptor.nested.google.nested.protobuf.nested;
  if (nested) protobuf.common('descriptor', nested);
}

/** Every type the protos define or import (keepCase), resolved. */
function parseProtoFiles(): protobuf.Root {
  registerDescriptorProto();
  const dirs = includeDirs();
  const loaded = new protobuf.Root();
  loaded.resolvePath = (origin, target) => {
    if (path.isAbsolute(target)) return target;
    for (const dir of dirs) {
      const candidate = path.join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return protobuf.util.path.resolve(origin, target);
  };
  loaded.loadSync(PROTO_FILES, { keepCase: true });
  loaded.resolveAll();
  return loaded;
}

/** The types a message's fields reach, transitively, with the message itself. */
function collectReachable(type: protobuf.Type | protobuf.Enum, into: Set<protobuf.ReflectionObject>): void {
  if (into.has(type)) return;
  into.add(type);
  if (type instanceof protobuf.Type) for (const field of type.fieldsArray) if (field.resolvedType) collectReachable(field.resolvedType, into);
}

/** Options protobufjs acts on (`packed`, `deprecated`…); custom ones, like `(validate.rules)`, are only data. */
function builtInOptions(options: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const kept = Object.entries(options ?? {}).filter(([name]) => !name.startsWith('('));
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

function mapValues<T, U>(record: Record<string, T> | undefined, map: (value: T, key: string) => U): Record<string, U> | undefined {
  return record && Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value, key)]));
}

/** A kept type's JSON: field types fully qualified (the namespaces around them are pruned), custom options dropped. */
function definitionJson(object: protobuf.Type | protobuf.Enum): protobuf.AnyNestedObject {
  if (object instanceof protobuf.Enum) {
    // Value options carry only annotations in these protos (protobufjs reads nothing but editions' `features` there).
    const { valuesOptions: _valuesOptions, ...json } = object.toJSON() as protobuf.IEnum & { valuesOptions?: unknown };
    return { ...json, options: builtInOptions(json.options) };
  }
  const { nested: _nested, ...json } = object.toJSON();
  return {
    ...json,
    options: builtInOptions(json.options),
    oneofs: mapValues(json.oneofs, (oneof) => ({ ...oneof, options: builtInOptions(oneof.options) })),
    fields: mapValues(json.fields, (field, name) => ({ ...field, type: object.fields[name]!.resolvedType?.fullName ?? field.type, options: builtInOptions(field.options) }))!,
  };
}

/** The JSON of the kept types under a namespace (or message), and of the namespaces leading to them. */
function prunedNested(parent: protobuf.NamespaceBase, kept: ReadonlySet<protobuf.ReflectionObject>): Record<string, protobuf.AnyNestedObject> | undefined {
  const nested: Record<string, protobuf.AnyNestedObject> = {};
  for (const child of parent.nestedArray) {
    const below = child instanceof protobuf.Namespace || child instanceof protobuf.Type ? prunedNested(child, kept) : undefined;
    if (kept.has(child)) nested[child.name] = { ...definitionJson(child as protobuf.Type | protobuf.Enum), ...(below ? { nested: below } : {}) };
    else if (below) nested[child.name] = { nested: below };
  }
  return Object.keys(nested).length > 0 ? nested : undefined;
}

/**
 * The descriptor (protobufjs JSON) of MESSAGES and the types they reach, parsed from the protos.
 * Throws if one of them is not defined there.
 */
function xdsDescriptor(): protobuf.INamespace {
  const full = parseProtoFiles();
  const kept = new Set<protobuf.ReflectionObject>();
  for (const name of MESSAGES) collectReachable(full.lookupType(name), kept);
  return { nested: prunedNested(full, kept) };
}

/** esbuild's `define` that embeds the descriptor in a bundle (see MESHFORM_XDS_DESCRIPTOR). */
export function descriptorDefine(): Record<string, string> {
  return { MESHFORM_XDS_DESCRIPTOR: JSON.stringify(JSON.stringify(xdsDescriptor())) };
}

let root: protobuf.Root | undefined;

/** The protobufjs root holding the xDS types Meshform uses (loaded once, on first use; keepCase). */
export function xdsRoot(): protobuf.Root {
  root ??= protobuf.Root.fromJSON(typeof MESHFORM_XDS_DESCRIPTOR === 'string' ? (JSON.parse(MESHFORM_XDS_DESCRIPTOR) as protobuf.INamespace) : xdsDescriptor());
  return root;
}

/** The message type of a fully qualified name or type URL, e.g. `envoy.config.cluster.v3.Cluster`. */
export function messageType(nameOrTypeUrl: string): protobuf.Type {
  const name = nameOrTypeUrl.slice(nameOrTypeUrl.lastIndexOf('/') + 1);
  return xdsRoot().lookupType(name);
}
