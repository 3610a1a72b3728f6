import type { ApiPermission } from './api-permissions';

/** The objects the bootstrap Job touches (MeshControlPlane's names). */
export interface BootstrapObjectNames {
  readonly caSecret: string;
  readonly webhookSecret: string;
  readonly mutatingWebhook: string;
  readonly validatingWebhook: string;
}

/**
 * Every Kubernetes API call of `bootstrap-secrets` (the Job that creates the mesh CA and webhook
 * serving Secrets when missing and writes the webhook configurations' caBundle), limited by name
 * wherever Kubernetes can limit it.
 */
export function bootstrapApiPermissions(names: BootstrapObjectNames): ApiPermission[] {
  return [
    { method: 'readNamespacedSecret', apiGroup: '', resources: ['secrets'], verbs: ['get'], scope: 'Namespace', resourceNames: [names.caSecret, names.webhookSecret] },
    { method: 'createNamespacedSecret', apiGroup: '', resources: ['secrets'], verbs: ['create'], scope: 'Namespace' },
    { method: 'patchMutatingWebhookConfiguration', apiGroup: 'admissionregistration.k8s.io', resources: ['mutatingwebhookconfigurations'], verbs: ['patch'], scope: 'Cluster', resourceNames: [names.mutatingWebhook] },
    { method: 'patchValidatingWebhookConfiguration', apiGroup: 'admissionregistration.k8s.io', resources: ['validatingwebhookconfigurations'], verbs: ['patch'], scope: 'Cluster', resourceNames: [names.validatingWebhook] },
  ];
}
