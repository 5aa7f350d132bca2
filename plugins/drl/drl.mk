# plugins/drl/drl.mk - the DRL-subset evaluator.  (Included by Makefile.am.)
#
# The sources build a convenience library, linked whole into the plugin
# (which exports only cloudengine_plugin) and into the unit tests, which
# also reach the internal functions (numbers, regex translation...).

DRL_SOURCES = \
	plugins/drl/arena.c plugins/drl/arena.h \
	plugins/drl/compile.c plugins/drl/compile.h \
	plugins/drl/date.c plugins/drl/date.h \
	plugins/drl/diag.c plugins/drl/diag.h \
	plugins/drl/drl.c \
	plugins/drl/engine.c plugins/drl/engine.h \
	plugins/drl/eval.c \
	plugins/drl/index.c plugins/drl/index.h \
	plugins/drl/lexer.c plugins/drl/lexer.h \
	plugins/drl/load.c plugins/drl/load.h \
	plugins/drl/number.c plugins/drl/number.h \
	plugins/drl/parser.c plugins/drl/parser.h \
	plugins/drl/regex.c plugins/drl/regex.h \
	plugins/drl/rule.h \
	plugins/drl/strmap.c plugins/drl/strmap.h \
	plugins/drl/value.c plugins/drl/value.h

noinst_LTLIBRARIES += plugins/drl/libdrl.la
plugins_drl_libdrl_la_SOURCES = $(DRL_SOURCES)
plugins_drl_libdrl_la_CFLAGS = $(PLUGIN_CFLAGS) $(PCRE2_CFLAGS)
plugins_drl_libdrl_la_LIBADD = $(PCRE2_LIBS)

plugin_LTLIBRARIES += plugins/ev_drl.la
plugins_ev_drl_la_SOURCES =
plugins_ev_drl_la_CFLAGS = $(PLUGIN_CFLAGS) $(PCRE2_CFLAGS)
plugins_ev_drl_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_ev_drl_la_LIBADD = plugins/drl/libdrl.la $(PCRE2_LIBS)

if HAVE_CUNIT
check_LTLIBRARIES += tests/unit/libfakehost.la
tests_unit_libfakehost_la_SOURCES = tests/unit/fake_host.c tests/unit/fake_host.h
tests_unit_libfakehost_la_CFLAGS = $(CUNIT_TEST_CFLAGS)
tests_unit_libfakehost_la_LIBADD = src/libce_event.la $(JSONC_LIBS) $(PTHREAD_LIBS)

DRL_TEST_LIBS = plugins/drl/libdrl.la tests/unit/libfakehost.la \
	tests/unit/libcetest.la $(PCRE2_LIBS) $(JSONC_LIBS) $(CUNIT_TEST_LIBS) \
	$(PTHREAD_LIBS)
DRL_TEST_CFLAGS = $(CUNIT_TEST_CFLAGS) $(PCRE2_CFLAGS) -I$(top_srcdir)/plugins/drl

# Helpers the test programs #include (not compiled on their own).
EXTRA_DIST += tests/unit/test_drl_rig.c

check_PROGRAMS += tests/unit/test_drl_lang tests/unit/test_drl_engine \
	tests/unit/test_drl_errors
TESTS += tests/unit/test_drl_lang tests/unit/test_drl_engine \
	tests/unit/test_drl_errors

tests_unit_test_drl_lang_SOURCES = tests/unit/test_drl_lang.c
tests_unit_test_drl_lang_CFLAGS = $(DRL_TEST_CFLAGS)
tests_unit_test_drl_lang_LDADD = $(DRL_TEST_LIBS)

tests_unit_test_drl_engine_SOURCES = tests/unit/test_drl_engine.c
tests_unit_test_drl_engine_CFLAGS = $(DRL_TEST_CFLAGS)
tests_unit_test_drl_engine_LDADD = $(DRL_TEST_LIBS)

tests_unit_test_drl_errors_SOURCES = tests/unit/test_drl_errors.c
tests_unit_test_drl_errors_CFLAGS = $(DRL_TEST_CFLAGS)
tests_unit_test_drl_errors_LDADD = $(DRL_TEST_LIBS)
endif
