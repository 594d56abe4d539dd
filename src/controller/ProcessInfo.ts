import { Context } from "effect"

/** Facts about this controller process that its composition root resolved at start-up. */
export interface ProcessInfoApi {
  /** Who this process is: the pod name (hostname) plus a random suffix (leases, events). */
  readonly identity: string
  readonly version: string
  /** The API server URL, for the start-up log. */
  readonly server: string
  /** Where the kubeconfig came from; `in-cluster` turns leader election on by default. */
  readonly kubeconfigOrigin: "flag" | "KUBECONFIG" | "in-cluster" | "home"
}

export class ProcessInfo extends Context.Tag("stageset/ProcessInfo")<
  ProcessInfo,
  ProcessInfoApi
>() {}
