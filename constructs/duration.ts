import { Duration } from 'cdk8s';
import { formatDuration } from '../lib/api';

/** A duration as the mesh API writes it ("250ms", "10s", "1m30s") or a cdk8s `Duration`. */
export type DurationLike = string | Duration;

/** The mesh API's duration string for a `DurationLike`; strings pass through so validation reports them as written. */
export function durationString(duration: DurationLike): string {
  return typeof duration === 'string' ? duration : formatDuration(duration.toMilliseconds());
}
