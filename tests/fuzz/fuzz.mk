# tests/fuzz/fuzz.mk - libFuzzer targets (`make fuzz`, `make fuzz-run`)
# and their regression runners in `make check`.  (Included by Makefile.am.)
#
# Each target is one file defining LLVMFuzzerTestOneInput().  `make fuzz`
# compiles it, with the core or plugin sources it drives, straight from
# the sources with clang -fsanitize=fuzzer,address,undefined (no configure
# switch: the regular build stays on the configured compiler).  In
# `make check` the same file is linked with regress.c instead of libFuzzer
# and runs every input of its directories: the regressions fuzzing found
# (tests/fuzz/regressions/TARGET), hand-written seeds
# (tests/fuzz/seeds/TARGET) and the test data of its area.
# docs/fuzzing.md says what each target covers and how long it ran.

FUZZ_NAMES = document envelope path text config drl lambda sqs

# ------------------------------------------------------------------
# libFuzzer builds
# ------------------------------------------------------------------
FUZZ_CC = clang
FUZZ_SANITIZERS = fuzzer,address,undefined
FUZZ_CC_FLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=$(FUZZ_SANITIZERS) \
	-fno-sanitize-recover=undefined -Wall -Wno-unused-parameter
FUZZ_CPP_FLAGS = -DHAVE_CONFIG_H -I$(top_builddir) $(AM_CPPFLAGS) \
	-I$(top_srcdir)/plugins -I$(top_srcdir)/plugins/drl \
	-I$(top_srcdir)/tests/unit -I$(top_srcdir)/tests/fuzz \
	$(JSONC_CFLAGS) $(ZLIB_CFLAGS) $(LIBCONFIG_CFLAGS) $(PCRE2_CFLAGS)
FUZZ_BIN = tests/fuzz/bin
FUZZ_BINARIES = $(FUZZ_BIN)/fuzz_document $(FUZZ_BIN)/fuzz_envelope \
	$(FUZZ_BIN)/fuzz_path $(FUZZ_BIN)/fuzz_text $(FUZZ_BIN)/fuzz_config \
	$(FUZZ_BIN)/fuzz_drl $(FUZZ_BIN)/fuzz_lambda $(FUZZ_BIN)/fuzz_sqs
# Compile every .c prerequisite (found through VPATH) into the target.
FUZZ_LINK = $(AM_V_GEN)$(MKDIR_P) $(FUZZ_BIN) && \
	$(FUZZ_CC) $(FUZZ_CPP_FLAGS) $(FUZZ_CC_FLAGS) -o $@ $(filter %.c,$^)

FUZZ_COMMON = tests/fuzz/fuzz.h tests/fuzz/fuzz_util.c
# The event library as built (src/event.mk), so that no file is missed.
FUZZ_EVENT_SRC = $(filter %.c,$(src_libce_event_la_SOURCES))
FUZZ_DOC_SRC = src/reader.c src/envelope.c
FUZZ_CONFIG_SRC = src/log.c src/diag.c src/config.c src/options.c
FUZZ_DRL_SRC = $(filter %.c,$(DRL_SOURCES)) tests/unit/fake_host.c

$(FUZZ_BIN)/fuzz_document: tests/fuzz/fuzz_document.c $(FUZZ_COMMON) \
		$(FUZZ_DOC_SRC) $(FUZZ_EVENT_SRC)
	$(FUZZ_LINK) $(JSONC_LIBS) $(ZLIB_LIBS) $(PTHREAD_LIBS)
$(FUZZ_BIN)/fuzz_envelope: tests/fuzz/fuzz_envelope.c $(FUZZ_COMMON) \
		$(FUZZ_DOC_SRC)
	$(FUZZ_LINK) $(JSONC_LIBS) $(ZLIB_LIBS)
$(FUZZ_BIN)/fuzz_path: tests/fuzz/fuzz_path.c $(FUZZ_COMMON) \
		$(FUZZ_EVENT_SRC)
	$(FUZZ_LINK) $(JSONC_LIBS) $(PTHREAD_LIBS)
$(FUZZ_BIN)/fuzz_text: tests/fuzz/fuzz_text.c $(FUZZ_COMMON) src/buf.c \
		src/log.c
	$(FUZZ_LINK) $(JSONC_LIBS) $(PTHREAD_LIBS)
$(FUZZ_BIN)/fuzz_config: tests/fuzz/fuzz_config.c $(FUZZ_COMMON) \
		$(FUZZ_CONFIG_SRC) $(FUZZ_EVENT_SRC)
	$(FUZZ_LINK) $(LIBCONFIG_LIBS) $(JSONC_LIBS) $(PTHREAD_LIBS)
$(FUZZ_BIN)/fuzz_drl: tests/fuzz/fuzz_drl.c $(FUZZ_COMMON) $(FUZZ_DRL_SRC) \
		$(FUZZ_EVENT_SRC)
	$(FUZZ_LINK) $(PCRE2_LIBS) $(JSONC_LIBS) $(PTHREAD_LIBS)
