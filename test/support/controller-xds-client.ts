/**
 * A child process with an unmodified @grpc/grpc-js-xds client (its state is global, hence one
 * process per scenario). Reads a scenario as JSON from argv[2], calls `xds:///<target>`, prints
 * one JSON line: every call's answering server or status code, in order.
 */
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import * as xds from '@grpc/grpc-js-xds';
import type { Outcome, Scenario } from './controller-xds-scenario';

const scenario = JSON.parse(process.argv[2]!) as Scenario;
process.env['GRPC_XDS_BOOTSTRAP_CONFIG'] = JSON.stringify({
  xds_servers: [{ server_uri: scenario.xdsServer, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
  node: { id: `conformance-${process.pid}`, metadata: {}, locality: {} },
});
xds.register();

const identity = (b: Buffer) => b;
const client = new Client(`xds:///${scenario.target}`, credentials.createInsecure());

function call(metadata: Metadata): Promise<Outcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest('/meshform.test.Echo/Call', identity, identity, Buffer.from('{}'), metadata, { deadline: Date.now() + 10_000 }, (error, reply) => {
      if (error) resolve({ code: error.code, details: error.details });
      else resolve({ server: (JSON.parse(reply!.toString()) as { server: string }).server });
    });
  });
}

async function main(): Promise<void> {
  const outcomes: Outcome[] = [];
  let streak = 0;
  for (let i = 0; i < scenario.calls; i++) {
    const metadata = new Metadata();
    for (const [k, v] of Object.entries(scenario.headers ?? {})) metadata.set(k, v);
    const user = scenario.users ? `user-${i % scenario.users}` : undefined;
    if (user) metadata.set('x-user', user);
    const outcome = await call(metadata);
    outcomes.push({ ...outcome, ...(user ? { user } : {}) });
    if (scenario.until) {
      if (i === 0) process.stdout.write('{"ready":true}\n');
      streak = outcome.server === scenario.until.server ? streak + 1 : 0;
      if (streak >= scenario.until.settle) break;
    }
    if (scenario.gapMs) await new Promise((r) => setTimeout(r, scenario.gapMs));
  }
  process.stdout.write(`${JSON.stringify(outcomes)}\n`);
  client.close();
  process.exit(0);
}

void main();
