import type { HttpMethod, RouteMatch } from '../lib/api';
import { MeshformValidationError } from '../lib/validation';

type HeaderMatch = NonNullable<RouteMatch['headers']>[number];
type QueryParamMatch = NonNullable<RouteMatch['queryParams']>[number];

/**
 * Which requests a route rule takes. Each factory matches one thing; `Match.all` combines them so a
 * request must satisfy every part. A rule with several matches takes a request that satisfies any.
 */
export class Match {
  /** Paths starting with `prefix` ("/api" also matches "/api/v1"). */
  static pathPrefix(prefix: string, options: { readonly ignoreCase?: boolean } = {}): Match {
    return new Match({ path: { type: 'Prefix', value: prefix, ...options } });
  }

  /** Exactly this path. */
  static pathExact(path: string, options: { readonly ignoreCase?: boolean } = {}): Match {
    return new Match({ path: { type: 'Exact', value: path, ...options } });
  }

  /** Paths fully matching an RE2 regular expression. */
  static pathRegex(regex: string, options: { readonly ignoreCase?: boolean } = {}): Match {
    return new Match({ path: { type: 'RegularExpression', value: regex, ...options } });
  }

  /** A header with exactly this value, like `end-user: jason` or `canary: true`. */
  static header(name: string, value: string): Match {
    return Match.headerMatch({ name, type: 'Exact', value });
  }

  /** A header whose value starts with `prefix`. */
  static headerPrefix(name: string, prefix: string): Match {
    return Match.headerMatch({ name, type: 'Prefix', value: prefix });
  }

  /** A header whose value fully matches an RE2 regular expression. */
  static headerRegex(name: string, regex: string): Match {
    return Match.headerMatch({ name, type: 'RegularExpression', value: regex });
  }

  /** Requests that carry the header, whatever its value. */
  static headerPresent(name: string): Match {
    return Match.headerMatch({ name, type: 'Present' });
  }

  /** Requests that do not carry the header (Istio `withoutHeaders`). */
  static headerAbsent(name: string): Match {
    return Match.headerMatch({ name, type: 'Present', invert: true });
  }

  /** A cookie with exactly this value, like `user=premium`. */
  static cookie(name: string, value: string): Match {
    return new Match({ cookies: [{ name, type: 'Exact', value }] });
  }

  /** A cookie whose value fully matches an RE2 regular expression. */
  static cookieRegex(name: string, regex: string): Match {
    return new Match({ cookies: [{ name, type: 'RegularExpression', value: regex }] });
  }

  /** A query parameter with exactly this value, like `?test=true`. */
  static queryParam(name: string, value: string): Match {
    return Match.queryParamMatch({ name, type: 'Exact', value });
  }

  /** A query parameter whose value fully matches an RE2 regular expression. */
  static queryParamRegex(name: string, regex: string): Match {
    return Match.queryParamMatch({ name, type: 'RegularExpression', value: regex });
  }

  /** Requests that carry the query parameter, whatever its value. */
  static queryParamPresent(name: string): Match {
    return Match.queryParamMatch({ name, type: 'Present' });
  }

  /** Requests with this HTTP method. */
  static method(method: HttpMethod): Match {
    return new Match({ method });
  }

  /**
   * Requests that satisfy every one of `matches`. Header, cookie and query conditions add up; a
   * request has one path and one method, so at most one of the parts may set each.
   */
  static all(...matches: Match[]): Match {
    const merged: { -readonly [F in keyof RouteMatch]: RouteMatch[F] } = {};
    for (const { spec } of matches) {
      for (const field of ['path', 'method'] as const) {
        if (spec[field] === undefined) continue;
        if (merged[field] !== undefined) {
          throw new MeshformValidationError([
            {
              code: 'CONFLICTING_MATCH',
              where: 'Match.all',
              field,
              message: `is set by two of the combined matches (${JSON.stringify(merged[field])} and ${JSON.stringify(spec[field])}); a request has only one ${field}`,
              fix: `keep one ${field} match, or pass the alternatives as separate matches of the rule`,
            },
          ]);
        }
        Object.assign(merged, { [field]: spec[field] });
      }
      for (const field of ['headers', 'cookies', 'queryParams'] as const) {
        if (spec[field]) Object.assign(merged, { [field]: [...(merged[field] ?? []), ...spec[field]] });
      }
    }
    return new Match(merged);
  }

  private static headerMatch(header: HeaderMatch): Match {
    return new Match({ headers: [header] });
  }

  private static queryParamMatch(param: QueryParamMatch): Match {
    return new Match({ queryParams: [param] });
  }

  private constructor(private readonly spec: RouteMatch) {}

  /** The route match this renders to. */
  toSpec(): RouteMatch {
    return structuredClone(this.spec);
  }
}