$(FUZZ_BIN)/fuzz_lambda: tests/fuzz/fuzz_lambda.c $(FUZZ_COMMON) \
		plugins/lambda_invocation.c $(FUZZ_DOC_SRC)
	$(FUZZ_LINK) $(JSONC_LIBS) $(ZLIB_LIBS)
$(FUZZ_BIN)/fuzz_sqs: tests/fuzz/fuzz_sqs.c $(FUZZ_COMMON) \
		plugins/sqs_proto.c
	$(FUZZ_LINK) $(JSONC_LIBS)

# make fuzz: build the targets.  make fuzz-run: run each for FUZZ_TIME
# seconds over seeds made from the test data and ../shared/corpus (see
# tests/fuzz/run.sh; FUZZ_TARGETS="drl path" runs a subset, FUZZ_JOBS=2
# two at a time).
FUZZ_TIME = 60
FUZZ_JOBS = 1
FUZZ_TARGETS = $(FUZZ_NAMES)
.PHONY: fuzz fuzz-run fuzz-clean
fuzz: $(FUZZ_BINARIES)
fuzz-run: fuzz
	FUZZ_TIME='$(FUZZ_TIME)' FUZZ_JOBS='$(FUZZ_JOBS)' \
	FUZZ_TARGETS='$(FUZZ_TARGETS)' \
	CE_SHARED_DIR='$(CE_SHARED_DIR)' $(SHELL) $(srcdir)/tests/fuzz/run.sh \
		'$(abs_top_srcdir)' '$(abs_top_builddir)/$(FUZZ_BIN)' \
		'$(abs_top_builddir)/tests/fuzz/work'
fuzz-clean:
	rm -rf $(FUZZ_BIN) tests/fuzz/work
clean-local: fuzz-clean

EXTRA_DIST += tests/fuzz/run.sh tests/fuzz/json.dict tests/fuzz/drl.dict \
	tests/fuzz/config.dict tests/fuzz/seeds tests/fuzz/regressions \
	tests/fuzz/fuzz_document.c tests/fuzz/fuzz_envelope.c \
	tests/fuzz/fuzz_path.c tests/fuzz/fuzz_config.c tests/fuzz/fuzz_drl.c \
	tests/fuzz/fuzz_lambda.c tests/fuzz/fuzz_text.c tests/fuzz/fuzz_sqs.c \
	tests/fuzz/fuzz.h tests/fuzz/fuzz_util.c \
	tests/fuzz/regress.c

# ------------------------------------------------------------------
# Regression runners: the same entry points, no libFuzzer, in make check
# ------------------------------------------------------------------
if HAVE_CUNIT
FUZZ_REGRESS = tests/fuzz/regress_document tests/fuzz/regress_envelope \
	tests/fuzz/regress_path tests/fuzz/regress_text tests/fuzz/regress_config \
	tests/fuzz/regress_drl tests/fuzz/regress_lambda tests/fuzz/regress_sqs
check_PROGRAMS += $(FUZZ_REGRESS)
TESTS += $(FUZZ_REGRESS)

FUZZ_REGRESS_FLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/tests/fuzz
FUZZ_REGRESS_SRC = tests/fuzz/regress.c tests/fuzz/fuzz.h \
	tests/fuzz/fuzz_util.c
# FUZZ_DIRS: where each runner finds its inputs, under the source tree.
tests_fuzz_regress_document_SOURCES = tests/fuzz/fuzz_document.c \
	$(FUZZ_REGRESS_SRC)
tests_fuzz_regress_document_CFLAGS = $(FUZZ_REGRESS_FLAGS) $(ZLIB_CFLAGS) \
	-DFUZZ_NAME='"document"' -DFUZZ_DIRS='"tests/fuzz/regressions/document:tests/fuzz/seeds/document:tests/data/documents:tests/data/flatten:examples/events"'
tests_fuzz_regress_document_LDADD = src/libce_document.la src/libce_event.la \
	$(JSONC_LIBS) $(ZLIB_LIBS) $(PTHREAD_LIBS)

tests_fuzz_regress_envelope_SOURCES = tests/fuzz/fuzz_envelope.c \
	$(FUZZ_REGRESS_SRC)
tests_fuzz_regress_envelope_CFLAGS = $(FUZZ_REGRESS_FLAGS) \
	-DFUZZ_NAME='"envelope"' -DFUZZ_DIRS='"tests/fuzz/regressions/envelope:tests/fuzz/seeds/envelope:tests/data/documents"'
tests_fuzz_regress_envelope_LDADD = src/libce_document.la $(JSONC_LIBS) \
	$(ZLIB_LIBS)

tests_fuzz_regress_path_SOURCES = tests/fuzz/fuzz_path.c \
	$(FUZZ_REGRESS_SRC)
