/**
 * A real etcd + kube-apiserver on loopback, for tests (test/k8s) and for trying the mesh by hand.
 *
 *   const api = await startApiServer();   // builds kube-apiserver first if .cache/k8s/bin lacks it
 *   await api.apply(object);              // server-side apply, as `kubectl apply --server-side`
 *   await api.stop();                     // kills both process groups, removes the temp folder
 *
 * Both processes run in their own process group on free 127.0.0.1 ports; a fresh CA signs the
 * serving certificate and an admin client certificate (group system:masters); a fresh key pair
 * signs service-account tokens; `api.kubeconfig` is a kubeconfig file for kubectl and
 * @kubernetes/client-node. Run directly (`npx tsx scripts/k8s/api-server.ts`) it starts a server,
 * prints the kubeconfig path and runs until Ctrl-C.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as https from 'node:https';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const K8S_CACHE = process.env.MESHFORM_K8S_CACHE ?? path.join(REPO_ROOT, '.cache/k8s');
export const K8S_BIN = path.join(K8S_CACHE, 'bin');
export const KUBE_APISERVER = path.join(K8S_BIN, 'kube-apiserver');
export const KUBECTL = path.join(K8S_BIN, 'kubectl');
export const FIELD_MANAGER = 'meshform-test';

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface ApiResponse {
  status: number;
  body: any;
  text: string;
}

/** A failed request: the HTTP status and the server's Status message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: any,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: ${status} ${typeof body?.message === 'string' ? body.message : JSON.stringify(body)}`);
  }
}

export interface ApplyOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** Take over fields other managers own (default true); false reports them as a 409 conflict. */
  force?: boolean;
}

export interface StartOptions {
  /** Extra kube-apiserver flags, e.g. `['--disable-admission-plugins=ServiceAccount']`. */
  extraArgs?: string[];
  /** Build kube-apiserver when missing (default true). */
  build?: boolean;
  /** How long to wait for etcd and /readyz (default 90 s). */
  readyTimeoutMs?: number;
}

