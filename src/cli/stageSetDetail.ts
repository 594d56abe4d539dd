import { Option } from "effect"
import type { KubeObject } from "../kube/KubeObject.ts"
import { statusOf } from "../programs/stageSet/observeStageSet.ts"
import { formatTable } from "./output.ts"
import { readyOf, specOf } from "./stageSets.ts"

/** A digest cut to 12 hex digits for the table (`sha256:9f3c1a2b4d5e`); `-o yaml` has it whole. */
export const shortRevision = (revision: string | undefined): string => {
  if (revision === undefined || revision === "") return "-"
  const digest = /^(.*:)([0-9a-f]{12})[0-9a-f]{8,}$/.exec(revision)
  return digest === null ? revision : `${digest[1]}${digest[2]}`
}

/** `get NAME`: one StageSet as a reader wants it, the status decoded by its Schema. */
export const formatStageSetDetail = (object: KubeObject): string => {
  const status = statusOf(object)
  const ready = readyOf(object)
  const spec = specOf(object)
  const active = (status.conditions ?? []).filter((c) => c.type !== "Ready" && c.status === "True")
  const field = (label: string, value: string) => `${`${label}:`.padEnd(24)}${value}`
  const lines = [
    field("Name", object.metadata.name),
    field("Namespace", object.metadata.namespace ?? ""),
    field(
      "Ready",
      ready === undefined ? "Unknown (not reconciled yet)" : `${ready.status} (${ready.reason})`,
    ),
    ...(ready?.message ? [field("Message", ready.message)] : []),
    ...active.map((c) => field(c.type, `${c.reason}: ${c.message}`)),
    ...(Option.exists(spec, (s) => s.suspend) ? [field("Suspended", "true")] : []),
    ...(object.metadata.deletionTimestamp === undefined
      ? []
      : [field("Deleting", `since ${object.metadata.deletionTimestamp}`)]),
    field("Inventory mode", status.inventoryMode ?? "-"),
    field("Version", status.version ?? "-"),
    field(
      "Generation",
      `${object.metadata.generation ?? "-"} (observed ${status.observedGeneration ?? "-"})`,
    ),
    field("Last handled reconcile", status.lastHandledReconcileAt ?? "-"),
  ]
  const stages = status.stages ?? []
  if (stages.length === 0)
    return [...lines, "Stages:                 (none reported yet)"].join("\n")
  const table = formatTable(
    ["NAME", "PHASE", "REVISION", "ENTRIES", "SHARDS", "LAST HANDLED"],
    stages.map((s) => [
      s.name,
      s.phase,
      shortRevision(s.appliedRevision),
      String(s.entriesCount ?? 0),
      String(s.shards ?? 0),
      s.lastHandledReconcileAt ?? "-",
    ]),
  )
  const messages = stages
    .filter((s) => s.message !== undefined && s.message !== "")
    .map((s) => `  ${s.name}: ${s.message}`)
  return [
    ...lines,
    "Stages:",
    ...table.split("\n").map((line) => `  ${line}`),
    ...(messages.length === 0 ? [] : ["Messages:", ...messages]),
  ].join("\n")
}
