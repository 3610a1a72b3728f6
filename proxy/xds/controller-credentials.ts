import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ErrorCode, ProxyError } from '../errors';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads the PEM bundle of roots the controller's xDS certificate must chain to (in a cluster the
 * `meshform-ca-root` ConfigMap the controller publishes: every trusted root, two during a rotation).
 * Throws CONTROLLER_CA_INVALID naming the file when it is missing, unreadable or holds no valid
 * certificate, so a proxy never falls back to trusting something else.
 */
export function readControllerCa(file: string): Buffer {
  const fix = 'mount the meshform-ca-root ConfigMap (key root-cert.pem) at that path, or drop controller.caFile to speak plaintext xDS (local mode only)';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ProxyError(ErrorCode.ControllerCaInvalid, `controller.caFile ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Fix: ${fix}`, { cause: error });
  }
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new ProxyError(ErrorCode.ControllerCaInvalid, `controller.caFile ${file} holds no PEM certificate. Fix: ${fix}`);
  blocks.forEach((pem, index) => {
    try {
      new X509Certificate(pem);
    } catch (error) {
      throw new ProxyError(ErrorCode.ControllerCaInvalid, `controller.caFile ${file}: certificate ${index + 1} of ${blocks.length} is not valid X.509 (${(error as Error).message}). Fix: ${fix}`, { cause: error });
    }
  });
  return Buffer.from(`${blocks.join('\n')}\n`);
}
