# plugins/plugins.mk - the plugins shipped with the core: file input and
# stdout output, their unit test, and the manual pages.  (Included by
# Makefile.am.)

plugin_LTLIBRARIES += plugins/in_file.la plugins/out_stdout.la

plugins_in_file_la_SOURCES = plugins/in_file.c
plugins_in_file_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_in_file_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_in_file_la_LIBADD = $(PTHREAD_LIBS)

# The JSON writer of plugins/common, compiled in (no libcurl needed).
plugins_out_stdout_la_SOURCES = plugins/out_stdout.c \
	plugins/common/json.c plugins/common/json.h
plugins_out_stdout_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_out_stdout_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_out_stdout_la_LIBADD = $(PTHREAD_LIBS)

dist_man_MANS += docs/cloudengine.1 docs/cloudengine.conf.5

# The quick start's dependency installer and the CI helpers it shares
# with .ci/run (already listed in Makefile.am).
EXTRA_DIST += .ci/install-deps .ci/check-man .ci/run-example

if HAVE_CUNIT
# Loads the two built plugins with dlopen() and drives them through a
# stub host: the real shared objects, their one exported symbol included.
check_PROGRAMS += tests/unit/test_core_plugins
TESTS += tests/unit/test_core_plugins
tests_unit_test_core_plugins_SOURCES = tests/unit/test_core_plugins.c
tests_unit_test_core_plugins_CFLAGS = $(CUNIT_TEST_CFLAGS)
tests_unit_test_core_plugins_LDADD = tests/unit/libcetest.la \
	$(CUNIT_TEST_LIBS) $(JSONC_LIBS) $(DL_LIBS) $(PTHREAD_LIBS)
# The test opens the plugins: building it builds them.
EXTRA_tests_unit_test_core_plugins_DEPENDENCIES = plugins/in_file.la \
	plugins/out_stdout.la
endif
