/** A Kubernetes Event a run reports on its StageSet (the controller records and aggregates them). */
export interface RunEvent {
  readonly type: "Normal" | "Warning"
  readonly reason: string
  readonly message: string
}
