import { z } from 'zod';
import { dnsLabel, dnsSubdomain, hostName, labels, portNumber } from './common';
import { uniqueBy } from './mesh-service';

/** A TLS certificate a listener serves: a Secret of type `kubernetes.io/tls` (Gateway API `certificateRefs`). */
export const certificateRef = z.strictObject({
  secretName: dnsSubdomain,
  namespace: dnsLabel.optional().describe('@default the gateway\'s namespace'),
});

export const gatewayListener = z
  .strictObject({
    name: dnsLabel.describe('Names the listener for a route\'s parentRefs.sectionName.'),
    port: portNumber,
    protocol: z.enum(['HTTP', 'HTTPS']).default('HTTP'),
    hostname: hostName.optional().describe('Only requests for this host ("*.example.com" matches one more label). @default every host'),
    tls: z
      .strictObject({
        certificates: z.array(certificateRef).min(1).max(16).describe('Served by SNI: the certificate whose names match the requested host.'),
      })
      .optional()
      .describe('TLS termination; required when protocol is HTTPS.'),
    allowedRoutes: z
      .strictObject({ namespaces: z.enum(['Same', 'All']).default('Same') })
      .default({ namespaces: 'Same' })
      .describe('Namespaces whose GatewayRoutes may attach.'),
  })
  .superRefine((listener, ctx) => {
    if (listener.protocol === 'HTTPS' && listener.tls === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'is missing; an HTTPS listener needs tls.certificates' });
    }
    if (listener.protocol === 'HTTP' && listener.tls !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'is set on an HTTP listener; use protocol HTTPS or drop tls' });
    }
  });

/**
 * A gateway: the mesh's proxy in the gateway role, at the edge. `Ingress` takes traffic from outside
 * the mesh to mesh services; `Egress` takes the mesh's traffic to ExternalServices out of it.
 * Shaped after the Gateway API's `Gateway`, whose objects are converted into this kind.
 */
export const meshGatewaySpec = z
  .strictObject({
    role: z.enum(['Ingress', 'Egress']).default('Ingress'),
    selector: labels.optional().describe('Labels of the gateway\'s pods. @default { "meshform.dev/gateway": <name> }'),
    serviceAccount: dnsLabel.optional().describe('Identity of the gateway\'s pods. @default the gateway\'s name'),
    listeners: z.array(gatewayListener).min(1).max(64),
  })
  .superRefine((spec, ctx) => {
    uniqueBy(spec.listeners, (l) => l.name, ctx, 'listeners', 'name');
    uniqueBy(spec.listeners, (l) => `${l.port}/${l.hostname ?? '*'}`, ctx, 'listeners', 'port and hostname');
    const protocolOfPort = new Map<number, string>();
    spec.listeners.forEach((l, i) => {
      const other = protocolOfPort.get(l.port);
      if (other !== undefined && other !== l.protocol) {
        ctx.addIssue({ code: 'custom', path: ['listeners', i, 'protocol'], message: `is ${l.protocol} but another listener on port ${l.port} is ${other}; listeners sharing a port share a protocol` });
      }
      protocolOfPort.set(l.port, l.protocol);
    });
  });

export type MeshGatewaySpec = z.infer<typeof meshGatewaySpec>;
export type MeshGatewaySpecInput = z.input<typeof meshGatewaySpec>;
export type GatewayListener = z.infer<typeof gatewayListener>;
