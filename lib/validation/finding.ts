/**
 * One problem with mesh configuration. `code` is stable (tests, docs and tooling key on it);
 * `where` is the construct path or the resource (`TrafficRoute default/reviews`), `field` the
 * dotted path inside it, `limit` what the field must be, `fix` what to do.
 */
export interface Finding {
  readonly code: string;
  readonly where: string;
  readonly field: string;
  readonly message: string;
  readonly limit?: string;
  readonly fix: string;
}

/** One line: `where: field message (limit). Fix: …` — what `meshform analyze` prints per finding. */
export function formatFinding(f: Finding): string {
  const field = f.field ? ` ${f.field}` : '';
  return `[${f.code}] ${f.where}:${field} ${f.message}. Fix: ${f.fix}.`;
}

/** Thrown at synth (and by the controller's admission) when configuration is invalid. */
export class MeshformValidationError extends Error {
  readonly code: string;
  readonly findings: readonly Finding[];

  constructor(findings: readonly Finding[]) {
    super(findings.map(formatFinding).join('\n'));
    this.name = 'MeshformValidationError';
    this.findings = findings;
    this.code = findings[0]?.code ?? 'INVALID';
  }
}

/** Renders a zod-style path as `spec.rules[0].retry.attempts`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');
}
