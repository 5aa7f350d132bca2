# src/event.mk - the event model: buffers, JSON writing, flattening,
# compiled paths, events, and where they are freed.  (Included by
# Makefile.am.)

noinst_LTLIBRARIES += src/libce_event.la
src_libce_event_la_SOURCES = \
	src/buf.c src/buf.h \
	src/flatten.c src/flatten.h \
	src/path.c src/path.h \
	src/pathset.c src/pathset.h \
	src/event.c src/event.h \
	src/reap.c src/reap.h
src_libce_event_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
src_libce_event_la_LIBADD = $(JSONC_LIBS) $(PTHREAD_LIBS)

if HAVE_CUNIT
# Buffer growth and failure, JSON string escaping, invalid UTF-8, UTF-8
# prefixes.
check_PROGRAMS += tests/unit/test_buf
TESTS += tests/unit/test_buf
tests_unit_test_buf_SOURCES = tests/unit/test_buf.c
tests_unit_test_buf_CFLAGS = $(CUNIT_TEST_CFLAGS)
tests_unit_test_buf_LDADD = tests/unit/libcetest.la src/libce_event.la \
	$(CUNIT_TEST_LIBS)

# json-flattener 0.5.0 golden files (tests/data/flatten), the JSON writer,
# value typing, json-c number corner cases.
check_PROGRAMS += tests/unit/test_flatten
TESTS += tests/unit/test_flatten
tests_unit_test_flatten_SOURCES = tests/unit/test_flatten.c
tests_unit_test_flatten_CFLAGS = $(CUNIT_TEST_CFLAGS)
tests_unit_test_flatten_LDADD = tests/unit/libcetest.la src/libce_event.la \
	$(CUNIT_TEST_LIBS) $(JSONC_LIBS)

# Paths (valid and malformed keys), "[*]", lookups and typing, reference
# counts, lazy caches read from many threads, frees deferred to reap().
check_PROGRAMS += tests/unit/test_event
TESTS += tests/unit/test_event
tests_unit_test_event_SOURCES = tests/unit/test_event.c
tests_unit_test_event_CFLAGS = $(CUNIT_TEST_CFLAGS)
tests_unit_test_event_LDADD = tests/unit/libcetest.la src/libce_event.la \
	$(CUNIT_TEST_LIBS) $(JSONC_LIBS) $(PTHREAD_LIBS)

# Round trip over ../shared/corpus (SKIP without it): every flattened key
# of every record, compiled, finds the value the flat walk reported.
check_PROGRAMS += tests/unit/test_corpus
TESTS += tests/unit/test_corpus
tests_unit_test_corpus_SOURCES = tests/unit/test_corpus.c
tests_unit_test_corpus_CFLAGS = $(CUNIT_TEST_CFLAGS)
tests_unit_test_corpus_LDADD = tests/unit/libcetest.la src/libce_event.la \
	$(CUNIT_TEST_LIBS) $(JSONC_LIBS)
endif
