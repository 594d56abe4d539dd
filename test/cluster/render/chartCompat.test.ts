import { execFileSync, spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { NodeContext } from "@effect/platform-node"
import { Effect, Exit } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { parseAllDocuments } from "yaml"
import { makeControllerCli } from "../../../src/controller/controllerCli.ts"
import type { ControllerFlags } from "../../../src/controller/Flags.ts"
import { helmBinary } from "../chart/observability.ts"

/** The chart with the Go stageset-controller chart's values: mapped, or refused by name. */

const root = fileURLToPath(new URL("../../../", import.meta.url))
const chart = `${root}manifests/chart/stageset-controller`
const goDefaults = `${root}test/cluster/render/fixtures/go-chart-default-values.yaml`

type Obj = {
  readonly kind: string
  readonly metadata: { readonly name: string }
  readonly spec?: Record<string, unknown>
  readonly roleRef?: { readonly name: string }
}
type Container = {
  readonly image: string
  readonly args: Array<string>
  readonly resources: unknown
  readonly ports: Array<{ readonly containerPort: number }>
}
type PodSpec = {
  readonly containers: Array<Container>
  readonly volumes: Array<Record<string, unknown>>
}

let helm = ""
const template = (...extra: Array<string>) =>
  spawnSync(helm, ["template", "stageset-controller", chart, "--namespace", "ops", ...extra], {
    encoding: "utf8",
  })
const rendered = (...extra: Array<string>): Array<Obj> => {
  const result = template(...extra)
  expect(result.stderr).toBe("")
  expect(result.status).toBe(0)
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null)
}
const podOf = (objects: Array<Obj>): PodSpec => {
  const deployment = objects.find((o) => o.kind === "Deployment")
  if (deployment === undefined) throw new Error("no Deployment rendered")
  return (deployment.spec as { template: { spec: PodSpec } }).template.spec
}
/** The refusal of a render, as helm prints it. */
const refusal = (...extra: Array<string>): string => {
  const result = template(...extra)
  expect(result.status).not.toBe(0)
  return result.stderr
}

/** Whether the controller's own command line accepts `args` (its parser, not a copy of it). */
const cliContext = NodeContext.layer

const controllerAccepts = (args: ReadonlyArray<string>) => {
  let parsed: ControllerFlags | undefined
  const exit = Effect.runSyncExit(
    makeControllerCli((flags) =>
      Effect.sync(() => {
        parsed = flags
      }),
    )(["node", "stageset-controller", ...args]).pipe(Effect.provide(cliContext)),
  )
  return Exit.isSuccess(exit) && parsed !== undefined
}

