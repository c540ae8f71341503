#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Every JSON object iolu check, audit and show print, on fake kernels from
# mkstate (clean, broken, hostile, empty) and on failures, is valid
# against docs/iolu-report.schema.json, the documented shape. TAP for prove.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
iolu=${IOLU:-$root/build/cli/iolu-san}
[ -x "$iolu" ] || iolu=$root/build/iolu
mkstate=$root/build/cli/mkstate
schema=$root/docs/iolu-report.schema.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$root/tests/lab/tap.sh"

for tool in "$iolu" "$mkstate"; do
	[ -x "$tool" ] || { echo "1..0 # SKIP $tool not built (make iolu)"; exit 0; }
done
python3 -c 'import jsonschema' 2>/dev/null ||
	{ echo "Bail out! python3-jsonschema is needed (make deps)"; exit 1; }

# check_all FILE...: validate each FILE against the schema (one python3,
# its start-up is most of the time), writing FILE.why, empty when valid.
check_all() {
	python3 - "$schema" "$@" <<'PY'
import json, sys
import jsonschema

with open(sys.argv[1]) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
for path in sys.argv[2:]:
    try:
        with open(path) as f:
            errors = sorted(validator.iter_errors(json.load(f)),
                            key=lambda e: list(e.absolute_path))
        why = ["at /%s: %s" % ("/".join(map(str, e.absolute_path)), e.message[:300])
               for e in errors[:3]]
    except ValueError as e:
        why = ["not JSON: %s" % e]
    with open(path + ".why", "w") as f:
        f.write("\n".join(why))
PY
}

live() {
	echo --debugfs "$work/$1/debugfs" --kcore "$work/$1/kcore" --notes "$work/$1/no-notes"
}

names=()
files=()
# json NAME ARGS...: run iolu and keep its standard output for checking.
json() {
	local file=$work/out.${#files[@]}
	names+=("$1")
	files+=("$file")
	shift
	"$iolu" "$@" >"$file" 2>/dev/null
}

for state in clean:"" refcount:"--break refcount" unpreserved:"--break unpreserved" \
	     hostile:"--break compatible" terminal:"--break terminal" \
	     after:"--side incoming" remap:"--side incoming --break remap" \
	     dropped:"--side incoming --break drop-device" \
	     shared:"--devices 40 --per-domain 1 --pages 600 --break shared-table" \
	     shared-after:"--devices 40 --per-domain 1 --pages 600 --side incoming --break shared-table" \
	     empty:""; do
	# shellcheck disable=SC2086
	"$mkstate" ${state#*:} "$work/${state%%:*}" || echo "Bail out! mkstate ${state#*:} failed"
done
printf 'none\n' >"$work/empty/debugfs/iommu/liveupdate/outgoing/status"
printf '0x0\n' >"$work/empty/debugfs/iommu/liveupdate/outgoing/header_phys"
"$iolu" snapshot $(live clean) "$work/before.snap" >/dev/null
"$iolu" snapshot $(live shared) "$work/shared.snap" >/dev/null

for state in clean refcount unpreserved hostile terminal empty; do
	json "check --json: $state" check --json $(live "$state")
done
json "check --list-rules --json" check --list-rules --json
json "check --json: bad usage" check --json --no-such-option
json "check --json: unreadable input" check --json --input "$work/nope.snap"
# Any ELF executable without LiveUpdate notes is a kernel without the series.
json "check --json: a next kernel that accepts nothing" check --json $(live clean) \
	--next-kernel "$iolu"
echo "not a kernel" >"$work/not-a-kernel"
json "check --json: an unreadable next kernel" check --json $(live clean) \
	--next-kernel "$work/not-a-kernel"
for state in after remap dropped; do
	json "audit --json: $state" audit --json --before "$work/before.snap" $(live "$state")
done
json "audit --json: no state after" audit --json --before "$work/before.snap" $(live empty) --side outgoing
json "audit --json: tables past the print limit" audit --json --before "$work/shared.snap" $(live shared-after)
json "audit --json: no before snapshot" audit --json --before "$work/nope.snap"
for state in clean hostile terminal; do
	json "show --json: $state" show --json $(live "$state")
done
json "show --json: a snapshot" show --json "$work/before.snap"
seeds=$root/tests/fuzz/corpus/fuzz_snapshot
json "show --json: LUO sessions and files" show --json "$seeds/luo.snap"
json "check --json: a DMA target no memfd holds" check --json --input "$seeds/luo-foreign.snap"
json "audit --json: memfd continuity broken" audit --json --before "$seeds/luo.snap" --after "$seeds/luo-moved.snap"
json "show --json: no state" show --json $(live empty)
json "show --json: unreadable input" show --json "$work/nope.snap"

# The schema is no formality: what it does not describe fails.
first=${files[0]}
jq 'del(.schema)' "$first" >"$work/no-schema.json"
jq '.findings += [{"rule": "x", "severity": "fatal", "object": {"kind": "state", "index": 0}, "phys": "0x0", "message": ""}]' \
	"$first" >"$work/bad-severity.json"
jq '.source.header = 4096' "$first" >"$work/number-address.json"
bad=(no-schema bad-severity number-address)

check_all "${files[@]}" $(printf "$work/%s.json " "${bad[@]}") ||
	echo "Bail out! the validator failed"
for i in "${!files[@]}"; do
	if [ -f "${files[$i]}.why" ] && [ ! -s "${files[$i]}.why" ]; then
		tap_ok "${names[$i]}"
	else
		tap_not_ok "${names[$i]}" "not valid against iolu-report.schema.json"
		head -n 6 "${files[$i]}.why" 2>/dev/null | tap_comment
	fi
done
for b in "${bad[@]}"; do
	if [ -s "$work/$b.json.why" ]; then
		tap_ok "the schema refuses $b"
	else
		tap_not_ok "the schema refuses $b" "accepted"
	fi
done

echo "1..$tap_n"
