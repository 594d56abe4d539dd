import { Duration, Effect, type Scope } from "effect"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"
import { eventually } from "../support.ts"

const fieldManager = "stageset-cluster-tests"
const clusterScopedRbac = new Set(["ClusterRole", "ClusterRoleBinding"])

type Mutable = Record<string, unknown> & { metadata: Record<string, unknown> }

/**
 * Moves a render from stageset-system into `ns` and suffixes the names of its
 * ClusterRoles and ClusterRoleBindings with `ns`, so runs never share them.
 */
export const relocate = (
  objects: ReadonlyArray<{ readonly metadata: object }>,
  ns: string,
): Array<KubeObject> =>
  objects.map((source) => {
    const o = structuredClone(source) as Mutable
    if (o.metadata.namespace === "stageset-system") o.metadata.namespace = ns
    if (clusterScopedRbac.has(o.kind as string)) o.metadata.name = `${o.metadata.name}-${ns}`
    const roleRef = o.roleRef as { kind: string; name: string } | undefined
    if (roleRef?.kind === "ClusterRole") roleRef.name = `${roleRef.name}-${ns}`
    for (const subject of (o.subjects ?? []) as Array<{ namespace?: string }>)
      subject.namespace = ns
    return o as unknown as KubeObject
  })

/**
 * Applies `objects` and checks that each landed; the ClusterRoles and bindings go when
 * the scope closes (CRDs stay: other suites use them).
 */
export const installObjects = (
  objects: ReadonlyArray<KubeObject>,
): Effect.Effect<void, unknown, KubeClient | Scope.Scope> =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    for (const object of objects) {
      yield* kube.apply(object, { fieldManager, force: true })
      if (clusterScopedRbac.has(object.kind)) {
        yield* Effect.addFinalizer(() =>
          Effect.ignore(
            kube.delete({
              apiVersion: object.apiVersion,
              kind: object.kind,
              name: object.metadata.name,
            }),
          ),
        )
      }
    }
    for (const object of objects) {
      yield* kube.get({
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata.name,
        ...(object.metadata.namespace === undefined
          ? {}
          : { namespace: object.metadata.namespace }),
      })
    }
  })

export type Attributes = {
  readonly verb: string
  readonly resource: string
  readonly group?: string
  readonly subresource?: string
  readonly namespace?: string
  /** One named object (e.g. a Lease), for rules that name their resources. */
  readonly name?: string
}

/** What a SubjectAccessReview says of the ServiceAccount `account` in `ns`. */
const allowed = (ns: string, account: string, attributes: Attributes) =>
  Effect.flatMap(KubeClient, (kube) =>
    kube.create({
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      metadata: { name: "" },
      spec: {
        user: `system:serviceaccount:${ns}:${account}`,
        groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`],
        resourceAttributes: attributes,
      },
    } as KubeObject),
  ).pipe(Effect.map((review) => (review.status as { allowed?: boolean }).allowed === true))

/**
 * The expectations the API server's authorizer does not share, as sentences ("can ..." /
 * "cannot ..."); empty when all hold. RBAC reaches the authorizer through informers, so
 * it asks again until all hold or 30 seconds pass.
 */
export const accessMismatches = (
  ns: string,
  account: string,
  expectations: ReadonlyArray<readonly [boolean, Attributes]>,
): Effect.Effect<ReadonlyArray<string>, never, KubeClient> =>
  eventually(
    Effect.gen(function* () {
      const wrong: Array<string> = []
      for (const [expected, attributes] of expectations) {
        if ((yield* allowed(ns, account, attributes)) !== expected) {
          wrong.push(`${expected ? "cannot" : "can"} ${JSON.stringify(attributes)}`)
        }
      }
      return wrong.length === 0 ? Effect.succeed(wrong) : Effect.fail(wrong)
    }).pipe(
      Effect.mapError((error) => [`review failed: ${error.message}`]),
      Effect.flatten,
    ),
    Duration.seconds(30),
  ).pipe(Effect.catchAll((wrong) => Effect.succeed(wrong)))
