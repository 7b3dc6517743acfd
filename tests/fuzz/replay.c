/*
 * replay.c - runs a fuzz target over files, so that the seed corpus is
 * part of every test run without libFuzzer.  Each argument is a file, or
 * a directory whose regular files are run in sorted order.  Inputs are
 * read into allocations of exactly their size, so that a sanitizer build
 * catches reads past the end.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
run_file(const char *path)
{
	FILE	*f;
	uint8_t	*data;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "fuzz_replay: %s: cannot read\n", path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	if ((data = malloc(n > 0 ? (size_t)n : 1)) == NULL ||
	    fread(data, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "fuzz_replay: %s: cannot read\n", path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)n);
	free(data);
	return 0;
}

/* Runs the regular files of dir in name order; returns how many, or -1. */
static long
run_dir(const char *dir)
{
	struct dirent	**names;
	struct stat	  st;
	char		 *path;
	long		  count = 0;
	int		  n, k, bad = 0;

	if ((n = scandir(dir, &names, NULL, alphasort)) < 0) {
		fprintf(stderr, "fuzz_replay: %s: cannot list\n", dir);
		return -1;
	}
	for (k = 0; k < n; k++) {
		path = malloc(strlen(dir) + strlen(names[k]->d_name) + 2);
		if (path == NULL) {
			bad = 1;
		} else {
			sprintf(path, "%s/%s", dir, names[k]->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				if (run_file(path) == 0)
					count++;
				else
					bad = 1;
			}
		}
		free(path);
		free(names[k]);
	}
	free(names);
	return bad ? -1 : count;
}

int
main(int argc, char **argv)
{
	struct stat	st;
	long		total = 0, r;
	int		k, bad = 0;

	for (k = 1; k < argc; k++) {
		if (stat(argv[k], &st) != 0) {
			fprintf(stderr, "fuzz_replay: %s: not found\n", argv[k]);
			bad = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if ((r = run_dir(argv[k])) < 0)
				bad = 1;
			else
				total += r;
		} else if (run_file(argv[k]) == 0)
			total++;
		else
			bad = 1;
	}
	printf("fuzz_replay: %ld inputs\n", total);
	return bad;
}
