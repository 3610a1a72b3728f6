import { compact, draft, durationText, readMetadata, type Converted } from './import-context';
import type { Fields, SourceObject } from './source-fields';

/** Flagger's built-in checks as Meshform analysis thresholds; other metrics cannot be carried. */
function thresholdsOf(analysis: Fields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of analysis.list('metrics')) {
    const name = m.string('name');
    const range = m.object('thresholdRange');
    m.drop('interval', 'Meshform checks every analysis interval over that interval');
    if (name === 'request-success-rate' && range?.has('min')) out.successRateMin = range.number('min');
    else if (name === 'request-duration' && range?.has('max')) out.latencyP99Max = durationText(`${range.number('max')}ms`);
    else m.dropAll(`metric ${name ?? '<unnamed>'} is not one Meshform checks (it checks request-success-rate min and request-duration max)`);
  }
  return out;
}

/**
 * Flagger Canary → a Meshform Canary over a TrafficRoute of the target's service. Flagger keeps the
 * stable pods as a second Deployment (`<name>-primary`); Meshform keeps both as versions of one
 * MeshService, `primary` and `canary`, told apart by a `version` label.
 */
export function importFlaggerCanary(source: SourceObject): Converted {
  const root = source.root();
  const meta = readMetadata(root);
  const spec = root.object('spec');
  if (!spec) return { resources: [], services: [] };
  const target = spec.object('targetRef');
  target?.ignore('apiVersion', 'kind');
  const service = spec.object('service');
  const name = service?.string('name') ?? target?.string('name') ?? meta.name;
  const port = service?.number('port');
  const namedPort = service?.string('targetPort');
  const targetPort = namedPort !== undefined && /^[0-9]+$/.test(namedPort) ? Number(namedPort) : undefined;
  if (namedPort !== undefined && targetPort === undefined) source.note('dropped', 'spec.service.targetPort', `"${namedPort}" is a port name; Meshform needs the number`);
  for (const k of ['portName', 'portDiscovery', 'gateways', 'hosts', 'trafficPolicy', 'match', 'headers', 'corsPolicy', 'rewrite', 'apex', 'primary', 'canary', 'backends', 'appProtocol', 'mirror', 'delegation']) {
    service?.drop(k, 'Meshform\'s canary route has one rule over the service; set the rest on the TrafficRoute');
  }
  const retries = service?.object('retries');
  const analysis = spec.object('analysis');
  for (const [k, why] of [
    ['stepWeights', 'Meshform steps by a fixed stepWeight'],
    ['stepWeightPromotion', 'Meshform promotes in one step'],
    ['iterations', 'A/B testing by iterations is not a Meshform canary; route the testers with a match rule'],
    ['match', 'A/B testing by match is not a Meshform canary; route the testers with a match rule'],
    ['mirror', 'Meshform canaries do not mirror; add a mirror to the route'],
    ['mirrorWeight', 'Meshform canaries do not mirror; add a mirror to the route'],
    ['webhooks', 'Meshform runs no webhooks during a rollout'],
    ['alerts', 'Meshform reports a rollout in the Canary\'s status and events'],
    ['sessionAffinity', 'Meshform canaries have no session affinity'],
    ['primaryReadyThreshold', 'Meshform does not gate on readiness percentages'],
    ['canaryReadyThreshold', 'Meshform does not gate on readiness percentages'],
  ] as const) analysis?.drop(k, why);
  for (const k of ['progressDeadlineSeconds', 'autoscalerRef', 'skipAnalysis', 'revertOnDeletion', 'suspend', 'provider', 'ingressRef', 'upstreamRef', 'metricsServer']) {
    spec.drop(k, 'has no Meshform equivalent');
  }
  const analysisSpec = compact({
    interval: analysis?.has('interval') ? durationText(analysis.string('interval')!) : undefined,
    stepWeight: analysis?.number('stepWeight'),
    maxWeight: analysis?.number('maxWeight'),
    threshold: analysis?.number('threshold'),
    ...(analysis ? thresholdsOf(analysis) : {}),
  });
  source.note('differs', 'spec.targetRef', `Flagger's primary and canary Deployments are versions "primary" and "canary" of MeshService ${name}: label their pods version=primary and version=canary`);
  const rule = compact({
    name: 'canary',
    backends: [{ version: 'primary', weight: 100 }, { version: 'canary', weight: 0 }],
    timeout: service?.has('timeout') ? durationText(service.string('timeout')!) : undefined,
    retry: retries
      ? compact({ attempts: retries.number('attempts'), retryOn: retries.string('retryOn')?.split(',').map((w) => w.trim()), perTryTimeout: retries.has('perTryTimeout') ? durationText(retries.string('perTryTimeout')!) : undefined })
      : undefined,
  });
  return {
    resources: [
      draft('TrafficRoute', name, meta.namespace, { service: { name }, rules: [rule] }, meta),
      draft('Canary', meta.name, meta.namespace, { service: { name }, route: name, stableVersion: 'primary', canaryVersion: 'canary', analysis: analysisSpec }, meta),
    ],
    services: [
      {
        name,
        namespace: meta.namespace,
        ...(port ? { ports: [compact({ port, targetPort })] } : {}),
        versions: [{ name: 'primary', labels: { version: 'primary' } }, { name: 'canary', labels: { version: 'canary' } }],
      },
    ],
  };
}
