import type { z } from 'zod';
import { gatewayRouteSpec } from '../api/gateway-route';
import { meshGatewaySpec } from '../api/mesh-gateway';
import { trafficRouteSpec } from '../api/traffic-route';
import type { Draft } from '../migrate/import-context';
import type { Finding } from '../validation/finding';
import { findingFromIssue } from '../validation/validate-resource';

const SPECS: Readonly<Record<string, z.ZodType>> = { TrafficRoute: trafficRouteSpec, GatewayRoute: gatewayRouteSpec, MeshGateway: meshGatewaySpec };

/** Validates a converted resource's spec with its kind's schema: what the conversion made that Meshform would refuse. */
export function validateDraft(d: Draft, where: string): Finding[] {
  const parsed = SPECS[d.kind]!.safeParse(d.spec);
  return parsed.success ? [] : parsed.error.issues.map((issue) => findingFromIssue({ ...issue, path: ['spec', ...issue.path] }, d, where));
}
