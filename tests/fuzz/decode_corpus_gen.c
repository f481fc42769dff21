/* SPDX-License-Identifier: BSD-3-Clause */
/* decode_corpus_gen.c - Writes the decode unit-test sample frames as a seed corpus for decode_fuzz (docs/decode.md). */
#include <stdio.h>

#include "../unit/decode/samples.h"

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	char path[512];
	unsigned int i;
	struct pkt p;

	for (i = 0; i < n_samples; i++) {
		FILE *f;

		pk_init(&p);
		samples[i].build(&p);
		snprintf(path, sizeof(path), "%s/%s.bin", dir, samples[i].name);
		f = fopen(path, "wb");
		if (f == NULL) {
			perror(path);
			return 1;
		}
		fputc(0, f);  /* control byte: defaults */
		fwrite(p.b, 1, p.len, f);
		fclose(f);
	}
	return 0;
}
