import { FetchHttpClient, HttpClient, type HttpServer } from "@effect/platform"
import { Effect } from "effect"

/** GETs `path` from a server the test started on a TCP address, as a scraper or kubelet would. */
export const httpGet = (address: HttpServer.Address, path: string) =>
  Effect.gen(function* () {
    if (address._tag !== "TcpAddress") return yield* Effect.dieMessage("expected a TCP address")
    const client = yield* HttpClient.HttpClient
    const response = yield* client.get(`http://${address.hostname}:${address.port}${path}`)
    return {
      status: response.status,
      contentType: response.headers["content-type"],
      body: yield* response.text,
    }
  }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))
