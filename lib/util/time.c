/* SPDX-License-Identifier: BSD-3-Clause */
/* time.c - Monotonic and wall clocks in nanoseconds, and RFC 3339 formatting of packet times. */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "pt_util.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * PT_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t pt_time_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t pt_time_wall_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

int pt_time_format_rfc3339(uint64_t ns, char *buf, size_t len)
{
	time_t secs = (time_t)(ns / PT_NS_PER_SEC);
	unsigned micros = (unsigned)((ns % PT_NS_PER_SEC) / 1000);
	struct tm tm;
	int n;

	if (gmtime_r(&secs, &tm) == NULL)
		return -EINVAL;
	n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}
