// SPDX-License-Identifier: GPL-2.0
/*
 * lu-topo: several "VMs", each with its own devices, keep doing DMA across
 * one kexec live update, whatever the PCI topology the devices sit in.
 *
 *   lu-topo preserve --vm NAME=BDF[+BDF...] [--vm ...] --seed X
 *                    --kernel K --initrd I --cmdline C [--before-kexec CMD]
 *                    [--refuse NAME]
 *	Each VM gets one iommufd, one IOAS holding one sealed memfd at
 *	IOVA_BASE and one HWPT that all its devices are attached to (a VMM
 *	puts a VM's devices in one HWPT). Device i of a VM owns the slice
 *	[i * SLICE, (i + 1) * SLICE) of the memfd. Every device copies a
 *	pattern through its slice, then the VM's HWPT is marked and its
 *	memfd, iommufd and devices are preserved in LUO session NAME. A VM
 *	that cannot be preserved is reported and its session closed; the
 *	others go on. Every preserved device starts one more transfer that
 *	lands during the kexec. The kernel must refuse to preserve the
 *	devices of the VM named by --refuse (no DMA is tried for it): it is
 *	reported "refused as expected" and its session closed.
 *
 *   lu-topo restore --vm NAME=BDF[+BDF...] [--vm ...] --seed X
 *	For each VM: retrieve the session, its iommufd (which restores the
 *	VM's HWPT and IOAS), its memfd and devices, bind every device to
 *	the iommufd and attach it to the restored HWPT, check what each
 *	device wrote before and during the kexec and copy again through the
 *	same IOVA, then finish the session.
 *
 * Every VM ends with one line "lu-topo: vm NAME: pass" or
 * "lu-topo: vm NAME: fail: WHY", which the host turns into a test each.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "edu.h"
#include "iommufd_ops.h"
#include "kexec.h"
#include "luo.h"
#include "parse.h"
#include "pattern.h"

/* edu only reaches bus addresses below 256 MiB. */
#define IOVA_BASE	0x4000000ULL
#define SLICE		(1ULL << 20)
#define DMA_LEN		2048u
/* Offsets in a device's slice of each transfer. */
#define OFF_SOURCE	0x00000ULL	/* the pattern edu reads before the kexec */
#define OFF_COPY	0x40000ULL	/* where it writes it back */
#define OFF_IN_FLIGHT	0x80000ULL	/* written while the kernel is replaced */
#define OFF_SOURCE2	0xc0000ULL	/* after: a new pattern edu reads */
#define OFF_COPY2	0xe0000ULL	/* after: where it writes it back */

#define TOKEN_MEMFD	1
#define TOKEN_IOMMUFD	2
#define TOKEN_HWPT	0x10
/* Device i of a VM is preserved with token TOKEN_DEVICE + i. */
#define TOKEN_DEVICE	0x100

#define MAX_VMS		8
#define MAX_DEVICES	4
#define DMA_TIMEOUT_MS	5000

struct topo_device {
	char bdf[32];
	struct vfio_cdev cdev;
	uint32_t dev_id;
};

struct topo_vm {
	char name[32];
	struct topo_device devices[MAX_DEVICES];
	unsigned int nr_devices;
	uint8_t *memory;
	int memfd, iommufd, session_fd;
	uint32_t ioas_id, hwpt_id;
	bool failed;
	bool refuse;	/* the kernel must refuse to preserve its devices */
};

struct topo_args {
	struct topo_vm vms[MAX_VMS];
	unsigned int nr_vms;
	const char *kernel, *initrd, *cmdline, *before_kexec;
	uint64_t seed;
	bool have_seed;
};

static const char *prog = "lu-topo";

