import { formatFinding, validateResource } from '../../lib/validation';
import type { AdmissionDecision, AdmissionRequest } from './admission-review';

/**
 * The validating webhook's answer for a mesh resource: the same zod validation the constructs run
 * at synth, its findings as the denial message, so an invalid resource never reaches a proxy as a
 * NACK.
 */
export function reviewValidation(request: AdmissionRequest): AdmissionDecision {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return { allowed: true };
  const result = validateResource(request.object);
  if (result.ok) return { allowed: true };
  return { allowed: false, code: 422, message: result.findings.map(formatFinding).join('\n') };
}
