import { Chart, Testing } from 'cdk8s';
import { expect } from 'vitest';
import { MeshService, type MeshServiceProps } from '../../../constructs';
import { MeshformValidationError, type Finding } from '../../../lib/validation';

/** A chart in namespace "shop", the way an app would hold mesh constructs. */
export function shopChart(): Chart {
  return new Chart(Testing.app(), 'test', { namespace: 'shop' });
}

/** The mesh resources (not Kubernetes objects) a chart synthesizes. */
export function meshResources(chart: Chart): any[] {
  return Testing.synth(chart).filter((o) => o.apiVersion === 'meshform.dev/v1alpha1');
}

/**
 * Runs `build`, expects it to throw a MeshformValidationError with a finding of `code` at `where`
 * on `field`, and the message to name both; returns that finding.
 */
export function expectFinding(build: () => unknown, expected: { code: string; where: string; field: string }): Finding {
  let error: unknown;
  try {
    build();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a MeshformValidationError').toBeInstanceOf(MeshformValidationError);
  const { findings, message } = error as MeshformValidationError;
  const finding = findings.find((f) => f.code === expected.code);
  expect(finding, `no ${expected.code} among ${findings.map((f) => f.code).join(', ')}`).toBeDefined();
  expect(finding).toMatchObject(expected);
  expect(message).toContain(expected.where);
  expect(message).toContain(expected.field);
  return finding!;
}

/** MeshService "reviews" (port 9080, versions v1, v2, v3) in the chart, for routes and policies to name. */
export function reviewsService(chart: Chart, extra: Partial<MeshServiceProps> = {}): MeshService {
  return new MeshService(chart, 'reviews', { ports: [{ port: 9080 }], versions: ['v1', 'v2', 'v3'].map((v) => ({ name: v, labels: { version: v } })), ...extra });
}

/** The one synthesized mesh resource of `kind`. */
export function resourceOf(chart: Chart, kind: string): any {
  const found = meshResources(chart).filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
}
