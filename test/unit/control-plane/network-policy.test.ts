import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { MeshControlPlane, type MeshControlPlaneProps } from '../../../constructs';
import { cidrProblem } from '../../../constructs/control-plane-network-policy';
import { MeshformValidationError } from '../../../lib/validation';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

function synth(props: MeshControlPlaneProps = {}): Loose[] {
  const chart = new Chart(new App(), 'control-plane');
  new MeshControlPlane(chart, 'ControlPlane', { crds: false, ...props });
  return Testing.synth(chart);
}

function policy(props: MeshControlPlaneProps = {}): Loose {
  const policies = synth(props).filter((o) => o.kind === 'NetworkPolicy');
  expect(policies).toHaveLength(1);
  return policies[0];
}

/** The peers admitted to one port of the controller pods. */
function peersOf(p: Loose, port: number): Loose[] | undefined {
  const rules = (p.spec.ingress as Loose[]).filter((r) => r.ports.some((x: Loose) => x.port === port));
  if (rules.length === 0) return undefined;
  for (const r of rules) expect(r.ports, `port ${port} in a rule of its own`).toEqual([{ protocol: 'TCP', port }]);
  return rules.flatMap((r) => r.from);
}

function findingsOf(props: MeshControlPlaneProps): Loose[] {
  try {
    synth(props);
  } catch (error) {
    expect(error).toBeInstanceOf(MeshformValidationError);
    return [...(error as MeshformValidationError).findings];
  }
  throw new Error('expected findings');
}

describe('the control plane NetworkPolicy', () => {
  it('isolates the controller pods for ingress only (egress to the API server stays open)', () => {
    const p = policy();
    expect(p.metadata).toMatchObject({ name: 'meshform-controller', namespace: 'meshform-system' });
    expect(p.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'meshform-controller' } });
    expect(p.spec.policyTypes).toEqual(['Ingress']);
  });

  it('admits xDS only from pods injection labelled meshed, in any namespace', () => {
    expect(peersOf(policy(), 15012)).toEqual([{ namespaceSelector: {}, podSelector: { matchLabels: { 'meshform.dev/meshed': 'true' } } }]);
  });

  it('admits the webhook port from the API server CIDRs: any address by default, the given ones otherwise', () => {
    expect(peersOf(policy(), 15017)).toEqual([{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }]);
    expect(peersOf(policy({ apiServerCidrs: ['172.16.0.0/28', 'fd00:10::/64'] }), 15017)).toEqual([{ ipBlock: { cidr: '172.16.0.0/28' } }, { ipBlock: { cidr: 'fd00:10::/64' } }]);
  });

  it('admits metrics only from the telemetry namespace, by its name label', () => {
    expect(peersOf(policy(), 15015)).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'meshform-telemetry' } } }]);
    expect(peersOf(policy({ telemetryNamespace: 'monitoring' }), 15015)).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
  });

  it('admits nobody from the network to the admin port unless an operator namespace is named', () => {
    expect(peersOf(policy(), 15014)).toBeUndefined();
    expect(peersOf(policy({ operatorNamespace: 'sre' }), 15014)).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'sre' } } }]);
  });

  it('names every port the controller pod listens on, and no other', () => {
    const objects = synth({ operatorNamespace: 'sre' });
    const containerPorts = objects.find((o) => o.kind === 'Deployment').spec.template.spec.containers.flatMap((c: Loose) => c.ports.map((p: Loose) => p.containerPort));
    const policyPorts = objects.find((o) => o.kind === 'NetworkPolicy').spec.ingress.flatMap((r: Loose) => r.ports.map((p: Loose) => p.port));
    expect([...policyPorts].sort()).toEqual([...containerPorts].sort());
  });

  it('refuses an empty CIDR list (a rule without peers would admit everyone)', () => {
    expect(findingsOf({ apiServerCidrs: [] })).toEqual([expect.objectContaining({ code: 'REQUIRED', field: 'apiServerCidrs', where: 'control-plane/ControlPlane' })]);
  });

  it('refuses a malformed CIDR with the field, the limit and a fix', () => {
    const [finding] = findingsOf({ apiServerCidrs: ['10.0.0.0/8', '10.0.0.1/8'] });
    expect(finding).toMatchObject({ code: 'BAD_FORMAT', field: 'apiServerCidrs[1]', limit: 'a canonical IPv4 or IPv6 CIDR' });
    expect(finding.message).toContain('bits set after its /8 prefix');
    expect(finding.fix).toMatch(/172\.16\.0\.0\/28/);
  });

  it('refuses namespace names that are not RFC 1123 labels, accepting 63 characters and refusing 64', () => {
    expect(() => synth({ operatorNamespace: 'a'.repeat(63) })).not.toThrow();
    expect(findingsOf({ operatorNamespace: 'a'.repeat(64) })).toEqual([expect.objectContaining({ code: 'BAD_FORMAT', field: 'operatorNamespace' })]);
    expect(findingsOf({ telemetryNamespace: 'Monitoring' })).toEqual([expect.objectContaining({ code: 'BAD_FORMAT', field: 'telemetryNamespace' })]);
  });
});

describe('cidrProblem', () => {
  it('accepts canonical IPv4 and IPv6 CIDRs at every prefix bound', () => {
    for (const cidr of ['0.0.0.0/0', '10.0.0.0/8', '192.168.1.7/32', '::/0', 'fd00::/8', '2001:db8::1/128', '::ffff:10.0.0.0/104', 'fe80::/10']) expect(cidrProblem(cidr), cidr).toBeUndefined();
  });

  it('refuses prefixes past the address length (33 for IPv4, 129 for IPv6)', () => {
    expect(cidrProblem('10.0.0.0/33')).toMatch(/longer than the address \(32 bits\)/);
    expect(cidrProblem('fd00::/129')).toMatch(/128 bits/);
  });

  it('refuses host bits after the prefix, in either family', () => {
    expect(cidrProblem('10.0.0.1/31')).toMatch(/bits set after/);
    expect(cidrProblem('10.0.0.0/31')).toBeUndefined();
    expect(cidrProblem('fd00::1/127')).toMatch(/bits set after/);
    expect(cidrProblem('fd00::2/127')).toBeUndefined();
  });

  it('refuses what is not a CIDR at all', () => {
    for (const bad of ['10.0.0.0', '10.0.0/8', '010.0.0.0/8', '10.0.0.0/-1', '10.0.0.0/ 8', 'fe80::1%eth0/64', 'example.com/8', '']) expect(cidrProblem(bad), bad).toMatch(/is not an address\/prefix CIDR/);
  });
});
