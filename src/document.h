/*
 * document.h - from bytes to records: gzip detection, NDJSON / whole JSON /
 * streamed {"Records":[...]} splitting, and envelope unwrapping
 * (EventBridge, SNS, SQS batches, S3 notifications, CloudTrail
 * notifications, digests, test events).
 */
#ifndef CE_DOCUMENT_H
#define CE_DOCUMENT_H

#include <stdint.h>
#include <sys/types.h>

struct json_object;

/* A pull stream (the bytes of a document, or an S3 object). */
struct ce_stream {
	ssize_t	(*read)(void *ctx, void *buf, size_t cap);	/* bytes, 0 = end, <0 = -errno */
	void	(*close)(void *ctx);				/* may be NULL */
	void	 *ctx;
};

/* Limits that keep one document from taking unbounded memory or time.
 * A zero member means its default. */
struct ce_doc_limits {
	size_t	max_record_bytes;	/* one JSON text (line, record); default 8 MiB */
	size_t	max_depth;		/* JSON nesting; default 64 */
	uint64_t max_gzip_ratio;	/* inflated/compressed bytes; default 1000 */
	size_t	max_flat_bytes;		/* keys of one flattened map; default
					 * 64 MiB (applied by ce_flatten_set_limit) */
};
void	ce_doc_limits_default(struct ce_doc_limits *l);
/* Copy in (NULL = the defaults) to out with zeros replaced by defaults
 * and values clamped to what the parser can take. */
void	ce_doc_limits_normalise(struct ce_doc_limits *out,
	    const struct ce_doc_limits *in);

/*
 * What the reader finds, reported in document order.  Every callback
 * returns 0 to go on or a negative errno to stop reading (that error is
 * then returned by ce_doc_read()).
 */
struct ce_doc_ops {
	/* One CloudTrail record.  The callee takes over the only reference
	 * (the record is detached from its envelope).  index: the 1-based
	 * position in the innermost Records array holding it, else the line
	 * on which its JSON text starts (1 for a whole document). */
	int	(*record)(void *arg, struct json_object *record,
		    const char *origin, uint64_t index);
	/* Something malformed or unrecognised that was skipped; msg says
	 * what was expected. */
	int	(*skipped)(void *arg, const char *origin, uint64_t index,
		    const char *msg);
	/* An S3 object to fetch and read as a document of its own (from an S3
	 * notification or a CloudTrail SNS notification).  key is decoded.
	 * region may be NULL.  Digest/Insight keys never get here. */
	int	(*s3_object)(void *arg, const char *bucket, const char *key,
		    const char *region, const char *origin, uint64_t index);
};

/* Document flags: CE_DOC_LINES from plugin.h is honoured. */

/*
 * Read the stream to its end (or until a callback stops it) and report
 * its content.  Does not close the stream.  Returns 0, or a negative errno
 * when the stream itself failed (the stream's own error; -EBADMSG corrupt
 * or truncated gzip; -EFBIG over max_gzip_ratio; -ENOMEM) or a callback
 * stopped it (its error), with the reason, naming origin, written to err.
 * Malformed texts, records over max_record_bytes and binary data are not
 * errors: they go to skipped() and reading goes on (binary data: ends).
 */
int	ce_doc_read(struct ce_stream *s, const char *origin, unsigned flags,
	    const struct ce_doc_limits *limits, const struct ce_doc_ops *ops,
	    void *arg, char *err, size_t errlen);

/*
 * Unwrap one parsed JSON value (a document, an SQS body, an SNS Message
 * after parsing) and report what it holds.  Takes over the reference to
 * doc.  Returns as ce_doc_read().
 */
int	ce_doc_unwrap(struct json_object *doc, const char *origin, uint64_t index,
	    const struct ce_doc_limits *limits, const struct ce_doc_ops *ops,
	    void *arg, char *err, size_t errlen);

/* A stream over a memory buffer; neither the bytes nor m are copied, both
 * must outlive the stream.  close is NULL. */
struct ce_memstream {
	const char	*data;
	size_t		 len;
	size_t		 off;
};
void	ce_stream_memory(struct ce_stream *s, struct ce_memstream *m,
	    const void *data, size_t len);

/* A read callback over a file descriptor, passed as ctx through intptr_t
 * (ce_stream and struct ce_document alike): read(2), retried on EINTR. */
ssize_t	ce_stream_fd_read(void *ctx, void *buf, size_t cap);

#endif /* CE_DOCUMENT_H */
