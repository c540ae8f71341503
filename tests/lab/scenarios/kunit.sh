# SPDX-License-Identifier: GPL-2.0
# Collect the results of the KUnit suites built into the lab kernel (they
# ran during boot) and hand them to the host as /host/kunit.tap.
. /lab/lab-lib.sh

suites=0 failed=0
: >/host/kunit.tap
for results in /sys/kernel/debug/kunit/*/results; do
	[ -f "$results" ] || continue
	suite=${results%/results}
	suite=${suite##*/}
	suites=$((suites + 1))
	cat "$results" >>/host/kunit.tap
	# KUnit's own summary of the suite, e.g. "# name: pass:13 fail:0 ..."
	lab_say "kunit suite $(grep -m1 "^# $suite: " "$results" | cut -c3- ||
		echo "$suite: no summary line")"
	grep -qE '^not ok [0-9]+ ' "$results" && failed=$((failed + 1))
done
if [ "$suites" -eq 0 ]; then
	lab_verdict "fail: no KUnit suites are built into the lab kernel"
elif [ "$failed" -gt 0 ]; then
	lab_verdict "fail: $failed of $suites KUnit suite(s) failed"
else
	lab_verdict pass
fi
