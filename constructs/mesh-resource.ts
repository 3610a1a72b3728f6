import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { API_GROUP_VERSION, KINDS, type KindName, type MeshResource, type SpecInputOf } from '../lib/api';
import { formatFinding, MeshformValidationError, type Finding } from '../lib/validation';
import { ClusterApiObject } from './cluster-api-object';
import { registerMeshValidation, validateApiObject } from './validate-mesh';

/** Props every construct that renders one mesh resource accepts. */
export interface MeshResourceProps {
  /**
   * Name of the mesh resource.
   * @default the construct id in kebab-case ("ReviewsRoute" → "reviews-route")
   */
  readonly name?: string;
  /**
   * Namespace of the mesh resource (ignored for cluster-scoped kinds).
   * @default the namespace of the service it is about, else the chart's namespace
   */
  readonly namespace?: string;
  /**
   * Labels added to the resource's metadata.
   * @default the chart's labels only
   */
  readonly labels?: Record<string, string>;
}

/** Fields a finding is about when it comes from a construct prop rather than the rendered resource. */
export interface ConstructFinding {
  /** Stable code tests and tools key on. */
  readonly code: string;
  /** The prop (or dotted path into it) at fault. */
  readonly field: string;
  /** What is wrong, phrased to follow the field name. */
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
  /** What the field must be, when it is a bound. */
  readonly limit?: string;
}

/**
 * A construct that renders exactly one mesh resource, as its child `ApiObject` with id `Resource`.
 *
 * The spec is rendered lazily at synth, so methods may add to it after construction. Validation
 * runs on the rendered object with the kind's own schema (the same one the CRD and the controller
 * use), plus construct-specific checks; findings name this construct's path. Concrete subclasses
 * call `checkNow()` at the end of their constructor and after every mutation, so a mistake throws
 * where it is made; the same checks run again at synth for what was left incomplete.
 */
export abstract class MeshResourceConstruct<K extends KindName> extends Construct {
  /** The mesh resource kind this construct renders. */
  readonly kind: K;
  /** Name of the mesh resource. */
  readonly name: string;
  /** Namespace of the mesh resource; undefined for cluster-scoped kinds or when neither it nor the chart sets one. */
  readonly namespace?: string;
  /** The rendered Kubernetes object; use it for escape hatches (`addJsonPatch`). */
  readonly apiObject: ApiObject;

  protected constructor(scope: Construct, id: string, kind: K, props: MeshResourceProps, defaultNamespace?: string) {
    super(scope, id);
    this.kind = kind;
    this.name = props.name ?? kebabCase(id);
    const clusterScoped = KINDS[kind].scope === 'Cluster';
    this.namespace = clusterScoped ? undefined : (props.namespace ?? defaultNamespace ?? Chart.of(this).namespace);
    const ApiObjectClass = clusterScoped ? ClusterApiObject : ApiObject;
    this.apiObject = new ApiObjectClass(this, 'Resource', {
      apiVersion: API_GROUP_VERSION,
      kind,
      metadata: { name: this.name, namespace: this.namespace, labels: props.labels },
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });
    // The schema findings come from the chart's validation (registerMeshValidation), which renders
    // the resource once for them and for the cross-resource checks.
    this.node.addValidation({ validate: () => this.propFindings().map(formatFinding) });
    registerMeshValidation(this);
  }

  /** The spec as the user wrote it through props and methods; the schema applies defaults. */
  protected abstract renderSpec(): SpecInputOf<K>;

  /** Checks the schema cannot make because they concern props, not the rendered resource. */
  protected constructFindings(): ConstructFinding[] {
    return [];
  }

  /**
   * Fields of the rendered resource that methods are still expected to fill (like the rules of a
   * route built with `addRule`); their findings wait until synth.
   */
  protected pendingFields(): readonly string[] {
    return [];
  }

  /** Everything wrong with this construct, each finding naming its path. */
  findings(): Finding[] {
    const result = validateApiObject(this.apiObject, this.node.path);
    return [...this.propFindings(), ...(result.ok ? [] : result.findings)];
  }

  private propFindings(): Finding[] {
    const where = this.node.path;
    return this.constructFindings().map((f) => ({ ...f, where }));
  }

  /** The validated resource with defaults applied, or undefined while it has findings. */
  toMeshResource(): MeshResource<K> | undefined {
    const result = validateApiObject(this.apiObject, this.node.path);
    return result.ok ? (result.resource as MeshResource<K>) : undefined;
  }

  /** Throws the current findings, except those on fields still pending. */
  protected checkNow(): void {
    const pending = this.pendingFields();
    const findings = this.findings().filter((f) => !pending.includes(f.field));
    if (findings.length > 0) throw new MeshformValidationError(findings);
  }
}

/** "ReviewsRoute" → "reviews-route"; the schema reports ids that still are not DNS labels. */
export function kebabCase(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[\s_]+/g, '-')
    .toLowerCase();
}
