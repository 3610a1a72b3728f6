import { describe, expect, it } from 'vitest';
import { LocalTokenVerifier } from '../../../controller/ca/local-token-verifier';
import { sha256Hex } from '../../../controller/sources/local-registry';
import { sidecar } from '../../support/controller-fixtures';

const known = new Map([[sha256Hex('s3cret'), { namespace: 'default', serviceAccount: 'reviews' }]]);
const verifier = new LocalTokenVerifier((hash) => known.get(hash));

describe('local token check', () => {
  it('proves the identity a registered token stands for', async () => {
    await expect(verifier.verify(sidecar('reviews', '127.0.0.2', { TOKEN: 's3cret' }))).resolves.toEqual({ namespace: 'default', serviceAccount: 'reviews' });
  });

  it('refuses a proxy without a token', async () => {
    await expect(verifier.verify(sidecar('reviews', '127.0.0.2'))).rejects.toMatchObject({ code: 'TOKEN_MISSING' });
  });

  it('refuses a token the registry does not know', async () => {
    await expect(verifier.verify(sidecar('reviews', '127.0.0.2', { TOKEN: 'guess' }))).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('refuses a token that proves another identity than the one claimed', async () => {
    await expect(verifier.verify(sidecar('reviews', '127.0.0.2', { TOKEN: 's3cret', SERVICE_ACCOUNT: 'admin' }))).rejects.toMatchObject({ code: 'TOKEN_IDENTITY_MISMATCH' });
  });
});
