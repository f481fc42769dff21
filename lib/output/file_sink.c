/* SPDX-License-Identifier: BSD-3-Clause */
/* file_sink.c - Append-only JSON-lines file (or stdout) sink used for --flows, --alerts and --stats. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_output.h"

struct pt_output_file {
	FILE *fp;
	bool is_stdout;
	int first_error;
};

struct pt_output_file *pt_output_file_open(const char *path, char *err, size_t err_len)
{
	struct pt_output_file *f = calloc(1, sizeof(*f));

	if (f == NULL) {
		snprintf(err, err_len, "%s: out of memory", path);
		return NULL;
	}
	if (strcmp(path, "-") == 0) {
		f->fp = stdout;
		f->is_stdout = true;
		return f;
	}
	f->fp = fopen(path, "a");
	if (f->fp == NULL) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		free(f);
		return NULL;
	}
	setvbuf(f->fp, NULL, _IOFBF, 1 << 20);
	return f;
}

static int file_remember(struct pt_output_file *f, int rc)
{
	if (rc != 0 && f->first_error == 0)
		f->first_error = rc;
	return rc;
}

int pt_output_file_write(struct pt_output_file *f, const char *line, size_t len)
{
	if (fwrite(line, 1, len, f->fp) != len || fputc('\n', f->fp) == EOF)
		return file_remember(f, -(errno ? errno : EIO));
	return 0;
}

int pt_output_file_flush(struct pt_output_file *f)
{
	if (fflush(f->fp) != 0)
		return file_remember(f, -(errno ? errno : EIO));
	return 0;
}

int pt_output_file_close(struct pt_output_file *f)
{
	int rc;

	if (f == NULL)
		return 0;
	pt_output_file_flush(f);
	if (!f->is_stdout && fclose(f->fp) != 0)
		file_remember(f, -(errno ? errno : EIO));
	rc = f->first_error;
	free(f);
	return rc;
}
