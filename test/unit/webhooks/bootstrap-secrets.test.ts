import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapSecrets } from '../../../controller/webhooks';

/** Just enough of the API server for the bootstrap: Secrets by name, and PATCH on the two webhook configurations. */
class FakeApiServer {
  readonly secrets = new Map<string, Record<string, string>>();
  readonly patches: { path: string; contentType: string; body: any }[] = [];
  private server?: Server;

  async start(): Promise<KubeConfig> {
    this.server = createServer((req, res) => void this.handle(req).then(([status, body]) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'fake', server: `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'fake', token: 'x' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
      currentContext: 'fake',
    });
    return kubeConfig;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown]> {
    let text = '';
    for await (const chunk of req) text += chunk;
    const url = req.url ?? '';
    const secret = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/?]+))?/.exec(url);
    if (secret && req.method === 'GET') {
      const data = this.secrets.get(secret[2]!);
      if (!data) return [404, { kind: 'Status', code: 404, reason: 'NotFound' }];
      return [200, { metadata: { name: secret[2] }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) }];
    }
    if (secret && req.method === 'POST') {
      const body = JSON.parse(text);
      this.secrets.set(body.metadata.name, body.stringData);
      return [201, body];
    }
    if (req.method === 'PATCH') {
      this.patches.push({ path: url.split('?')[0]!, contentType: String(req.headers['content-type']), body: JSON.parse(text) });
      return [200, {}];
    }
    return [404, { kind: 'Status', code: 404 }];
  }
}

const OPTIONS = { namespace: 'meshform-system', caSecret: 'meshform-ca', webhookSecret: 'meshform-webhook-tls', service: 'meshform-webhooks', mutatingWebhook: 'inj', validatingWebhook: 'val', trustDomain: 'example.org' };
const silent = pino({ level: 'silent' });
let fake: FakeApiServer;

afterEach(async () => {
  await fake?.stop();
});

describe('bootstrapSecrets', () => {
  it('creates the mesh root and a webhook certificate for the Service names, and writes that CA into both webhook configurations', async () => {
    fake = new FakeApiServer();
    await bootstrapSecrets(await fake.start(), OPTIONS, silent);
    const root = new X509Certificate(fake.secrets.get('meshform-ca')!['tls.crt']!);
    expect(root.ca).toBe(true);
    expect(root.subjectAltName).toBe('URI:spiffe://example.org');
    expect(fake.secrets.get('meshform-ca')!['tls.key']).toContain('BEGIN PRIVATE KEY');
    const tls = fake.secrets.get('meshform-webhook-tls')!;
    const serving = new X509Certificate(tls['tls.crt']!);
    expect(serving.checkHost('meshform-webhooks.meshform-system.svc')).toBe('meshform-webhooks.meshform-system.svc');
    expect(serving.verify(new X509Certificate(tls['ca.crt']!).publicKey)).toBe(true);
    const caBundle = Buffer.from(tls['ca.crt']!).toString('base64');
    expect(fake.patches).toEqual([
      { path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/inj', contentType: 'application/json-patch+json', body: [0, 1].map((i) => ({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: caBundle })) },
      { path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/val', contentType: 'application/json-patch+json', body: [{ op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: caBundle }] },
    ]);
  });

  it('keeps Secrets that exist (a re-run or a provided root) and writes the existing webhook CA', async () => {
    fake = new FakeApiServer();
    fake.secrets.set('meshform-ca', { 'tls.crt': 'provided', 'tls.key': 'provided' });
    fake.secrets.set('meshform-webhook-tls', { 'tls.crt': 'c', 'tls.key': 'k', 'ca.crt': 'existing-ca' });
    await bootstrapSecrets(await fake.start(), OPTIONS, silent);
    expect(fake.secrets.get('meshform-ca')).toEqual({ 'tls.crt': 'provided', 'tls.key': 'provided' });
    expect(fake.patches[0]!.body[0].value).toBe(Buffer.from('existing-ca').toString('base64'));
  });
});
