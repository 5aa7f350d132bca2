# src/engine.mk - instances, host services, the pipeline, alert dispatch,
# the engine, and the cloudengine program.  (Included by Makefile.am.)

noinst_LTLIBRARIES += src/libce_engine.la
src_libce_engine_la_SOURCES = \
	src/sha256.c src/sha256.h \
	src/alert.c src/alert.h \
	src/instance.c src/instance.h \
	src/host.c src/host.h \
	src/pipeline.c src/pipeline.h \
	src/dedup.c src/dedup.h \
	src/dispatch.c src/dispatch.h \
	src/engine.c src/engine.h
src_libce_engine_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(LIBCONFIG_CFLAGS)
src_libce_engine_la_LIBADD = src/libce_document.la src/libce_plugin.la \
	src/libce_config.la src/libce_event.la $(PTHREAD_LIBS)

bin_PROGRAMS += src/cloudengine
src_cloudengine_SOURCES = \
	src/main.c src/commands.h \
	src/cmd_flatten.c \
	src/cmd_plugins.c \
	src/cmd_test_rules.c
src_cloudengine_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
src_cloudengine_LDADD = src/libce_engine.la $(JSONC_LIBS) $(PTHREAD_LIBS) $(ALLOCATOR_LIBS)

if HAVE_CUNIT
check_PROGRAMS += tests/unit/test_dedup
TESTS += tests/unit/test_dedup
tests_unit_test_dedup_SOURCES = tests/unit/test_dedup.c
tests_unit_test_dedup_CFLAGS = $(CUNIT_TEST_CFLAGS)
tests_unit_test_dedup_LDADD = src/libce_engine.la tests/unit/libcetest.la \
	$(CUNIT_TEST_LIBS) $(PTHREAD_LIBS)

check_PROGRAMS += tests/unit/test_alert
TESTS += tests/unit/test_alert
tests_unit_test_alert_SOURCES = tests/unit/test_alert.c
tests_unit_test_alert_CFLAGS = $(CUNIT_TEST_CFLAGS)
tests_unit_test_alert_LDADD = src/libce_engine.la tests/unit/libcetest.la $(CUNIT_TEST_LIBS) $(JSONC_LIBS)
endif
