/* SPDX-License-Identifier: BSD-3-Clause */
/* time.c - Monotonic and wall clocks in nanoseconds, and RFC 3339 formatting of packet times. */
#include <errno.h>
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

uint64_t pt_time_mono_coarse_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE);
}

uint64_t pt_time_wall_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

/* Write @p v as exactly @p width decimal digits. */
static char *put_digits(char *p, uint32_t v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

int pt_time_format_rfc3339(uint64_t ns, char *buf, size_t len)
{
	/* Days since the epoch to a civil date (H. Hinnant's algorithm): no gmtime_r, no locale, no snprintf. */
	uint64_t secs = ns / PT_NS_PER_SEC, days = secs / 86400;
	uint32_t sod = (uint32_t)(secs % 86400), micros = (uint32_t)(ns % PT_NS_PER_SEC / 1000);
	uint64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	uint32_t day = (uint32_t)(doy - (153 * mp + 2) / 5 + 1), month = (uint32_t)(mp < 10 ? mp + 3 : mp - 9);
	uint64_t year = yoe + era * 400 + (month <= 2);
	char *p = buf;

	if (len < 28)
		return -ENOSPC;
	if (year > 9999)
		return -EINVAL;
	p = put_digits(p, (uint32_t)year, 4);
	*p++ = '-';
	p = put_digits(p, month, 2);
	*p++ = '-';
	p = put_digits(p, day, 2);
	*p++ = 'T';
	p = put_digits(p, sod / 3600, 2);
	*p++ = ':';
	p = put_digits(p, sod / 60 % 60, 2);
	*p++ = ':';
	p = put_digits(p, sod % 60, 2);
	*p++ = '.';
	p = put_digits(p, micros, 6);
	*p++ = 'Z';
	*p = '\0';
	return (int)(p - buf);
}
