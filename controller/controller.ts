import { parseDuration as parseDurationMs } from '../lib/api';
import type { MeshResource } from '../lib/api';
import { MeshModel } from '../lib/model';
import { spiffeId } from '../lib/naming';
import { gatewaySecretRefs, kindsWithoutXds, meshResourcesOf, proxyIdentity, type EnvoyMessage, type ProxyIdentity, type TranslationIssue } from '../lib/translate';
import { analyzeMesh } from '../lib/validation';
import { CertificateAuthority, type ProvidedCaFiles } from './ca/certificate-authority';
import type { IdentityVerifier, VerifiedIdentity } from './ca/identity-verifier';
import { certificateSecret, trustBundleSecret } from './ca/sds-secrets';
import { ServingCertificate } from './ca/serving-certificate';
import { tlsSdsSecret, type TlsSecret } from './tls-secrets';
import { WorkloadCertificates } from './ca/workload-certificates';
import { ControllerError } from './errors';
import type { Logger } from './logger';
import { MeshState, type ProxyRejection } from './mesh-state';
import { ControllerMetrics } from './metrics';
import { AdsServer } from './xds/ads-server';
import type { ProxyStream } from './xds/proxy-stream';
import { PushDebounce } from './xds/push-debounce';
import { SHORT_NAMES } from './xds/snapshot';
import { SnapshotBuilder } from './xds/snapshot-builder';

export interface ControllerOptions {
  readonly log: Logger;
  readonly xds: { readonly host: string; readonly port: number; readonly tls?: boolean };
  /** Where the controller's Service lives, named on its xDS certificate. @default the Mesh's controlPlaneNamespace */
  readonly namespace?: string;
  /** Quiet time that ends a burst of changes, gathered into one push (Istio: 100 ms); see PushDebounce. A burst waits at most ten times this. */
  readonly debounceMs?: number;
  readonly ca?: { readonly provided?: ProvidedCaFiles; readonly keepIn?: string; readonly workloadTtlMs?: number; readonly now?: () => Date };
  /** Upper bound between certificate renewal checks. @default 60 s */
  readonly renewCheckMs?: number;
}

/** Why a proxy has (or lacks) a certificate. */
type ProxyTrust = { readonly state: 'pending' } | { readonly state: 'verified'; readonly identity: VerifiedIdentity } | { readonly state: 'refused'; readonly reason: string };

interface Connected {
  readonly stream: ProxyStream;
  trust: ProxyTrust;
}

/**
 * The control plane's core: holds the mesh state, builds snapshots when it changes (debounced),
 * pushes them to connected proxies, and hands out certificates to proxies that proved who they are.
 * Sources feed `state`; an identity verifier is set by the mode (local tokens, TokenReview).
 */
export class Controller {
  readonly state = new MeshState();
  readonly metrics = new ControllerMetrics();
  readonly proxies = new Map<string, Connected>();
  private readonly ads: AdsServer;
  private readonly builder = new SnapshotBuilder();
  private ca?: CertificateAuthority;
  private certificates?: WorkloadCertificates;
  private verifier?: IdentityVerifier;
  /** The xDS server's certificate (TLS only): re-issued at 80% of its lifetime and when the root changes. */
  private readonly servingCertificate = new ServingCertificate();
  private serving?: { readonly renewAt: Date; readonly rootPem: string };
  private model = new MeshModel([]);
  private modelResources?: readonly MeshResource[];
  private modelSecrets?: ReadonlyMap<string, TlsSecret>;
  private builtVersion = -1;
  private readonly debounce: PushDebounce;
  private renewTimer?: NodeJS.Timeout;
  private closed = false;
  /** What each proxy rejects, by xDS type: each rejected Envoy resource with the mesh resources it comes from. */
  private readonly rejections = new Map<string, Map<string, readonly { readonly rejection: ProxyRejection; readonly keys: readonly string[] }[]>>();

