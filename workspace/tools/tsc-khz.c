// SPDX-License-Identifier: GPL-2.0
/*
 * Print the host's TSC rate in kHz, measured against CLOCK_MONOTONIC_RAW.
 *
 * Under TCG, QEMU's guest TSC is the host's TSC, so this is the guest's TSC
 * rate too.  The test kernel has no ACPI, hence no HPET or PM timer to
 * calibrate the TSC against; when its PIT calibration fails under a loaded
 * host the guest falls back to a jiffies clock (4 ms steps), which makes
 * every timing in the guest useless.  vm.sh passes this value as
 * tsc_early_khz= so that the guest always has a nanosecond clock.
 *
 * The rate is the median of five 50 ms samples; it exits 1 if the samples
 * disagree by more than 0.1 %, so a bad measurement is never used.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>

#define SAMPLES 5

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	double khz[SAMPLES];
	int i;

	for (i = 0; i < SAMPLES; i++) {
		uint64_t t0 = mono_ns(), c0 = __rdtsc(), t1, c1;

		do {
			t1 = mono_ns();
		} while (t1 - t0 < 50000000ull);
		c1 = __rdtsc();
		khz[i] = (double)(c1 - c0) * 1e6 / (double)(t1 - t0);
	}
	qsort(khz, SAMPLES, sizeof(khz[0]), cmp);
	if (khz[SAMPLES - 1] - khz[0] > khz[SAMPLES / 2] / 1000) {
		fprintf(stderr, "tsc-khz: samples disagree: %.0f..%.0f kHz\n",
			khz[0], khz[SAMPLES - 1]);
		return 1;
	}
	printf("%.0f\n", khz[SAMPLES / 2]);
	return 0;
}
