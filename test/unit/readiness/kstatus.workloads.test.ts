import { describe, it } from "@effect/vitest"
import { cond, expectStatus, object } from "./kstatusFixtures.ts"

describe("Deployment", () => {
  const deployment = (status: Record<string, unknown>, replicas = 3) =>
    object("apps/v1", "Deployment", {
      spec: { replicas },
      status: { observedGeneration: 1, ...status },
    })
  const done = [
    cond("Available", "True", "MinimumReplicasAvailable"),
    cond("Progressing", "True", "NewReplicaSetAvailable"),
  ]

  it("Current when every replica is updated, ready and available", () => {
    expectStatus(
      deployment({
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 3,
        availableReplicas: 3,
        conditions: done,
      }),
      "Current",
      /3\/3 replicas available/,
    )
  })

  it("InProgress while replicas come up", () => {
    expectStatus(
      deployment({
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 1,
        availableReplicas: 0,
        conditions: [cond("Progressing", "True", "ReplicaSetUpdated")],
      }),
      "InProgress",
      /1\/3 replicas ready/,
    )
    expectStatus(
      deployment({
        replicas: 4,
        updatedReplicas: 3,
        readyReplicas: 3,
        availableReplicas: 3,
        conditions: done,
      }),
      "InProgress",
      /1 old replicas pending termination/,
    )
    expectStatus(
      deployment({ replicas: 3, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 }),
      "InProgress",
      /1\/3 replicas updated/,
    )
  })

  it("defaults spec.replicas to 1", () => {
    const obj = object("apps/v1", "Deployment", {
      spec: {},
      status: { observedGeneration: 1, replicas: 0, updatedReplicas: 0, availableReplicas: 0 },
    })
    expectStatus(obj, "InProgress", /0\/1/)
  })

  it("InProgress before the controller observed it", () => {
    expectStatus(
      object("apps/v1", "Deployment", { spec: { replicas: 0 } }),
      "InProgress",
      /controller/,
    )
  })

  it("InProgress until the rollout condition says the new ReplicaSet is available", () => {
    expectStatus(
      deployment({
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 3,
        availableReplicas: 3,
        conditions: [cond("Available", "True"), cond("Progressing", "True", "ReplicaSetUpdated")],
      }),
      "InProgress",
      /rollout not finished/,
    )
  })

  it("Failed when the progress deadline is exceeded", () => {
    expectStatus(
      deployment({
        replicas: 3,
        updatedReplicas: 3,
        availableReplicas: 1,
        conditions: [
          cond(
            "Progressing",
            "False",
            "ProgressDeadlineExceeded",
            'ReplicaSet "web-5d9" has timed out progressing.',
          ),
        ],
      }),
      "Failed",
      /progress deadline exceeded: ProgressDeadlineExceeded: ReplicaSet "web-5d9" has timed out/,
    )
  })
})

describe("StatefulSet", () => {
  const sts = (status: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
    object("apps/v1", "StatefulSet", {
      spec: { replicas: 3, ...spec },
      status: { observedGeneration: 1, ...status },
    })
  const rolledOut = {
    replicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
    currentReplicas: 3,
    updatedReplicas: 3,
    currentRevision: "db-7c9",
    updateRevision: "db-7c9",
  }

  it("Current when rolled out", () => {
    expectStatus(sts(rolledOut), "Current", /3\/3 replicas ready/)
  })

  it("InProgress while pods are not ready", () => {
    expectStatus(sts({ ...rolledOut, readyReplicas: 2 }), "InProgress", /2\/3 replicas ready/)
  })

  it("InProgress until currentRevision catches up with updateRevision", () => {
    expectStatus(
      sts({ ...rolledOut, updatedReplicas: 3, updateRevision: "db-8f1" }),
      "InProgress",
      /waiting for revision db-8f1 to replace db-7c9/,
    )
    expectStatus(
      sts({ ...rolledOut, updatedReplicas: 1, updateRevision: "db-8f1" }),
      "InProgress",
      /1\/3 replicas updated/,
    )
  })

  it("with a partition, only the replicas above it must be updated", () => {
    const spec = { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } }
    expectStatus(
      sts({ ...rolledOut, updatedReplicas: 1, updateRevision: "db-8f1" }, spec),
      "Current",
    )
    expectStatus(
      sts({ ...rolledOut, updatedReplicas: 0, updateRevision: "db-8f1" }, spec),
      "InProgress",
      /0\/1 replicas updated/,
    )
  })

  it("OnDelete waits for the replica counts only", () => {
    expectStatus(
      sts(
        { ...rolledOut, updatedReplicas: 0, updateRevision: "db-8f1" },
        { updateStrategy: { type: "OnDelete" } },
      ),
      "Current",
    )
  })
})

