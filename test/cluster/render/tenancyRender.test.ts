import { spawnSync } from "node:child_process"
import { beforeAll, describe, expect, it } from "vitest"
import { chartPath, helmBinary, type Manifest, renderChart } from "../chart/observability.ts"

type Rule = {
  readonly apiGroups: Array<string>
  readonly resources: Array<string>
  readonly verbs: Array<string>
}

let helm = ""
const render = (...sets: Array<string>) => renderChart(helm, ...sets.flatMap((s) => ["--set", s]))

/** What helm prints when it refuses to render with `set`. */
const refusal = (set: string): string => {
  const result = spawnSync(helm, ["template", "x", chartPath, "--set", set], { encoding: "utf8" })
  expect(result.status).not.toBe(0)
  return result.stderr
}

const argsOf = (all: Array<Manifest>): Array<string> => {
  const deployment = all.find((o) => o.kind === "Deployment") as unknown as {
    spec: { template: { spec: { containers: Array<{ args: Array<string> }> } } }
  }
  return deployment.spec.template.spec.containers[0]!.args
}

const rulesOf = (all: Array<Manifest>, name: string): Array<Rule> => {
  const role = all.find((o) => o.kind === "ClusterRole" && o.metadata.name === name)
  if (role === undefined) throw new Error(`no ClusterRole ${name}`)
  return (role as unknown as { rules: Array<Rule> }).rules
}

/** Every verb the role grants on `resource` of `group`. */
const verbsOn = (rules: Array<Rule>, group: string, resource: string) =>
  rules
    .filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource))
    .flatMap((r) => r.verbs)
    .sort()

const bindings = (all: Array<Manifest>) =>
  all
    .filter((o) => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding")
    .map((o) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`)
    .sort()

describe("Helm chart: tenancy profiles", () => {
  beforeAll(() => {
    helm = helmBinary()
  }, 900_000)

  it("single-tenant by default: no lockdown flags, the controller reads sources and applies", () => {
    const all = render()
    const args = argsOf(all)
    for (const flag of [
      "--default-service-account",
      "--no-cross-namespace-refs",
      "--allow-artifact-hosts",
    ])
      expect(
        args.some((a) => a.startsWith(flag)),
        flag,
      ).toBe(false)
    const manager = rulesOf(all, "stageset-controller-manager")
    expect(verbsOn(manager, "", "secrets")).toEqual(["get", "list", "watch"])
    expect(verbsOn(manager, "", "namespaces")).toEqual(["get"])
    expect(bindings(all)).toContain("ClusterRoleBinding /stageset-controller-apply")
  })

  it("multitenancy: the lockdown flags, and a controller role without Secrets or apply rights", () => {
    const all = render("multitenancy.enabled=true", "multitenancy.defaultServiceAccount=deployer")
    expect(argsOf(all).slice(-2)).toEqual([
      "--default-service-account=deployer",
      "--no-cross-namespace-refs",
    ])
    const manager = rulesOf(all, "stageset-controller-manager")
    expect(verbsOn(manager, "", "secrets")).toEqual([])
    expect(verbsOn(manager, "", "configmaps")).toEqual(["list", "watch"])
    expect(verbsOn(manager, "source.toolkit.fluxcd.io", "gitrepositories")).toEqual([
      "list",
      "watch",
    ])
    expect(verbsOn(manager, "", "serviceaccounts")).toEqual(["impersonate"])
    expect(verbsOn(manager, "", "namespaces")).toEqual(["get"])
    expect(verbsOn(manager, "stages.metio.wtf", "stagesets/status")).toEqual([
      "get",
      "patch",
      "update",
    ])
    // Nothing else in the core group: no pods, services, secrets or the like.
    expect(
      manager
        .filter((r) => r.apiGroups.includes(""))
        .flatMap((r) => r.resources)
        .sort(),
    ).toEqual(["configmaps", "events", "namespaces", "serviceaccounts"])
    // The apply role is there for tenants' ServiceAccounts, bound to nobody.
    expect(rulesOf(all, "stageset-controller-apply").length).toBeGreaterThan(0)
    expect(bindings(all)).toEqual([
      "ClusterRoleBinding /stageset-controller-cluster-reads",
      "ClusterRoleBinding /stageset-controller-manager",
      "RoleBinding stageset-system/stageset-controller-leader-election",
    ])
  })

  it("multitenancy with watched namespaces: the manager role per namespace, still no apply binding", () => {
    const all = render("multitenancy.enabled=true", "controller.watchNamespaces={team-a,team-b}")
    expect(bindings(all)).toEqual([
      "ClusterRoleBinding /stageset-controller-cluster-reads",
      "RoleBinding stageset-system/stageset-controller-leader-election",
      "RoleBinding team-a/stageset-controller-manager",
      "RoleBinding team-b/stageset-controller-manager",
    ])
    expect(argsOf(all)).toContain("--default-service-account=default")
  })

  it("artifacts.allowHosts becomes --allow-artifact-hosts", () => {
    const args = argsOf(render("artifacts.allowHosts={127.0.0.1,artifacts.test,10.0.0.0/8}"))
    expect(args.at(-1)).toBe("--allow-artifact-hosts=127.0.0.1,artifacts.test,10.0.0.0/8")
  })

  it("the Go chart's controller.noCrossNamespaceRefs becomes --no-cross-namespace-refs alone", () => {
    const args = argsOf(render("controller.noCrossNamespaceRefs=true"))
    expect(args.at(-1)).toBe("--no-cross-namespace-refs")
    expect(args.some((a) => a.startsWith("--default-service-account"))).toBe(false)
  })

  it.each([
    ["multitenancy.enable=true", "at '/multitenancy': additional properties 'enable' not allowed"],
    [
      "artifacts.allowedHosts={x}",
      "at '/artifacts': additional properties 'allowedHosts' not allowed",
    ],
    ["multitenancy.enabled=yes", "at '/multitenancy/enabled': got string, want boolean"],
    [
      "multitenancy.defaultServiceAccount=",
      "at '/multitenancy/defaultServiceAccount': '' does not match pattern",
    ],
    [
      "multitenancy.defaultServiceAccount=Team_A",
      "at '/multitenancy/defaultServiceAccount': 'Team_A' does not match pattern",
    ],
    ["artifacts.allowHosts=127.0.0.1", "at '/artifacts/allowHosts': got string, want array"],
    [
      "multitenancy.enabled=true,rbac.clusterAdmin=true",
      "values: rbac.clusterAdmin=true contradicts multitenancy.enabled=true",
    ],
  ])("refuses %s, naming the value", (set, message) => {
    expect(refusal(set)).toContain(message)
  })
})
