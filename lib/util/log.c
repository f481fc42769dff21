/* SPDX-License-Identifier: BSD-3-Clause */
/* log.c - Leveled one-line logging to stderr for the control side (never per packet). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pt_util.h"

/* The one process-wide setting: written once at start-up, read by the control side. */
static enum pt_log_level log_max_level = PT_LOG_INFO;

static const char *const log_level_names[] = {
	[PT_LOG_ERR] = "error", [PT_LOG_WARN] = "warn", [PT_LOG_INFO] = "info", [PT_LOG_DEBUG] = "debug",
};

void pt_log_set_level(enum pt_log_level level)
{
	log_max_level = level;
}

int pt_log_level_parse(const char *name, enum pt_log_level *level)
{
	for (size_t i = 0; i < PT_ARRAY_SIZE(log_level_names); i++) {
		if (strcmp(name, log_level_names[i]) == 0) {
			*level = (enum pt_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void pt_log(enum pt_log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (level > log_max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "podtap: %s: %s\n", log_level_names[level], line);
}