describe("DaemonSet", () => {
  const ds = (status: Record<string, unknown>) =>
    object("apps/v1", "DaemonSet", { spec: {}, status: { observedGeneration: 1, ...status } })
  const full = {
    desiredNumberScheduled: 3,
    currentNumberScheduled: 3,
    updatedNumberScheduled: 3,
    numberAvailable: 3,
    numberReady: 3,
  }

  it("Current when every node runs an updated, available pod", () => {
    expectStatus(ds(full), "Current", /3\/3 pods available/)
    expectStatus(
      ds({ desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0 }),
      "Current",
    )
  })

  it("InProgress while updating or not available", () => {
    expectStatus(ds({ ...full, updatedNumberScheduled: 1 }), "InProgress", /1\/3 pods updated/)
    expectStatus(ds({ ...full, numberAvailable: 2 }), "InProgress", /2\/3 pods available/)
    expectStatus(ds({}), "InProgress", /schedule/)
  })
})

describe("ReplicaSet", () => {
  it("Current / InProgress", () => {
    const rs = (status: Record<string, unknown>) =>
      object("apps/v1", "ReplicaSet", {
        spec: { replicas: 2 },
        status: { observedGeneration: 1, ...status },
      })
    expectStatus(
      rs({ replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2 }),
      "Current",
    )
    expectStatus(
      rs({ replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1 }),
      "InProgress",
      /1\/2 replicas available/,
    )
    expectStatus(
      rs({ conditions: [cond("ReplicaFailure", "True", "FailedCreate", "pods forbidden")] }),
      "InProgress",
      /replica failure: FailedCreate: pods forbidden/,
    )
  })
})

describe("Job", () => {
  const job = (status: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
    object("batch/v1", "Job", { spec: { completions: 1, ...spec }, status })
  const started = "2026-01-01T00:00:00Z"

  it("Current when Complete", () => {
    expectStatus(
      job({
        startTime: started,
        succeeded: 1,
        conditions: [cond("SuccessCriteriaMet", "True"), cond("Complete", "True")],
      }),
      "Current",
      /job completed: 1\/1 succeeded/,
    )
  })

  it("Failed when its Failed condition is true", () => {
    expectStatus(
      job({
        startTime: started,
        failed: 7,
        conditions: [
          cond(
            "Failed",
            "True",
            "BackoffLimitExceeded",
            "Job has reached the specified backoff limit",
          ),
        ],
      }),
      "Failed",
      /job failed: BackoffLimitExceeded/,
    )
  })

  it("Current as soon as it has started, as kstatus counts it (waiting for completion is readyChecks.exprs' job)", () => {
    expectStatus(
      job({ active: 1, startTime: started }),
      "Current",
      /job started: 0\/1 succeeded, 1 active, 0 failed/,
    )
    // FailureTarget precedes Failed while pods are still terminating; kstatus waits for Failed.
    expectStatus(
      job({ startTime: started, conditions: [cond("FailureTarget", "True", "DeadlineExceeded")] }),
      "Current",
    )
  })

  it("InProgress until it starts, suspended ones included", () => {
    expectStatus(job({}), "InProgress", /job not started/)
    expectStatus(job({}, { suspend: true }), "InProgress", /job not started/)
  })

  it("counts completions from parallelism when completions is unset, as kstatus does", () => {
    expectStatus(
      object("batch/v1", "Job", {
        spec: { parallelism: 3 },
        status: { startTime: started, succeeded: 1 },
      }),
      "Current",
      /1\/3 succeeded/,
    )
  })
})

describe("Pod", () => {
  const pod = (status: Record<string, unknown>) => object("v1", "Pod", { spec: {}, status })

  it("Current when Ready or Succeeded", () => {
    expectStatus(pod({ phase: "Running", conditions: [cond("Ready", "True")] }), "Current")
    expectStatus(
      pod({ phase: "Succeeded", conditions: [cond("Ready", "False", "PodCompleted")] }),
      "Current",
    )
  })

  it("Failed when phase Failed or crash-looping", () => {
    expectStatus(
      pod({ phase: "Failed", reason: "Evicted", message: "low on memory" }),
      "Failed",
      /Evicted: low on memory/,
    )
    expectStatus(
      pod({
        phase: "Running",
        conditions: [cond("Ready", "False", "ContainersNotReady")],
        containerStatuses: [
          { name: "app", ready: false, state: { waiting: { reason: "CrashLoopBackOff" } } },
        ],
      }),
      "Failed",
      /container app is in CrashLoopBackOff/,
    )
  })

  it("InProgress while pending or unschedulable", () => {
    expectStatus(pod({ phase: "Pending" }), "InProgress", /pod Pending, not ready/)
    expectStatus(
      pod({
        phase: "Pending",
        conditions: [cond("PodScheduled", "False", "Unschedulable", "0/3 nodes are available")],
      }),
      "InProgress",
      /not scheduled: Unschedulable/,
    )
  })
})
