import { execFileSync, spawnSync } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { beforeAll, describe, expect, it } from "vitest"
import { parseAllDocuments } from "yaml"
import { helmBinary } from "../chart/observability.ts"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const chart = `${root}manifests/chart/stageset-controller`
const installYaml = `${root}manifests/install.yaml`

type Obj = {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: { readonly name: string; readonly namespace?: string }
  readonly [key: string]: unknown
}

/** The exact command that produced manifests/install.yaml (see the golden test). */
const templateArgs = [
  "template",
  "stageset-controller",
  chart,
  "--namespace",
  "stageset-system",
  "--include-crds",
]

type Container = {
  readonly image: string
  readonly args: Array<string>
  readonly env: Array<Record<string, unknown>>
  readonly securityContext: Record<string, unknown>
  readonly livenessProbe: { readonly httpGet: unknown }
  readonly readinessProbe: { readonly httpGet: unknown }
  readonly ports: Array<{ readonly name: string; readonly containerPort: number }>
  readonly resources: unknown
  readonly volumeMounts: Array<{ readonly mountPath: string }>
}
type Deployment = {
  readonly spec: {
    readonly template: {
      readonly spec: {
        readonly serviceAccountName: string
        readonly securityContext: Record<string, unknown>
        readonly containers: Array<Container>
        readonly volumes: Array<Record<string, unknown>>
      }
    }
  }
}

let helm = ""
const render = (...extra: Array<string>): string =>
  execFileSync(helm, [...templateArgs, ...extra], { encoding: "utf8" })
const objects = (text: string): Array<Obj> =>
  parseAllDocuments(text)
    .map((doc) => doc.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null)
const find = (all: Array<Obj>, kind: string, name: string): Obj => {
  const found = all.find((o) => o.kind === kind && o.metadata.name === name)
  if (found === undefined) throw new Error(`no ${kind} ${name}`)
  return found
}

