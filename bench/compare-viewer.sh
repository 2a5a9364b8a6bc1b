#!/usr/bin/env bash
# Runs citywall-viewer-bench from two build folders in turn (before, after, before, after, ...),
# each with its own build's demo config, and prints every run's output with its label, so that
# both builds see the same load on a shared box. docs/benchmarks.md has the figures it gave.
#
#   bench/compare-viewer.sh BEFORE_BUILD AFTER_BUILD ROUNDS [BENCH ARGUMENTS...]
#
# The bench arguments default to --counts 10000,100000,1000000 --frames 5. Each build needs
# `ninja -C <build> citywall-viewer-bench demo_city`. Renders offscreen under xvfb-run (Mesa
# llvmpipe where there is no GPU). Every line of a run starts with "before r<N>| " or
# "after r<N>| ", e.g. `grep '^after' | grep 'markers'` for one build's frame lines.
set -euo pipefail

if [[ $# -lt 3 ]]; then
    echo "usage: $0 BEFORE_BUILD AFTER_BUILD ROUNDS [BENCH ARGUMENTS...]" >&2
    exit 2
fi
before=$(realpath "$1")
after=$(realpath "$2")
rounds=$3
shift 3
if [[ $# -gt 0 ]]; then
    args=("$@")
else
    args=(--counts "10000,100000,1000000" --frames 5)
fi
if ! [[ $rounds =~ ^[1-9][0-9]*$ ]]; then
    echo "$0: ROUNDS must be a positive number, not '$rounds'" >&2
    exit 2
fi
for dir in "$before" "$after"; do
    for file in "$dir/bench/citywall-viewer-bench" "$dir/config/demo-viewer.toml" \
        "$dir/maps/demo_city.gpkg"; do
        if [[ ! -e $file ]]; then
            echo "$0: $file is missing (ninja -C $dir citywall-viewer-bench demo_city)" >&2
            exit 2
        fi
    done
done

echo "host: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
echo "before: $before"
echo "after:  $after"
echo "bench arguments: ${args[*]}"
for ((round = 1; round <= rounds; ++round)); do
    for label in before after; do
        if [[ $label == before ]]; then dir=$before; else dir=$after; fi
        tag="$label r$round"
        echo "$tag| start $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
        status=0
        # The bench writes bench.png into its working folder: a scratch one per run.
        scratch=$(mktemp -d)
        (cd "$scratch" && xvfb-run -a -s "-screen 0 1920x1080x24" \
            "$dir/bench/citywall-viewer-bench" --config "$dir/config/demo-viewer.toml" \
            "${args[@]}" 2>&1) | sed -u "s/^/$tag| /" || status=$?
        rm -rf "$scratch"
        echo "$tag| end $(date -u +%Y-%m-%dT%H:%M:%SZ), exit $status"
        if [[ $status -ne 0 ]]; then exit "$status"; fi
    done
done
