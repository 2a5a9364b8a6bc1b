#!/usr/bin/env bash
# End to end: citywall-feedsim → citywall-ingest → citywall-viewer snapshot. A snapshot taken
# before the incidents are sent must show none of them; one taken after must show a marker at
# the screen position of every one (marker_check); a selected incident's case comes from ingest. Everything started here is stopped on exit.
# Usage: end_to_end.sh BUILD_DIR WORK_DIR
set -euo pipefail
build=$1
work=$2
rm -rf "$work"
mkdir -p "$work"

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# Free ports, so parallel runs do not clash, below the kernel's ephemeral range (as
# tests/support/loopback.hpp): an outgoing connection is never given one before ingest binds it.
read -r -a ports < <(/usr/bin/python3 -c '
import random, socket
ports = []
while len(ports) < 9:
    port = random.randint(10000, 19999)
    if port in ports: continue
    with socket.socket() as s:
        try: s.bind(("127.0.0.1", port))
        except OSError: continue
    ports.append(port)
print(" ".join(map(str, ports)))')

config="$work/ingest.toml"
sed -e "s|tcp://127.0.0.1:5556|tcp://127.0.0.1:${ports[0]}|" \
    -e "s|tcp://127.0.0.1:5557|tcp://127.0.0.1:${ports[1]}|" \
    -e "s|tcp://127.0.0.1:5601|tcp://127.0.0.1:${ports[2]}|" \
    -e "s|tcp://127.0.0.1:5602|tcp://127.0.0.1:${ports[3]}|" \
    -e "s|tcp://127.0.0.1:5603|tcp://127.0.0.1:${ports[4]}|" \
    -e "s|tcp://127.0.0.1:5604|tcp://127.0.0.1:${ports[5]}|" \
    -e "s|tcp://127.0.0.1:5605|tcp://127.0.0.1:${ports[6]}|" \
    -e "s|tcp://127.0.0.1:5606|tcp://127.0.0.1:${ports[7]}|" \
    -e "s|tcp://127.0.0.1:5607|tcp://127.0.0.1:${ports[8]}|" \
    "$build/config/demo-ingest.toml" >"$config"

setsid "$build/ingest/citywall-ingest" --config "$config" --journal "$work/journal" \
    2>"$work/ingest.log" &
pids+=($!)
for _ in $(seq 100); do grep -q "serving" "$work/ingest.log" 2>/dev/null && break; sleep 0.1; done
grep -q "serving" "$work/ingest.log" || { cat "$work/ingest.log"; exit 1; }

# The demo ingest has keys on: the wall reads with the demo wall's key.
wall_keys=(--key-file "$build/config/keys/wall.key" --ingest-key-file "$build/config/keys/ingest.pub")

snapshot() {  # snapshot NAME AFTER_INCIDENTS
    xvfb-run -a -s "-screen 0 1280x720x24" "$build/viewer/citywall-viewer" \
        --config "$build/config/demo-viewer.toml" \
        --updates "tcp://127.0.0.1:${ports[0]}" --snapshot-endpoint "tcp://127.0.0.1:${ports[1]}" \
        "${wall_keys[@]}" --snapshot "$work/$1.png" --size 1280x720 --after-incidents "$2" --timeout 60 \
        --no-panels --deterministic
}

snapshot before 0
"$build/tools/citywall-feedsim" --config "$config" --count 12 --rate 50 --no-lifecycle \
    --seed 7 --points "$work/points.csv" 2>"$work/feedsim.log"
snapshot after 12
"$build/tests/e2e/marker_check" "$work/before.png" "$work/after.png" "$work/after.png.json" \
    "$work/points.csv"

# The wall keeps no descriptions: selecting an incident asks ingest for its case (one change:
# the simulator's reports stay "reported").
cat >"$work/case.script" <<'SCRIPT'
wait-incidents 12 60
select-incident 1
wait-case 1 20
SCRIPT
xvfb-run -a -s "-screen 0 1280x720x24" "$build/viewer/citywall-viewer" \
    --config "$build/config/demo-viewer.toml" \
    --updates "tcp://127.0.0.1:${ports[0]}" --snapshot-endpoint "tcp://127.0.0.1:${ports[1]}" \
    "${wall_keys[@]}" --script "$work/case.script" --size 640x360 >"$work/case.log" ||
    { cat "$work/case.log"; exit 1; }
grep -q '"command":"wait-case","ok":true' "$work/case.log"
