#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel series itself, in TAP for prove: style, kernel-doc, cover
# letter, and every patch building on its own.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
lab=$root/tools/lab
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$root/tests/lab/tap.sh"

echo "1..5"

"$lab/check-patches.sh" >"$work/style.log" 2>&1
tap_result $? "every patch is checkpatch --strict clean and adds no kernel-doc warning"
tap_comment <"$work/style.log"

# The check must be able to fail: a patch with a style error and an
# undocumented parameter.
cat >"$work/0001-bad-style.patch" <<'PATCH'
From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: iolu tests <iolu@example.invalid>
Subject: [PATCH] iommu: add a badly written helper

No sign-off, a space before a semicolon and an undocumented parameter.
---
 drivers/iommu/iolu-bad.c | 9 +++++++++
 1 file changed, 9 insertions(+)
 create mode 100644 drivers/iommu/iolu-bad.c

diff --git a/drivers/iommu/iolu-bad.c b/drivers/iommu/iolu-bad.c
new file mode 100644
--- /dev/null
+++ b/drivers/iommu/iolu-bad.c
@@ -0,0 +1,9 @@
+// SPDX-License-Identifier: GPL-2.0
+/**
+ * iolu_bad() - return twice the input
+ * Return: the double
+ */
+int iolu_bad(int x)
+{
+	return x * 2 ;
+}
-- 
2.39.5
PATCH
"$lab/check-patches.sh" "$work/0001-bad-style.patch" >"$work/bad.log" 2>&1
rc=$?
last=$(tail -n 1 "$work/bad.log")
[ $rc -ne 0 ] && [[ "$last" == *checkpatch:0001-bad-style.patch* ]] &&
	[[ "$last" == *kernel-doc:drivers/iommu/iolu-bad.c* ]]
tap_result $? "a patch with a style error and an undocumented parameter is refused by both checks"
echo "$last" | tap_comment

# The cover letter names every patch of the series.
missing=0
cover=$root/kernel-patches/0000-cover-letter.patch
while read -r patch; do
	case "$patch" in '' | '#'*) continue ;; esac
	subject=$(sed -n 's/^Subject: \[PATCH [0-9]*\/[0-9]*\] //p' "$root/kernel-patches/$patch")
	if ! grep -qF "$subject" "$cover"; then
		echo "cover letter does not name: $subject" | tap_comment
		missing=1
	fi
done <"$root/kernel-patches/series"
[ -f "$cover" ] || missing=1
tap_result $missing "the cover letter names every patch of the series"

# `make test` builds the kernel this way already; then this only reads the
# verdict it recorded.
"$lab/build-kernel.sh" --each-patch >/dev/null 2>"$work/each.log"
tap_result $? "every patch of the series builds on its own (lab config), then the kernel links"
grep -E '==> (built|every)|^    patch|^    all' "$work/each.log" | tap_comment

"$lab/build-kernel.sh" --distro-config >/dev/null 2>"$work/distro.log"
tap_result $? "the series builds with Debian's 7.3 config, live update options on and off (objects)"
grep -E '==> (built|the series)|^    Debian' "$work/distro.log" | tap_comment