  constructor(private readonly options: ControllerOptions) {
    this.metrics.onCollect(() => this.translationIssues(), () => this.state.statuses().filter((s) => !s.accepted).length);
    this.ads = new AdsServer(
      {
        onConnect: (s) => this.connect(s),
        onDisconnect: (s) => {
          this.proxies.delete(s.connectionId);
          // An old stream of a proxy that reconnected must not clear what the live one reports.
          const live = [...this.proxies.values()].some((c) => c.stream.proxy.id === s.proxy.id);
          if (!live && this.rejections.delete(s.proxy.id)) this.publishRejections();
        },
        onReply: (proxy, type, rejected) => this.recordReply(proxy, type, rejected),
      },
      options.log,
      this.metrics,
    );
    const quietMs = options.debounceMs ?? 100;
    this.debounce = new PushDebounce({ quietMs, maxMs: 10 * quietMs }, (changedAt) => this.rebuild(changedAt));
    this.state.on('change', () => this.debounce.changed());
  }

  get xdsPort(): number {
    return this.ads.port;
  }

  get trustDomain(): string {
    return this.model.mesh.trustDomain;
  }

  setIdentityVerifier(verifier: IdentityVerifier): void {
    this.verifier = verifier;
  }

  /** Builds the first generation, starts the CA and serves xDS. */
  async start(): Promise<void> {
    this.rebuild();
    const mesh = this.model.mesh;
    this.ca = await CertificateAuthority.create({
      trustDomain: mesh.trustDomain,
      workloadTtlMs: this.options.ca?.workloadTtlMs ?? parseDurationMs(mesh.ca.workloadCertTtl),
      rootTtlMs: parseDurationMs(mesh.ca.rootCertTtl),
      ...(this.options.ca?.provided ? { provided: this.options.ca.provided } : {}),
      ...(this.options.ca?.keepIn ? { keepIn: this.options.ca.keepIn } : {}),
      ...(this.options.ca?.now ? { now: this.options.ca.now } : {}),
    });
    this.certificates = new WorkloadCertificates(
      this.ca,
      () => {
        this.metrics.certificatesIssued.inc();
        this.scheduleRenewal();
      },
      0.8,
      this.options.ca?.now,
    );
    if (this.options.xds.tls) await this.renewServingCertificate();
    await this.ads.listen({ host: this.options.xds.host, port: this.options.xds.port, ...(this.options.xds.tls ? { tls: this.servingCertificate } : {}) });
    this.scheduleRenewal();
    this.options.log.info({ xdsPort: this.ads.port, trustDomain: mesh.trustDomain }, 'xDS serving');
  }

  async close(): Promise<void> {
    this.closed = true;
    this.debounce.take();
    clearTimeout(this.renewTimer);
    await this.ads.close();
  }

  /**
   * Translation issues of the current generation plus kinds without xDS. Translating for a plain
   * client (once per generation, remembered per destination across scrapes) makes every service's
   * issues visible even before a proxy connects; it is done on demand, so pushes do not wait for it.
   */
  translationIssues(): TranslationIssue[] {
    this.builder.learnIssues(proxyIdentity({ id: 'meshform-controller' }));
    return [...this.builder.issues(), ...kindsWithoutXds(this.model)];
  }

  /** The CA's current trust bundle: every root a peer or a proxy may chain to ('' before start). */
  trustBundlePem(): string {
    return this.ca?.trustBundlePem() ?? '';
  }

  /** Rotates the root; the old one stays trusted for `overlapMs`. Every proxy gets a new SVID and bundle. */
  async rotateRoot(overlapMs: number, provided?: ProvidedCaFiles): Promise<void> {
    await this.ca!.rotateRoot(overlapMs, provided);
    await this.refreshCertificates();
  }

  /** Re-issues what is due and pushes SDS to the proxies whose certificate or bundle changed. */
  async refreshCertificates(): Promise<void> {
    if (this.serving && (this.now() >= this.serving.renewAt || this.serving.rootPem !== this.ca!.rootPem)) await this.renewServingCertificate();
    for (const connected of this.proxies.values()) if (connected.trust.state === 'verified') await this.pushTo(connected);
    this.scheduleRenewal();
  }