describe("Helm chart", () => {
  beforeAll(() => {
    // Builds helm from its Go module on the first run (minutes), then answers from the cache.
    helm = helmBinary()
  }, 900_000)

  it("ships byte-identical copies of the generated CRDs (copy manifests/crds/* if this fails)", () => {
    const generated = readdirSync(`${root}manifests/crds`).filter((f) => f.endsWith(".yaml"))
    const copies = readdirSync(`${chart}/crds`).filter((f) => f.endsWith(".yaml"))
    expect(copies.sort()).toEqual(generated.sort())
    for (const file of generated) {
      expect(readFileSync(`${chart}/crds/${file}`, "utf8"), file).toBe(
        readFileSync(`${root}manifests/crds/${file}`, "utf8"),
      )
    }
  })

  it("passes helm lint", () => {
    expect(() =>
      execFileSync(helm, ["lint", "--strict", chart], { encoding: "utf8" }),
    ).not.toThrow()
  })

  it("renders manifests/install.yaml exactly (re-render with the command atop hack/build-helm.sh if this fails)", () => {
    expect(readFileSync(installYaml, "utf8"), "manifests/install.yaml is stale").toBe(render())
  })

  it("runs the controller with the flags from values, hardened and probed", () => {
    const all = objects(render())
    const deployment = find(all, "Deployment", "stageset-controller") as unknown as Deployment
    const pod = deployment.spec.template.spec
    const container = pod.containers[0]!
    expect(container.image).toBe("stageset-controller:0.1.0")
    expect(container.args).toEqual([
      "--inventory-mode=hybrid",
      "--inventory-shard-cap=5000",
      "--default-interval=10m",
      "--concurrent=4",
      "--apply-concurrency=16",
      "--kube-api-qps=50",
      "--kube-api-burst=100",
      "--leader-elect=true",
      "--metrics-bind-address=:8080",
      "--health-probe-bind-address=:8081",
      "--log-level=info",
      "--log-format=json",
    ])
    expect(container.env).toContainEqual({
      name: "POD_NAMESPACE",
      valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } },
    })
    expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "health" })
    expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "health" })
    expect(container.ports.map((p) => [p.name, p.containerPort])).toEqual([
      ["metrics", 8080],
      ["health", 8081],
    ])
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    })
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 })
    expect(container.resources).toEqual({
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { memory: "512Mi" },
    })
    expect(container.volumeMounts.map((m) => m.mountPath)).toEqual(["/tmp"])
    expect(pod.volumes).toEqual([{ name: "tmp", emptyDir: {} }])
    expect(pod.serviceAccountName).toBe("stageset-controller")
    const service = find(all, "Service", "stageset-controller-metrics") as { spec?: unknown }
    expect(service.spec).toMatchObject({ ports: [{ port: 8080, targetPort: "metrics" }] })
    expect(all.some((o) => o.kind === "ServiceMonitor")).toBe(false)
  })

  it("names no registry host in any image", () => {
    const images = render().match(/image: .*/g) ?? []
    expect(images).toEqual(['image: "stageset-controller:0.1.0"'])
  })

  it("passes values through: flags, leader election, ServiceMonitor, no apply role", () => {
    const all = objects(
      render(
        "--set",
        "controller.inventoryMode=applyset,controller.inventoryShardCap=7,controller.leaderElect=false",
        "--set",
        "metrics.serviceMonitor.enabled=true,rbac.applyClusterRole.enabled=false",
      ),
    )
    const text = JSON.stringify(find(all, "Deployment", "stageset-controller"))
    expect(text).toContain("--inventory-mode=applyset")
    expect(text).toContain("--inventory-shard-cap=7")
    expect(text).toContain("--leader-elect=false")
    expect(find(all, "ServiceMonitor", "stageset-controller")).toBeDefined()
    expect(all.filter((o) => o.metadata.name === "stageset-controller-apply")).toEqual([])
  })

  it("shards: --shards above 1 next to the leader Lease's flag; refused without leader election", () => {
    const args = (...extra: Array<string>) =>
      (
        find(
          objects(render(...extra)),
          "Deployment",
          "stageset-controller",
        ) as unknown as Deployment
      ).spec.template.spec.containers[0]?.args ?? []
    // One shard is today's single leader: no flag, so the default render is unchanged.
    expect(args().some((a) => a.startsWith("--shards"))).toBe(false)
    expect(args("--set", "shards=4,replicas.min=2,replicas.max=2")).toEqual(
      expect.arrayContaining(["--leader-elect=true", "--shards=4"]),
    )
    const refused = spawnSync(
      helm,
      [...templateArgs, "--set", "shards=4,controller.leaderElect=false"],
      { encoding: "utf8" },
    )
    expect(refused.status).not.toBe(0)
    expect(refused.stderr).toContain(
      "shards=4 needs the shard Leases: it cannot be combined with controller.leaderElect=false",
    )
    const zero = spawnSync(helm, [...templateArgs, "--set", "shards=0"], { encoding: "utf8" })
    expect(zero.stderr).toContain("/shards")
  })

  it("binds per namespace instead of cluster-wide when watchNamespaces is set", () => {
    const all = objects(render("--set", "controller.watchNamespaces={team-a,team-b}"))
    const bindings = all
      .filter((o) => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding")
      .map((o) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`)
      .sort()
    expect(bindings).toEqual([
      "ClusterRoleBinding /stageset-controller-cluster-reads",
      "RoleBinding stageset-system/stageset-controller-leader-election",
      "RoleBinding team-a/stageset-controller-apply",
      "RoleBinding team-a/stageset-controller-manager",
      "RoleBinding team-b/stageset-controller-apply",
      "RoleBinding team-b/stageset-controller-manager",
    ])
    expect(JSON.stringify(find(all, "Deployment", "stageset-controller"))).toContain(
      "--watch-namespaces=team-a,team-b",
    )
    // Prune and teardown read every StageSet's claims, in all namespaces.
    const reads = find(all, "ClusterRole", "stageset-controller-cluster-reads") as unknown as {
      rules: Array<{ apiGroups: Array<string>; resources: Array<string>; verbs: Array<string> }>
    }
    expect(reads.rules).toContainEqual({
      apiGroups: ["stages.metio.wtf"],
      resources: ["stagesets", "stageinventories"],
      verbs: ["get", "list", "watch"],
    })
  })

  it("never grants escalate, bind, impersonate of users or wildcard verbs to the apply role", () => {
    const role = find(objects(render()), "ClusterRole", "stageset-controller-apply") as {
      rules?: Array<{ apiGroups: Array<string>; resources: Array<string>; verbs: Array<string> }>
    }
    for (const rule of role.rules ?? []) {
      expect(rule.verbs).not.toContain("*")
      for (const verb of ["escalate", "bind", "impersonate"]) expect(rule.verbs).not.toContain(verb)
      expect(rule.apiGroups).not.toContain("*")
      if (rule.apiGroups.includes("")) {
        expect(rule.resources.some((r) => r === "*" || r.includes("/") || r === "nodes")).toBe(
          false,
        )
      }
    }
  })
})
