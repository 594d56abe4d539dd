import { describe, expect, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import {
  API_VERSION,
  FIELD_MANAGER,
  LABEL_SHARD,
  LABEL_STAGE,
  LABEL_STAGE_SET,
  STAGE_INVENTORY_KIND,
  STAGE_SET_KIND,
} from "../../../src/inventory/Labels.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"
import type { ReconcileReport } from "../../../src/programs/ReconcileReport.ts"
import { type AcceptanceEnv, type ScenarioOptions, scenarioLayer } from "../harness/Env.ts"
import {
  applyAsUser,
  cmKey,
  configMap,
  createNamespace,
  getObject,
  reconcile,
  setSource,
  setStageSet,
  statusOf,
  uniqueName,
  yamlOf,
} from "../harness/fixtures.ts"

/** A ServiceAccount `name` in `ns` that may do everything with ConfigMaps and read Secrets, in `ns` only. */
const tenantAccount = (ns: string, name = "tenant") =>
  Effect.gen(function* () {
    yield* applyAsUser({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name, namespace: ns },
    })
    yield* applyAsUser({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: `${name}-own`, namespace: ns },
      rules: [
        {
          apiGroups: [""],
          resources: ["configmaps"],
          verbs: ["get", "list", "watch", "create", "patch", "update", "delete"],
        },
        { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] },
      ],
    })
    yield* applyAsUser({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: `${name}-own`, namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `${name}-own` },
      subjects: [{ kind: "ServiceAccount", name, namespace: ns }],
    })
  })

const secret = (namespace: string, name: string, files: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace },
  data: Object.fromEntries(
    Object.entries(files).map(([k, v]) => [k, Buffer.from(v).toString("base64")]),
  ),
})

/** Everything a user can read about a run: the failure, its Events, the stored status. */
const everythingSaid = (report: ReconcileReport, status: unknown) =>
  JSON.stringify({ outcome: report.outcome, events: report.events, status })

/** Retries until RBAC that was just written reaches the authorizer (it lags by moments). */
const untilReady = <E, R>(run: Effect.Effect<ReconcileReport, E, R>) =>
  run.pipe(Effect.repeat({ until: (r) => r.outcome._tag === "Ready", times: 20 }))

const ssKey = (namespace: string, name: string) => ({
  apiVersion: API_VERSION,
  kind: STAGE_SET_KIND,
  namespace,
  name,
})

/**
 * semantics.md section 9 and S26: whatever is done for a StageSet runs as its identity, so
 * its ServiceAccount's RBAC bounds it. Real RBAC exists only on a real API server (the
 * in-memory one models a deny list per identity, not Roles), so this is the live suite's.
 */
