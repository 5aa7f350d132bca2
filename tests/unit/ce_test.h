/*
 * ce_test.h - helpers shared by the CUnit test programs.
 */
#ifndef CE_TEST_H
#define CE_TEST_H

#include <CUnit/Basic.h>

/* Absolute path of a file under tests/data (CE_TEST_DATA), static buffer
 * per call site is NOT kept: the result is malloc'd, caller frees. */
char	*ce_test_data(const char *name);
/* $CE_SHARED_DIR/<name>, or NULL when ../shared is absent (skip). */
char	*ce_test_shared(const char *name);
/* Call fn(arg, dir, name) for each file of dir whose name ends in suffix
 * but not in except (NULL: none).  Returns how many there were, -1 when
 * dir cannot be read; *passed (may be NULL) counts those fn returned
 * non-zero for. */
int	ce_test_each_file(const char *dir, const char *suffix,
	    const char *except, int (*fn)(void *arg, const char *dir,
	    const char *name), void *arg, int *passed);
/* Read a whole file; NULL on error.  *len may be NULL. */
char	*ce_test_slurp(const char *path, size_t *len);
/* Register suites and run them; returns the process exit status
 * (0 all passed, 1 failures, 77 when skip is set). */
int	 ce_test_main(CU_SuiteInfo *suites);

#define CE_TEST(fn)	{ #fn, fn }

#endif /* CE_TEST_H */
