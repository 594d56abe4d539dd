import { createServer, type Server } from "node:net"

const listen = (): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve(server))
  })

/**
 * Asks the OS for `count` distinct free loopback ports (all held open until
 * every one is assigned, so none repeats). Racy by nature: another process may
 * take a port before our child binds it; the readiness check then fails loudly.
 */
export const freePorts = async (count: number): Promise<ReadonlyArray<number>> => {
  const servers = await Promise.all(Array.from({ length: count }, listen))
  const ports = servers.map((server) => {
    const address = server.address()
    return typeof address === "object" && address !== null ? address.port : 0
  })
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
  if (ports.some((port) => port === 0)) throw new Error("no port assigned")
  return ports
}
