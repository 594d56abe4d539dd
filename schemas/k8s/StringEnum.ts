import { Schema } from "effect"

/**
 * A closed set of strings. The CRD gets `type: string` + `enum`; a decode
 * failure names every allowed value once instead of one line per literal.
 */
export const StringEnum = <const Values extends readonly [string, ...Array<string>]>(
  ...values: Values
) =>
  Schema.Literal(...values).annotations({
    message: (issue) => ({
      message: `must be one of ${values.join(", ")}, got ${JSON.stringify(issue.actual)}`,
      override: true,
    }),
  })
