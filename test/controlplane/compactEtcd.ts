/**
 * Compacts etcd's history up to its current revision through etcd's JSON
 * gateway, so that watches from older resourceVersions get a real 410 Gone.
 * Returns the compaction revision.
 */
export const compactEtcd = async (endpoint: string): Promise<number> => {
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${endpoint}${path}`, {
      method: "POST",
      body: JSON.stringify(body),
    })
    if (!response.ok)
      throw new Error(`etcd ${path}: HTTP ${response.status} ${await response.text()}`)
    return (await response.json()) as { header?: { revision?: string } }
  }
  // Any range answers with the store's current revision in its header ("AA==" is key "\0").
  const range = await post("/v3/kv/range", { key: "AA==", limit: 1 })
  const revision = Number(range.header?.revision)
  if (!Number.isFinite(revision)) throw new Error("etcd did not report a revision")
  await post("/v3/kv/compaction", { revision: String(revision), physical: true })
  return revision
}
