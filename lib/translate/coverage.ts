import type { MeshModel } from '../model';
import { whereOf } from './context';
import type { TranslationIssue } from './issues';

/**
 * Kinds that have no xDS of their own, and why, so that nothing a user wrote disappears without a
 * word. Every other kind and field is read by a translation module.
 */
export function kindsWithoutXds(model: MeshModel): TranslationIssue[] {
  return model.all('Canary').map((canary) => ({
    code: 'APPROXIMATED',
    severity: 'degraded',
    where: whereOf(canary),
    field: 'spec',
    message: `drives the weights of TrafficRoute ${canary.spec.route} over time; the xDS follows that route's weights as written until the canary driver steps them`,
  }));
}