describe("the chart with the Go chart's values", () => {
  beforeAll(() => {
    helm = helmBinary()
  }, 900_000)

  it("renders and lints with that chart's default values, into flags our controller accepts", () => {
    expect(() =>
      execFileSync(helm, ["lint", "--strict", chart, "-f", goDefaults], { encoding: "utf8" }),
    ).not.toThrow()
    const objects = rendered("-f", goDefaults)
    const pod = podOf(objects)
    const container = pod.containers[0]!
    // Its default repository is that project's image, whose binary takes other flags.
    expect(container.image).toBe("stageset-controller:0.1.0")
    expect(controllerAccepts(container.args)).toBe(true)
    // The check bites: the Go controller's gate flag is refused by ours.
    expect(controllerAccepts([...container.args, "--gate-bind-address=:8082"])).toBe(false)
    expect(container.args).toContain("--leader-elect=true")
    expect(container.args).toContain("--inventory-shard-cap=5000")
    // Its flat resources set requests and limits; its /tmp size limit applies.
    expect(container.resources).toEqual({
      requests: { cpu: "50m", memory: "256Mi", "ephemeral-storage": "320Mi" },
      limits: { cpu: "50m", memory: "256Mi", "ephemeral-storage": "320Mi" },
    })
    expect(pod.volumes).toEqual([{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }])
    // 1/1 replicas: no HPA, no PDB.
    expect(
      objects.filter(
        (o) => o.kind === "HorizontalPodAutoscaler" || o.kind === "PodDisruptionBudget",
      ),
    ).toEqual([])
  })

  it("and so does our own values file, into flags our controller accepts", () => {
    expect(() =>
      execFileSync(helm, ["lint", "--strict", chart], { encoding: "utf8" }),
    ).not.toThrow()
    expect(controllerAccepts(podOf(rendered()).containers[0]!.args)).toBe(true)
  })

  it("maps replicas min/max to an HPA and a PDB, ports, leader election and the RBAC profile", () => {
    const objects = rendered(
      "-f",
      goDefaults,
      "--set",
      "replicas.min=2,replicas.max=5,autoscaling.targetCPUUtilizationPercentage=70",
      "--set",
      "ports.metrics=9090,ports.health=9091,controller.leaderElect=false,rbac.clusterAdmin=true",
      "--set",
      "image.registry=registry.example,image.repository=team/stageset-controller,image.tag=1.2.3",
    )
    const deployment = objects.find((o) => o.kind === "Deployment")!
    // The HPA owns the count.
    expect(deployment.spec?.replicas).toBeUndefined()
    const hpa = objects.find((o) => o.kind === "HorizontalPodAutoscaler")!
    expect(hpa.spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [{ resource: { name: "cpu", target: { averageUtilization: 70 } } }],
    })
    expect(objects.find((o) => o.kind === "PodDisruptionBudget")?.spec).toMatchObject({
      minAvailable: 1,
    })
    const container = podOf(objects).containers[0]!
    expect(container.image).toBe("registry.example/team/stageset-controller:1.2.3")
    expect(container.args).toContain("--metrics-bind-address=:9090")
    expect(container.args).toContain("--health-probe-bind-address=:9091")
    expect(container.args).toContain("--leader-elect=false")
    expect(controllerAccepts(container.args)).toBe(true)
    expect(container.ports.map((p) => p.containerPort)).toEqual([9090, 9091])
    const admin = objects.find(
      (o) => o.kind === "ClusterRoleBinding" && o.metadata.name.endsWith("-cluster-admin"),
    )
    expect(admin?.roleRef?.name).toBe("cluster-admin")
  })

  it("refuses, by name, values of features this controller lacks, unknown and renamed values", () => {
    const cases: ReadonlyArray<[string, string]> = [
      [
        "mcp.enabled=true",
        "mcp.enabled=true is not supported: this controller lacks an MCP server",
      ],
      ["webhook.failurePolicy=Ignore", 'webhook.failurePolicy="Ignore" is not supported'],
      ["gate.enabled=true,ports.gate=9000", "ports.gate=9000 is not supported"],
      ["controller.objectLevelKMS=true", "controller.objectLevelKMS=true is not supported"],
      ["controller.tracing.endpoint=collector:4317", "controller.tracing.endpoint"],
      ["rollbackStore.backend=s3", 'rollbackStore.backend="s3" is not supported'],
      ["networkPolicy.enabled=true", "networkPolicy.enabled=true is not supported"],
      ["rbac.ledgerView=true", "rbac.ledgerView=true"],
      ["cleanupOnDelete.backoffLimit=5", "cleanupOnDelete.backoffLimit=5"],
      [
        "metrics.prometheusRule.enabled=true,metrics.prometheusRule.thresholds.workqueueDepth=10",
        "metrics.prometheusRule.thresholds.workqueueDepth=10",
      ],
      ["crds.create=false", "helm install --skip-crds"],
      ["replicaCount=2", "replicaCount was renamed replicas.min"],
      ["leaderElection.enabled=false", "leaderElection.enabled was renamed controller.leaderElect"],
      [
        "image.tag=2026.8.1",
        "image.tag=2026.8.1 names a release of the Go stageset-controller's image",
      ],
      ["extraFlag=1", "additional properties 'extraFlag' not allowed"],
      ["controller.shards=3", "additional properties 'shards' not allowed"],
    ]
    for (const [set, message] of cases)
      expect(refusal("-f", goDefaults, "--set", set), set).toContain(message)
  })

  it("accepts a lacking feature's values while it is off, as that chart ignores them too", () => {
    const objects = rendered(
      "-f",
      goDefaults,
      "--set",
      "networkPolicy.engine=cilium,mcp.allowMutations=true,webhook.enabled=false,webhook.failurePolicy=Ignore",
      "--set",
      "metrics.prometheusRule.thresholds.workqueueDepth=10",
    )
    expect(objects.some((o) => o.kind === "Deployment")).toBe(true)
  })
})
