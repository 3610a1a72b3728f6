import { X509Certificate } from 'node:crypto';
import type { ProxySummary } from '../../lib/dashboard';
import type { MeshModel } from '../../lib/model';
import { SDS_DEFAULT, type ProxyIdentity } from '../../lib/translate';
import { TypeUrl } from '../../lib/xds';
import type { ProxyStream } from '../xds/proxy-stream';

/** A sidecar that fronts no MeshService is an entry point: the local ingress, a gateway. */
export function isGateway(model: MeshModel, proxy: ProxyIdentity): boolean {
  return proxy.kind === 'sidecar' && (proxy.workload === undefined || model.service(proxy.namespace, proxy.workload) === undefined);
}

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
      const replies = Object.entries(stream.replies());
      const acked = Object.fromEntries(replies.flatMap(([type, r]) => (r.ackedVersion !== undefined ? [[type, r.ackedVersion]] : [])));
      const nacks = replies.flatMap(([type, r]) => (r.nack ? [{ type, version: r.nack.version, at: r.nack.at, reason: r.nack.message }] : []));
      const lastNack = nacks.sort((a, b) => a.at.localeCompare(b.at)).at(-1);
      const secret = stream.sentResource(TypeUrl.Secret, SDS_DEFAULT)?.['tls_certificate'] as { certificate_chain?: { inline_string?: string } } | undefined;
      const chain = secret?.certificate_chain?.inline_string;
      const certificateExpiry = chain === undefined ? undefined : this.expiryOf(chain);
      if (chain !== undefined && certificateExpiry !== undefined) seen.set(chain, certificateExpiry);
      return {
        id: proxy.id,
        namespace: proxy.namespace,
        workload: proxy.workload ?? proxy.id,
        role: isGateway(model, proxy) ? 'gateway' : 'sidecar',
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
