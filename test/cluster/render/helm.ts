import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { parseAllDocuments } from "yaml"

const root = fileURLToPath(new URL("../../../", import.meta.url))
export const chartDir = `${root}manifests/chart/stageset-controller`

/** The helm binary, built from its Go module on the first run (minutes), then from the cache. */
export const buildHelm = (): string =>
  execFileSync("bash", [`${root}hack/build-helm.sh`], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim()

/** `helm template` of the chart as manifests/install.yaml is rendered, plus `extra` arguments. */
export const helmTemplate = (helm: string, ...extra: Array<string>): string =>
  execFileSync(
    helm,
    ["template", "stageset-controller", chartDir, "--namespace", "stageset-system", ...extra],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  )

/** The error helm prints when a render is refused. */
export const helmRefusal = (helm: string, ...extra: Array<string>): string => {
  try {
    helmTemplate(helm, ...extra)
  } catch (error) {
    return String((error as { stderr?: unknown }).stderr ?? error)
  }
  throw new Error(`helm rendered ${extra.join(" ")} without complaint`)
}

export interface RenderedObject {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: { name: string; namespace?: string }
  readonly [key: string]: unknown
}

/** The objects of a multi-document YAML text. */
export const objectsOf = (text: string): Array<RenderedObject> =>
  parseAllDocuments(text)
    .map((doc) => doc.toJS() as RenderedObject | null)
    .filter((o): o is RenderedObject => o !== null)