  /** A new generation: validate across resources, translate for every proxy, push what changed. */
  private rebuild(changedAt = this.debounce.take()): void {
    if (this.closed) return;
    this.builtVersion = this.state.stateVersion;
    const resources = this.state.resources();
    const secrets = this.state.tlsSecrets();
    // An endpoint move keeps the resources, and so the model with everything indexed and memoized on it.
    const resourcesChanged = resources !== this.modelResources || secrets !== this.modelSecrets;
    const tlsSecrets = new Set(secrets.keys());
    if (resourcesChanged) this.model = new MeshModel(resources, { tlsSecrets });
    this.modelResources = resources;
    this.modelSecrets = secrets;
    this.builder.beginGeneration(this.model, this.state.workloads());
    for (const connected of this.proxies.values()) void this.pushTo(connected, changedAt);
    // Statuses, not translation, read the cross-resource checks: they follow once the pushes are out.
    if (resourcesChanged) setImmediate(() => this.state.setCrossFindings(analyzeMesh(resources, undefined, { tlsSecrets })));
  }

  private connect(stream: ProxyStream): void {
    const connected: Connected = { stream, trust: { state: 'pending' } };
    this.proxies.set(stream.connectionId, connected);
    if (this.builtVersion !== this.state.stateVersion) this.rebuild();
    void this.pushTo(connected);
    if (stream.proxy.kind !== 'proxyless') void this.verify(connected);
  }

  /**
   * A NACK marks the mesh resources behind the rejected Envoy resources (statuses: `programmed`
   * false, with the proxy and its reason) until that proxy ACKs the type again or goes.
   */
  private recordReply(proxy: ProxyIdentity, type: string, rejected?: { readonly names: readonly string[]; readonly message: string }): void {
    if (rejected && !this.mayReport(proxy)) return;
    if (!rejected) {
      if (this.rejections.get(proxy.id)?.delete(type)) this.publishRejections();
      return;
    }
    const at = new Date().toISOString();
    const short = SHORT_NAMES[type] ?? type;
    const entries = rejected.names.map((resource) => ({ rejection: { proxy: proxy.id, type: short, resource, message: rejected.message, at }, keys: meshResourcesOf(this.model, proxy, resource) }));
    if (!this.rejections.has(proxy.id)) this.rejections.set(proxy.id, new Map());
    this.rejections.get(proxy.id)!.set(type, entries);
    this.publishRejections();
  }

  /**
   * Whether a proxy's NACKs may mark statuses: over TLS (in a cluster, where any pod can reach the
   * xDS port) only a proxy that proved its identity, so nobody else writes a Programmed condition;
   * a plaintext port is loopback (local mode), where every client is the user's.
   */
  private mayReport(proxy: ProxyIdentity): boolean {
    if (!this.options.xds.tls) return true;
    return [...this.proxies.values()].some((c) => c.stream.proxy.id === proxy.id && c.trust.state === 'verified');
  }

  private publishRejections(): void {
    const byKey = new Map<string, ProxyRejection[]>();
    for (const byType of this.rejections.values()) {
      for (const entries of byType.values()) {
        for (const { rejection, keys } of entries) for (const key of keys) byKey.set(key, [...(byKey.get(key) ?? []), rejection]);
      }
    }
    this.state.setProxyRejections(byKey);
  }

  private async verify(connected: Connected): Promise<void> {
    const proxy = connected.stream.proxy;
    try {
      if (!this.verifier) throw new Error('no identity verifier is configured');
      connected.trust = { state: 'verified', identity: await this.verifier.verify(proxy) };
      await this.pushTo(connected);
    } catch (error) {
      const reason = error instanceof ControllerError ? error.code : 'TOKEN_CHECK_FAILED';
      connected.trust = { state: 'refused', reason: (error as Error).message };
      this.metrics.sdsDenied.inc({ reason });
      this.options.log.warn({ code: reason, proxy: proxy.id }, `no certificate: ${(error as Error).message}`);
    }
  }

