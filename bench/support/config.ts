import type { KubeClientApi } from "../../src/kube/KubeClient.ts"
import type { BenchCluster } from "./cluster.ts"

export type Mode = "full" | "quick" | "tiny"

/** The workload sizes of one mode (performance.md's are `full`). */
export interface Sizes {
  /** B1: ConfigMaps in the one stage. */
  readonly b1: ReadonlyArray<number>
  /** B2: ConfigMaps in the stage reconciled again. */
  readonly b2: number
  /** B3: stored = rendered entries. */
  readonly b3: ReadonlyArray<number>
  /** B4: entries in the stage and the shard cap. */
  readonly b4: { readonly entries: number; readonly cap: number }
  /** B5: StageSets and objects over all of them. */
  readonly b5: { readonly stageSets: number; readonly objects: number }
  /** B6: StageSets and objects in each. */
  readonly b6: { readonly stageSets: number; readonly objects: number }
  /** B7: stages and objects per stage. */
  readonly b7: { readonly stages: number; readonly objects: number }
  /** B8: StageSets and objects in each, Ready before the restart. */
  readonly b8: { readonly stageSets: number; readonly objects: number }
  /** B11: StageSets and objects in each, one process and then two with --shards=4. */
  readonly b11: { readonly stageSets: number; readonly objects: number }
  /** B9: objects of the big one-stage StageSet; stages and objects per stage of the small one. */
  readonly b9: { readonly big: number; readonly stages: number; readonly objects: number }
}

export const SIZES: Readonly<Record<Mode, Sizes>> = {
  full: {
    b1: [1000, 5000],
    b2: 5000,
    b3: [25_000, 50_000, 100_000],
    b4: { entries: 50_000, cap: 5000 },
    b5: { stageSets: 10, objects: 20_000 },
    b6: { stageSets: 200, objects: 25 },
    b7: { stages: 3, objects: 10 },
    b8: { stageSets: 10, objects: 2000 },
    b11: { stageSets: 1000, objects: 10 },
    b9: { big: 5000, stages: 3, objects: 10 },
  },
  quick: {
    b1: [200, 1000],
    b2: 1000,
    b3: [25_000, 50_000, 100_000],
    b4: { entries: 50_000, cap: 5000 },
    b5: { stageSets: 10, objects: 2000 },
    b6: { stageSets: 40, objects: 10 },
    b7: { stages: 3, objects: 10 },
    b8: { stageSets: 5, objects: 400 },
    b11: { stageSets: 100, objects: 10 },
    b9: { big: 1000, stages: 3, objects: 10 },
  },
  tiny: {
    b1: [20],
    b2: 20,
    b3: [1000, 2000, 4000],
    b4: { entries: 200, cap: 20 },
    b5: { stageSets: 2, objects: 20 },
    b6: { stageSets: 4, objects: 2 },
    b7: { stages: 3, objects: 2 },
    b8: { stageSets: 2, objects: 20 },
    b9: { big: 200, stages: 3, objects: 2 },
    b11: { stageSets: 8, objects: 2 },
  },
}

export type BenchId = "B1" | "B2" | "B3" | "B4" | "B5" | "B6" | "B7" | "B8" | "B9" | "B10" | "B11"
export const BENCH_IDS: ReadonlyArray<BenchId> = [
  "B1",
  "B2",
  "B3",
  "B4",
  "B5",
  "B6",
  "B7",
  "B8",
  "B9",
  "B10",
  "B11",
]

/** Repetitions per benchmark when `--reps` is not given. */
export const DEFAULT_REPS: Readonly<Record<Mode, Readonly<Record<BenchId, number>>>> = {
  full: { B1: 3, B2: 3, B3: 10, B4: 3, B5: 1, B6: 1, B7: 5, B8: 1, B9: 3, B10: 10, B11: 1 },
  quick: { B1: 2, B2: 2, B3: 5, B4: 2, B5: 1, B6: 1, B7: 3, B8: 1, B9: 2, B10: 5, B11: 1 },
  tiny: { B1: 1, B2: 1, B3: 1, B4: 1, B5: 1, B6: 1, B7: 1, B8: 1, B9: 1, B10: 2, B11: 1 },
}

/** What every benchmark gets. */
export interface BenchContext {
  readonly mode: Mode
  readonly sizes: Sizes
  readonly reps: number
  readonly cluster: BenchCluster
  /** An uncounted raw client for setup, clean-up and polling. */
  readonly setup: KubeClientApi
  /** Log a progress line (stderr). */
  readonly progress: (line: string) => void
}