export const tenancyRbac = (env: AcceptanceEnv) =>
  describe(`tenancy S26 [${env.name}]`, () => {
    const run = <A, E>(
      body: Effect.Effect<A, E, import("../harness/Env.ts").ScenarioServices>,
      options: Partial<ScenarioOptions> = {},
    ) => Effect.provide(body, scenarioLayer(env.kube(), { mode: "hybrid", ...options }))

    it.live(
      "S26: a Secret in another namespace named as a source is refused; nothing of it leaks or is applied",
      () =>
        run(
          Effect.gen(function* () {
            const ns = uniqueName("s26")
            const vault = uniqueName("s26v")
            yield* createNamespace(ns)
            yield* createNamespace(vault)
            yield* tenantAccount(ns)
            const token = `hunter2-${uniqueName("pw")}`
            yield* applyAsUser(
              secret(vault, "creds", {
                "x.yaml": yamlOf([configMap("stolen", { password: token })]),
              }),
            )
            yield* setStageSet(
              ns,
              "thief",
              [
                {
                  name: "app",
                  source: "creds",
                  extra: { sourceRef: { kind: "Secret", name: "creds", namespace: vault } },
                },
              ],
              { serviceAccountName: "tenant" },
            )
            const report = yield* reconcile(ns, "thief")
            expect(report.outcome).toMatchObject({
              _tag: "Failed",
              failure: { reason: "RBACDenied" },
            })
            expect(yield* getObject(cmKey(ns, "stolen"))).toBeUndefined()
            expect(everythingSaid(report, yield* statusOf(ns, "thief"))).not.toContain(token)
          }),
        ),
    )

    it.live(
      "S26: a Secret source the tenant may read but that is not valid JSON: BuildFailed names the key, never its content",
      () =>
        run(
          Effect.gen(function* () {
            const ns = uniqueName("s26j")
            yield* createNamespace(ns)
            yield* tenantAccount(ns)
            const token = `hunter2-${uniqueName("pw")}`
            yield* applyAsUser(secret(ns, "own", { "creds.json": `{"password": ${token}}` }))
            yield* setStageSet(
              ns,
              "ss",
              [
                {
                  name: "app",
                  source: "own",
                  extra: { sourceRef: { kind: "Secret", name: "own" } },
                },
              ],
              { serviceAccountName: "tenant" },
            )
            const report = yield* reconcile(ns, "ss").pipe(
              Effect.repeat({ until: (r) => r.outcome._tag !== "Failed" || !isRbac(r), times: 20 }),
            )
            expect(report.outcome).toMatchObject({
              _tag: "Failed",
              failure: { reason: "BuildFailed" },
            })
            const said = everythingSaid(report, yield* statusOf(ns, "ss"))
            expect(said).toContain("creds.json")
            expect(said).not.toContain(token)
          }),
        ),
    )

    it.live(
      "S26: a forged record listing an object the identity may not delete: prune and teardown are refused, the object survives, teardown holds with TeardownFailed naming it",
      () =>
        run(
          Effect.gen(function* () {
            const ns = uniqueName("s26f")
            const victim = uniqueName("s26x")
            yield* createNamespace(ns)
            yield* createNamespace(victim)
            yield* tenantAccount(ns)
            const kube = yield* KubeClient
            // An object the controller manages elsewhere: the check "still ours" alone would
            // let a delete through, only the identity stops it.
            yield* kube.apply(configMap("precious", { a: "b" }, { namespace: victim }), {
              fieldManager: FIELD_MANAGER,
              force: true,
            })
            const uid = (yield* getObject(cmKey(victim, "precious")))?.metadata.uid
            yield* setSource(ns, "src", { "a.yaml": yamlOf([configMap("mine")]) })
            yield* kube.create({
              apiVersion: API_VERSION,
              kind: STAGE_INVENTORY_KIND,
              metadata: {
                name: "forger-app-0",
                namespace: ns,
                labels: { [LABEL_STAGE_SET]: "forger", [LABEL_STAGE]: "app", [LABEL_SHARD]: "0" },
              },
              spec: {
                stagePosition: 0,
                entries: [{ id: `${victim}_precious__ConfigMap`, v: "v1" }],
              },
            })
            yield* setStageSet(ns, "forger", [{ name: "app", source: "src" }], {
              serviceAccountName: "tenant",
            })

            // The prune of the forged entry is the tenant's: refused, reported, retried.
            const first = yield* reconcile(ns, "forger").pipe(
              Effect.repeat({
                until: (r) => r.outcome._tag !== "Failed" || !isRbac(r),
                times: 20,
              }),
            )
            expect(first.outcome).toMatchObject({ _tag: "Failed" })
            expect(yield* getObject(cmKey(ns, "mine"))).toBeDefined()
            expect((yield* getObject(cmKey(victim, "precious")))?.metadata.uid).toBe(uid)

            // Teardown is the tenant's too: it holds, naming the object, and never falls back.
            yield* kube.delete(ssKey(ns, "forger"))
            const gone = yield* reconcile(ns, "forger")
            expect(gone.outcome).toMatchObject({
              _tag: "Failed",
              failure: { reason: "TeardownFailed" },
            })
            const message = gone.outcome._tag === "Failed" ? gone.outcome.failure.message : ""
            expect(message).toContain(`ConfigMap ${victim}/precious`)
            expect((yield* getObject(cmKey(victim, "precious")))?.metadata.uid).toBe(uid)
            expect(yield* getObject(ssKey(ns, "forger"))).toBeDefined()
            // Released by hand, as an administrator would after looking.
            const live = (yield* getObject(ssKey(ns, "forger")))!
            yield* kube.update({ ...live, metadata: { ...live.metadata, finalizers: [] } })
          }),
        ),
    )

    it.live(
      "S26: teardown under a dead identity in a terminating namespace: TeardownForced, the StageSet lets go, the namespace goes",
      () =>
        run(
          Effect.gen(function* () {
            const ns = uniqueName("s26d")
            yield* createNamespace(ns)
            yield* tenantAccount(ns)
            yield* setSource(ns, "src", { "a.yaml": yamlOf([configMap("mine")]) })
            yield* setStageSet(ns, "ss", [{ name: "app", source: "src" }], {
              serviceAccountName: "tenant",
            })
            expect((yield* untilReady(reconcile(ns, "ss"))).outcome).toEqual({ _tag: "Ready" })

            // The tenant's rights go first, then the namespace (held by our finalizer).
            const kube = yield* KubeClient
            yield* kube.delete({
              apiVersion: "rbac.authorization.k8s.io/v1",
              kind: "RoleBinding",
              namespace: ns,
              name: "tenant-own",
            })
            yield* kube.delete({ apiVersion: "v1", kind: "Namespace", name: ns })
            const gone = yield* reconcile(ns, "ss").pipe(
              // Until the namespace controller has marked the StageSet deleted.
              Effect.filterOrFail(
                (r) => r.outcome._tag === "Deleted",
                (r) => new Error(`not torn down yet: ${JSON.stringify(r.outcome)}`),
              ),
              Effect.retry({ schedule: Schedule.spaced("500 millis"), times: 60 }),
            )
            expect(gone.outcome).toEqual({ _tag: "Deleted" })
            expect(gone.events).toContainEqual(
              expect.objectContaining({ type: "Warning", reason: "TeardownForced" }),
            )
          }),
        ),
    )

    it.live(
      "--default-service-account: a StageSet that names none acts as it; one that names its own acts as that",
      () =>
        Effect.gen(function* () {
          const ns = uniqueName("dsa")
          const elsewhere = uniqueName("dsae")
          const setUp = Effect.gen(function* () {
            yield* createNamespace(ns)
            yield* createNamespace(elsewhere)
            yield* tenantAccount(ns, "lockdown")
            yield* tenantAccount(ns, "deployer")
            // Reaches into another namespace: the controller could, neither account can.
            yield* setSource(ns, "src", {
              "a.yaml": yamlOf([configMap("outside", { a: "b" }, { namespace: elsewhere })]),
            })
            yield* setSource(ns, "own", { "a.yaml": yamlOf([configMap("inside")]) })
            yield* setStageSet(ns, "nameless", [{ name: "app", source: "src" }])
            yield* setStageSet(ns, "named", [{ name: "app", source: "own" }], {
              serviceAccountName: "deployer",
            })
          })
          yield* run(setUp)
          yield* run(
            Effect.gen(function* () {
              const denied = yield* reconcile(ns, "nameless")
              expect(denied.outcome).toMatchObject({
                _tag: "Failed",
                failure: { reason: "RBACDenied" },
              })
              expect(yield* getObject(cmKey(elsewhere, "outside"))).toBeUndefined()
              const named = yield* untilReady(reconcile(ns, "named"))
              expect(named.outcome).toEqual({ _tag: "Ready" })
              const inside = yield* getObject(cmKey(ns, "inside"))
              expect(inside).toBeDefined()
            }),
            { config: { defaultServiceAccount: "lockdown" } },
          )
          // Without the flag the same StageSet acts as the controller, which may.
          yield* run(
            Effect.gen(function* () {
              expect((yield* reconcile(ns, "nameless")).outcome).toEqual({ _tag: "Ready" })
              expect(yield* getObject(cmKey(elsewhere, "outside"))).toBeDefined()
            }),
          )
        }),
    )

    it.live("a stage's serviceAccountName overrides the StageSet's, for that stage only", () =>
      run(
        Effect.gen(function* () {
          const ns = uniqueName("ssa")
          yield* createNamespace(ns)
          yield* tenantAccount(ns, "deployer")
          // `nobody` exists but may do nothing.
          yield* applyAsUser({
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: { name: "nobody", namespace: ns },
          })
          yield* setSource(ns, "src-a", { "a.yaml": yamlOf([configMap("by-deployer")]) })
          yield* setSource(ns, "src-b", { "b.yaml": yamlOf([configMap("by-nobody")]) })
          yield* setStageSet(
            ns,
            "ss",
            [
              { name: "a", source: "src-a", extra: { serviceAccountName: "deployer" } },
              { name: "b", source: "src-b" },
            ],
            { serviceAccountName: "nobody" },
          )
          // Stage a renders and applies as deployer; stage b's source read is nobody's: refused.
          const report = yield* reconcile(ns, "ss").pipe(
            Effect.repeat({
              until: (r) => r.outcome._tag === "Failed" && r.outcome.failure.message.includes("b"),
              times: 20,
            }),
          )
          expect(report.outcome).toMatchObject({
            _tag: "Failed",
            failure: { reason: "RBACDenied" },
          })
          expect(yield* getObject(cmKey(ns, "by-nobody"))).toBeUndefined()

          // Given its own account too, the StageSet is Ready, each stage under its own.
          yield* setStageSet(
            ns,
            "ss",
            [
              { name: "a", source: "src-a", extra: { serviceAccountName: "deployer" } },
              { name: "b", source: "src-b", extra: { serviceAccountName: "deployer" } },
            ],
            { serviceAccountName: "nobody" },
          )
          expect((yield* untilReady(reconcile(ns, "ss"))).outcome).toEqual({ _tag: "Ready" })
          expect(yield* getObject(cmKey(ns, "by-deployer"))).toBeDefined()
          expect(yield* getObject(cmKey(ns, "by-nobody"))).toBeDefined()
        }),
      ),
    )
  })

