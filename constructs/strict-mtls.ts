import type { Construct } from 'constructs';
import type { MtlsPolicySpecInput } from '../lib/api';
import type { ConstructFinding } from './mesh-resource';
import { MtlsMode } from './mtls-mode';
import { isMeshServiceRef } from './service-ref';
import { TargetedPolicy, type TargetedPolicyProps } from './targeted-policy';

/** Props of a StrictMtls policy. */
export interface StrictMtlsProps extends TargetedPolicyProps {
  /**
   * The mode of the target. PERMISSIVE is the migration step: workloads accept mTLS and plaintext
   * while callers move into the mesh; then switch to STRICT.
   * @default MtlsMode.STRICT
   */
  readonly mode?: MtlsMode;
  /**
   * Modes of single ports of a service target, overriding `mode` (for example a metrics port
   * scraped from outside the mesh left PERMISSIVE).
   * @default none
   */
  readonly portModes?: Record<number, MtlsMode>;
}

/**
 * Requires mutual TLS on the inbound side of the mesh, a namespace, a service or single ports of
 * it (Istio's PeerAuthentication). The most specific policy wins.
 */
export class StrictMtls extends TargetedPolicy<'MtlsPolicy'> {
  /** The mode of the target. */
  readonly mode: MtlsMode;
  private readonly portModes: Map<number, MtlsMode>;

  constructor(scope: Construct, id: string, props: StrictMtlsProps = {}) {
    super(scope, id, 'MtlsPolicy', props);
    this.mode = props.mode ?? MtlsMode.STRICT;
    this.portModes = new Map(Object.entries(props.portModes ?? {}).map(([port, mode]) => [Number(port), mode]));
    this.checkNow();
  }

  /** Sets the mode of one port of the target service. */
  setPortMode(port: number, mode: MtlsMode): this {
    this.portModes.set(port, mode);
    this.checkNow();
    return this;
  }

  protected override renderSpec(): MtlsPolicySpecInput {
    const portLevel = [...this.portModes].map(([port, mode]) => ({ port, mode }));
    return { targetRef: this.target.toSpec(), mode: this.mode, ...(portLevel.length ? { portLevel } : {}) };
  }

  /** A port mode on a port the target service does not have would silently never apply. */
  protected override constructFindings(): ConstructFinding[] {
    const service = this.target.service;
    if (!isMeshServiceRef(service)) return [];
    const ports = service.portNumbers;
    return [...this.portModes.keys()]
      .filter((port) => !ports.includes(port))
      .map((port) => ({ code: 'UNKNOWN_PORT', field: `portModes[${port}]`, message: `names port ${port}, but ${service.name} has ports ${ports.join(', ')}`, limit: ports.join(', '), fix: `use one of ${ports.join(', ')}` }));
  }
}
