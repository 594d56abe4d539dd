/**
 * `readyChecks.exprs`: CEL health checks in the shape of Flux's healthCheckExprs, with the
 * semantics of the Go stageset-controller. An expression sees the live object's top-level
 * fields as variables (`apiVersion`, `kind`, `metadata`, `spec`, `status`; a missing one
 * is an empty map). A check applies to the stage's applied objects whose group and kind
 * match; such an object is ready once kstatus says so and `current` holds (when given),
 * and fails at once when `failed` holds. `inProgress` only words what a timeout reports.
 * Compiled and evaluated by @bufbuild/cel, a maintained CEL implementation. Pure. Loaded
 * on demand (celChecks.ts) by a StageSet that has such checks.
 */
import { CelScalar, celEnv, isCelError, parse, plan } from "@bufbuild/cel"
import { Either, Predicate } from "effect"
import type { ReadyCheckExpr } from "../../schemas/StageSet.ts"
import { type KubeObject, parseApiVersion } from "../kube/KubeObject.ts"
import type { CompiledCheck, CompiledExpression, Outcome } from "./CompiledCheck.ts"

const variables = {
  apiVersion: CelScalar.STRING,
  kind: CelScalar.STRING,
  metadata: CelScalar.DYN,
  spec: CelScalar.DYN,
  status: CelScalar.DYN,
} as const

const env = celEnv({ variables })

type Expr = ReturnType<typeof parse>["expr"]
type Evaluate = ReturnType<typeof plan<typeof variables>>

/** Names an expression may use besides the object's fields: CEL's type names. */
const BUILTIN_IDENTS = new Set([
  "int",
  "uint",
  "double",
  "bool",
  "string",
  "bytes",
  "list",
  "map",
  "null_type",
  "type",
  "dyn",
  "google",
])

/**
 * How deep comprehensions (`all`, `exists`, `map`, `filter`) may nest in one another's
 * bodies. Each level multiplies the work by a list's length and the expression runs
 * inside the controller; health checks need one or two levels.
 */
export const MAX_LOOP_NESTING = 3

type Problem = string | undefined

/** An identifier no scope defines, or comprehensions nested too deep. */
const inspect = (expr: Expr | undefined, scope: ReadonlySet<string>, depth: number): Problem => {
  if (expr === undefined) return undefined
  const kind = expr.exprKind
  switch (kind.case) {
    case "identExpr": {
      const name = kind.value.name
      return scope.has(name) || name in variables || BUILTIN_IDENTS.has(name)
        ? undefined
        : `undeclared reference to ${name} (an expression sees apiVersion, kind, metadata, spec and status)`
    }
    case "selectExpr":
      return inspect(kind.value.operand, scope, depth)
    case "callExpr":
      return [kind.value.target, ...kind.value.args].reduce<Problem>(
        (found, arg) => found ?? inspect(arg, scope, depth),
        undefined,
      )
    case "listExpr":
      return kind.value.elements.reduce<Problem>(
        (found, element) => found ?? inspect(element, scope, depth),
        undefined,
      )
    case "structExpr":
      return kind.value.entries.reduce<Problem>((found, entry) => {
        if (found !== undefined) return found
        const key = entry.keyKind.case === "mapKey" ? entry.keyKind.value : undefined
        return inspect(key, scope, depth) ?? inspect(entry.value, scope, depth)
      }, undefined)
    case "comprehensionExpr": {
      const c = kind.value
      if (depth + 1 > MAX_LOOP_NESTING)
        return `comprehensions (all, exists, map, filter) nest more than ${MAX_LOOP_NESTING} deep`
      const inner = new Set([...scope, c.iterVar, c.iterVar2, c.accuVar].filter((v) => v !== ""))
      const withAccu = new Set([...scope, c.accuVar])
      return (
        inspect(c.iterRange, scope, depth) ??
        inspect(c.accuInit, scope, depth) ??
        inspect(c.loopCondition, inner, depth + 1) ??
        inspect(c.loopStep, inner, depth + 1) ??
        inspect(c.result, withAccu, depth)
      )
    }
    default:
      return undefined
  }
}

const compileOne = (source: string, field: string): Either.Either<CompiledExpression, string> => {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(source)
  } catch (error) {
    return Either.left(`${field}: ${error instanceof Error ? error.message : String(error)}`)
  }
  const constant = parsed.expr.exprKind
  if (constant.case === "constExpr" && constant.value.constantKind.case !== "boolValue")
    return Either.left(`${field}: must be a boolean expression`)
  const problem = inspect(parsed.expr, new Set(), 0)
  if (problem !== undefined) return Either.left(`${field}: ${problem}`)
  const evaluate = plan(env, parsed)
  return Either.right({ field, run: (object) => run(evaluate, object) })
}

/**
 * Compiles `exprs` (at `field`, e.g. `spec.stages[0].readyChecks.exprs`); the error names
 * the first expression that does not compile. Messages of the compiled checks name them
 * from `readyChecks.exprs`.
 */
export const compileReadyExprs = (
  exprs: ReadonlyArray<ReadyCheckExpr>,
  field: string,
): Either.Either<ReadonlyArray<CompiledCheck>, string> => {
  const checks: Array<CompiledCheck> = []
  for (const [i, check] of exprs.entries()) {
    const compiled: Record<string, CompiledExpression> = {}
    for (const name of ["current", "inProgress", "failed"] as const) {
      const source = check[name]
      if (source === undefined || source === "") continue
      const result = compileOne(source, `readyChecks.exprs[${i}].${name}`)
      if (Either.isLeft(result))
        return Either.left(`${field.replace(/readyChecks\.exprs$/, "")}${result.left}`)
      compiled[name] = result.right
    }
    checks.push({ group: parseApiVersion(check.apiVersion).group, kind: check.kind, ...compiled })
  }
  return Either.right(checks)
}

/** JSON integers as CEL ints (as Go reads them), so `status.replicas + 1` type-checks. */
const toCel = (value: unknown): unknown => {
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value)
  if (Array.isArray(value)) return value.map(toCel)
  if (Predicate.isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)]))
  return value
}

const bindingsOf = (object: KubeObject) => {
  const field = (value: unknown) => (Predicate.isRecord(value) ? toCel(value) : {})
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: field(object.metadata),
    spec: field(object.spec),
    status: field(object.status),
  } as Parameters<Evaluate>[0] & {}
}

const run = (evaluate: Evaluate, object: KubeObject): Outcome => {
  let result: unknown
  try {
    result = evaluate(bindingsOf(object))
  } catch (error) {
    result = error
  }
  if (typeof result === "boolean") return { value: result }
  // A Secret's data may show in an evaluation error; say only that it failed.
  const secret = object.kind === "Secret" && parseApiVersion(object.apiVersion).group === ""
  if (isCelError(result) || result instanceof Error)
    return { error: secret ? "evaluation failed" : (result as Error).message }
  return {
    error: `evaluated to ${typeof result === "bigint" ? "an int" : typeof result}, not a bool`,
  }
}
