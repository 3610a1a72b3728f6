/**
 * What the dashboard's page reads from the controller (`/debug/dashboard/api/…`): the JSON contract
 * between the controller, which joins the sidecars' metrics with its mesh state, and the page, which
 * only draws it. Rates are per second over the last scrape window; `null` means no traffic to judge.
 */

/** `GET /debug/dashboard/api/snapshot`: the graph and the summaries, polled every few seconds. */
export interface DashboardSnapshot {
  /** ISO time the snapshot was built. */
  readonly generatedAt: string;
  /** Where the traffic figures came from: the sidecars' own endpoints, or Prometheus at `detail`. */
  readonly source: { readonly kind: 'sidecars' | 'prometheus'; readonly detail: string };
  /** Seconds the rates are averaged over. */
  readonly windowSeconds: number;
  readonly namespaces: readonly string[];
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly canaries: readonly CanarySummary[];
  readonly proxies: readonly ProxySummary[];
}

/** A service, one of its versions, an external host, a gateway, or callers the mesh does not know. */
export interface GraphNode {
  /** Stable across snapshots: `<namespace>/<service>` or `<namespace>/<service>/<version>`. */
  readonly id: string;
  readonly kind: 'service' | 'version' | 'external' | 'gateway' | 'unknown';
  readonly namespace: string;
  readonly service: string;
  readonly version?: string;
  /** The service node a version node belongs to (compound parent in the graph). */
  readonly parent?: string;
  /** Inbound traffic. */
  readonly signals: GoldenSignals;
}

/** Calls from one node to another in the window. */
export interface GraphEdge {
  /** `<source id>-><target id>`. */
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly signals: GoldenSignals;
  /** Whether the calls were mutual TLS between sidecars. */
  readonly mtls: boolean;
  /** Calls per second refused by an AccessPolicy (403 RBAC) or a JwtPolicy (401). */
  readonly deniedRps: number;
}

export interface GoldenSignals {
  readonly rps: number;
  /** 0..1: neither a 5xx nor refused by an AccessPolicy or JwtPolicy; null without requests. */
  readonly successRate: number | null;
  /** Milliseconds; null without requests. */
  readonly p99Ms: number | null;
}

export interface CanarySummary {
  readonly namespace: string;
  readonly name: string;
  readonly service: string;
  readonly phase: string;
  /** 1-based step of the weight schedule, 0 before the first. */
  readonly step: number;
  /** The canary version's current weight in percent. */
  readonly weight: number;
  readonly checks: readonly CanaryCheck[];
  /** Newest last. */
  readonly history: readonly CanaryEvent[];
}

export interface CanaryCheck {
  readonly name: string;
  readonly value: number | null;
  readonly threshold: number;
  readonly passed: boolean;
}

export interface CanaryEvent {
  readonly at: string;
  readonly kind: 'step' | 'promote' | 'rollback' | 'check-failed' | 'start';
  readonly weight: number;
  readonly message: string;
}

export interface ProxySummary {
  /** The proxy's node id. */
  readonly id: string;
  readonly namespace: string;
  readonly workload: string;
  readonly role: 'sidecar' | 'gateway';
  /** Latest version ACKed per xDS type (`LDS`, `RDS`, `CDS`, `EDS`, `SDS`, `VHDS`). */
  readonly acked: Readonly<Record<string, string>>;
  /** The last NACK, if the proxy's newest answer for that type was one. */
  readonly lastNack?: { readonly type: string; readonly version: string; readonly at: string; readonly reason: string };
  /** NotAfter of the proxy's workload certificate. */
  readonly certificateExpiry?: string;
}

/** `GET /debug/dashboard/api/services/<namespace>/<name>`: one service's page. */
export interface ServiceDetail {
  readonly namespace: string;
  readonly name: string;
  /** Oldest first; one point per scrape. */
  readonly series: {
    readonly t: readonly number[];
    readonly rps: readonly number[];
    readonly successRate: readonly (number | null)[];
    readonly p99Ms: readonly (number | null)[];
  };
  readonly routes: readonly RouteSummary[];
  /** Every policy whose target covers the service, the one that applies (most specific) first per kind. */
  readonly policies: readonly PolicySummary[];
}

export interface RouteSummary {
  readonly name: string;
  readonly rules: readonly {
    readonly matches: readonly string[];
    readonly backends: readonly { readonly service: string; readonly version?: string; readonly weight: number }[];
  }[];
}

export interface PolicySummary {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** `Mesh`, `Namespace/<ns>`, `MeshService/<name>` … */
  readonly target: string;
  /** True when this policy is the one in force for its kind (most specific wins). */
  readonly applies: boolean;
  /** One line in words, e.g. "allows web/frontend; denies everyone else". */
  readonly summary: string;
}
