import { readFileSync } from "node:fs"
import { request } from "node:https"
import type { ControlPlaneCerts } from "./certs.ts"

/**
 * A bare HTTPS GET with the admin certificate, for readiness checks before any
 * client exists. Never throws: connection errors come back as status 0.
 */
export const makeAdminGet = (server: string, certs: ControlPlaneCerts) => {
  const tls = {
    ca: readFileSync(certs.caFile),
    cert: readFileSync(certs.clientCertFile),
    key: readFileSync(certs.clientKeyFile),
  }
  return (path: string): Promise<{ readonly status: number; readonly body: string }> =>
    new Promise((resolve) => {
      const req = request(
        new URL(path, server),
        { ...tls, method: "GET", timeout: 5000 },
        (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (chunk: Buffer) => chunks.push(chunk))
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
          )
          res.on("error", (error) => resolve({ status: 0, body: String(error) }))
        },
      )
      req.on("timeout", () => req.destroy(new Error("timeout")))
      req.on("error", (error) => resolve({ status: 0, body: String(error) }))
      req.end()
    })
}
