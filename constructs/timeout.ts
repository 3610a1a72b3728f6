import { durationString, type DurationLike } from './duration';

/** How long a whole request may take, retries included, before the proxy answers 504. */
export class Timeout {
  /** A timeout of `duration`, like `Timeout.of('10s')` or `Timeout.of(Duration.seconds(10))`. */
  static of(duration: DurationLike): Timeout {
    return new Timeout(durationString(duration));
  }

  private constructor(private readonly duration: string) {}

  /** The duration string this renders to. */
  toSpec(): string {
    return this.duration;
  }
}
