/*
 * doc_collect.h - test helper that records what the document reader and
 * unwrapper report, in order, so tests can assert on it.
 */
#ifndef DOC_COLLECT_H
#define DOC_COLLECT_H

#include <stddef.h>
#include <stdint.h>

#include "document.h"

enum dc_kind { DC_RECORD, DC_SKIPPED, DC_S3 };

struct dc_item {
	enum dc_kind	 kind;
	uint64_t	 index;
	char		*origin;
	char		*text;	/* record: eventName; skipped: msg; s3: bucket */
	char		*key;	/* s3: key */
	char		*region;	/* s3: region or NULL */
};

struct dc {
	struct dc_item	*items;
	size_t		 n;
	size_t		 cap;
	size_t		 records;
	size_t		 skipped;
	size_t		 s3;
	int		 stop_rc;	/* returned by the callback number stop_at */
	size_t		 stop_at;	/* 0 = never stop */
	int		 quiet;		/* do not print skipped messages */
};

extern const struct ce_doc_ops dc_ops;

void	dc_init(struct dc *c);
void	dc_free(struct dc *c);
/* The i-th report of the given kind, or NULL. */
const struct dc_item *dc_nth(const struct dc *c, enum dc_kind kind, size_t i);
/* ce_doc_read() over a memory buffer. */
int	dc_read(struct dc *c, const void *data, size_t len, unsigned flags,
	    const struct ce_doc_limits *limits, char *err, size_t errlen);
/* ce_doc_read() over a file in tests/data/documents. */
int	dc_read_file(struct dc *c, const char *name, unsigned flags,
	    char *err, size_t errlen);
/* ce_doc_unwrap() of a parsed JSON text. */
int	dc_unwrap(struct dc *c, const char *json, char *err, size_t errlen);

#endif /* DOC_COLLECT_H */