  private async secretsFor(connected: Connected): Promise<EnvoyMessage[] | undefined> {
    if (connected.trust.state !== 'verified' || !this.certificates) return undefined;
    const { namespace, serviceAccount } = connected.trust.identity;
    const certificate = await this.certificates.certificateFor(spiffeId(this.model.mesh.trustDomain, namespace, serviceAccount));
    return [certificateSecret(certificate), trustBundleSecret(this.ca!.trustBundlePem()), ...this.gatewaySecretsFor(connected.stream.proxy, connected.trust.identity)];
  }

  /**
   * The serving certificates of a gateway's listeners, only to a proxy that proved the gateway's own
   * identity (its namespace and service account): a TLS key never goes to another workload.
   */
  private gatewaySecretsFor(proxy: ProxyIdentity, identity: VerifiedIdentity): EnvoyMessage[] {
    if (proxy.kind !== 'gateway') return [];
    const gateway = this.model.gateway(proxy.namespace, proxy.gateway!);
    if (!gateway) return [];
    if (identity.namespace !== gateway.metadata.namespace || identity.serviceAccount !== this.model.gatewayServiceAccountOf(gateway)) {
      this.options.log.warn({ code: 'GATEWAY_IDENTITY_MISMATCH', proxy: proxy.id }, `proxy runs MeshGateway ${gateway.metadata.namespace}/${gateway.metadata.name} but proved ${identity.namespace}/${identity.serviceAccount}, not its service account; it gets no TLS Secrets`);
      return [];
    }
    const secrets = this.state.tlsSecrets();
    return gatewaySecretRefs(this.model, gateway).map((ref) => tlsSdsSecret(ref.sdsName, secrets.get(`${ref.namespace}/${ref.name}`)!));
  }

  private async pushTo(connected: Connected, changedAt?: number): Promise<void> {
    const secrets = await this.secretsFor(connected);
    if (!this.proxies.has(connected.stream.connectionId)) return;
    try {
      connected.stream.update(this.builder.build(connected.stream.proxy, secrets), changedAt);
    } catch (error) {
      // A translation fault must not take the controller down; the proxy keeps what it has.
      this.options.log.error({ code: 'TRANSLATION_FAILED', proxy: connected.stream.proxy.id, err: error }, 'cannot build the snapshot; the proxy keeps its last configuration');
    }
  }

  private scheduleRenewal(): void {
    clearTimeout(this.renewTimer);
    if (this.closed || !this.certificates) return;
    const limit = this.options.renewCheckMs ?? 60_000;
    const due = [this.certificates.nextDue(), this.serving?.renewAt].filter((d): d is Date => d !== undefined);
    const next = due.length ? new Date(Math.min(...due.map((d) => d.getTime()))) : undefined;
    const wait = next ? Math.max(0, Math.min(limit, next.getTime() - Date.now())) : limit;
    this.renewTimer = setTimeout(() => void this.refreshCertificates(), wait);
    this.renewTimer.unref();
  }

  private now(): Date {
    return this.options.ca?.now?.() ?? new Date();
  }

  /** Issues the xDS server's certificate: its SPIFFE id plus the names proxies dial (the Service, loopback). */
  private async renewServingCertificate(): Promise<void> {
    const ns = this.options.namespace ?? this.model.mesh.controlPlaneNamespace;
    const rootPem = this.ca!.rootPem;
    const certificate = await this.ca!.issue(spiffeId(this.model.mesh.trustDomain, ns, 'meshform-controller'), {
      dns: ['meshform-controller', `meshform-controller.${ns}`, `meshform-controller.${ns}.svc`, `meshform-controller.${ns}.svc.cluster.local`, 'localhost'],
      ips: ['127.0.0.1'],
    });
    this.servingCertificate.set(certificate.certificateChainPem, certificate.privateKeyPem);
    const issuedAt = certificate.issuedAt.getTime();
    this.serving = { renewAt: new Date(issuedAt + 0.8 * (certificate.notAfter.getTime() - issuedAt)), rootPem };
    this.options.log.info({ notAfter: certificate.notAfter.toISOString() }, 'xDS server certificate issued');
  }
}