/* Report @vm failed; its other steps are skipped. Returns 1. */
static int vm_fail(struct topo_vm *vm, int err, const char *fmt, ...)
{
	va_list ap;

	printf("%s: vm %s: fail: ", prog, vm->name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(err ? ": %s\n" : "\n", strerror(-err));
	vm->failed = true;
	return 1;
}

static uint64_t slice_size(const struct topo_vm *vm)
{
	return vm->nr_devices * SLICE;
}

/* The seed of device @i of @vm: every device copies its own pattern. */
static uint64_t device_seed(uint64_t seed, const struct topo_vm *vm, unsigned int i)
{
	uint64_t hash = 0xcbf29ce484222325ULL;
	const char *c;

	for (c = vm->name; *c; c++)
		hash = (hash ^ (uint8_t)*c) * 0x100000001b3ULL;
	return seed ^ hash ^ (0x9e3779b97f4a7c15ULL * (i + 1));
}

static int parse_vm(const char *spec, struct topo_vm *vm)
{
	const char *eq = strchr(spec, '=');
	const char *bdf;
	size_t len;

	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof(vm->name)) {
		fprintf(stderr, "%s: --vm '%s': expected NAME=BDF[+BDF...]\n", prog, spec);
		return -EINVAL;
	}
	memcpy(vm->name, spec, eq - spec);
	vm->name[eq - spec] = '\0';
	for (bdf = eq + 1; *bdf; bdf += len + (bdf[len] == '+')) {
		len = strcspn(bdf, "+");
		if (!len || len >= sizeof(vm->devices[0].bdf) || vm->nr_devices == MAX_DEVICES) {
			fprintf(stderr, "%s: --vm '%s': bad or too many devices (at most %d)\n",
				prog, spec, MAX_DEVICES);
			return -EINVAL;
		}
		memcpy(vm->devices[vm->nr_devices].bdf, bdf, len);
		vm->devices[vm->nr_devices++].bdf[len] = '\0';
	}
	if (!vm->nr_devices) {
		fprintf(stderr, "%s: --vm '%s': no device\n", prog, spec);
		return -EINVAL;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct topo_args *args)
{
	static const struct option options[] = {
		{ "vm", required_argument, NULL, 'v' },
		{ "seed", required_argument, NULL, 'x' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "before-kexec", required_argument, NULL, 'e' },
		{ "refuse", required_argument, NULL, 'r' },
		{ 0 }
	};
	const char *refuse = NULL;
	unsigned int v;
	int opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'v':
			if (args->nr_vms == MAX_VMS) {
				fprintf(stderr, "%s: at most %d --vm\n", prog, MAX_VMS);
				return -EINVAL;
			}
			if (parse_vm(optarg, &args->vms[args->nr_vms++]))
				return -EINVAL;
			break;
		case 'x':
			if (parse_option_number(prog, "--seed", optarg, &args->seed, parse_u64))
				return -EINVAL;
			args->have_seed = true;
			break;
		case 'k': args->kernel = optarg; break;
		case 'i': args->initrd = optarg; break;
		case 'c': args->cmdline = optarg; break;
		case 'e': args->before_kexec = optarg; break;
		case 'r': refuse = optarg; break;
		default:
			return -EINVAL;
		}
	}
	for (v = 0; refuse && v < args->nr_vms; v++)
		if (!strcmp(args->vms[v].name, refuse))
			args->vms[v].refuse = true;
	if (!args->nr_vms || !args->have_seed) {
		fprintf(stderr, "%s: --vm and --seed are required\n", prog);
		return -EINVAL;
	}
	return 0;
}

static int transfer(struct topo_vm *vm, unsigned int i, enum edu_dma_dir dir, uint64_t off)
{
	uint64_t iova = IOVA_BASE + i * SLICE + off;
	int err;

	err = edu_dma_start(&vm->devices[i].cdev, dir, iova, 0, DMA_LEN);
	if (!err)
		err = edu_dma_wait(&vm->devices[i].cdev, DMA_TIMEOUT_MS);
	if (err)
		return vm_fail(vm, err, "%s: DMA %s IOVA 0x%llx", vm->devices[i].bdf,
			       dir == EDU_TO_DEVICE ? "from" : "to", (unsigned long long)iova);
	return 0;
}

static int expect(struct topo_vm *vm, unsigned int i, uint64_t off, uint64_t seed,
		  const char *what)
{
	const uint8_t *bytes = vm->memory + i * SLICE + off;
	size_t bad = pattern_check(bytes, DMA_LEN, seed);

	if (bad != DMA_LEN)
		return vm_fail(vm, 0, "%s: %s: byte %zu at IOVA 0x%llx is 0x%02x, expected 0x%02x",
			       vm->devices[i].bdf, what, bad,
			       (unsigned long long)(IOVA_BASE + i * SLICE + off + bad),
			       bytes[bad], pattern_byte(seed, bad));
	printf("%s: vm %s: %s: %s checks out\n", prog, vm->name, vm->devices[i].bdf, what);
	return 0;
}

