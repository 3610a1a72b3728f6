import { AdmissionregistrationV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { createMeshRoot, createServingCertificate } from './certificates';

export interface BootstrapSecretsOptions {
  readonly namespace: string;
  /** Secret of the mesh root CA (tls.crt, tls.key). */
  readonly caSecret: string;
  /** Secret of the webhooks' serving certificate (tls.crt, tls.key, ca.crt). */
  readonly webhookSecret: string;
  /** The webhook Service: its DNS names go into the serving certificate. */
  readonly service: string;
  readonly mutatingWebhook: string;
  readonly validatingWebhook: string;
  /** @default 'cluster.local' */
  readonly trustDomain?: string;
}

function isNotFound(error: unknown): boolean {
  return (error as { code?: number }).code === 404;
}

function isConflict(error: unknown): boolean {
  return (error as { code?: number }).code === 409;
}

/**
 * Creates what the control plane needs before it starts, only when missing (re-running is
 * harmless; a racing second run loses the create with 409 and reads the winner's Secret): the mesh
 * root CA Secret, the webhooks' serving certificate Secret, and the caBundle of both webhook
 * configurations, which must name the CA of the serving certificate actually in use.
 */
export async function bootstrapSecrets(kubeConfig: KubeConfig, options: BootstrapSecretsOptions, log: Logger): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const admission = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  const { namespace } = options;

  const ensure = async (name: string, make: () => Promise<Record<string, string>>): Promise<Record<string, string>> => {
    try {
      const existing = await core.readNamespacedSecret({ name, namespace });
      log.info({ secret: name }, 'secret exists; keeping it');
      return Object.fromEntries(Object.entries(existing.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const data = await make();
    try {
      await core.createNamespacedSecret({ namespace, body: { metadata: { name, namespace, labels: { 'app.kubernetes.io/part-of': 'meshform' } }, type: 'kubernetes.io/tls', stringData: data } });
      log.info({ secret: name }, 'secret created');
      return data;
    } catch (error) {
      if (!isConflict(error)) throw error;
      return ensure(name, make);
    }
  };

  await ensure(options.caSecret, async () => {
    const root = await createMeshRoot(options.trustDomain ?? 'cluster.local');
    return { 'tls.crt': root.certPem, 'tls.key': root.keyPem };
  });
  const serving = await ensure(options.webhookSecret, async () => {
    const dns = [options.service, `${options.service}.${namespace}`, `${options.service}.${namespace}.svc`, `${options.service}.${namespace}.svc.cluster.local`];
    const tls = await createServingCertificate({ dnsNames: dns });
    return { 'tls.crt': tls.certPem, 'tls.key': tls.keyPem, 'ca.crt': tls.caPem };
  });
  const caBundle = Buffer.from(serving['ca.crt'] ?? '').toString('base64');
  if (!caBundle) throw new Error(`secret ${options.webhookSecret} has no ca.crt; delete it to have it made again`);
  const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
  // Two webhooks in the mutating configuration (namespace label, pod opt-in), one in the validating one.
  const bundlePatch = (count: number) => Array.from({ length: count }, (_, i) => ({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: caBundle }));
  await admission.patchMutatingWebhookConfiguration({ name: options.mutatingWebhook, body: bundlePatch(2) }, jsonPatch);
  await admission.patchValidatingWebhookConfiguration({ name: options.validatingWebhook, body: bundlePatch(1) }, jsonPatch);
  log.info({ mutating: options.mutatingWebhook, validating: options.validatingWebhook }, 'webhook caBundle written');
}
