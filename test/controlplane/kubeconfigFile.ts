import { writeFile } from "node:fs/promises"
import type { ControlPlaneCerts } from "./certs.ts"

/** Writes a kubeconfig for the admin identity; file references keep it readable and kubectl-compatible. */
export const writeKubeconfig = async (
  path: string,
  server: string,
  certs: ControlPlaneCerts,
): Promise<void> => {
  // JSON is valid YAML, and avoids a YAML dependency in the harness.
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "stageset-test", cluster: { server, "certificate-authority": certs.caFile } },
    ],
    users: [
      {
        name: "stageset-test-admin",
        user: {
          "client-certificate": certs.clientCertFile,
          "client-key": certs.clientKeyFile,
        },
      },
    ],
    contexts: [
      {
        name: "stageset-test",
        context: { cluster: "stageset-test", user: "stageset-test-admin", namespace: "default" },
      },
    ],
    "current-context": "stageset-test",
  }
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 })
}
