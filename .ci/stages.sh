# Stage runner for .ci/run (sourced). `stage NAME CMD...` runs CMD with errexit on, in its own
# process, whatever happened to the stages before it; it records the result and the time taken.
# `stage_together NAME CMD... -- NAME CMD...` runs two stages side by side (each on its own core;
# their output is kept apart and printed one after the other when both are done).
# `stage_summary` prints the table and returns non-zero if any stage failed.
STAGE_NAMES=()
STAGE_RESULTS=()
STAGE_SECONDS=()

stage() {
  local name=$1 start=$SECONDS rc=0
  shift
  echo
  echo "== $name =="
  # A background subshell keeps `set -e` in force inside CMD (a `||` around it would switch it
  # off); the status comes back through `wait`.
  ( set -euo pipefail; "$@" ) &
  wait $! || rc=$?
  STAGE_NAMES+=("$name")
  STAGE_RESULTS+=("$rc")
  STAGE_SECONDS+=($((SECONDS - start)))
  if [ "$rc" -ne 0 ]; then echo "== $name: FAILED (exit $rc)"; fi
  return 0
}

stage_together() {
  local names=() pids=() logs=() starts=() cmd=() i rc
  while [ "$#" -gt 0 ]; do
    names+=("$1")
    shift
    cmd=()
    while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do cmd+=("$1"); shift; done
    [ "$#" -eq 0 ] || shift
    logs+=("$(mktemp /tmp/spor-stage.XXXXXX)")
    starts+=("$SECONDS")
    ( set -euo pipefail; "${cmd[@]}" ) >"${logs[-1]}" 2>&1 &
    pids+=("$!")
    echo
    echo "== ${names[-1]} (started beside the others; its output follows when it ends)"
  done
  for i in "${!pids[@]}"; do
    rc=0
    wait "${pids[$i]}" || rc=$?
    echo
    echo "== ${names[$i]} =="
    cat "${logs[$i]}"
    rm -f "${logs[$i]}"
    STAGE_NAMES+=("${names[$i]}")
    STAGE_RESULTS+=("$rc")
    STAGE_SECONDS+=($((SECONDS - starts[i])))
    if [ "$rc" -ne 0 ]; then echo "== ${names[$i]}: FAILED (exit $rc)"; fi
  done
  return 0
}

stage_summary() {
  local i failed=0 result
  echo
  echo "== Summary"
  printf '%-60s %-10s %8s\n' "stage" "result" "seconds"
  for i in "${!STAGE_NAMES[@]}"; do
    if [ "${STAGE_RESULTS[$i]}" -eq 0 ]; then result=ok; else result="FAILED(${STAGE_RESULTS[$i]})"; failed=$((failed + 1)); fi
    printf '%-60s %-10s %8s\n' "${STAGE_NAMES[$i]}" "$result" "${STAGE_SECONDS[$i]}"
  done
  if [ "$failed" -gt 0 ]; then
    echo "$failed of ${#STAGE_NAMES[@]} stages failed"
    return 1
  fi
  echo "all ${#STAGE_NAMES[@]} stages passed"
}
