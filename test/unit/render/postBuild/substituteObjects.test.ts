import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import type { KubeObject } from "../../../../src/kube/KubeObject.ts"
import { parseManifests, type RenderedObject } from "../../../../src/render/parseManifests.ts"
import { substituteObjects } from "../../../../src/render/postBuild/substituteObjects.ts"

const rendered = (yaml: string): ReadonlyArray<RenderedObject> => {
  const parsed = parseManifests([{ path: "app.yaml", content: yaml }])
  if (Either.isLeft(parsed)) throw new Error(parsed.left.message)
  return parsed.right
}

const variables = new Map([
  ["REPLICAS", "3"],
  ["TAG", "1.2.0"],
  ["ENABLED", "true"],
  ["PREFIX", "team-a"],
  ["PASSWORD", "hunter2-very-secret"],
])

const substituted = (yaml: string): ReadonlyArray<KubeObject> => {
  const result = substituteObjects(rendered(yaml), variables)
  if (Either.isLeft(result)) throw new Error(result.left.message)
  return result.right.map((r) => r.object)
}

const failure = (yaml: string): string => {
  const result = substituteObjects(rendered(yaml), variables)
  if (Either.isRight(result)) throw new Error("expected a failure")
  return result.left.message
}

const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: \${PREFIX}-web
  namespace: apps
  labels:
    \${PREFIX}/tier: web
spec:
  replicas: \${REPLICAS}
  paused: \${ENABLED}
  template:
    spec:
      containers:
        - name: web
          image: "registry.example/web:\${TAG}"
          args: ["--level=\${LEVEL:=info}", "$\${HOME}"]
          env:
            - name: VERSION
              value: "\${TAG}"
`

describe("substituteObjects", () => {
  it("substitutes strings and keys; unquoted values take their YAML type, quoted ones stay text", () => {
    const [object] = substituted(deployment)
    expect(object?.metadata.name).toBe("team-a-web")
    expect(object?.metadata.labels).toEqual({ "team-a/tier": "web" })
    const spec = object?.spec as Record<string, unknown>
    expect(spec.replicas).toBe(3)
    expect(spec.paused).toBe(true)
    const container = (spec.template as { spec: { containers: Array<Record<string, unknown>> } })
      .spec.containers[0]
    expect(container?.image).toBe("registry.example/web:1.2.0")
    expect(container?.args).toEqual(["--level=info", "${HOME}"])
    expect(container?.env).toEqual([{ name: "VERSION", value: "1.2.0" }])
  })

  it("leaves objects labelled or annotated kustomize.toolkit.fluxcd.io/substitute: disabled alone", () => {
    for (const where of ["labels", "annotations"]) {
      const [object] = substituted(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: script
  ${where}:
    kustomize.toolkit.fluxcd.io/substitute: disabled
data:
  run.sh: echo \${UNDEFINED}
`)
      expect(object?.data).toEqual({ "run.sh": "echo ${UNDEFINED}" })
    }
  })

  it("an undefined variable fails the render, naming object, file, field and variable", () => {
    expect(
      failure(`
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: apps }
data:
  region: \${REGION}
`),
    ).toBe(
      "app.yaml document 0 (0-based): postBuild substitution in ConfigMap apps/settings, field data.region: variable REGION is not defined (define it in postBuild.substitute or a postBuild.substituteFrom ConfigMap or Secret, or give a default: ${REGION:=value})",
    )
  })

  it("a malformed expression fails the render and says how to write a literal ${", () => {
    expect(
      failure(`
apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
data:
  script: echo \${a.b}
`),
    ).toMatch(
      /field data\.script: bad \$\{\.\.\.\} expression: missing closing brace \(write \$\$\{ for a literal \$\{\)/,
    )
  })

  it("a value that breaks the object fails without showing the value", () => {
    const broken = substituteObjects(
      rendered(`
apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
data:
  key: \${NESTED}
`),
      new Map([["NESTED", "secret-value: with a colon"]]),
    )
    expect(Either.isLeft(broken)).toBe(true)
    if (Either.isLeft(broken)) {
      expect(broken.left.message).toMatch(
        /field data\.key: the substituted value is not valid YAML/,
      )
      expect(broken.left.message).not.toContain("secret-value")
    }
  })

  it("an object that substitution leaves without a name is refused", () => {
    const result = substituteObjects(
      rendered(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: \${NAME}
`),
      new Map([["NAME", ""]]),
    )
    expect(Either.isLeft(result) && result.left.message).toMatch(
      /after postBuild substitution, ConfigMap \$\{NAME\} is no object to apply: missing metadata\.name/,
    )
  })
})
