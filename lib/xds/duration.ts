/** A `google.protobuf.Duration` as protobufjs gives it (seconds may be a string: it is an int64). */
export interface Duration {
  seconds?: string | number | null;
  nanos?: number | null;
}

/** Milliseconds of a Duration; `undefined` when the duration is absent. */
export function durationToMs(duration: Duration | null | undefined): number | undefined {
  if (!duration) return undefined;
  return Number(duration.seconds ?? 0) * 1000 + (duration.nanos ?? 0) / 1e6;
}

/** A Duration of `ms` milliseconds (sub-millisecond precision is kept in nanos). */
export function msToDuration(ms: number): { seconds: string; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}
