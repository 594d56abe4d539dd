#!/usr/bin/env bash
# Runs one command and ties its life to this script's stdin: when the parent
# closes the pipe (or dies, and the OS closes it), the command gets SIGTERM and,
# after a grace period, SIGKILL. This is how the test control plane guarantees
# no stray etcd/kube-apiserver survives a crashed test run.
#
# usage: [SUPERVISE_PID_FILE=<file>] supervise.sh <grace-seconds> <command> [args...]
# Exits with the command's status when the command exits on its own.
set -u

grace="$1"
shift

# Background jobs of a non-interactive shell read /dev/null unless redirected
# explicitly, so keep the parent's pipe on fd 3 for the watcher.
exec 3<&0

# The command must not hold the pipe, or EOF would never arrive.
"$@" </dev/null 3<&- &
child=$!
# Lets the parent learn the command's pid (to check later that it is gone).
if [[ -n "${SUPERVISE_PID_FILE:-}" ]]; then echo "$child" >"$SUPERVISE_PID_FILE"; fi

# On a signal (Ctrl-C reaches the whole process group anyway) pass it on and
# let the `wait` below reap the command.
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP

{
  # The `read` builtin blocks until EOF without a helper process that could leak.
  while IFS= read -r _ <&3; do :; done
  kill -TERM "$child" 2>/dev/null
  deadline=$((SECONDS + grace))
  while kill -0 "$child" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      kill -KILL "$child" 2>/dev/null
      break
    fi
    sleep 0.1
  done
} &
watcher=$!
exec 3<&-

# `wait` returns early when a trapped signal arrives; keep reaping until the command is gone.
while :; do
  wait "$child"
  status=$?
  kill -0 "$child" 2>/dev/null || break
done
kill "$watcher" 2>/dev/null
exit "$status"