export interface ApiServer {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly etcdUrl: string;
  /** Path of a kubeconfig with the admin client certificate (context `meshform-test`). */
  readonly kubeconfig: string;
  /** Temp folder with the certificates, etcd data and the two logs. */
  readonly dir: string;
  readonly caPem: string;
  /** The admin client certificate and key (CN admin, O system:masters). */
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
  /** One HTTPS request as admin; never throws on an HTTP status. */
  request(method: string, urlPath: string, body?: unknown, contentType?: string): Promise<ApiResponse>;
  /** Server-side apply (field manager `meshform-test`, forced unless `force: false`); throws ApiError when refused. */
  apply<T extends KubernetesObject>(object: T, options?: ApplyOptions): Promise<T>;
  /** GET an object; `undefined` when it does not exist. */
  get(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubernetesObject | undefined>;
  /** The REST path of an object (`/apis/<group>/<version>/[namespaces/<ns>/]<plural>/<name>`), via discovery. */
  objectPath(apiVersion: string, kind: string, name: string, namespace?: string): Promise<string>;
  /** Polls `check` until it returns a value other than undefined/false. */
  waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
  /** Runs the built kubectl against this server; resolves to stdout, rejects with stderr. */
  kubectl(args: string[]): Promise<string>;
  /** The last lines of kube-apiserver's log (for failure messages). */
  logTail(lines?: number): string;
  /** Kills etcd and kube-apiserver (their whole process groups) and removes the temp folder. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------

/** Builds kube-apiserver (a no-op when cached); run by startApiServer unless `build: false`. */
export async function ensureBinaries(): Promise<void> {
  if (existsSync(KUBE_APISERVER) && existsSync(path.join(K8S_BIN, 'VERSION'))) return;
  // Asynchronous, so the test worker stays responsive through a first build of many minutes.
  const build = spawn('bash', [path.join(REPO_ROOT, 'scripts/k8s/build-apiserver.sh')], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve, reject) => {
    build.once('error', reject);
    build.once('exit', (c) => resolve(c));
  });
  if (code !== 0) throw new Error(`scripts/k8s/build-apiserver.sh failed (exit ${code})`);
}

export function findEtcd(): string {
  const fromEnv = process.env.MESHFORM_ETCD;
  if (fromEnv) return fromEnv;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat('/usr/bin', '/usr/local/bin')) {
    const candidate = path.join(dir, 'etcd');
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error('etcd not found: run `bash scripts/k8s/install-etcd.sh` (or set MESHFORM_ETCD)');
}

/** A port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

// Processes alive in this Node process, killed on exit whatever happens to the test that started them.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) killGroup(c, 'SIGKILL');
    });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        for (const c of live) killGroup(c, 'SIGKILL');
        process.kill(process.pid, signal);
      });
    }
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

async function stopProcess(child: ChildProcess, graceMs = 2_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    killGroup(child, 'SIGKILL'); // any grandchildren left in the group
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  killGroup(child, 'SIGKILL');
}

// Runs a command in a new process group beside a watchdog shell that kills the group when this Node
// process disappears (even by SIGKILL, when no exit hook runs), so no etcd outlives its test run.
const WATCHDOG = `parent=$1; shift
"$@" & child=$!
trap 'kill -TERM $child 2>/dev/null' TERM INT
while kill -0 "$parent" 2>/dev/null; do
  if ! kill -0 $child 2>/dev/null; then wait $child; exit $?; fi
  sleep 0.5
done
kill -KILL 0`;

function startProcess(command: string, args: string[], logFile: string): ChildProcess {
  const log = createWriteStream(logFile);
  const child = spawn('bash', ['-c', WATCHDOG, 'watchdog', String(process.pid), command, ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  track(child);
  return child;
}

export interface WatchedProcess {
  readonly child: ChildProcess;
  /** Everything it wrote so far (stdout and stderr interleaved, also written to the log file). */
  output(): string;
  /** Resolves with the first stdout line matching `pattern` (rejects when the process exits first or after `timeoutMs`). */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
  readonly running: boolean;
  /** One SIGTERM to the command, SIGKILL to the whole group after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Runs any command the way etcd and kube-apiserver run: its own process group beside a watchdog
 * shell, killed by this Node process's exit hook or by the watchdog when this process dies. For
 * the meshform processes (controller, webhooks) the k8s tests start.
 */
export function startWatchedProcess(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; logFile: string }): WatchedProcess {
  const log = createWriteStream(options.logFile);
  const child = spawn('bash', ['-c', WATCHDOG, 'watchdog', String(process.pid), command, ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  track(child);
  let all = '';
  let stdout = '';
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  child.stdout!.on('data', (chunk: Buffer) => {
    all += chunk.toString();
    stdout += chunk.toString();
    log.write(chunk);
    notify();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    all += chunk.toString();
    log.write(chunk);
  });
  child.once('exit', () => {
    log.end();
    notify();
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    output: () => all,
    get running() {
      return running();
    },
    line(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = stdout.split('\n').find((l) => pattern.test(l));
          if (found !== undefined) return done(() => resolve(found));
          if (!running()) done(() => reject(new Error(`${command} ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${all.slice(-4000)}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${all.slice(-4000)}`))), timeoutMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    stop: (graceMs = 5_000) => stopWatched(child, graceMs),
  };
}

/**
 * One SIGTERM, to the watchdog only (its trap forwards it to the command): a signal to the whole
 * group would reach the command twice, and Node CLIs that handle the first SIGTERM by shutting
 * down gracefully die of the second. SIGKILL to the group after `graceMs`.
 */
async function stopWatched(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    killGroup(child, 'SIGKILL');
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
  } catch {
    // gone already
  }
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  killGroup(child, 'SIGKILL');
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await execFileAsync('openssl', args, { cwd });
}

/** CA, serving certificate, admin client certificate and the service-account key pair. */
async function makePki(dir: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=meshform-test-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  await writeFile(path.join(dir, 'server.ext'), [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
  ].join('\n'));
  await writeFile(path.join(dir, 'client.ext'), [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=clientAuth',
  ].join('\n'));
  const leaf = async (name: string, subject: string) => {
    await openssl(['req', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
      '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir);
  };
  await leaf('server', '/CN=kube-apiserver');
  await leaf('client', '/O=system:masters/CN=admin');
  await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key'], dir);
  await openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
}

function kubeconfigYaml(url: string, dir: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: meshform-test
  cluster:
    server: ${url}
    certificate-authority: ${path.join(dir, 'ca.crt')}
users:
- name: admin
  user:
    client-certificate: ${path.join(dir, 'client.crt')}
    client-key: ${path.join(dir, 'client.key')}
contexts:
- name: meshform-test
  context: { cluster: meshform-test, user: admin, namespace: default }
current-context: meshform-test
`;
}

async function poll<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number, failFast?: () => string | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 50;
  let last: unknown;
  for (;;) {
    const reason = failFast?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 500);
  }
}

function httpGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function exitReason(child: ChildProcess, name: string, logFile: string): string | undefined {
  if (child.exitCode === null && child.signalCode === null) return undefined;
  return `${name} exited (${child.exitCode ?? child.signalCode}); last log lines:\n${tail(logFile, 30)}`;
}

/**
 * One HTTPS request to the API server at `base` (TLS and credentials in `options`: a client
 * certificate agent, or a CA and a bearer token); the body is sent and parsed as JSON where it is
 * JSON. Never throws on an HTTP status.
 */
export function requestJson(base: string, options: https.RequestOptions, method: string, urlPath: string, body?: unknown, contentType = 'application/json'): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = https.request(`${base}${urlPath}`, {
      ...options,
      method,
      timeout: 30_000,
      headers: {
        ...options.headers,
        accept: 'application/json',
        ...(payload === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }),
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // plain text (e.g. /readyz)
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, text });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: timeout`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Removes temp folders left by runs whose Node process was killed outright (its watchdogs stopped the servers). */
async function sweepStaleDirs(): Promise<void> {
  const entries = await readdir(os.tmpdir()).catch(() => [] as string[]);
  for (const entry of entries.filter((e) => e.startsWith('meshform-k8s-'))) {
    const dir = path.join(os.tmpdir(), entry);
    const owner = Number(await readFile(path.join(dir, 'owner.pid'), 'utf8').catch(() => ''));
    if (!Number.isInteger(owner) || owner <= 0 || isAlive(owner)) continue;
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function startApiServer(options: StartOptions = {}): Promise<ApiServer> {
  if (options.build !== false) await ensureBinaries();
  if (!existsSync(KUBE_APISERVER)) throw new Error(`${KUBE_APISERVER} missing: run bash scripts/k8s/build-apiserver.sh`);
  const etcdBin = findEtcd();
  const readyTimeout = options.readyTimeoutMs ?? 90_000;
  await sweepStaleDirs();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'meshform-k8s-'));
  await writeFile(path.join(dir, 'owner.pid'), String(process.pid));
  const children: ChildProcess[] = [];
  const stopAll = async () => {
    await Promise.all(children.map((c) => stopProcess(c)));
  };
  try {
    await makePki(dir);
    const [etcdPort, peerPort, apiPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    await mkdir(path.join(dir, 'etcd'));
    const etcdLog = path.join(dir, 'etcd.log');
    const etcd = startProcess(etcdBin, [
      '--name', 'meshform-test',
      '--data-dir', path.join(dir, 'etcd'),
      '--listen-client-urls', etcdUrl,
      '--advertise-client-urls', etcdUrl,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `meshform-test=${peerUrl}`,
      '--initial-cluster-state', 'new',
      '--log-level', 'warn',
    ], etcdLog);
    children.push(etcd);
    await poll('etcd /health', async () => (await httpGet(`${etcdUrl}/health`)) === 200, readyTimeout, () => exitReason(etcd, 'etcd', etcdLog));

    const apiLog = path.join(dir, 'kube-apiserver.log');
    const apiserver = startProcess(KUBE_APISERVER, [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${path.join(dir, 'server.crt')}`,
      `--tls-private-key-file=${path.join(dir, 'server.key')}`,
      `--client-ca-file=${path.join(dir, 'ca.crt')}`,
      `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--authorization-mode=Node,RBAC',
      // Loopback is no valid Endpoints address: without this the lease reconciler logs errors forever.
      '--endpoint-reconciler-type=none',
      `--cert-dir=${path.join(dir, 'certs')}`,
      '--profiling=false',
      '--v=1',
      ...(options.extraArgs ?? []),
    ], apiLog);
    children.push(apiserver);

    const url = `https://127.0.0.1:${apiPort}`;
    const caPem = await readFile(path.join(dir, 'ca.crt'), 'utf8');
    const clientCertPem = await readFile(path.join(dir, 'client.crt'), 'utf8');
    const clientKeyPem = await readFile(path.join(dir, 'client.key'), 'utf8');
    const agent = new https.Agent({ ca: caPem, cert: clientCertPem, key: clientKeyPem, keepAlive: true });

    const request = (method: string, urlPath: string, body?: unknown, contentType?: string): Promise<ApiResponse> => requestJson(url, { agent }, method, urlPath, body, contentType);

    await poll('kube-apiserver /readyz', async () => (await request('GET', '/readyz')).status === 200, readyTimeout,
      () => exitReason(apiserver, 'kube-apiserver', apiLog));

    const kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, kubeconfigYaml(url, dir));

    // Discovery: (apiVersion, kind) → plural and scope, refreshed when a kind is unknown (new CRDs).
    const discovered = new Map<string, Map<string, { plural: string; namespaced: boolean }>>();
    const resourceOf = async (apiVersion: string, kind: string) => {
      for (let attempt = 0; attempt < 2; attempt++) {
        let kinds = discovered.get(apiVersion);
        if (!kinds || attempt > 0) {
          const res = await request('GET', apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
          kinds = new Map();
          if (res.status === 200) {
            for (const r of res.body.resources as { name: string; kind: string; namespaced: boolean }[]) {
              if (!r.name.includes('/')) kinds.set(r.kind, { plural: r.name, namespaced: r.namespaced });
            }
          }
          discovered.set(apiVersion, kinds);
        }
        const found = kinds.get(kind);
        if (found) return found;
      }
      throw new Error(`the server does not serve ${kind} in ${apiVersion}`);
    };
    const objectPath = async (apiVersion: string, kind: string, name: string, namespace?: string) => {
      const { plural, namespaced } = await resourceOf(apiVersion, kind);
      const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const ns = namespaced ? `/namespaces/${encodeURIComponent(namespace ?? 'default')}` : '';
      return `${base}${ns}/${plural}/${encodeURIComponent(name)}`;
    };

    let stopped = false;
    const server: ApiServer = {
      url,
      port: apiPort,
      etcdUrl,
      kubeconfig,
      dir,
      caPem,
      clientCertPem,
      clientKeyPem,
      request,
      objectPath,
      async apply<T extends KubernetesObject>(object: T, opts: ApplyOptions = {}) {
        const p = await objectPath(object.apiVersion, object.kind, object.metadata.name, object.metadata.namespace);
        // fieldValidation=Strict as kubectl sends it: a field the schema lacks is an error, not silently pruned.
        const query = `?fieldManager=${encodeURIComponent(opts.fieldManager ?? FIELD_MANAGER)}&force=${opts.force ?? true}&fieldValidation=Strict${opts.dryRun ? '&dryRun=All' : ''}`;
        const res = await request('PATCH', p + query, object, 'application/apply-patch+yaml');
        if (res.status >= 300) throw new ApiError(res.status, res.body, 'APPLY', p);
        return res.body as T;
      },
      async get(apiVersion, kind, name, namespace) {
        const p = await objectPath(apiVersion, kind, name, namespace);
        const res = await request('GET', p);
        if (res.status === 404) return undefined;
        if (res.status >= 300) throw new ApiError(res.status, res.body, 'GET', p);
        return res.body as KubernetesObject;
      },
      waitFor: (what, check, timeoutMs = 30_000) => poll(what, check, timeoutMs),
      async kubectl(args) {
        try {
          const { stdout } = await execFileAsync(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 16 << 20 });
          return stdout;
        } catch (err) {
          const e = err as { code?: number; stdout?: string; stderr?: string };
          throw new Error(`kubectl ${args.join(' ')} failed (exit ${e.code}):\n${e.stderr ?? ''}${e.stdout ? `\nstdout:\n${e.stdout}` : ''}`);
        }
      },
      logTail: (lines = 40) => tail(apiLog, lines),
      async stop() {
        if (stopped) return;
        stopped = true;
        agent.destroy();
        await stopAll();
        if (!process.env.MESHFORM_K8S_KEEP) await rm(dir, { recursive: true, force: true });
      },
    };
    return server;
  } catch (err) {
    await stopAll();
    if (!process.env.MESHFORM_K8S_KEEP) await rm(dir, { recursive: true, force: true });
    else if (err instanceof Error) err.message += ` (logs kept in ${dir})`;
    throw err;
  }
}

if (require.main === module) {
  startApiServer().then(
    (api) => {
      console.log(`kube-apiserver ready at ${api.url}`);
      console.log(`export KUBECONFIG=${api.kubeconfig}`);
      console.log('Ctrl-C stops etcd and kube-apiserver.');
      const stop = () => void api.stop().then(() => process.exit(0));
      process.removeAllListeners('SIGINT');
      process.removeAllListeners('SIGTERM');
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
