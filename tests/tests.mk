# tests/tests.mk - shared test helpers; each area's tests are listed in
# that area's fragment.  (Included by Makefile.am.)

if HAVE_CUNIT
check_LTLIBRARIES += tests/unit/libcetest.la
tests_unit_libcetest_la_SOURCES = tests/unit/ce_test.c tests/unit/ce_test.h
tests_unit_libcetest_la_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_libcetest_la_LIBADD = $(CUNIT_LIBS)
endif

EXTRA_DIST += tests/data
