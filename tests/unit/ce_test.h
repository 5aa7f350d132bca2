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
/* Read a whole file; NULL on error.  *len may be NULL. */
char	*ce_test_slurp(const char *path, size_t *len);
/* Register suites and run them; returns the process exit status
 * (0 all passed, 1 failures, 77 when skip is set). */
int	 ce_test_main(CU_SuiteInfo *suites);

#define CE_TEST(fn)	{ #fn, fn }

#endif /* CE_TEST_H */
