#!/usr/bin/env bash
# `npm test`: static checks, the bun test suite, and the Deno compatibility run.
# Ends with one line `N passed, N failed, N skipped` summed over every check and test case (bun's
# own summary is on stderr in a form CI does not read, so the counts come from JUnit reports).
# Skipped: tests whose Debian tool or root is missing outside CI (tests/helpers/needs.ts); each
# is listed with its reason under its runner's count. With CI=true they fail instead.
set -uo pipefail
cd "$(dirname "$0")/.."
export DENO_NO_UPDATE_CHECK=1 NO_COLOR=1 RUST_BACKTRACE=0
B=node_modules/.bin
REPORTS=.junit
rm -rf "$REPORTS" && mkdir -p "$REPORTS" types

passed=0
failed=0
skipped=0
failures=()

step() { # step NAME COMMAND... : run a static check, count it as one case
  local name=$1
  shift
  echo "── $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
  fi
}

count_junit() { # count_junit FILE LABEL : add a JUnit report's cases to the totals
  local file=$1 label=$2 line tests fail err skip
  if [ ! -s "$file" ]; then
    echo "!! $label wrote no JUnit report"
    failed=$((failed + 1))
    failures+=("$label (no report)")
    return
  fi
  line=$(grep -m1 '<testsuites' "$file")
  attr() { sed -nE "s/.* $1=\"([0-9]+)\".*/\1/p" <<<"$line"; }
  tests=$(attr tests)
  fail=$(attr failures)
  err=$(attr errors)
  # Counted as elements: Deno's <testsuites> line has no `skipped` attribute.
  skip=$(grep -c '<skipped' "$file")
  tests=${tests:-0} fail=${fail:-0} err=${err:-0} skip=${skip:-0}
  echo "   $label: $((tests - fail - err - skip)) passed, $((fail + err)) failed, $skip skipped"
  skipped_cases "$file" | sed 's/^/     skipped: /'
  passed=$((passed + tests - fail - err - skip))
  failed=$((failed + fail + err))
  skipped=$((skipped + skip))
  if [ $((fail + err)) -gt 0 ]; then failures+=("$label"); fi
}

skipped_cases() { # skipped_cases FILE : the name of every skipped case (its reason is in the name)
  awk '
    function attr(name, text) {
      if (match(text, " " name "=\"[^\"]*\"")) return substr(text, RSTART + length(name) + 3, RLENGTH - length(name) - 4)
      return ""
    }
    /<testcase / { where = attr("file", $0); name = attr("name", $0); group = attr("classname", $0)
                   if (where != "" && group != "") name = group " > " name
                   if (where != "") name = where ": " name }
    /<skipped/ { gsub(/&gt;/, ">", name); gsub(/&lt;/, "<", name); gsub(/&quot;/, "\"", name)
                 gsub(/&#39;|&apos;/, "\047", name); gsub(/&amp;/, "\\&", name); print name }
  ' "$1"
}

[ -s types/deno.d.ts ] || $B/deno types >types/deno.d.ts

step "deno lint" $B/deno lint --quiet
step "deno fmt --check" $B/deno fmt --check --quiet
step "tsc --noEmit" $B/tsc -p tsconfig.json
step "tsc web/ (the dashboard)" $B/tsc -p web/tsconfig.json
step "deno check" $B/deno check --quiet mod.ts src/ tests/ bench/ scripts/
step "layout rules" $B/bun scripts/check-layout.ts
# The dashboard's embedded assets are generated from web/ and committed: they must match.
step "dashboard assets up to date" $B/bun scripts/build-ui.ts --check

bench_smoke() { # every benchmark still runs (figures are read by people, not asserted here)
  local file
  for file in bench/*.bench.ts; do
    # NEXUS_BENCH_SMOKE=1 lets a bench file run each case once instead of measuring it.
    NEXUS_BENCH_SMOKE=1 $B/bun "$file" >"$REPORTS/$(basename "$file").log" 2>&1 || { echo "!! $file failed"; tail -20 "$REPORTS/$(basename "$file").log"; return 1; }
  done
}
if [ $# -eq 0 ]; then step "benchmarks (smoke)" bench_smoke; fi
# 30 s at c=64 through a real Nexus process: zero errors, no memory growth beyond noise. The
# 5-minute run (scripts/soak.ts defaults) is summarised in bench/RESULTS.md.
soak() { $B/bun scripts/soak.ts --duration 30 --warmup 5 --max-growth 25 | tail -n 1; }
if [ $# -eq 0 ]; then step "soak (30 s)" soak; fi

perf_guard() { # end-to-end regression guard: the quick bench against loose limits (bench/e2e/targets.ts)
  if $B/bun bench/run.ts --quick --guard >"$REPORTS/perf-guard.log" 2>&1; then
    grep -E "^(pass|MISS) " "$REPORTS/perf-guard.log" | sed 's/^/   /'
    grep -E "done in" "$REPORTS/perf-guard.log" | sed 's/^/   /'
  else
    tail -40 "$REPORTS/perf-guard.log"
    return 1
  fi
}
if [ $# -eq 0 ]; then step "performance guard (bench/run.ts --quick --guard)" perf_guard; fi

# Every response and log line the tests produce is written here and scanned for the test
# secrets at the end (tests/helpers/secrets.ts, scripts/secrets-scan.ts).
export NEXUS_TEST_TRANSCRIPTS="$PWD/$REPORTS/transcripts"

echo "── bun test"
$B/bun test --reporter=junit --reporter-outfile="$REPORTS/bun.xml" "$@"
bun_rc=$?
count_junit "$REPORTS/bun.xml" "bun test"
if [ $bun_rc -ne 0 ] && [ "${#failures[@]}" -eq 0 ]; then
  failed=$((failed + 1))
  failures+=("bun test (exit $bun_rc)")
fi

if [ $# -eq 0 ]; then
  echo "── deno test (compatibility run)"
  $B/deno test --quiet --allow-all --junit-path="$REPORTS/deno.xml" tests/ >"$REPORTS/deno.log" 2>&1
  deno_rc=$?
  tail -n 3 "$REPORTS/deno.log"
  count_junit "$REPORTS/deno.xml" "deno test"
  if [ $deno_rc -ne 0 ]; then
    grep -E "^(FAILED|error)|=> " "$REPORTS/deno.log" | head -40
    [[ " ${failures[*]} " == *"deno test"* ]] || { failed=$((failed + 1)); failures+=("deno test (exit $deno_rc)"); }
  fi
fi

step "secrets scan (no test secret in any response or log)" $B/bun scripts/secrets-scan.ts "$NEXUS_TEST_TRANSCRIPTS"

if [ "${#failures[@]}" -gt 0 ]; then
  echo "Failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
