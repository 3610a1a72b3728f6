import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';

/**
 * Every proto a Meshform resource may embed. They share one root so that a `google.protobuf.Any`
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

function includeDirs(): string[] {
  const deps = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  return ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) => path.join(deps, dir));
}

let root: protobuf.Root | undefined;

/** protobufjs bundles the well-known types except descriptor.proto, which Envoy's annotations import. */
function registerDescriptorProto(): void {
  const descriptor = require('protobufjs/google/protobuf/descriptor.json') as {
    nested: { google: { nested: { protobuf: { nested: protobuf.INamespace['nested'] } } } };
  };
  const nested = descriptor.nested.google.nested.protobuf.nested;
  if (nested) protobuf.common('descriptor', nested);
}

/** The protobufjs root holding the Envoy v3 xDS types (loaded once, on first use; keepCase). */
export function xdsRoot(): protobuf.Root {
  if (root) return root;
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
  root = loaded;
  return root;
}

/** The message type of a fully qualified name or type URL, e.g. `envoy.config.cluster.v3.Cluster`. */
export function messageType(nameOrTypeUrl: string): protobuf.Type {
  const name = nameOrTypeUrl.slice(nameOrTypeUrl.lastIndexOf('/') + 1);
  return xdsRoot().lookupType(name);
}
