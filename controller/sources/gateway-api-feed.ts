import type { Draft } from '../../lib/migrate';
import { convertGatewayApi, type GatewayApiInput, type GatewayApiResult } from '../../lib/gateway-api';
import type { RawResource } from '../mesh-state';

/** Findings that mean the object itself turned bad (rather than, say, a listener no longer admitting it). */
const BROKEN = new Set(['GATEWAY_API_UNSUPPORTED', 'GATEWAY_API_INVALID']);

/** The Gateway API side of a source: what its objects became, and their status. */
export interface GatewayApiFeedResult {
  /** Mesh resources to hand to the MeshState, with where each came from. */
  readonly resources: RawResource[];
  readonly results: readonly GatewayApiResult[];
  /** Why converting failed, when it did: the previous result stays in force. */
  readonly failure?: string;
}

/**
 * Converts a source's Gateway API objects on every change, keeping each object's last accepted
 * conversion in force while a later version of it is refused (an unsupported field added, a
 * malformed edit), as an invalid mesh resource keeps its last valid version; the refused version's
 * status says so.
 */
export class GatewayApiFeed {
  private lastGood = new Map<string, readonly Draft[]>();
  private previous: GatewayApiFeedResult = { resources: [], results: [] };

  constructor(private readonly gatewayClassNames?: readonly string[]) {}

  convert(inputs: readonly GatewayApiInput[], serviceExists: (namespace: string, name: string) => boolean): GatewayApiFeedResult {
    try {
      this.previous = this.convertAll(inputs, serviceExists);
      return this.previous;
    } catch (error) {
      // A defect in the conversion must not take the controller (or the config in force) down.
      return { ...this.previous, failure: (error as Error).stack ?? String(error) };
    }
  }

  private convertAll(inputs: readonly GatewayApiInput[], serviceExists: (namespace: string, name: string) => boolean): GatewayApiFeedResult {
    const results = convertGatewayApi(inputs, { serviceExists, ...(this.gatewayClassNames ? { gatewayClassNames: this.gatewayClassNames } : {}) });
    const next = new Map<string, readonly Draft[]>();
    // A resource made now (a merged route another object now holds) wins over a kept one of the same name.
    const made = new Set(results.flatMap((r) => r.resources.map(draftKey)));
    const kept = results.map((r) => {
      const key = `${r.kind}/${r.namespace}/${r.name}`;
      const previous = this.lastGood.get(key)?.filter((d) => !made.has(draftKey(d)));
      if (r.resources.length === 0 && previous?.length && r.findings.some((f) => BROKEN.has(f.code))) {
        next.set(key, previous);
        return { ...r, resources: previous, status: r.status && stillInForce(r.status) };
      }
      if (r.resources.length > 0) next.set(key, r.resources);
      return r;
    });
    this.lastGood = next;
    return { resources: kept.flatMap((r) => r.resources.map((object) => ({ object, origin: r.origin || `kubernetes ${r.kind}`, converted: true }))), results: kept };
  }
}

function draftKey(d: Draft): string {
  return `${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`;
}

const IN_FORCE = '\nThe last accepted version stays in force.';

/** Adds to every refusing Accepted condition that the last accepted version is still served. */
function stillInForce(status: Record<string, unknown>): Record<string, unknown> {
  const mark = (conditions: { type: string; status: string; message: string }[]) => conditions.map((c) => (c.type === 'Accepted' && c.status === 'False' ? { ...c, message: `${c.message}${IN_FORCE}` } : c));
  const s = status as { conditions?: { type: string; status: string; message: string }[]; parents?: { conditions: { type: string; status: string; message: string }[] }[] };
  return { ...status, ...(s.conditions ? { conditions: mark(s.conditions) } : {}), ...(s.parents ? { parents: s.parents.map((p) => ({ ...p, conditions: mark(p.conditions) })) } : {}) };
}
