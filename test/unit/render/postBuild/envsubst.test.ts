import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { substitute } from "../../../../src/render/postBuild/envsubst.ts"

const vars: Readonly<Record<string, string>> = {
  cluster_env: "prod",
  region: "eu-central-1",
  empty: "",
  image: "registry.example/team/app.v2.tar.gz",
  mixed: "Hello World",
  path: "/srv/data/files",
}
const lookup = (name: string) => vars[name]
const expand = (text: string) => substitute(text, lookup)
const ok = (text: string) => {
  const result = expand(text)
  if (Either.isLeft(result)) throw new Error(`${text}: ${JSON.stringify(result.left)}`)
  return result.right
}

describe("postBuild substitution (Flux's rules, strict)", () => {
  it("expands ${var} and leaves text, $var and lone $ alone", () => {
    expect(ok("env: ${cluster_env}, region: ${region}")).toBe("env: prod, region: eu-central-1")
    expect(ok("echo $HOME costs $5 and $")).toBe("echo $HOME costs $5 and $")
    expect(ok("")).toBe("")
  })

  it("$$ is an escaped $, so $${var} stays a literal ${var}", () => {
    expect(ok("$${cluster_env}")).toBe("${cluster_env}")
    expect(ok("$${x:=y} and ${cluster_env}")).toBe("${x:=y} and prod")
    expect(ok("pid $$")).toBe("pid $")
  })

  it("fails on an undefined variable without a default, naming it", () => {
    expect(expand("a ${nope} b")).toEqual(Either.left({ _tag: "Undefined", name: "nope" }))
    // Operators that read the value need it too.
    for (const text of ["${#nope}", "${nope^^}", "${nope:1}", "${nope/a/b}", "${nope%.*}"])
      expect(expand(text)).toEqual(Either.left({ _tag: "Undefined", name: "nope" }))
  })

  it("an empty variable is defined", () => {
    expect(ok("[${empty}]")).toBe("[]")
  })

  it("defaults apply when the variable is undefined or empty", () => {
    expect(ok("${nope:=dev}")).toBe("dev")
    expect(ok("${nope:-dev}")).toBe("dev")
    expect(ok("${nope=dev}")).toBe("dev")
    expect(ok("${empty:=dev}")).toBe("dev")
    expect(ok("${cluster_env:=dev}")).toBe("prod")
    expect(ok("${nope:=pre-${region}-post}")).toBe("pre-eu-central-1-post")
    expect(ok("${nope:=}")).toBe("")
    // A default is evaluated even when unused, so an undefined variable in it is an error.
    expect(expand("${cluster_env:=${nope}}")).toEqual(
      Either.left({ _tag: "Undefined", name: "nope" }),
    )
  })

  it("supports the bash string functions Flux documents", () => {
    expect(ok("${#region}")).toBe("12")
    expect(ok("${mixed^}|${mixed^^}|${mixed,}|${mixed,,}")).toBe(
      "Hello World|HELLO WORLD|hello World|hello world",
    )
    expect(ok("${region:3}|${region:3:7}|${region:-3}|${region:1:-1}")).toBe(
      "central-1|central|eu-central-1|u-central-",
    )
    expect(ok("${image#*.}|${image##*.}|${image%.*}|${image%%.*}")).toBe(
      "example/team/app.v2.tar.gz|gz|registry.example/team/app.v2.tar|registry",
    )
    expect(ok("${path##*/}|${path#*/}")).toBe("files|srv/data/files")
    expect(ok("${mixed/o/0}|${mixed//o/0}|${mixed/#Hello/Bye}|${mixed/%World/All}")).toBe(
      "Hell0 World|Hell0 W0rld|Bye World|Hello All",
    )
    expect(ok("${path//\\//-}|${mixed/ /}|${region/#/at-}|${region/%/-x}")).toBe(
      "-srv-data-files|HelloWorld|at-eu-central-1|eu-central-1-x",
    )
  })

  it("refuses malformed expressions as Flux does", () => {
    for (const [text, message] of [
      ["${}", "unable to parse variable name"],
      ["${a.b}", "missing closing brace"],
      ["${cluster_env", "missing closing brace"],
      ["${cluster_env-dev}", "missing closing brace"],
      ["${region:}", "unable to parse substitution within function"],
      ["${#}", "bad substitution"],
    ] as const) {
      const result = expand(text)
      expect(Either.isLeft(result) && result.left._tag === "Syntax" && result.left.message).toBe(
        message,
      )
    }
  })

  it("inserts values as they are, never expanding them again", () => {
    expect(substitute("${a}", (name) => (name === "a" ? "${b}" : undefined))).toEqual(
      Either.right("${b}"),
    )
  })
})