tests_fuzz_regress_path_CFLAGS = $(FUZZ_REGRESS_FLAGS) \
	-DFUZZ_NAME='"path"' -DFUZZ_DIRS='"tests/fuzz/regressions/path:tests/fuzz/seeds/path"'
tests_fuzz_regress_path_LDADD = src/libce_event.la $(JSONC_LIBS) \
	$(PTHREAD_LIBS)

tests_fuzz_regress_text_SOURCES = tests/fuzz/fuzz_text.c \
	$(FUZZ_REGRESS_SRC)
tests_fuzz_regress_text_CFLAGS = $(FUZZ_REGRESS_FLAGS) \
	-DFUZZ_NAME='"text"' -DFUZZ_DIRS='"tests/fuzz/regressions/text:tests/fuzz/seeds/text:tests/fuzz/seeds/path"'
tests_fuzz_regress_text_LDADD = src/libce_config.la $(JSONC_LIBS) \
	$(PTHREAD_LIBS)

tests_fuzz_regress_config_SOURCES = tests/fuzz/fuzz_config.c \
	$(FUZZ_REGRESS_SRC)
tests_fuzz_regress_config_CFLAGS = $(FUZZ_REGRESS_FLAGS) $(LIBCONFIG_CFLAGS) \
	-DFUZZ_NAME='"config"' -DFUZZ_DIRS='"tests/fuzz/regressions/config:tests/fuzz/seeds/config:tests/data/config:etc"'
tests_fuzz_regress_config_LDADD = src/libce_config.la $(LIBCONFIG_LIBS) \
	$(JSONC_LIBS) $(PTHREAD_LIBS)

tests_fuzz_regress_drl_SOURCES = tests/fuzz/fuzz_drl.c \
	$(FUZZ_REGRESS_SRC)
tests_fuzz_regress_drl_CFLAGS = $(FUZZ_REGRESS_FLAGS) $(PCRE2_CFLAGS) \
	-I$(top_srcdir)/plugins/drl -I$(top_srcdir)/tests/unit \
	-DFUZZ_NAME='"drl"' -DFUZZ_DIRS='"tests/fuzz/regressions/drl:tests/fuzz/seeds/drl:rules:tests/data/drl/rules:tests/data/drl/errors"'
tests_fuzz_regress_drl_LDADD = plugins/drl/libdrl.la tests/unit/libfakehost.la \
	src/libce_event.la $(PCRE2_LIBS) $(JSONC_LIBS) $(PTHREAD_LIBS)

tests_fuzz_regress_lambda_SOURCES = tests/fuzz/fuzz_lambda.c \
	$(FUZZ_REGRESS_SRC)
tests_fuzz_regress_lambda_CFLAGS = $(FUZZ_REGRESS_FLAGS) \
	-I$(top_srcdir)/plugins \
	-DFUZZ_NAME='"lambda"' -DFUZZ_DIRS='"tests/fuzz/regressions/lambda:tests/fuzz/seeds/lambda:tests/data/documents"'
tests_fuzz_regress_lambda_LDADD = plugins/liblambda.la src/libce_document.la \
	$(JSONC_LIBS) $(ZLIB_LIBS) $(CURL_LIBS)

tests_fuzz_regress_sqs_SOURCES = tests/fuzz/fuzz_sqs.c $(FUZZ_REGRESS_SRC)
tests_fuzz_regress_sqs_CFLAGS = $(FUZZ_REGRESS_FLAGS) -I$(top_srcdir)/plugins \
	-DFUZZ_NAME='"sqs"' -DFUZZ_DIRS='"tests/fuzz/regressions/sqs:tests/fuzz/seeds/sqs"'
tests_fuzz_regress_sqs_LDADD = plugins/libsqs.la $(JSONC_LIBS) $(CURL_LIBS) \
	$(PTHREAD_LIBS)
endif

# ------------------------------------------------------------------
# Hardening integration tests (tests/cli): the hardening flags in the
# built objects, descriptors, Unicode and hostile text, limits, secrets
# and core dumps, faults with kill -9 over the sqs input, credentials
# expiring mid-run (these two on fauxqs: skipped without node and
# tests/peers/node_modules), and memcheck over the integration tests
# (valgrind.sh runs only with CE_VALGRIND=1).
# ------------------------------------------------------------------
HARDENING_CLI_TESTS = \
	tests/cli/hardening_elf.sh \
	tests/cli/hardening_fd.sh \
	tests/cli/hardening_unicode.sh \
	tests/cli/hardening_limits.sh \
	tests/cli/hardening_secrets.sh \
	tests/cli/hardening_credentials.sh \
	tests/cli/fault_injection.sh \
	tests/cli/valgrind.sh
TESTS += $(HARDENING_CLI_TESTS)
EXTRA_DIST += $(HARDENING_CLI_TESTS) tests/cli/valgrind.supp \
	tests/peers/rotating_credentials.py
