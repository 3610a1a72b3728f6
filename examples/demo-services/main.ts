import { DemoService, demoOptionsFromEnv } from './demo-service';

// A demo process: prints its address as one JSON line so a runner knows it is ready.
const service = new DemoService(demoOptionsFromEnv(process.env));
service.listen().then(
  (address) => process.stdout.write(`${JSON.stringify({ ready: true, ...address })}\n`),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
const stop = () => void service.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
