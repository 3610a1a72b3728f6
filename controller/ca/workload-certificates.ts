import type { CertificateAuthority, IssuedCertificate } from './certificate-authority';

interface Held {
  readonly certificate: IssuedCertificate;
  /** The root that signed it: a rotation makes it due at once. */
  readonly rootPem: string;
}

/**
 * The SVIDs the CA has issued, one per SPIFFE id, re-issued once `renewAt` of their lifetime has
 * passed (Istio renews at 80%) or when the root changed, so that no proxy holds an expired or
 * untrusted certificate.
 */
export class WorkloadCertificates {
  private readonly held = new Map<string, Held>();
  private readonly pending = new Map<string, Promise<IssuedCertificate>>();

  constructor(
    private readonly ca: CertificateAuthority,
    private readonly onIssued: (spiffeId: string) => void = () => {},
    private readonly renewAt = 0.8,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The current certificate for an id, issuing one when there is none or it is due. */
  async certificateFor(spiffeId: string): Promise<IssuedCertificate> {
    const held = this.held.get(spiffeId);
    if (held && !this.isDue(held)) return held.certificate;
    const inFlight = this.pending.get(spiffeId);
    if (inFlight) return inFlight;
    const issuing = this.ca.issue(spiffeId).then((certificate) => {
      this.held.set(spiffeId, { certificate, rootPem: this.ca.rootPem });
      this.pending.delete(spiffeId);
      this.onIssued(spiffeId);
      return certificate;
    });
    this.pending.set(spiffeId, issuing);
    return issuing;
  }

  /** The certificate held now, without issuing. */
  current(spiffeId: string): IssuedCertificate | undefined {
    return this.held.get(spiffeId)?.certificate;
  }

  /** Ids whose certificate is due for re-issue. */
  due(): string[] {
    return [...this.held.entries()].filter(([, h]) => this.isDue(h)).map(([id]) => id);
  }

  /** The earliest moment a held certificate falls due, to schedule the next check. */
  nextDue(): Date | undefined {
    const times = [...this.held.values()].map((h) => this.dueAt(h).getTime());
    return times.length > 0 ? new Date(Math.min(...times)) : undefined;
  }

  forget(spiffeId: string): void {
    this.held.delete(spiffeId);
  }

  private dueAt(h: Held): Date {
    const { issuedAt, notAfter } = h.certificate;
    return new Date(issuedAt.getTime() + (notAfter.getTime() - issuedAt.getTime()) * this.renewAt);
  }

  private isDue(h: Held): boolean {
    return h.rootPem !== this.ca.rootPem || this.now() >= this.dueAt(h);
  }
}
