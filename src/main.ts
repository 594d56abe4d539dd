// The controller process (flags -> layers -> watch/queue/reconcile) is the next milestone
// (issue "The controller process"). Until it lands, `npm start` says so instead of
// pretending: the reconcile programs are usable from tests and code today.
process.stderr.write(
  "stageset-controller: the controller process is not built yet; the reconcile, prune, shard and teardown programs are in src/programs and run in `npm test` against in-memory and real API servers.\n",
)
process.exitCode = 1
