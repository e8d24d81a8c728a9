/*
 * Without a fuzzing engine, a fuzzer's entry point runs over its checked-in
 * corpus: every file once, each copied to a buffer of exactly its size so
 * that AddressSanitizer catches a read one byte past the end.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	unsigned n = 0;

	for (int a = 1; a < argc; a++) {
		DIR *d = opendir(argv[a]);
		struct dirent *e;

		if (!d) {
			fprintf(stderr, "%s: cannot open the corpus\n", argv[a]);
			return 1;
		}
		while ((e = readdir(d))) {
			char path[4096];
			struct stat st;
			FILE *f;
			uint8_t *buf;

			snprintf(path, sizeof(path), "%s/%s", argv[a], e->d_name);
			if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
				continue;
			f = fopen(path, "rb");
			buf = malloc(st.st_size ? (size_t)st.st_size : 1);
			if (!f || !buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
				fprintf(stderr, "%s: cannot read\n", path);
				return 1;
			}
			fclose(f);
			LLVMFuzzerTestOneInput(buf, (size_t)st.st_size);
			free(buf);
			n++;
		}
		closedir(d);
	}
	if (n == 0) {
		fprintf(stderr, "no corpus files\n");
		return 1;
	}
	printf("%u inputs ran\n", n);
	return 0;
}
