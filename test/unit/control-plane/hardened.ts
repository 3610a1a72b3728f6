import { expect } from 'vitest';

/**
 * Asserts that every Deployment and Job among `objects` runs hardened: non-root with seccomp
 * RuntimeDefault, each container without privilege escalation or capabilities, a read-only root,
 * CPU and memory requests with a memory limit, and probes on Deployments' containers.
 */
export function expectHardenedPods(objects: readonly any[]): void {
  const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'Job');
  expect(workloads.length).toBeGreaterThan(0);
  for (const w of workloads) {
    const pod = w.spec.template.spec;
    expect(pod.securityContext, w.metadata.name).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.securityContext.runAsUser, w.metadata.name).toBeGreaterThan(0);
    expect(pod.hostNetwork).toBeUndefined();
    for (const c of pod.containers) {
      const where = `${w.metadata.name}/${c.name}`;
      expect(c.securityContext, where).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
      expect(c.securityContext.capabilities.add, where).toBeUndefined();
      expect(Object.keys(c.resources.requests).sort(), where).toEqual(['cpu', 'memory']);
      expect(c.resources.limits.memory, where).toBeDefined();
      if (w.kind === 'Deployment') {
        expect(c.readinessProbe, where).toBeDefined();
        expect(c.livenessProbe, where).toBeDefined();
      }
    }
  }
}
