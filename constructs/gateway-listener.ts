import type { MeshGatewaySpecInput } from '../lib/api';

type ListenerSpec = MeshGatewaySpecInput['listeners'][number];
type CertificateRef = NonNullable<ListenerSpec['tls']>['certificates'][number];

/** A TLS certificate a gateway listener serves: a Secret of type `kubernetes.io/tls` (Gateway API `certificateRefs`). */
export class Certificate {
  /**
   * The Secret `name`, in the gateway's namespace, holding `tls.crt` and `tls.key`. In Kubernetes you
   * create it (cert-manager, `kubectl create secret tls`); `meshform up` makes a demo certificate for
   * one it cannot find. Another namespace's Secret is not served: that would hand its key to whoever
   * may write gateways here (a Gateway API Gateway may, with a ReferenceGrant).
   */
  static fromSecret(name: string): Certificate {
    return new Certificate({ secretName: name });
  }

  private constructor(private readonly ref: CertificateRef) {}

  /** The certificate reference this renders to. */
  toSpec(): CertificateRef {
    return { ...this.ref };
  }
}

/** Options every listener takes. */
export interface ListenerOptions {
  /**
   * Only requests for this host; "*.example.com" matches one more label.
   * @default every host
   */
  readonly hostname?: string;
  /**
   * Name routes attach to (Gateway API `sectionName`).
   * @default "<protocol>-<port>", followed by the hostname's labels when there is one ("https-443-shop-example-com")
   */
  readonly name?: string;
  /**
   * Namespaces whose routes may attach: 'Same' (the gateway's) or 'All'.
   * @default 'Same'
   */
  readonly allowedRoutes?: 'Same' | 'All';
}

/** Options of an HTTPS listener. */
export interface HttpsListenerOptions extends ListenerOptions {
  /** Certificates served, chosen by SNI: the one whose names match the requested host. At least one. */
  readonly certificates: readonly Certificate[];
}

/**
 * A port (and optionally a hostname) a gateway listens on, after the Gateway API's listeners:
 * `Listener.http(80)`, `Listener.https(443, { hostname: 'shop.example.com', certificates: [...] })`.
 */
export class Listener {
  /** Plaintext HTTP on `port`. */
  static http(port: number, options: ListenerOptions = {}): Listener {
    return new Listener('HTTP', port, options, undefined);
  }

  /** HTTPS on `port`: TLS terminated at the gateway with `certificates`, picked by SNI. */
  static https(port: number, options: HttpsListenerOptions): Listener {
    const { certificates, ...rest } = options;
    return new Listener('HTTPS', port, rest, certificates);
  }

  /** Name routes attach to. */
  readonly name: string;

  private constructor(
    /** HTTP or HTTPS. */
    readonly protocol: NonNullable<ListenerSpec['protocol']>,
    /** The port the gateway listens on. */
    readonly port: number,
    private readonly options: ListenerOptions,
    private readonly certificates: readonly Certificate[] | undefined,
  ) {
    const host = options.hostname?.replace(/^\*\./, 'wildcard.').replace(/\./g, '-');
    this.name = options.name ?? [protocol.toLowerCase(), port, ...(host ? [host] : [])].join('-');
  }

  /** The hostname the listener is limited to; undefined for every host. */
  get hostname(): string | undefined {
    return this.options.hostname;
  }

  /** Namespaces whose routes may attach. */
  get allowedRoutes(): 'Same' | 'All' {
    return this.options.allowedRoutes ?? 'Same';
  }

  /** Whether a request for `host` (a route hostname, which may itself be a wildcard) can arrive here. */
  serves(host: string): boolean {
    const own = this.options.hostname;
    return own === undefined || hostMatches(own, host) || hostMatches(host, own);
  }

  /** The listener this renders to. */
  toSpec(): ListenerSpec {
    const { hostname } = this.options;
    return {
      name: this.name,
      port: this.port,
      protocol: this.protocol,
      ...(hostname !== undefined ? { hostname } : {}),
      ...(this.certificates !== undefined ? { tls: { certificates: this.certificates.map((c) => c.toSpec()) } } : {}),
      allowedRoutes: { namespaces: this.allowedRoutes },
    };
  }
}

/** Whether `pattern` takes `host`: equal, or "*.example.com" and `host` has exactly one more label. */
function hostMatches(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (!pattern.startsWith('*.')) return false;
  const suffix = pattern.slice(1);
  return host.endsWith(suffix) && !host.slice(0, -suffix.length).includes('.') && host.length > suffix.length;
}
