import { describe, it } from "@effect/vitest"
import { cond, expectStatus, object } from "./kstatusFixtures.ts"

describe("generic rules", () => {
  it("deletionTimestamp -> Terminating", () => {
    expectStatus(
      object("v1", "ConfigMap", {}, { deletionTimestamp: "2026-01-01T00:00:00Z" }),
      "Terminating",
    )
  })

  it("observedGeneration behind generation -> InProgress", () => {
    expectStatus(
      object("example.com/v1", "Widget", { status: { observedGeneration: 1 } }, { generation: 2 }),
      "InProgress",
      /generation 2 not yet observed/,
    )
  })

  it("no status -> Current", () => {
    expectStatus(object("v1", "ConfigMap", { data: {} }), "Current")
  })

  it("Ready condition decides for other kinds", () => {
    const kustomization = (status: string, reason: string) =>
      object("kustomize.toolkit.fluxcd.io/v1", "Kustomization", {
        status: { observedGeneration: 1, conditions: [cond("Ready", status, reason, "msg")] },
      })
    expectStatus(kustomization("True", "ReconciliationSucceeded"), "Current")
    expectStatus(
      kustomization("False", "DependencyNotReady"),
      "InProgress",
      /Ready=False: DependencyNotReady: msg/,
    )
    expectStatus(kustomization("Unknown", "Progressing"), "InProgress")
  })

  it("a Ready condition from an older generation is stale", () => {
    expectStatus(
      object(
        "example.com/v1",
        "Widget",
        { status: { conditions: [{ ...cond("Ready", "True"), observedGeneration: 1 }] } },
        { generation: 2 },
      ),
      "InProgress",
      /not yet updated for generation 2/,
    )
  })

  it("Available condition (APIService)", () => {
    const apiService = (status: string) =>
      object("apiregistration.k8s.io/v1", "APIService", {
        status: { conditions: [cond("Available", status, "FailedDiscoveryCheck")] },
      })
    expectStatus(apiService("True"), "Current")
    expectStatus(apiService("False"), "InProgress", /FailedDiscoveryCheck/)
  })

  it("Stalled=True -> Failed, Reconciling=True -> InProgress", () => {
    expectStatus(
      object("example.com/v1", "Widget", {
        status: {
          conditions: [cond("Stalled", "True", "InvalidConfig", "bad"), cond("Ready", "True")],
        },
      }),
      "Failed",
      /stalled: InvalidConfig: bad/,
    )
    expectStatus(
      object("example.com/v1", "Widget", {
        status: { conditions: [cond("Reconciling", "True", "Progressing"), cond("Ready", "True")] },
      }),
      "InProgress",
    )
  })

  it("a CRD kind named like a built-in gets the generic rule", () => {
    expectStatus(object("example.com/v1", "Deployment", { spec: { replicas: 3 } }), "Current")
  })
})

describe("PersistentVolumeClaim", () => {
  it("Bound -> Current, Pending -> InProgress, Lost -> Failed", () => {
    const pvc = (phase: string) => object("v1", "PersistentVolumeClaim", { status: { phase } })
    expectStatus(pvc("Bound"), "Current")
    expectStatus(pvc("Pending"), "InProgress", /claim Pending, not bound/)
    expectStatus(pvc("Lost"), "Failed")
  })
})

describe("Service", () => {
  it("ClusterIP is Current at once; LoadBalancer waits for its ingress", () => {
    expectStatus(
      object("v1", "Service", { spec: { type: "ClusterIP" }, status: { loadBalancer: {} } }),
      "Current",
    )
    expectStatus(
      object("v1", "Service", { spec: { type: "LoadBalancer" }, status: { loadBalancer: {} } }),
      "InProgress",
      /load balancer/,
    )
    expectStatus(
      object("v1", "Service", {
        spec: { type: "LoadBalancer" },
        status: { loadBalancer: { ingress: [{ ip: "203.0.113.10" }] } },
      }),
      "Current",
    )
  })
})

describe("CustomResourceDefinition", () => {
  const crd = (...conditions: ReadonlyArray<unknown>) =>
    object(
      "apiextensions.k8s.io/v1",
      "CustomResourceDefinition",
      { status: { conditions } },
      { namespace: undefined },
    )

  it("Established=True -> Current", () => {
    expectStatus(
      crd(
        cond("NamesAccepted", "True", "NoConflicts"),
        cond("Established", "True", "InitialNamesAccepted"),
      ),
      "Current",
    )
  })

  it("not yet established -> InProgress", () => {
    expectStatus(crd(), "InProgress", /not established yet/)
    expectStatus(crd(cond("Established", "False", "Installing")), "InProgress", /Installing/)
  })

  it("NamesAccepted=False -> Failed", () => {
    expectStatus(
      crd(cond("NamesAccepted", "False", "ListKindConflict", '"WidgetList" is already in use')),
      "Failed",
      /names not accepted: ListKindConflict/,
    )
  })
})

describe("Namespace", () => {
  it("Active (or no phase) -> Current", () => {
    expectStatus(object("v1", "Namespace", { status: { phase: "Active" } }), "Current")
    expectStatus(object("v1", "Namespace", {}), "Current")
  })

  it("Terminating -> Terminating", () => {
    expectStatus(
      object(
        "v1",
        "Namespace",
        { status: { phase: "Terminating" } },
        { deletionTimestamp: "2026-01-01T00:00:00Z" },
      ),
      "Terminating",
    )
  })
})
