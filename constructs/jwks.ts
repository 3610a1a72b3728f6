import type { JwtRule } from '../lib/api';

/** Where the keys that verify a JWT issuer's signatures come from. */
export class Jwks {
  /** Fetched (and cached) from the issuer's JWKS endpoint. */
  static fromUri(uri: string): Jwks {
    return new Jwks({ jwksUri: uri });
  }

  /** Given inline, as a JWKS document (`{"keys": [...]}`) or its JSON text. */
  static inline(jwks: string | { readonly keys: readonly unknown[] }): Jwks {
    return new Jwks({ jwks: typeof jwks === 'string' ? jwks : JSON.stringify(jwks) });
  }

  private constructor(private readonly spec: Pick<JwtRule, 'jwks' | 'jwksUri'>) {}

  /** The key-source fields of a JWT rule this renders to. */
  toSpec(): Pick<JwtRule, 'jwks' | 'jwksUri'> {
    return { ...this.spec };
  }
}
