# src/config.mk - logging, diagnostics, the libconfig file and option
# tables.  (Included by Makefile.am.)

noinst_LTLIBRARIES += src/libce_config.la
src_libce_config_la_SOURCES = \
	src/log.c src/log.h \
	src/diag.c src/diag.h \
	src/config.c src/config.h \
	src/options.c src/options.h
src_libce_config_la_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS)
src_libce_config_la_LIBADD = src/libce_event.la $(LIBCONFIG_LIBS) $(PTHREAD_LIBS)

if HAVE_CUNIT
# The configuration file (golden diagnostics in tests/data/config), option
# tables of every type, secrets, ${VAR}, overrides, reload comparison.
check_PROGRAMS += tests/unit/test_config
TESTS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(CUNIT_TEST_CFLAGS)
tests_unit_test_config_LDADD = tests/unit/libcetest.la src/libce_config.la \
	$(CUNIT_TEST_LIBS) $(LIBCONFIG_LIBS)

# Log lines in both formats, escaping, levels, sinks; diagnostics.
check_PROGRAMS += tests/unit/test_log
TESTS += tests/unit/test_log
tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_CFLAGS = $(CUNIT_TEST_CFLAGS)
tests_unit_test_log_LDADD = tests/unit/libcetest.la src/libce_config.la \
	$(CUNIT_TEST_LIBS) $(JSONC_LIBS) $(PTHREAD_LIBS)
endif
EXTRA_DIST += tests/unit/libconfig.supp
