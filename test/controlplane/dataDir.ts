import { access, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { isAlive } from "./supervised.ts"

const dirPrefix = "stageset-controlplane-"
const ownerFile = "owner.pid"
const keepFile = "keep"

/**
 * A test process that was killed never ran its finalizers: its processes are
 * gone (the supervisors saw to that) but its temp dir is not. Remove the dirs
 * of dead owners, except those kept on purpose for debugging.
 */
export const sweepAbandoned = async () => {
  const names = await readdir(tmpdir()).catch(() => [])
  for (const name of names.filter((n) => n.startsWith(dirPrefix))) {
    const dir = join(tmpdir(), name)
    const owner = Number.parseInt(await readFile(join(dir, ownerFile), "utf8").catch(() => ""), 10)
    const kept = await access(join(dir, keepFile)).then(
      () => true,
      () => false,
    )
    if (Number.isInteger(owner) && owner > 0 && !isAlive(owner) && !kept)
      await rm(dir, { recursive: true, force: true })
  }
}

/** A fresh temp dir owned by this process (so a later run can tell when it was abandoned). */
export const createDataDir = async (): Promise<string> => {
  await sweepAbandoned()
  const dir = await mkdtemp(join(tmpdir(), dirPrefix))
  await writeFile(join(dir, ownerFile), String(process.pid))
  return dir
}

/** Removes the dir, or marks it to survive the sweep (kept for debugging). */
export const releaseDataDir = async (dir: string, keep: boolean): Promise<void> => {
  if (keep) await writeFile(join(dir, keepFile), "")
  else await rm(dir, { recursive: true, force: true })
}
