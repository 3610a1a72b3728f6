import { z } from 'zod';

/** The part of `admission.k8s.io/v1` AdmissionReview the webhooks read; anything else passes through unread. */
const AdmissionReviewSchema = z.object({
  apiVersion: z.literal('admission.k8s.io/v1'),
  kind: z.literal('AdmissionReview'),
  request: z.object({
    uid: z.string().min(1),
    operation: z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
    namespace: z.string().optional(),
    kind: z.object({ group: z.string(), version: z.string(), kind: z.string() }).optional(),
    object: z.unknown().optional(),
  }),
});

export type AdmissionRequest = z.infer<typeof AdmissionReviewSchema>['request'];

/** A decision about one request; `patch` only for allowed mutations. */
export interface AdmissionDecision {
  readonly allowed: boolean;
  /** Shown to the user (kubectl prints it) when the request is denied. */
  readonly message?: string;
  /** HTTP-like status code of a denial: 400 for a malformed object, 422 for an invalid one. */
  readonly code?: number;
  readonly patch?: readonly unknown[];
  /** Shown as warnings by kubectl, even when allowed. */
  readonly warnings?: readonly string[];
}

/** Parses a request body; a string error says what is wrong with it. */
export function parseAdmissionReview(body: unknown): AdmissionRequest | string {
  const parsed = AdmissionReviewSchema.safeParse(body);
  if (parsed.success) return parsed.data.request;
  return `malformed AdmissionReview: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
}

/** The AdmissionReview answering `uid`. */
export function admissionResponse(uid: string, decision: AdmissionDecision): Record<string, unknown> {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: decision.allowed,
      ...(decision.allowed ? {} : { status: { code: decision.code ?? 400, message: decision.message ?? 'denied' } }),
      ...(decision.patch ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(decision.patch)).toString('base64') } : {}),
      ...(decision.warnings?.length ? { warnings: decision.warnings } : {}),
    },
  };
}
