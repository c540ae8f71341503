# SPDX-License-Identifier: GPL-2.0
# A guest that boots and then never gives a verdict: the runner must give
# up at its timeout and say so.
. /lab/lab-lib.sh
lab_say "never-answers: sleeping without a verdict"
while :; do sleep 60; done
