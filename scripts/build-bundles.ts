// Bundles the proxy and the controller into single files, as their images run them:
//   tsx scripts/build-bundles.ts [--out dist]
// Each bundle needs no node_modules at run time. The proxy carries the xDS descriptor it needs
// (lib/xds/proto-root.ts), derived here from the Envoy protos, so a sidecar parses no .proto file;
// the controller derives it at start-up from the protos, copied beside the bundles in
// node_modules/@grpc/grpc-js-xds/{package.json,deps/...}, where the bundle's
// require.resolve('@grpc/grpc-js-xds/package.json') finds them. The dashboard page's files go in
// dashboard/ beside the bundles, where the controller's loadDashboardAssets reads them.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { writeDashboardAssets } from '../dashboard/build-page';
import { descriptorDefine } from '../lib/xds/proto-root';

const ROOT = path.resolve(__dirname, '..');

/** The entries: image name → CLI entry. */
export const BUNDLES = { proxy: 'cli/proxy-main.ts', controller: 'cli/controller-main.ts' } as const;

/** The proto folders of @grpc/grpc-js-xds that lib/xds/proto-root.ts loads from. */
const PROTO_DIRS = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'];

/** Builds both bundles into `outDir` (created); resolves to the bundle paths. */
export async function buildBundles(outDir: string): Promise<Record<keyof typeof BUNDLES, string>> {
  mkdirSync(outDir, { recursive: true });
  const outputs = {} as Record<keyof typeof BUNDLES, string>;
  // Only the proxy: one runs per pod, while the controller, one per cluster, keeps reading the protos.
  const defines: Record<keyof typeof BUNDLES, Record<string, string>> = { proxy: descriptorDefine(), controller: {} };
  for (const [name, entry] of Object.entries(BUNDLES) as [keyof typeof BUNDLES, string][]) {
    const outfile = path.join(outDir, `${name}.js`);
    await build({
      entryPoints: [path.join(ROOT, entry)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // The proto package stays a run-time lookup (copied below), not a bundled module; esbuild is
      // only the dashboard's fallback when its page was not built, which here it is (below), and so is
      // the ELK worker that fallback reads.
      external: ['@grpc/grpc-js-xds/package.json', 'esbuild', 'elkjs/lib/elk-worker.min.js'],
      define: defines[name],
      sourcemap: 'linked',
      minify: false,
      legalComments: 'linked',
      logLevel: 'warning',
    });
    escapeNonAscii(outfile);
    outputs[name] = outfile;
  }
  const xds = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json', { paths: [ROOT] }));
  const target = path.join(outDir, 'node_modules', '@grpc', 'grpc-js-xds');
  cpSync(path.join(xds, 'package.json'), path.join(target, 'package.json'));
  for (const dir of PROTO_DIRS) cpSync(path.join(xds, 'deps', dir), path.join(target, 'deps', dir), { recursive: true, filter: (src) => !/\.(md|bazel|bzl|BUILD)$/.test(src) });
  await writeDashboardAssets(path.join(outDir, 'dashboard'));
  return outputs;
}

/**
 * V8 keeps a script's source in memory, at one byte per character only if every character is
 * Latin-1, else at two. esbuild escapes non-ASCII characters in code but keeps comments as written,
 * so a single `→` in a comment would double the bundle's resident source (the proxy's 2.6 MB became
 * 5.2 MB of heap). Only comments have any left, and escaping them there changes no line or code.
 */
function escapeNonAscii(file: string): void {
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

if (require.main === module) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist' } } });
  buildBundles(path.resolve(values.out!)).then(
    (outputs) => console.log(`built ${Object.values(outputs).join(', ')}`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
