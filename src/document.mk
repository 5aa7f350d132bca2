# src/document.mk - from bytes to records: gzip, NDJSON, streamed log
# files, envelope unwrapping.  (Included by Makefile.am.)

noinst_LTLIBRARIES += src/libce_document.la
src_libce_document_la_SOURCES = \
	src/document.h \
	src/reader.c \
	src/envelope.c
src_libce_document_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(ZLIB_CFLAGS)
src_libce_document_la_LIBADD = $(JSONC_LIBS) $(ZLIB_LIBS)

if HAVE_CUNIT
check_PROGRAMS += tests/unit/test_reader tests/unit/test_envelope
TESTS += tests/unit/test_reader tests/unit/test_envelope

tests_unit_test_reader_SOURCES = tests/unit/test_reader.c \
	tests/unit/doc_collect.c tests/unit/doc_collect.h
tests_unit_test_reader_CFLAGS = $(CUNIT_TEST_CFLAGS) $(ZLIB_CFLAGS)
tests_unit_test_reader_LDADD = src/libce_document.la \
	tests/unit/libcetest.la $(CUNIT_TEST_LIBS) $(JSONC_LIBS) $(ZLIB_LIBS)

tests_unit_test_envelope_SOURCES = tests/unit/test_envelope.c \
	tests/unit/doc_collect.c tests/unit/doc_collect.h
tests_unit_test_envelope_CFLAGS = $(CUNIT_TEST_CFLAGS)
tests_unit_test_envelope_LDADD = src/libce_document.la \
	tests/unit/libcetest.la $(CUNIT_TEST_LIBS) $(JSONC_LIBS)
endif
