import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { version as meshformVersion } from '../../package.json';
import type { ServicePort } from '../../lib/api';
import {
  AccessPolicy,
  Backend,
  CanaryRoute,
  Certificate,
  CircuitBreaker,
  Condition,
  EgressGateway,
  ExternalService,
  FaultInjection,
  Hash,
  IngressGateway,
  JwtAuth,
  Jwks,
  Listener,
  LoadBalancer,
  Match,
  Mesh,
  MeshService,
  OutboundPolicy,
  PolicyTarget,
  Principal,
  RateLimit,
  Retry,
  StrictMtls,
  Telemetry,
  Timeout,
  TrafficPolicy,
  TrafficRoute,
  Workload,
  type IServiceRef,
} from '../../constructs';

/** Props of the bookinfo example mesh. */
export interface BookinfoMeshProps {
  /**
   * Namespace of the services and their policies.
   * @default 'bookinfo'
   */
  readonly namespace?: string;
  /**
   * mTLS mode of the namespace: STRICT in production, PERMISSIVE while workloads migrate.
   * @default 'STRICT'
   */
  readonly mtlsMode?: 'STRICT' | 'PERMISSIVE';
  /**
   * Share of requests traced, in percent.
   * @default 10
   */
  readonly tracingSamplingPercent?: number;
  /**
   * Replicas of the ingress gateway; more than one gets a PodDisruptionBudget.
   * @default 2
   */
  readonly gatewayReplicas?: number;
}

/** The issuer of the example's end-user tokens. */
export const BOOKINFO_JWT_ISSUER = 'https://auth.bookinfo.example';

/** The host the ingress gateway serves bookinfo on, over HTTPS. */
export const BOOKINFO_HOST = 'bookinfo.example.test';

/**
 * The Secret (type kubernetes.io/tls, in the mesh's namespace) with the certificate for
 * BOOKINFO_HOST: created by you in Kubernetes, made up by `meshform up` in local mode.
 */
export const BOOKINFO_TLS_SECRET = 'bookinfo-tls';

/** Port every bookinfo service listens on, as in Istio's sample. */
const PORT = 9080;

/** The gRPC port of ratings. */
const GRPC_PORT = 9090;

/**
 * Istio's bookinfo as a Meshform mesh: productpage → details, productpage → reviews v1/v2/v3 →
 * ratings, plus a payment gateway and an email API outside the mesh, reached in through an
 * ingress gateway (HTTPS for bookinfo.example.test) and left through an egress gateway. Together its
 * resources express every traffic, resilience, security and telemetry pattern of the seed examples.
 */
export class BookinfoMesh extends Construct {
  /** The mesh: STRICT (or the given) mTLS, egress limited to known services, a retry budget. */
  readonly mesh: Mesh;
  /** The front page; calls details, reviews and the email API. */
  readonly productpage: MeshService;
  /** Book details (v1); calls the payment gateway. */
  readonly details: MeshService;
  /** Reviews v1 (no stars), v2 (black stars), v3 (red stars, the canary); calls ratings. */
  readonly reviews: MeshService;
  /** Ratings v1 and v2. */
  readonly ratings: MeshService;
  /** A payment gateway outside the mesh. */
  readonly paymentGateway: ExternalService;
  /** An email API outside the mesh. */
  readonly emailApi: ExternalService;
  /** The way in: HTTPS for bookinfo.example.test to productpage, HTTP redirected to HTTPS. */
  readonly ingress: IngressGateway;
  /** The way out to the external APIs, for the services that call them. */
  readonly egress: EgressGateway;

  constructor(scope: Construct, id: string, props: BookinfoMeshProps = {}) {
    super(scope, id);
    const namespace = props.namespace ?? 'bookinfo';
    const mtlsMode = props.mtlsMode ?? 'STRICT';
    new ApiObject(this, 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });

    // REGISTRY_ONLY: the two external APIs below are the only way out of the mesh.
    // Linkerd-style retry budget: retries may add at most 20% load, at least 10/s, counted over 10s.
    this.mesh = new Mesh(this, 'Mesh', {
      name: 'default',
      mtlsMode,
      outboundPolicy: OutboundPolicy.REGISTRY_ONLY,
      retryBudget: { retryRatio: 0.2, minRetriesPerSecond: 10, ttl: '10s' },
    });