const isRbac = (report: ReconcileReport) =>
  report.outcome._tag === "Failed" && report.outcome.failure.reason === "RBACDenied"

/** `--no-cross-namespace-refs` needs no RBAC: both suites run it. */
export const crossNamespaceRefs = (env: AcceptanceEnv) =>
  describe(`--no-cross-namespace-refs [${env.name}]`, () => {
    it.live(
      "a sourceRef in another namespace is InvalidSpec naming the field; nothing is applied",
      () =>
        Effect.gen(function* () {
          const ns = uniqueName("xns")
          const other = uniqueName("xnso")
          yield* createNamespace(ns)
          yield* createNamespace(other)
          yield* setSource(other, "shared", { "a.yaml": yamlOf([configMap("from-shared")]) })
          yield* setSource(ns, "own", { "a.yaml": yamlOf([configMap("from-own")]) })
          yield* setStageSet(ns, "ss", [
            { name: "own", source: "own" },
            {
              name: "shared",
              source: "shared",
              extra: { sourceRef: { kind: "ConfigMap", name: "shared", namespace: other } },
            },
          ])
          const report = yield* reconcile(ns, "ss")
          expect(report.outcome).toMatchObject({
            _tag: "Failed",
            failure: { reason: "InvalidSpec" },
          })
          const message = report.outcome._tag === "Failed" ? report.outcome.failure.message : ""
          expect(message).toContain("spec.stages[1].sourceRef.namespace")
          expect(message).toContain("--no-cross-namespace-refs")
          expect(yield* getObject(cmKey(ns, "from-own"))).toBeUndefined()
          expect(yield* getObject(cmKey(ns, "from-shared"))).toBeUndefined()
        }).pipe(
          Effect.provide(
            scenarioLayer(env.kube(), { mode: "hybrid", config: { noCrossNamespaceRefs: true } }),
          ),
        ),
    )
  })
