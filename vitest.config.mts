import { defineConfig } from 'vitest/config';

// Two projects so a developer can iterate on one: fast unit tests (pure functions, constructs,
// snapshots) and the slower end-to-end suite (real processes and sockets on loopback).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        // Against a real etcd + kube-apiserver built by scripts/k8s; run by `npm run test:k8s`.
        test: {
          name: 'k8s',
          include: ['test/k8s/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 900_000,
          fileParallelism: false,
          globalSetup: ['test/support/suite-setup.ts'],
        },
      },
      {
        // `pulumi up/preview/destroy` per stack through the Pulumi CLI and Kubernetes provider built by
        // scripts/pulumi, against the same real API server; run by `npm run test:pulumi`.
        test: {
          name: 'pulumi',
          include: ['test/pulumi/**/*.test.ts'],
          environment: 'node',
          testTimeout: 600_000,
          hookTimeout: 900_000,
          fileParallelism: false,
          globalSetup: ['test/support/suite-setup.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          globalSetup: ['test/support/suite-setup.ts'],
        },
      },
    ],
  },
});