/* A sealed memfd with each device's pattern, its DMA targets zeroed. */
static int make_memfd(struct topo_vm *vm, uint64_t seed)
{
	const uint64_t targets[] = { OFF_COPY, OFF_IN_FLIGHT, OFF_COPY2 };
	unsigned int i, t;

	vm->memfd = memfd_create(vm->name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (vm->memfd < 0)
		return vm_fail(vm, -errno, "memfd_create");
	if (ftruncate(vm->memfd, slice_size(vm)) < 0)
		return vm_fail(vm, -errno, "ftruncate");
	if (fcntl(vm->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return vm_fail(vm, -errno, "F_ADD_SEALS");
	vm->memory = mmap(NULL, slice_size(vm), PROT_READ | PROT_WRITE, MAP_SHARED,
			  vm->memfd, 0);
	if (vm->memory == MAP_FAILED)
		return vm_fail(vm, -errno, "mmap of the memfd");
	for (i = 0; i < vm->nr_devices; i++) {
		pattern_fill(vm->memory + i * SLICE, SLICE, device_seed(seed, vm, i));
		for (t = 0; t < sizeof(targets) / sizeof(targets[0]); t++)
			memset(vm->memory + i * SLICE + targets[t], 0, DMA_LEN);
	}
	return 0;
}

/* One IOAS and one HWPT for all the VM's devices, the memfd mapped. */
static int attach_vm(struct topo_vm *vm)
{
	struct topo_device *device;
	unsigned int i;
	int err;

	vm->iommufd = iommufd_open();
	if (vm->iommufd < 0)
		return vm_fail(vm, vm->iommufd, "open " IOMMUFD_DEVICE);
	err = iommufd_ioas_alloc(vm->iommufd, &vm->ioas_id);
	if (err)
		return vm_fail(vm, err, "IOMMU_IOAS_ALLOC");
	for (i = 0; i < vm->nr_devices; i++) {
		device = &vm->devices[i];
		err = vfio_cdev_open(device->bdf, &device->cdev);
		if (!err)
			err = vfio_cdev_bind_iommufd(&device->cdev, vm->iommufd, &device->dev_id);
		if (err)
			return vm_fail(vm, err, "%s: open and bind its vfio cdev", device->bdf);
		if (i == 0) {
			err = iommufd_hwpt_alloc(vm->iommufd, device->dev_id, vm->ioas_id,
						 &vm->hwpt_id);
			if (err)
				return vm_fail(vm, err, "IOMMU_HWPT_ALLOC");
		}
		err = vfio_cdev_attach(&device->cdev, vm->hwpt_id);
		if (err)
			return vm_fail(vm, err, "%s: attach to HWPT %u", device->bdf, vm->hwpt_id);
		err = edu_enable_bus_master(&device->cdev);
		if (err)
			return vm_fail(vm, err, "%s: enable bus mastering", device->bdf);
	}
	err = iommufd_map_file(vm->iommufd, vm->ioas_id, vm->memfd, 0, slice_size(vm), IOVA_BASE);
	if (err)
		return vm_fail(vm, err, "IOMMU_IOAS_MAP_FILE");
	printf("%s: vm %s: %u device(s) attached to HWPT %u\n", prog, vm->name,
	       vm->nr_devices, vm->hwpt_id);
	return 0;
}

static int round_trip(struct topo_vm *vm, uint64_t seed, uint64_t src, uint64_t dst,
		      const char *what)
{
	unsigned int i;

	for (i = 0; i < vm->nr_devices; i++)
		if (transfer(vm, i, EDU_TO_DEVICE, src) || transfer(vm, i, EDU_FROM_DEVICE, dst) ||
		    expect(vm, i, dst, device_seed(seed, vm, i), what))
			return 1;
	return 0;
}

static int preserve_vm(struct topo_vm *vm, int luo_fd)
{
	unsigned int i;
	int err;

	err = iommufd_hwpt_set_preserve(vm->iommufd, vm->hwpt_id, TOKEN_HWPT);
	if (err)
		return vm_fail(vm, err, "IOMMU_HWPT_LU_SET_PRESERVE");
	vm->session_fd = luo_create_session(luo_fd, vm->name);
	if (vm->session_fd < 0)
		return vm_fail(vm, vm->session_fd, "create LUO session");
	err = luo_preserve_fd(vm->session_fd, vm->memfd, TOKEN_MEMFD);
	if (!err)
		err = luo_preserve_fd(vm->session_fd, vm->iommufd, TOKEN_IOMMUFD);
	for (i = 0; !err && i < vm->nr_devices; i++) {
		err = luo_preserve_fd(vm->session_fd, vm->devices[i].cdev.fd, TOKEN_DEVICE + i);
		if (err && vm->refuse) {
			printf("%s: vm %s: refused as expected: %s: preserve its vfio device: %s\n",
			       prog, vm->name, vm->devices[i].bdf, strerror(-err));
			vm->failed = true;
			return 1;
		}
		if (err)
			return vm_fail(vm, err, "%s: preserve its vfio device", vm->devices[i].bdf);
	}
	if (vm->refuse && !err)
		return vm_fail(vm, 0, "preserved, although the kernel must refuse it");
	if (err)
		return vm_fail(vm, err, "preserve the memfd and iommufd");
	printf("%s: vm %s: preserved in session '%s'\n", prog, vm->name, vm->name);
	return 0;
}

/* A VM that could not be preserved must not ride along half preserved. */
static void drop_vm(struct topo_vm *vm)
{
	if (vm->session_fd > 0) {
		close(vm->session_fd);
		vm->session_fd = -1;
		printf("%s: vm %s: session closed, nothing of it preserved\n", prog, vm->name);
	}
}

static int do_preserve(struct topo_args *args)
{
	struct topo_vm *vm;
	unsigned int v, i;
	const char *failed;
	int luo_fd, err;

	if (!args->kernel || !args->initrd || !args->cmdline) {
		fprintf(stderr, "%s preserve: --kernel, --initrd and --cmdline are required\n", prog);
		return 2;
	}
	luo_fd = luo_open();
	if (luo_fd < 0) {
		fprintf(stderr, "%s: open %s: %s\n", prog, LUO_DEVICE, strerror(-luo_fd));
		return 1;
	}
	for (v = 0; v < args->nr_vms; v++) {
		vm = &args->vms[v];
		/* A VM to be refused may not even do DMA: no round trip then */
		if (make_memfd(vm, args->seed) || attach_vm(vm) ||
		    (!vm->refuse &&
		     round_trip(vm, args->seed, OFF_SOURCE, OFF_COPY, "DMA before the live update")) ||
		    preserve_vm(vm, luo_fd))
			drop_vm(vm);
	}
	if (args->before_kexec) {
		printf("%s: running before kexec: %s\n", prog, args->before_kexec);
		fflush(stdout);
		if (system(args->before_kexec) != 0)
			fprintf(stderr, "%s: '%s' failed\n", prog, args->before_kexec);
	}
	err = kexec_load_files(args->kernel, args->initrd, args->cmdline, &failed);
	if (err) {
		fprintf(stderr, "%s: kexec_file_load (%s): %s\n", prog, failed ? failed : "",
			strerror(-err));
		return 1;
	}
	for (v = 0; v < args->nr_vms; v++) {
		vm = &args->vms[v];
		for (i = 0; !vm->failed && i < vm->nr_devices; i++)
			if (edu_dma_start(&vm->devices[i].cdev, EDU_FROM_DEVICE,
					  IOVA_BASE + i * SLICE + OFF_IN_FLIGHT, 0, DMA_LEN))
				vm_fail(vm, 0, "%s: start the in-flight DMA", vm->devices[i].bdf);
	}
	printf("%s: in-flight DMA started, rebooting with kexec\n", prog);
	fflush(stdout);
	err = kexec_reboot();
	fprintf(stderr, "%s: reboot(LINUX_REBOOT_CMD_KEXEC): %s\n", prog, strerror(-err));
	return 1;
}

static int retrieve_vm(struct topo_vm *vm, int luo_fd)
{
	unsigned int i;
	int fd, err;
	bool master;

	vm->session_fd = luo_retrieve_session(luo_fd, vm->name);
	if (vm->session_fd < 0)
		return vm_fail(vm, vm->session_fd, "retrieve LUO session");
	/* Before the memfd: the iommufd pins the pages the devices reach first */
	vm->iommufd = luo_retrieve_fd(vm->session_fd, TOKEN_IOMMUFD);
	if (vm->iommufd < 0)
		return vm_fail(vm, vm->iommufd, "retrieve the iommufd");
	vm->memfd = luo_retrieve_fd(vm->session_fd, TOKEN_MEMFD);
	if (vm->memfd < 0)
		return vm_fail(vm, vm->memfd, "retrieve the memfd");
	vm->memory = mmap(NULL, slice_size(vm), PROT_READ | PROT_WRITE, MAP_SHARED,
			  vm->memfd, 0);
	if (vm->memory == MAP_FAILED)
		return vm_fail(vm, -errno, "mmap of the retrieved memfd");
	for (i = 0; i < vm->nr_devices; i++) {
		fd = luo_retrieve_fd(vm->session_fd, TOKEN_DEVICE + i);
		if (fd < 0)
			return vm_fail(vm, fd, "%s: retrieve its vfio device", vm->devices[i].bdf);
		err = vfio_cdev_adopt(fd, &vm->devices[i].cdev);
		if (!err)
			err = edu_bus_master(&vm->devices[i].cdev, &master);
		if (err)
			return vm_fail(vm, err, "%s: read the retrieved device", vm->devices[i].bdf);
		if (!master)
			return vm_fail(vm, 0, "%s: lost bus mastering across the kexec",
				       vm->devices[i].bdf);
	}
	return 0;
}

/*
 * The VM's retrieved iommufd rebuilt its HWPT on the IO page table its
 * devices kept translating through: each device binds to the iommufd and
 * attaches to that HWPT, which changes nothing in the hardware.
 */
static int attach_restored_vm(struct topo_vm *vm)
{
	struct topo_device *device;
	unsigned int i;
	int err;

	err = iommufd_hwpt_get_restored(vm->iommufd, TOKEN_HWPT, &vm->hwpt_id, &vm->ioas_id);
	if (err)
		return vm_fail(vm, err, "IOMMU_HWPT_LU_GET_RESTORED");
	if (!vm->hwpt_id)
		return vm_fail(vm, 0, "the iommufd restored IOAS %u without its HWPT", vm->ioas_id);
	for (i = 0; i < vm->nr_devices; i++) {
		device = &vm->devices[i];
		err = vfio_cdev_bind_iommufd(&device->cdev, vm->iommufd, &device->dev_id);
		if (err)
			return vm_fail(vm, err, "%s: bind to the retrieved iommufd", device->bdf);
		err = vfio_cdev_attach(&device->cdev, vm->hwpt_id);
		if (err)
			return vm_fail(vm, err, "%s: attach to the restored HWPT %u", device->bdf,
				       vm->hwpt_id);
	}
	printf("%s: vm %s: %u device(s) attached to the restored HWPT %u\n", prog, vm->name,
	       vm->nr_devices, vm->hwpt_id);
	return 0;
}

static int check_vm_after(struct topo_vm *vm, uint64_t seed)
{
	unsigned int i;
	int err;

	for (i = 0; i < vm->nr_devices; i++) {
		if (expect(vm, i, OFF_COPY, device_seed(seed, vm, i), "DMA written before the kexec") ||
		    expect(vm, i, OFF_IN_FLIGHT, device_seed(seed, vm, i),
			   "DMA that landed during the kexec"))
			return 1;
		pattern_fill(vm->memory + i * SLICE + OFF_SOURCE2, DMA_LEN,
			     ~device_seed(seed, vm, i));
	}
	for (i = 0; i < vm->nr_devices; i++)
		if (transfer(vm, i, EDU_TO_DEVICE, OFF_SOURCE2) ||
		    transfer(vm, i, EDU_FROM_DEVICE, OFF_COPY2) ||
		    expect(vm, i, OFF_COPY2, ~device_seed(seed, vm, i), "DMA after the live update"))
			return 1;
	err = luo_finish_session(vm->session_fd);
	if (err)
		return vm_fail(vm, err, "finish session");
	return 0;
}

static int do_restore(struct topo_args *args)
{
	unsigned int v;
	int luo_fd, failed = 0;

	luo_fd = luo_open();
	if (luo_fd < 0) {
		fprintf(stderr, "%s: open %s: %s\n", prog, LUO_DEVICE, strerror(-luo_fd));
		return 1;
	}
	/* Every VM is checked, whatever became of the ones before it */
	for (v = 0; v < args->nr_vms; v++)
		if (retrieve_vm(&args->vms[v], luo_fd) || attach_restored_vm(&args->vms[v]) ||
		    check_vm_after(&args->vms[v], args->seed))
			failed = 1;
	return failed;
}

static void report(const struct topo_args *args)
{
	unsigned int v;

	for (v = 0; v < args->nr_vms; v++)
		if (!args->vms[v].failed)
			printf("%s: vm %s: pass\n", prog, args->vms[v].name);
}

int main(int argc, char **argv)
{
	static struct topo_args args;
	int rc;

	if (argc < 2 || parse_args(argc - 1, argv + 1, &args)) {
		fprintf(stderr, "usage: %s preserve|restore --vm NAME=BDF[+BDF...] ... --seed N\n"
			"       [--kernel K --initrd I --cmdline C] [--before-kexec CMD]\n", prog);
		return 2;
	}
	/* preserve only returns when the kexec failed: no VM passes then */
	if (!strcmp(argv[1], "preserve"))
		return do_preserve(&args);
	if (!strcmp(argv[1], "restore")) {
		rc = do_restore(&args);
		report(&args);
		return rc;
	}
	fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
	return 2;
}
