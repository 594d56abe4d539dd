import { Schema } from "effect"

/**
 * An array whose items are identified by one key, as Kubernetes list-type map:
 * the API server rejects duplicates and server-side apply merges items by key.
 * Decoding checks the same uniqueness, so the InMemory client and local files
 * fail the way the API server would, pointing at the duplicate item's key.
 */
export const ListMap = <Key extends string, A extends { readonly [K in Key]: string }, I, R>(
  item: Schema.Schema<A, I, R>,
  key: Key,
) =>
  Schema.Array(item)
    .annotations({
      jsonSchema: { "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": [key] },
    })
    .pipe(
      Schema.filter(
        (items) => {
          const firstIndex = new Map<string, number>()
          const issues: Array<Schema.FilterIssue> = []
          items.forEach((entry, index) => {
            const value = entry[key]
            const first = firstIndex.get(value)
            if (first === undefined) firstIndex.set(value, index)
            else
              issues.push({
                path: [index, key],
                message: `duplicate ${key} ${JSON.stringify(value)} (first at index ${first})`,
              })
          })
          return issues
        },
        // An empty jsonSchema keeps this refinement in the generated schema, so a
        // description given to the list is not lost.
        { jsonSchema: {} },
      ),
    )
