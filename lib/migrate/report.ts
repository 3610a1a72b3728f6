/**
 * What an import could not carry over exactly. `dropped`: the field has no Meshform equivalent and
 * is not in the output (`meshform import --strict` exits non-zero on any). `differs`: the field was
 * carried over, but Meshform's meaning is not quite the source's (the note says how).
 */
export interface MigrationNote {
  readonly severity: 'dropped' | 'differs';
  /** The file the object came from. */
  readonly file: string;
  /** `VirtualService bookinfo/reviews` */
  readonly object: string;
  /** Dotted path inside the object, like `spec.http[0].corsPolicy`. */
  readonly field: string;
  readonly why: string;
}

/** One line per note: `dropped  file  object  field: why`. */
export function formatNote(n: MigrationNote): string {
  return `${n.severity.padEnd(7)} ${n.file} ${n.object} ${n.field}: ${n.why}`;
}
