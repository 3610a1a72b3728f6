import { afterEach, describe, expect, it } from 'vitest';
import { startLocalController, type LocalControllerHarness } from '../../support/controller-harness';
import { tlsHandshake } from '../../support/tls-handshake';
import { waitFor } from '../../support/wait';

/** The roots of a PEM bundle, the current one first (CertificateAuthority.trustBundlePem's order). */
const rootsOf = (bundle: string) => bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];

describe("the controller's xDS server certificate", () => {
  const harnesses: LocalControllerHarness[] = [];
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.close();
  });

  it('is issued again by the new root when the root rotates, so proxies that only trust the new root connect', async () => {
    const harness = await startLocalController({ xdsTls: true });
    harnesses.push(harness);
    const { controller, xdsPort } = harness.running;
    const [oldRoot] = rootsOf(controller.trustBundlePem());
    await tlsHandshake(xdsPort, 'localhost', oldRoot!);
    await controller.rotateRoot(3_600_000);
    const [newRoot, stillTrusted] = rootsOf(controller.trustBundlePem());
    expect(stillTrusted).toBe(oldRoot);
    await tlsHandshake(xdsPort, 'localhost', newRoot!);
    await expect(tlsHandshake(xdsPort, 'localhost', oldRoot!)).rejects.toThrow(/certificate/);
  });

  it('is renewed before it expires, so a handshake after the first one expired still verifies', async () => {
    const harness = await startLocalController({ xdsTls: true, workloadTtlMs: 3_000 });
    harnesses.push(harness);
    const { controller, xdsPort } = harness.running;
    const root = controller.trustBundlePem();
    const first = await tlsHandshake(xdsPort, 'localhost', root);
    const renewed = await waitFor('a renewed certificate', async () => {
      const presented = await tlsHandshake(xdsPort, 'localhost', root);
      return presented.serialNumber !== first.serialNumber ? presented : undefined;
    });
    expect(new Date(renewed.valid_to).getTime()).toBeGreaterThan(new Date(first.valid_to).getTime());
    await waitFor('the first certificate to expire', () => Date.now() > new Date(first.valid_to).getTime());
    await tlsHandshake(xdsPort, 'localhost', root);
  });
});
