// SPDX-License-Identifier: GPL-2.0
/*
 * bench-anchor fentry|kprobe|kretprobe|ringbuf|entries
 *
 * Loads and attaches one anchor program of bpf/bench_anchor.bpf.c, or
 * with "entries" the empty programs at iolu's counted attach points,
 * prints "attached", and keeps them attached (draining the ring buffer
 * every 100 ms) until SIGINT or SIGTERM: the per-event floor of the trace
 * bench (tests/lab/scenarios/trace-bench.sh).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "bench_anchor.skel.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int count_record(void *ctx, void *data, size_t size)
{
	(void)data;
	(void)size;
	++*(unsigned long long *)ctx;
	return 0;
}

/* Is @prog one of the empty programs at iolu's counted attach points? */
static bool is_entry(const struct bpf_program *prog)
{
	return !strncmp(bpf_program__name(prog), "entry_", 6);
}

/* The anchor program named by @mode, or NULL. */
static struct bpf_program *anchor_program(struct bench_anchor *skel, const char *mode)
{
	if (!strcmp(mode, "fentry"))
		return skel->progs.anchor_fentry;
	if (!strcmp(mode, "kprobe"))
		return skel->progs.anchor_kprobe;
	if (!strcmp(mode, "kretprobe"))
		return skel->progs.anchor_kretprobe;
	if (!strcmp(mode, "ringbuf"))
		return skel->progs.anchor_ringbuf;
	return NULL;
}

static void drain(struct bench_anchor *skel)
{
	const struct timespec tick = { .tv_nsec = 100 * 1000 * 1000 };
	unsigned long long records = 0;
	struct ring_buffer *ring;

	ring = ring_buffer__new(bpf_map__fd(skel->maps.anchor_records), count_record, &records,
				NULL);
	if (!ring)
		fprintf(stderr, "bench-anchor: ring buffer: %s\n", strerror(errno));
	printf("attached\n");
	fflush(stdout);
	while (!stopping) {
		nanosleep(&tick, NULL);
		if (ring)
			ring_buffer__consume(ring);
	}
	if (ring)
		ring_buffer__consume(ring);
	printf("%llu records\n", records);
	fflush(stdout);
	ring_buffer__free(ring);
}

/* Attaches what was loaded, drains until a signal, detaches. */
static int run(struct bench_anchor *skel)
{
	struct bpf_link *links[16];
	struct bpf_program *prog;
	int n = 0, err = 0, i;

	bpf_object__for_each_program(prog, skel->obj) {
		if (!bpf_program__autoload(prog))
			continue;
		if (n == (int)(sizeof(links) / sizeof(links[0]))) {
			err = -E2BIG;
			fprintf(stderr, "bench-anchor: more programs than links\n");
			break;
		}
		links[n] = bpf_program__attach(prog);
		if (!links[n]) {
			err = -errno;
			fprintf(stderr, "bench-anchor: attaching %s: %s\n", bpf_program__name(prog),
				strerror(-err));
			break;
		}
		printf("%s\n", bpf_program__name(prog));
		n++;
	}
	if (!err)
		drain(skel);
	for (i = 0; i < n; i++)
		bpf_link__destroy(links[i]);
	return err;
}

int main(int argc, char **argv)
{
	struct bpf_program *prog, *chosen;
	struct bench_anchor *skel;
	bool entries;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: bench-anchor fentry|kprobe|kretprobe|ringbuf|entries\n");
		return 2;
	}
	skel = bench_anchor__open();
	if (!skel) {
		fprintf(stderr, "bench-anchor: opening the BPF object: %s\n", strerror(errno));
		return 1;
	}
	entries = !strcmp(argv[1], "entries");
	chosen = anchor_program(skel, argv[1]);
	if (!chosen && !entries) {
		fprintf(stderr,
			"bench-anchor: '%s' is not fentry, kprobe, kretprobe, ringbuf or entries\n",
			argv[1]);
		bench_anchor__destroy(skel);
		return 2;
	}
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, entries ? is_entry(prog) : prog == chosen);
	err = bench_anchor__load(skel);
	if (err) {
		fprintf(stderr, "bench-anchor: loading %s: %s\n", argv[1], strerror(-err));
		bench_anchor__destroy(skel);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	err = run(skel);
	bench_anchor__destroy(skel);
	return err ? 1 : 0;
}
