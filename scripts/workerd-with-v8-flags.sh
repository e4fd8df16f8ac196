#!/usr/bin/env bash
# workerd for `npm run dev` on Linux (scripts/dev.mjs sets it as Miniflare's
# MINIFLARE_WORKERD_PATH): the real workerd, exec'd in this process's place
# so that Miniflare's pid, signals and control pipe (fd 3) are its own, with
# the binary config on stdin amended by scripts/workerd-v8-flags.mjs to
# carry the V8 flags in PRINTCART_WORKERD_V8_FLAGS (space-separated).
#
# Why: the local workerd can wedge for good, one CPU core busy and no
# request answered, when a full GC's sweep overlaps a background compile.
# After each JavaScript continuation workerd drains V8's foreground task
# queue (IoContext::runImpl); cppgc's low-priority sweep task re-posts
# itself until its concurrent sweep job has run, and that job waits for a
# V8 worker thread. workerd gives V8 one worker thread per core but one, so
# on 2 cores one Maglev or Sparkplug compile job that has to wait for a GC
# (CollectionBarrier::AwaitCollectionBackground) holds the only worker, and
# the GC never comes because the main thread is in that drain loop.
# --single-threaded-gc makes cppgc sweep incrementally on the main thread
# only (no concurrent job to wait for), which is what workerd already does
# on macOS.
set -euo pipefail
: "${PRINTCART_WORKERD:?path of the real workerd binary}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Miniflare's pipe stays the patcher's stdin (fd 4); workerd reads the patched config.
exec 4<&0
# shellcheck disable=SC2086 # the flags are a space-separated list on purpose
exec "$PRINTCART_WORKERD" "$@" < <(exec "${PRINTCART_NODE:-node}" "$here/workerd-v8-flags.mjs" ${PRINTCART_WORKERD_V8_FLAGS:-} <&4 3>&-) 4<&-
