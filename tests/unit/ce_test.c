/*
 * ce_test.c - helpers shared by the CUnit test programs.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ce_test.h"

static char *
join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

char *
ce_test_data(const char *name)
{
	const char *dir = getenv("CE_TEST_DATA");

	if (dir == NULL) {
		fprintf(stderr, "CE_TEST_DATA is not set: run through make check\n");
		exit(99);
	}
	return join(dir, name);
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int
ce_test_each_file(const char *dir, const char *suffix, const char *except,
    int (*fn)(void *arg, const char *dir, const char *name), void *arg,
    int *passed)
{
	struct dirent *de;
	int n = 0, ok = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (!ends_with(de->d_name, suffix) ||
		    (except != NULL && ends_with(de->d_name, except)))
			continue;
		n++;
		ok += fn(arg, dir, de->d_name) != 0;
	}
	closedir(d);
	if (passed != NULL)
		*passed = ok;
	return n;
}

char *
ce_test_shared(const char *name)
{
	const char *dir = getenv("CE_SHARED_DIR");
	char *p;
	FILE *fp;

	if (dir == NULL)
		return NULL;
	p = join(dir, name);
	if (p == NULL || (fp = fopen(p, "r")) == NULL) {
		free(p);
		return NULL;
	}
	fclose(fp);
	return p;
}

char *
ce_test_slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (fp == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			char *nb = realloc(buf, cap ? cap * 2 : 8192);
			if (nb == NULL) {
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = nb;
			cap = cap ? cap * 2 : 8192;
		}
		r = fread(buf + n, 1, cap - n - 1, fp);
		if (r == 0)
			break;
		n += r;
	}
	fclose(fp);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

int
ce_test_main(CU_SuiteInfo *suites)
{
	unsigned failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 99;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "CU_register_suites: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 99;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