    // Calls to the external APIs leave through the egress gateway, which speaks TLS to them.
    this.egress = new EgressGateway(this, 'Egress', { name: 'bookinfo-egress', namespace });
    const external = (id: string, host: string) =>
      new ExternalService(this, id, { namespace, hosts: [host], ports: [{ port: 443, protocol: 'https' }], tls: { mode: 'ORIGINATE', sni: host }, egressGateway: this.egress });
    this.paymentGateway = external('PaymentGateway', 'api.stripe.com');
    this.emailApi = external('EmailApi', 'api.sendgrid.com');

    const service = (id: string, versions: string[], calls: IServiceRef[], extraPorts: ServicePort[] = []) =>
      new MeshService(this, id, {
        namespace,
        ports: [{ port: PORT, protocol: 'http' }, ...extraPorts],
        versions: versions.map((v) => ({ name: v, labels: { version: v } })),
        calls,
        workload: Workload.image(`meshform/demo:${meshformVersion}`, {
          env: {
            ROLE: id,
            HOST: '0.0.0.0',
            PORT: String(PORT),
            ...Object.fromEntries(calls.filter((c) => c instanceof MeshService).map((c) => [`CALL_${c.name.toUpperCase()}`, `http://${c.name}:${PORT}`])),
          },
          envFromLabels: { VERSION: 'version' },
        }),
      });
    // Ratings also answers gRPC (meshform.demo.Ratings), to show the mesh carrying HTTP/2 and trailers.
    this.ratings = service('ratings', ['v1', 'v2'], [], [{ port: GRPC_PORT, protocol: 'grpc' }]);
    this.reviews = service('reviews', ['v1', 'v2', 'v3'], [this.ratings]);
    this.details = service('details', ['v1'], [this.paymentGateway]);
    this.productpage = service('productpage', ['v1'], [this.details, this.reviews, this.emailApi]);
    this.egress.allow(Principal.service(this.details), Principal.service(this.productpage));

    this.ingress = this.addIngress(namespace, props.gatewayReplicas ?? 2);

