import type { MtlsMode as MtlsModeSpec } from '../lib/api';

/**
 * How a workload's inbound side treats plaintext. Written `MtlsMode.STRICT` or plainly `'STRICT'`.
 */
export const MtlsMode = {
  /** Only mutual TLS between sidecars; plaintext is refused. */
  STRICT: 'STRICT',
  /** mTLS and plaintext both accepted: the step while workloads migrate into the mesh. */
  PERMISSIVE: 'PERMISSIVE',
  /** Plaintext only. */
  DISABLE: 'DISABLE',
} as const satisfies Record<MtlsModeSpec, MtlsModeSpec>;

export type MtlsMode = MtlsModeSpec;
