/**
 * StageInventory shard names: `<stageset>-<stage>-<index>` (the seed's form).
 *
 * The name must fit a DNS-1123 subdomain (253 characters), and the StageSet and
 * stage names also go into label values (63 characters, which in practice is
 * the tighter bound). A StageSet whose names
 * would overflow is rejected up front with a condition message rather than
 * failing on the first write with a 422 halfway through a rollout.
 *
 * How many digits to reserve for the index: the index a stage needs depends on
 * its entry count and the shard cap, both of which change after the StageSet is
 * accepted, so checking against today's count would let a later render fail.
 * We reserve `RESERVED_INDEX_DIGITS` = 5 digits (indices up to 99 999): with the
 * default cap of 5 000 that is half a billion entries, and even with cap 1 it
 * is more objects than one API server serves in practice. `shardNameFits`
 * checks a concrete index for a layout that would need more.
 */
import { LABEL_STAGE, LABEL_STAGE_SET } from "./Labels.ts"

/** Longest object name the API server accepts (DNS-1123 subdomain). */
export const MAX_NAME_LENGTH = 253
/** Longest label value; the StageSet and stage names are stored as labels on every shard. */
export const MAX_LABEL_VALUE_LENGTH = 63
/** Digits reserved for the shard index when validating names (see above). */
export const RESERVED_INDEX_DIGITS = 5
/** The highest index the reserved digits cover. */
export const MAX_RESERVED_SHARD_INDEX = 10 ** RESERVED_INDEX_DIGITS - 1

/** `<stageset>-<stage>-<index>`. Not injective (`a-b`/`c` and `a`/`b-c` collide): see the owner labels. */
export const shardName = (stageSet: string, stage: string, index: number): string =>
  `${stageSet}-${stage}-${index}`

/** Whether the name of shard `index` fits `MAX_NAME_LENGTH`. */
export const shardNameFits = (stageSet: string, stage: string, index: number): boolean =>
  shardName(stageSet, stage, index).length <= MAX_NAME_LENGTH

/**
 * Why the shards of this stage could not be written, or undefined when every
 * shard up to `MAX_RESERVED_SHARD_INDEX` fits. The message names the limit and
 * the excess so the user knows how much to shorten.
 */
export const checkShardNames = (stageSet: string, stage: string): string | undefined => {
  const longest = shardName(stageSet, stage, MAX_RESERVED_SHARD_INDEX).length
  if (longest > MAX_NAME_LENGTH)
    return `inventory names "${shardName(stageSet, stage, 0)}" ... would need up to ${longest} characters (${RESERVED_INDEX_DIGITS} digits reserved for the shard index); the limit is ${MAX_NAME_LENGTH}: shorten the StageSet or stage name by ${longest - MAX_NAME_LENGTH}`
  // Stricter in practice than the name limit, which only binds if label
  // values ever allow more than 63 characters.
  if (stageSet.length > MAX_LABEL_VALUE_LENGTH)
    return `StageSet name "${stageSet}" is ${stageSet.length} characters long; at most ${MAX_LABEL_VALUE_LENGTH} fit the ${LABEL_STAGE_SET} label of its inventories`
  if (stage.length > MAX_LABEL_VALUE_LENGTH)
    return `stage name "${stage}" is ${stage.length} characters long; at most ${MAX_LABEL_VALUE_LENGTH} fit the ${LABEL_STAGE} label of its inventories`
  return undefined
}
