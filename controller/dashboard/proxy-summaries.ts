import { X509Certificate } from 'node:crypto';
import type { ProxySummary } from '../../lib/dashboard';
import type { MeshModel } from '../../lib/model';
import { SDS_DEFAULT } from '../../lib/translate';
import type { ProxyStream } from '../xds/proxy-stream';

/**
 * Each connected proxy's config status: versions ACKed per type, its newest NACK, and the NotAfter of
 * the certificate SDS last sent it. Certificates are parsed once per PEM (they change at renewal).
 */
export class ProxySummaries {
  private expiries = new Map<string, string>();

  summarize(model: MeshModel, streams: Iterable<ProxyStream>): ProxySummary[] {
    const seen = new Map<string, string>();
    const summaries = [...streams].map((stream): ProxySummary => {
      const { proxy } = stream;
      const dump = stream.dump();
      const acked = Object.fromEntries(Object.entries(dump).flatMap(([type, d]) => (d.ackedVersion !== undefined ? [[type, d.ackedVersion]] : [])));
      const nacks = Object.entries(dump).flatMap(([type, d]) => (d.nack ? [{ type, version: d.nack.version, at: d.nack.at, reason: d.nack.message }] : []));
      const lastNack = nacks.sort((a, b) => a.at.localeCompare(b.at)).at(-1);
      const pem = dump['SDS']?.resources.find((r) => r['name'] === SDS_DEFAULT)?.['tls_certificate'] as { certificate_chain?: { inline_string?: string } } | undefined;
      const chain = pem?.certificate_chain?.inline_string;
      const certificateExpiry = chain === undefined ? undefined : this.expiryOf(chain);
      if (chain !== undefined && certificateExpiry !== undefined) seen.set(chain, certificateExpiry);
      const workload = proxy.workload ?? proxy.id;
      const inMesh = proxy.workload !== undefined && model.service(proxy.namespace, proxy.workload) !== undefined;
      return {
        id: proxy.id,
        namespace: proxy.namespace,
        workload,
        // A sidecar that fronts no MeshService is an entry point (the local ingress, a gateway).
        role: proxy.kind === 'sidecar' && !inMesh ? 'gateway' : 'sidecar',
        acked,
        ...(lastNack ? { lastNack } : {}),
        ...(certificateExpiry ? { certificateExpiry } : {}),
      };
    });
    this.expiries = seen;
    return summaries.sort((a, b) => a.id.localeCompare(b.id));
  }

  private expiryOf(chainPem: string): string | undefined {
    const known = this.expiries.get(chainPem);
    if (known) return known;
    try {
      return new Date(new X509Certificate(chainPem).validTo).toISOString();
    } catch {
      return undefined;
    }
  }
}
