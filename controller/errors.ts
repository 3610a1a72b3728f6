/** Stable codes of the controller's errors: logs, metrics and tests key on them. */
export const ControllerErrorCode = {
  BadArguments: 'CONTROLLER_BAD_ARGUMENTS',
  ManifestUnreadable: 'MANIFEST_UNREADABLE',
  ManifestNotYaml: 'MANIFEST_NOT_YAML',
  RegistryInvalid: 'REGISTRY_INVALID',
  NoNode: 'XDS_NO_NODE',
  NoAdsStream: 'XDS_NO_ADS_STREAM',
  TokenMissing: 'TOKEN_MISSING',
  TokenInvalid: 'TOKEN_INVALID',
  TokenIdentityMismatch: 'TOKEN_IDENTITY_MISMATCH',
  CaMaterialInvalid: 'CA_MATERIAL_INVALID',
  KubernetesUnavailable: 'KUBERNETES_UNAVAILABLE',
  KubernetesThrottled: 'KUBERNETES_THROTTLED',
  CaRootPublishFailed: 'CA_ROOT_PUBLISH_FAILED',
  AdminUnauthenticated: 'ADMIN_UNAUTHENTICATED',
  AdminForbidden: 'ADMIN_FORBIDDEN',
  AdminAuthUnavailable: 'ADMIN_AUTH_UNAVAILABLE',
} as const;

export type ControllerErrorCode = (typeof ControllerErrorCode)[keyof typeof ControllerErrorCode];

export class ControllerError extends Error {
  readonly code: ControllerErrorCode;

  constructor(code: ControllerErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[${code}] ${message}`, options);
    this.name = 'ControllerError';
    this.code = code;
  }
}