    this.addTrafficRules();
    this.addResilience();
    this.addSecurity(namespace, mtlsMode);
    // Access logs are opt-in (as in Envoy and Istio); the example shows them, with 10% of requests traced.
    new Telemetry(this, 'Tracing', { namespace, target: PolicyTarget.namespace(), tracing: { samplingPercent: props.tracingSamplingPercent ?? 10 }, accessLogs: { enabled: true } });
  }

  /** HTTPS for bookinfo.example.test at the edge, to productpage; plain HTTP is redirected. */
  private addIngress(namespace: string, replicas: number): IngressGateway {
    const https = Listener.https(443, { hostname: BOOKINFO_HOST, certificates: [Certificate.fromSecret(BOOKINFO_TLS_SECRET)] });
    const ingress = new IngressGateway(this, 'Ingress', { name: 'bookinfo-gateway', namespace, replicas, listeners: [Listener.http(80), https] });
    ingress.redirectToHttps();
    // On the HTTPS listener only: a route on port 80 for the same host would take those requests from the redirect.
    ingress.addRoute('Productpage', {
      listener: https,
      hostnames: [BOOKINFO_HOST],
      rules: [{ name: 'productpage', backends: [Backend.service(this.productpage, { port: PORT })], timeout: Timeout.of('15s'), retry: Retry.on('connect-failure', 'refused-stream').attempts(2) }],
    });
    return ingress;
  }

  /** Canary, header/cookie/query routing, retries, timeout and fault injection. */
  private addTrafficRules(): void {
    // 90/10 between reviews v1 and the v3 canary, handed to the controller for a Flagger-style
    // progressive rollout; testers reach v3 by header or cookie, jason and ?test=true get v2.
    new CanaryRoute(this, 'ReviewsRoute', {
      service: this.reviews,
      stable: 'v1',
      canary: 'v3',
      canaryWeight: 10,
      canaryMatches: [Match.header('canary', 'true'), Match.cookie('user', 'premium')],
      timeout: Timeout.of('10s'),
      retry: Retry.on('gateway-error', 'connect-failure', 'refused-stream').attempts(3).perTryTimeout('2s'),
      analysis: { interval: '1m', stepWeight: 10, maxWeight: 50, threshold: 5, successRateMin: 99, latencyP99Max: '500ms' },
    })
      .addRule({ name: 'jason', matches: [Match.header('end-user', 'jason')], backends: [Backend.version('v2')] })
      .addRule({ name: 'test-query', matches: [Match.queryParam('test', 'true')], backends: [Backend.version('v2')] });

    // ratings v2 takes a quarter of the traffic and is chaos-tested: 10% of requests wait 5s, 10% fail with 500.
    new TrafficRoute(this, 'RatingsRoute', {
      service: this.ratings,
      rules: [
        {
          name: 'split',
          backends: [Backend.version('v1', 75), Backend.version('v2', 25)],
          fault: FaultInjection.delay('5s', { percent: 10 }).and(FaultInjection.abort(500, { percent: 10 })),
        },
      ],
    });
  }

  /** Circuit breaking, least-request balancing and sticky sessions. */
  private addResilience(): void {
    new CircuitBreaker(this, 'ReviewsCircuitBreaker', {
      service: this.reviews,
      loadBalancer: LoadBalancer.leastRequest(),
      connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 50, http2MaxRequests: 1000 } },
      outlierDetection: { consecutive5xxErrors: 5, interval: '30s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
    });
    new TrafficPolicy(this, 'ProductpageSessions', {
      service: this.productpage,
      loadBalancer: LoadBalancer.consistentHash(Hash.cookie('session', { ttl: '1h' })),
    });
  }

  /** mTLS, authorization, JWT and rate limiting. */
  private addSecurity(namespace: string, mtlsMode: 'STRICT' | 'PERMISSIVE'): void {
    new StrictMtls(this, 'Mtls', { namespace, target: PolicyTarget.namespace(), mode: mtlsMode });

    const productpage = PolicyTarget.service(this.productpage);
    new JwtAuth(this, 'ProductpageJwt', {
      target: productpage,
      // Tokens are checked when present; the AccessPolicy below decides who needs one.
      required: false,
      issuers: [{ issuer: BOOKINFO_JWT_ISSUER, keys: Jwks.fromUri(`${BOOKINFO_JWT_ISSUER}/.well-known/jwks.json`), audiences: ['bookinfo'] }],
    });
    new AccessPolicy(this, 'ProductpageAccess', {
      target: productpage,
      rules: [
        { from: [Principal.serviceAccount('web')], to: [{ methods: ['GET'], paths: ['/api/public/*'] }] },
        { from: [Principal.jwt(BOOKINFO_JWT_ISSUER)], to: [{ paths: ['/api/v1/products/*'] }], when: [Condition.claim('groups', ['reviewers'])] },
        // The site through the ingress gateway: any page, but the products API still needs the reviewers' token.
        { from: [Principal.gateway(this.ingress)], to: [{ methods: ['GET'], notPaths: ['/api/v1/products/*'] }] },
      ],
    });
    new RateLimit(this, 'ProductpageRateLimit', { target: productpage, tokens: 100, fillInterval: '60s' });

    // At the edge: a bad token is refused before it enters the mesh; good ones travel on for productpage's claim rule.
    const edge = PolicyTarget.gateway(this.ingress);
    new JwtAuth(this, 'EdgeJwt', {
      target: edge,
      required: false,
      issuers: [{ issuer: BOOKINFO_JWT_ISSUER, keys: Jwks.fromUri(`${BOOKINFO_JWT_ISSUER}/.well-known/jwks.json`), audiences: ['bookinfo'], forwardOriginalToken: true }],
    });
    new RateLimit(this, 'EdgeRateLimit', { target: edge, tokens: 1000, fillInterval: '1s' });

    // Only reviews may call ratings.
    AccessPolicy.denyAll(this, 'RatingsDenyAll', { target: PolicyTarget.service(this.ratings) });
    new AccessPolicy(this, 'RatingsFromReviews', { target: PolicyTarget.service(this.ratings), rules: [{ from: [Principal.service(this.reviews)] }] });
  }
}
