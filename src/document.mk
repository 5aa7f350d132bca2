# src/document.mk - from bytes to records: gzip, NDJSON, streamed log
# files, envelope unwrapping.  (Included by Makefile.am.)

noinst_LTLIBRARIES += src/libce_document.la
src_libce_document_la_SOURCES = \
	src/document.h \
	src/reader.c \
	src/envelope.c
src_libce_document_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(ZLIB_CFLAGS)
src_libce_document_la_LIBADD = src/libce_event.la $(JSONC_LIBS) $(ZLIB_LIBS)
