import { describe, expect, it } from "@effect/vitest"
import { checkKustomizations } from "../../../../src/render/kustomize/checkKustomizations.ts"
import type { ManifestFile } from "../../../../src/render/ManifestFile.ts"

const tree = (files: Readonly<Record<string, string>>): ReadonlyArray<ManifestFile> =>
  Object.entries(files).map(([path, content]) => ({ path, content }))

const base = {
  "base/kustomization.yaml": "resources: [deployment.yaml]\n",
  "base/deployment.yaml": "kind: Deployment\n",
  "components/tls/kustomization.yaml": "kind: Component\n",
}

const refusal = (files: Readonly<Record<string, string>>, dir: string) =>
  checkKustomizations(tree({ ...base, ...files }), dir)?.message

describe("checkKustomizations", () => {
  it("lets overlays, bases, components, generators and local files through", () => {
    expect(
      refusal(
        {
          "overlays/prod/kustomization.yaml": [
            "resources: [../../base, extra.yaml]",
            "components: [../../components/tls]",
            "patches: [{ path: patch.yaml }]",
            "configMapGenerator: [{ name: settings, files: [app.properties] }]",
            "generators: [gen.yaml]",
            "",
          ].join("\n"),
          "overlays/prod/gen.yaml": "apiVersion: builtin\nkind: ConfigMapGenerator\n",
          "overlays/prod/extra.yaml": "kind: Service\n",
        },
        "overlays/prod",
      ),
    ).toBeUndefined()
  })

  it("refuses a resource outside the source, naming the kustomization and the entry", () => {
    expect(
      refusal({ "app/kustomization.yaml": "resources:\n  - ../../etc/secrets\n" }, "app"),
    ).toBe("app/kustomization.yaml: resources[0] ../../etc/secrets reaches outside the source")
    expect(refusal({ "app/kustomization.yaml": "resources: [/var/run]\n" }, "app")).toBe(
      "app/kustomization.yaml: resources[0] /var/run is an absolute path, outside the source",
    )
  })

  it("refuses remote resources, components and files: builds have no network", () => {
    for (const entry of [
      "https://example.com/manifests.yaml",
      "github.com/org/repo//deploy?ref=v1",
      "git@github.com:org/repo.git",
      "ssh://git@example.com/repo",
    ])
      expect(refusal({ "kustomization.yaml": `resources: ["${entry}"]\n` }, "")).toMatch(
        /^kustomization\.yaml: resources\[0\] .* (is remote|does not exist in the source)/,
      )
    expect(
      refusal({ "kustomization.yaml": "patches:\n  - path: https://example.com/patch.yaml\n" }, ""),
    ).toMatch(/patches\[0\]\.path https:\/\/example.com\/patch.yaml is remote/)
  })

  it("follows the kustomizations a build reaches, and only those", () => {
    const files = {
      "app/kustomization.yaml": "resources: [../shared]\n",
      "shared/kustomization.yaml": "resources: [https://example.com/x.yaml]\n",
      "unrelated/kustomization.yaml": "resources: [https://example.com/y.yaml]\n",
    }
    expect(refusal(files, "app")).toMatch(/^shared\/kustomization\.yaml: resources\[0\]/)
    expect(refusal({ ...files, "app/kustomization.yaml": "resources: [../base]\n" }, "app")).toBe(
      undefined,
    )
  })

  it("refuses exec and container function plugins, inline or in a file, and helm charts", () => {
    const fn = [
      "apiVersion: example.com/v1",
      "kind: Generator",
      "metadata:",
      "  name: g",
      "  annotations:",
      "    config.kubernetes.io/function: |",
      "      exec:",
      "        path: ./run.sh",
    ].join("\n")
    expect(refusal({ "kustomization.yaml": "generators: [gen.yaml]\n", "gen.yaml": fn }, "")).toBe(
      "kustomization.yaml: generators[0] gen.yaml is a KRM function (exec or container plugin), which is not supported",
    )
    expect(
      refusal({ "kustomization.yaml": `transformers:\n  - |\n${fn.replace(/^/gm, "    ")}\n` }, ""),
    ).toMatch(/transformers\[0\] is a KRM function/)
    expect(
      refusal({ "kustomization.yaml": "helmCharts: [{ name: redis, repo: https://x }]\n" }, ""),
    ).toMatch(/^kustomization\.yaml: helmCharts is not supported/)
  })

  it("a kustomization that is no YAML is refused by name", () => {
    expect(refusal({ "kustomization.yaml": "resources: [a\n" }, "")).toBe(
      "kustomization.yaml: not valid YAML",
    )
  })
})
