# SPDX-License-Identifier: GPL-2.0
# A host chaining live updates: three kexecs in a row with edu doing DMA
# at the same IOVA through all of them (lu-chain). Each next kernel takes
# the iommufd back with its HWPT restored, binds the retrieved edu to it,
# finishes the session and preserves everything again; kernel 2 also maps
# a new memfd after the finish, and kernel 3 unmaps it again, after which
# edu's DMA there faults. `iolu check --snapshot /host/before-N.iolu` runs
# before kexec N, and `iolu audit` against it first thing in kernel N + 1:
# before anything is retrieved, as the incoming state is gone once the
# session finishes. A session finished with the iommufd and device never
# retrieved (their DMA blocked) is stage 7 of iommu-lu-failclosed.
#
# $1 is the stage, the kernel of the chain (1 to 4), or a hook lu-chain
# runs: "before-kexec N" once kernel N preserved everything, and
# "edu-faulted BDF IOVA" after edu's DMA to the IOVA kernel 3 unmapped.
. /lab/lab-lib.sh

self=/lab/scenarios/iommu-lu-chain.sh
unmapped_iova=/tmp/unmapped-iova

# The session kernel N preserves into and kernel N + 1 retrieves.
session_of() {
	echo "iolu-chain-$1"
}

copy_kexec_files() {
	cp /host/bzImage /host/initramfs.cpio.gz /tmp/
}

check_to_host() {
	local rc
	iolu check --snapshot "/host/before-$1.iolu" >"/host/check-$1.txt" 2>&1
	rc=$?
	cat "/host/check-$1.txt"
	return $rc
}

audit_to_host() {
	local rc
	iolu audit --before "/host/before-$1.iolu" --html "/host/audit-$1.html" \
		>"/host/audit-$1.txt" 2>&1
	rc=$?
	cat "/host/audit-$1.txt"
	return $rc
}

# edu_faulted_at BDF IOVA: the IOMMU logged a fault for edu's DMA to IOVA.
# The fault's interrupt may come a little after the DMA ended.
edu_faulted_at() {
	local tries=0
	echo "$2" >$unmapped_iova
	until lab_edu_faults "$1" | grep "fault addr $2 "; do
		tries=$((tries + 1))
		if [ $tries -ge 5 ]; then
			echo "no DMA remapping fault for edu ($1) at IOVA $2 after 5 s"
			lab_dmar_faults
			return 1
		fi
		sleep 1
	done
}

# Kernel 3 made edu fault on purpose: any other fault is a failure.
only_unmapped_faults() {
	local iova others
	iova=$(cat $unmapped_iova) || return 1
	others=$(lab_dmar_faults | grep -E '\[DMA (Read|Write)' | grep -v "fault addr $iova ")
	[ -z "$others" ] || { printf '%s\n' "$others"; return 1; }
	echo "every DMA remapping fault is edu's at the unmapped IOVA $iova"
}

before_kexec() {
	if [ "$1" = 3 ]; then
		lab_step "kernel 3: no DMA remapping fault but the one at the unmapped IOVA" \
			only_unmapped_faults
	else
		lab_step "kernel $1: no DMA remapping fault" lab_no_dmar_faults
	fi
	lab_step "kernel $1: iolu check: the preserved state is ready (snapshot before-$1.iolu)" \
		check_to_host "$1"
}

# What kernel N checks before lu-chain takes anything back.
arrived() {
	local previous=$(($1 - 1))
	lab_step "kernel $1: no DMA remapping fault during kexec $previous" lab_no_dmar_faults
	lab_step "bind edu to vfio-pci again" lab_bind_edu_vfio
	lab_step "kernel $1: iolu audit: the incoming state continues before-$previous.iolu" \
		audit_to_host "$previous"
}

stage1() {
	local seed
	lab_step "intel-iommu is active" lab_intel_iommu_active
	lab_step "bind edu to vfio-pci" lab_bind_edu_vfio
	lab_step "copy the kernel and initramfs for kexec to tmpfs" copy_kexec_files
	seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	lab_say "step: kernel 1: edu copies through memfd A; preserve it, the iommufd and edu in session '$(session_of 1)'; kexec 1 (seed $seed)"
	# Not under lab_step: its output must reach the console before the reboot.
	lu-chain start --bdf "$(lab_find_edu)" --session "$(session_of 1)" --seed "$seed" \
		--kernel /tmp/bzImage --initrd /tmp/initramfs.cpio.gz \
		--cmdline "$(lab_next_cmdline 2 iolu.seed="$seed")" \
		--before-kexec "sh $self before-kexec 1"
	lab_verdict "fail: kernel 1: lu-chain stopped before kexec 1"
}

stage2() {
	arrived 2
	lab_step "copy the kernel and initramfs for kexec to tmpfs" copy_kexec_files
	lab_say "step: kernel 2: restore, map memfd B after the finish, preserve again in session '$(session_of 2)'; kexec 2"
	lu-chain add-mapping --session "$(session_of 1)" --next-session "$(session_of 2)" \
		--seed "$(lab_param iolu.seed)" \
		--kernel /tmp/bzImage --initrd /tmp/initramfs.cpio.gz \
		--cmdline "$(lab_next_cmdline 3)" --before-kexec "sh $self before-kexec 2"
	lab_verdict "fail: kernel 2: lu-chain stopped before kexec 2"
}

stage3() {
	arrived 3
	lab_step "copy the kernel and initramfs for kexec to tmpfs" copy_kexec_files
	lab_say "step: kernel 3: restore, unmap memfd B after the finish, preserve again in session '$(session_of 3)'; kexec 3"
	lu-chain drop-mapping --session "$(session_of 2)" --next-session "$(session_of 3)" \
		--seed "$(lab_param iolu.seed)" --expect-fault "sh $self edu-faulted $(lab_find_edu)" \
		--kernel /tmp/bzImage --initrd /tmp/initramfs.cpio.gz \
		--cmdline "$(lab_next_cmdline 4)" --before-kexec "sh $self before-kexec 3"
	lab_verdict "fail: kernel 3: lu-chain stopped before kexec 3"
}

stage4() {
	arrived 4
	lab_step "kernel 4: restore; edu copies at the same IOVA; nothing left at memfd B's" \
		lu-chain end --session "$(session_of 3)" --seed "$(lab_param iolu.seed)"
	lab_step "kernel 4: no DMA remapping fault" lab_no_dmar_faults
	lab_verdict pass
}

case "$1" in
1) stage1 ;;
2) stage2 ;;
3) stage3 ;;
4) stage4 ;;
before-kexec) before_kexec "$2" ;;
edu-faulted)
	lab_step "kernel 3: the IOMMU faulted edu's DMA to the unmapped IOVA $3" \
		edu_faulted_at "$2" "$3" ;;
*) lab_verdict "fail: iommu-lu-chain has no stage '$1'" ;;
esac
