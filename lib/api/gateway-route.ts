import { z } from 'zod';
import { dnsLabel, hostName, portNumber } from './common';
import { routeRule } from './traffic-route';

export const gatewayParentRef = z.strictObject({
  name: dnsLabel.describe('The MeshGateway.'),
  namespace: dnsLabel.optional().describe('@default the route\'s namespace'),
  sectionName: dnsLabel.optional().describe('One listener of the gateway by name. @default every listener that admits the route'),
  port: portNumber.optional().describe('Only the gateway\'s listeners on this port.'),
});

/**
 * Routes at a gateway (Gateway API's HTTPRoute with a Gateway parent): the requests of `hostnames`
 * arriving at the listeners of `parentRefs`, decided by the same rules as a TrafficRoute's, whose
 * backends name MeshServices (ingress) or ExternalServices (egress).
 */
export const gatewayRouteSpec = z
  .strictObject({
    parentRefs: z.array(gatewayParentRef).min(1).max(16),
    hostnames: z.array(hostName).max(16).default([]).describe('Host headers this route serves. @default every host of the listener'),
    rules: z.array(routeRule).min(1).max(128).describe('Checked in order; the first rule with a matching match wins.'),
  })
  .superRefine((spec, ctx) => {
    spec.rules.forEach((rule, r) =>
      rule.backends.forEach((backend, b) => {
        if (backend.name === undefined) {
          ctx.addIssue({ code: 'custom', path: ['rules', r, 'backends', b, 'name'], message: 'is missing; a gateway route has no service of its own, so every backend names one' });
        }
      }),
    );
  });

export type GatewayRouteSpec = z.infer<typeof gatewayRouteSpec>;
export type GatewayRouteSpecInput = z.input<typeof gatewayRouteSpec>;
