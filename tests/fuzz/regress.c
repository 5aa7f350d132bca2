/*
 * regress.c - main() that turns a fuzz target into an ordinary test
 * program (no libFuzzer): every file of the target's directories is fed
 * to LLVMFuzzerTestOneInput() once, so the crashes fuzzing found, and the
 * seed inputs, run in `make check` under whatever sanitizers the build has.
 *
 * Directories come from FUZZ_DIRS (':'-separated, relative to the source
 * tree, which CE_TOP_SRCDIR names; missing ones are skipped), or from the
 * command line (files or directories: reproducing one crash by hand).
 * Exits 1 when no input at all was found: a path gone wrong must not pass.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_NAME
#error "FUZZ_NAME must name the target"
#endif
#ifndef FUZZ_DIRS
#define FUZZ_DIRS	""
#endif

/* Inputs larger than this are not fuzz inputs: a wrong directory. */
#define REGRESS_MAX_INPUT	(16u << 20)

static size_t ninputs;

static int
run_file(const char *path)
{
	struct stat st;
	unsigned char *buf = NULL;
	size_t n = 0;
	FILE *fp;
	int rc = -1;

	if ((fp = fopen(path, "rb")) == NULL || fstat(fileno(fp), &st) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		goto out;
	}
	if (st.st_size > (off_t)REGRESS_MAX_INPUT) {
		fprintf(stderr, "%s: larger than a fuzz input\n", path);
		goto out;
	}
	/* An exact-size copy: reading past the end must be caught. */
	if ((buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL)
		goto out;
	n = fread(buf, 1, (size_t)st.st_size, fp);
	if (ferror(fp)) {
		fprintf(stderr, "%s: read error\n", path);
		goto out;
	}
	LLVMFuzzerTestOneInput(buf, n);
	ninputs++;
	rc = 0;
out:
	free(buf);
	if (fp != NULL)
		fclose(fp);
	return rc;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every regular file of dir, in name order; a missing dir is no error. */
static int
run_dir(const char *dir)
{
	struct dirent **names = NULL;
	char path[4096];
	struct stat st;
	int i, n, rc = 0;

	if ((n = scandir(dir, &names, NULL, by_name)) < 0)
		return errno == ENOENT ? 0 : -1;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode) && run_file(path) < 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

static int
run_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return run_dir(path);
	return run_file(path);
}

/* The compiled-in directories, under the source tree. */
static int
run_builtin(void)
{
	const char *top = getenv("CE_TOP_SRCDIR");
	char dirs[] = FUZZ_DIRS, path[4096], *d, *save = NULL;
	int rc = 0;

	if (top == NULL || *top == '\0') {
		fprintf(stderr, "regress_%s: CE_TOP_SRCDIR is not set; run "
		    "through 'make check'\n", FUZZ_NAME);
		return -1;
	}
	for (d = strtok_r(dirs, ":", &save); d != NULL;
	    d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s", top, d);
		if (run_dir(path) < 0)
			rc = -1;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	int i, rc = 0;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			if (run_path(argv[i]) < 0)
				rc = -1;
	} else
		rc = run_builtin();
	if (rc < 0)
		return 1;
	if (ninputs == 0) {
		fprintf(stderr, "regress_%s: no input found\n", FUZZ_NAME);
		return 1;
	}
	printf("regress_%s: %zu inputs ran clean\n", FUZZ_NAME, ninputs);
	return 0;
}
