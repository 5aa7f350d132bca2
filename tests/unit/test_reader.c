/*
 * test_reader.c - unit tests for the document reader: NDJSON, whole and
 * concatenated documents, streamed CloudTrail log files, gzip, limits and
 * every kind of bad input.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <json-c/json.h>
#include <zlib.h>

#include "cloudengine/plugin.h"
#include "ce_test.h"
#include "doc_collect.h"
#include "document.h"

#define REC(name) "{\"eventVersion\":\"1.08\",\"eventSource\":" \
	"\"iam.amazonaws.com\",\"eventName\":\"" name "\",\"awsRegion\":" \
	"\"us-east-1\"}"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static void
assert_record(const struct dc *c, size_t i, const char *name, uint64_t index)
{
	const struct dc_item *it = dc_nth(c, DC_RECORD, i);

	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	if (strcmp(it->text, name) != 0 || it->index != index)
		fprintf(stderr, "\n    record %zu: got %s@%" PRIu64
		    ", want %s@%" PRIu64 "\n", i, it->text, it->index, name,
		    index);
	CU_ASSERT_STRING_EQUAL(it->text, name);
	CU_ASSERT_EQUAL(it->index, index);
}

/* The i-th skipped report has this index and exactly this message. */
static void
assert_skip_is(const struct dc *c, size_t i, uint64_t index, const char *msg)
{
	const struct dc_item *it = dc_nth(c, DC_SKIPPED, i);

	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	if (strcmp(it->text, msg) != 0 || it->index != index)
		fprintf(stderr, "\n    skip %zu: got %" PRIu64 " \"%s\"\n"
		    "              want %" PRIu64 " \"%s\"\n", i, it->index,
		    it->text, index, msg);
	CU_ASSERT_STRING_EQUAL(it->text, msg);
	CU_ASSERT_EQUAL(it->index, index);
}

static void
assert_skip_has(const struct dc *c, size_t i, uint64_t index, const char *part)
{
	const struct dc_item *it = dc_nth(c, DC_SKIPPED, i);

	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	if (strstr(it->text, part) == NULL || it->index != index)
		fprintf(stderr, "\n    skip %zu: got %" PRIu64 " \"%s\"\n"
		    "              want %" PRIu64 " \"...%s...\"\n", i,
		    it->index, it->text, index, part);
	CU_ASSERT_PTR_NOT_NULL(strstr(it->text, part));
	CU_ASSERT_EQUAL(it->index, index);
}

static void
assert_counts(const struct dc *c, size_t records, size_t skipped, size_t s3)
{
	if (c->records != records || c->skipped != skipped || c->s3 != s3)
		fprintf(stderr, "\n    counts: got %zu/%zu/%zu, want "
		    "%zu/%zu/%zu\n", c->records, c->skipped, c->s3, records,
		    skipped, s3);
	CU_ASSERT_EQUAL(c->records, records);
	CU_ASSERT_EQUAL(c->skipped, skipped);
	CU_ASSERT_EQUAL(c->s3, s3);
}

/* One gzip member of data (malloc'd). */
static unsigned char *
gzip_bytes(const void *data, size_t len, int level, size_t *outlen)
{
	z_stream z;
	unsigned char *out;
	size_t cap = compressBound((uLong)len) + 64;

	memset(&z, 0, sizeof(z));
	out = malloc(cap);
	if (out == NULL || deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS,
	    9, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

static char *
doc_bytes(const char *name, size_t *len)
{
	char rel[256], *path, *data;

	snprintf(rel, sizeof(rel), "documents/%s", name);
	path = ce_test_data(rel);
	data = ce_test_slurp(path, len);
	if (data == NULL)
		fprintf(stderr, "cannot read %s\n", path);
	free(path);
	return data;
}

static int
read_str(struct dc *c, const char *s, unsigned flags, char *err, size_t errlen)
{
	return dc_read(c, s, strlen(s), flags, NULL, err, errlen);
}

/* ------------------------------------------------------------------ */
/* Streaming a large CloudTrail log file                               */
/* ------------------------------------------------------------------ */

/* About 1.1 KB, with quotes, escapes and brackets inside strings. */
#define BIG_RECORD "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":" \
	"\"AssumedRole\",\"principalId\":\"AROAEXAMPLE:session\",\"arn\":" \
	"\"arn:aws:sts::111122223333:assumed-role/Admin/session\"," \
	"\"accountId\":\"111122223333\",\"accessKeyId\":\"ASIAEXAMPLE\"," \
	"\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\"," \
	"\"principalId\":\"AROAEXAMPLE\",\"arn\":\"arn:aws:iam::111122223333:" \
	"role/Admin\",\"accountId\":\"111122223333\",\"userName\":\"Admin\"}," \
	"\"attributes\":{\"creationDate\":\"2024-05-01T09:00:00Z\"," \
	"\"mfaAuthenticated\":\"false\"}}},\"eventTime\":" \
	"\"2024-05-01T10:00:00Z\",\"eventSource\":\"ec2.amazonaws.com\"," \
	"\"eventName\":\"RunInstances\",\"awsRegion\":\"us-east-1\"," \
	"\"sourceIPAddress\":\"192.0.2.1\",\"userAgent\":\"aws-cli/2.15.0\"," \
	"\"requestParameters\":{\"instancesSet\":{\"items\":[{\"imageId\":" \
	"\"ami-0123456789abcdef0\",\"minCount\":1,\"maxCount\":1}]}," \
	"\"instanceType\":\"t3.micro\",\"userData\":\"<sensitiveDataRemoved>\"," \
	"\"note\":\"escaped \\\"quotes\\\" and {braces} [brackets] ]}}] \\\\" \
	"\"},\"responseElements\":null,\"requestID\":\"0f3a1b2c-0000-4000-8000-" \
	"000000000000\",\"eventID\":\"evt-%" PRIu64 "\",\"readOnly\":false," \
	"\"eventType\":\"AwsApiCall\",\"managementEvent\":true," \
	"\"recipientAccountId\":\"111122223333\",\"eventCategory\":" \
	"\"Management\",\"tlsDetails\":{\"tlsVersion\":\"TLSv1.3\"," \
	"\"cipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"clientProvidedHostHeader\":" \
	"\"ec2.us-east-1.amazonaws.com\"}}"

/* A {"Records":[...]} of n records produced on the fly. */
struct gen {
	uint64_t	n;
	uint64_t	i;
	int		state;	/* 0 head, 1 records, 2 tail, 3 done */
	char		piece[2048];
	size_t		len;
	size_t		off;
};

static void
gen_next(struct gen *g)
{
	g->off = 0;
	switch (g->state) {
	case 0:
		g->len = (size_t)snprintf(g->piece, sizeof(g->piece),
		    "{\"Records\":[");
		g->state = g->n > 0 ? 1 : 2;
		break;
	case 1:
		g->i++;
		g->len = (size_t)snprintf(g->piece, sizeof(g->piece),
		    "%s" BIG_RECORD, g->i > 1 ? "," : "", g->i);
		if (g->i == g->n)
			g->state = 2;
		break;
	case 2:
		g->len = (size_t)snprintf(g->piece, sizeof(g->piece), "]}\n");
		g->state = 3;
		break;
	default:
		g->len = 0;
	}
}

static ssize_t
gen_read(void *ctx, void *buf, size_t cap)
{
	struct gen *g = ctx;
	size_t n = 0, k;

	while (n < cap) {
		if (g->off == g->len) {
			gen_next(g);
			if (g->len == 0)
				break;
		}
		k = g->len - g->off;
		if (k > cap - n)
			k = cap - n;
		memcpy((char *)buf + n, g->piece + g->off, k);
		g->off += k;
		n += k;
	}
	return (ssize_t)n;
}

/* The same, gzip'd on the fly. */
struct gzgen {
	struct gen	 g;
	z_stream	 z;
	unsigned char	 in[65536];
	int		 finishing;
	int		 done;
	uint64_t	 out_bytes;
};

static ssize_t
gzgen_read(void *ctx, void *buf, size_t cap)
{
	struct gzgen *gz = ctx;
	ssize_t n;
	int zr;

	if (gz->done)
		return 0;
	gz->z.next_out = buf;
	gz->z.avail_out = (uInt)cap;
	while (gz->z.avail_out == cap) {
		if (gz->z.avail_in == 0 && !gz->finishing) {
			n = gen_read(&gz->g, gz->in, sizeof(gz->in));
			gz->z.next_in = gz->in;
			gz->z.avail_in = (uInt)n;
			gz->finishing = n == 0;
		}
		zr = deflate(&gz->z, gz->finishing ? Z_FINISH : Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			gz->done = 1;
			break;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return -EIO;
	}
	gz->out_bytes += cap - gz->z.avail_out;
	return (ssize_t)(cap - gz->z.avail_out);
}

struct counter {
	uint64_t	records;
	uint64_t	out_of_order;
	uint64_t	skipped;
};

static int
count_record(void *arg, struct json_object *record, const char *origin,
    uint64_t index)
{
	struct counter *k = arg;
	json_object *id;
	char want[32];

	(void)origin;
	k->records++;
	snprintf(want, sizeof(want), "evt-%" PRIu64, index);
	if (index != k->records || !json_object_object_get_ex(record, "eventID",
	    &id) || strcmp(json_object_get_string(id), want) != 0)
		k->out_of_order++;
	json_object_put(record);
	return 0;
}

static int
count_skipped(void *arg, const char *origin, uint64_t index, const char *msg)
{
	struct counter *k = arg;

	fprintf(stderr, "    skipped: %s:%" PRIu64 ": %s\n", origin, index, msg);
	k->skipped++;
	return 0;
}

static const struct ce_doc_ops count_ops = { count_record, count_skipped, NULL };

static long
peak_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int
under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload") != NULL;
}

/* Sanitizers and valgrind keep freed memory aside: RSS says nothing. */
static int
rss_meaningful(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return 0;
#else
	return !under_valgrind();
#endif
}

#define BIG_N	48000u		/* x ~1.2 KB = ~59 MB */

static long rss_before;

/*
 * CE_TEST_BIG_RECORDS=180000 makes it a ~220 MB document, by hand.  Under
 * valgrind, where RSS is not checked, 6 MB walk the same code paths in
 * a twentieth of the time.
 */
static uint64_t
big_n(void)
{
	const char *s = getenv("CE_TEST_BIG_RECORDS");

	if (s != NULL && atol(s) > 0)
		return (uint64_t)atol(s);
	return under_valgrind() ? BIG_N / 10 : BIG_N;
}

static void
test_stream_plain(void)
{
	struct gen g;
	struct counter k = { 0, 0, 0 };
	struct ce_stream s = { gen_read, NULL, &g };
	char err[256];

	rss_before = peak_rss_kib();
	memset(&g, 0, sizeof(g));
	g.n = big_n();
	CU_ASSERT_EQUAL(ce_doc_read(&s, "big.json", 0, NULL, &count_ops, &k, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(k.records, g.n);
	CU_ASSERT_EQUAL(k.out_of_order, 0);
	CU_ASSERT_EQUAL(k.skipped, 0);
	CU_ASSERT(g.i == g.n && g.state == 3);
}

static void
test_stream_gzip(void)
{
	struct gzgen *gz = calloc(1, sizeof(*gz));
	struct counter k = { 0, 0, 0 };
	struct ce_stream s = { gzgen_read, NULL, gz };
	char err[256];
	long grown;

	CU_ASSERT_PTR_NOT_NULL_FATAL(gz);
	gz->g.n = big_n();
	CU_ASSERT_EQUAL_FATAL(deflateInit2(&gz->z, 1, Z_DEFLATED,
	    16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	CU_ASSERT_EQUAL(ce_doc_read(&s, "big.json.gz", 0, NULL, &count_ops, &k,
	    err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(k.records, gz->g.n);
	CU_ASSERT_EQUAL(k.out_of_order, 0);
	CU_ASSERT_EQUAL(k.skipped, 0);
	CU_ASSERT(gz->done);
	fprintf(stderr, " [%" PRIu64 " bytes gzip'd to %" PRIu64 "]",
	    gz->g.n * (sizeof(BIG_RECORD) - 2), gz->out_bytes);
	deflateEnd(&gz->z);
	free(gz);

	grown = peak_rss_kib() - rss_before;
	fprintf(stderr, " [peak RSS grew %ld KiB]", grown);
	if (rss_meaningful())
		CU_ASSERT(grown < 32 * 1024);
}

/* ------------------------------------------------------------------ */
/* Splitting                                                           */
/* ------------------------------------------------------------------ */

static void
test_ndjson_bad_lines(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read_file(&c, "bad-lines.ndjson", 0, err,
	    sizeof(err)), 0);
	assert_counts(&c, 4, 4, 0);
	assert_record(&c, 0, "CreateUser", 1);
	assert_record(&c, 1, "AttachRolePolicy", 3);
	assert_record(&c, 2, "DeleteRole", 7);
	assert_record(&c, 3, "CreateLoginProfile", 9);
	assert_skip_is(&c, 0, 2, "line 2, column 61: invalid JSON text: object "
	    "value separator ',' expected (found '\"')");
	assert_skip_is(&c, 1, 5, "line 5, column 87: truncated JSON text: "
	    "unexpected end of line, inside an object (expected ',' or '}')");
	/* json-c reads "not json" as a misspelt null. */
	assert_skip_is(&c, 2, 6, "line 6, column 2: invalid JSON text: null "
	    "expected (found 'o')");
	assert_skip_is(&c, 3, 8, "expected a CloudTrail record, an EventBridge "
	    "event, a CloudTrail log file, an SNS or SQS envelope or an S3 "
	    "notification (found an array)");
	/* Reports come in document order. */
	CU_ASSERT_EQUAL(c.items[1].kind, DC_SKIPPED);
	CU_ASSERT_EQUAL(c.items[2].kind, DC_RECORD);
	dc_free(&c);
}

static void
test_pretty_single(void)
{
	struct dc c;
	char err[256], *doc, *shifted;
	size_t len;

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read_file(&c, "eventbridge-api-call.json", 0, err,
	    sizeof(err)), 0);
	assert_counts(&c, 1, 0, 0);
	assert_record(&c, 0, "CreateUser", 1);
	dc_free(&c);

	/* Leading blank lines: the index is the line the text starts on. */
	doc = doc_bytes("eventbridge-api-call.json", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	shifted = malloc(len + 4);
	memcpy(shifted, "\n \n\t", 4);
	memcpy(shifted + 4, doc, len);
	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read(&c, shifted, len + 4, 0, NULL, err,
	    sizeof(err)), 0);
	assert_counts(&c, 1, 0, 0);
	assert_record(&c, 0, "CreateUser", 3);
	dc_free(&c);
	free(shifted);
	free(doc);
}

static void
test_concatenated(void)
{
	struct dc c;
	char err[256];

	/* Pretty-printed documents back to back, then a compact one. */
	dc_init(&c);
	CU_ASSERT_EQUAL(read_str(&c,
	    "{\n  \"eventSource\": \"iam.amazonaws.com\",\n"
	    "  \"eventName\": \"A\",\n  \"awsRegion\": \"x\"\n}\n"
	    "{\n  \"Records\": [\n    " REC("B") ",\n    " REC("C") "\n  ]\n}\n"
	    "garbage line\n  more garbage\n"
	    REC("D") " " REC("E") "\n"
	    "{\n \"eventSource\": \"iam.amazonaws.com\", \"eventName\": \"F\",\n"
	    " \"awsRegion\": \"x\" \"oops\": 1\n}\n"
	    "[\n" REC("G") "\n]\n", 0, err, sizeof(err)), 0);
	assert_counts(&c, 5, 3, 0);
	assert_record(&c, 0, "A", 1);
	assert_record(&c, 1, "B", 1);
	assert_record(&c, 2, "C", 2);
	assert_skip_is(&c, 0, 12, "line 12, column 1: invalid JSON text: "
	    "unexpected character (found 'g')");
	assert_record(&c, 3, "D", 14);
	assert_record(&c, 4, "E", 14);
	assert_skip_is(&c, 1, 15, "line 17, column 19: invalid JSON text: "
	    "object value separator ',' expected (found '\"')");
	assert_skip_has(&c, 2, 19, "(found an array)");
	dc_free(&c);

	/* Several compact documents on one line. */
	dc_init(&c);
	CU_ASSERT_EQUAL(read_str(&c, REC("A") REC("B") "  " REC("C"), 0, err,
	    sizeof(err)), 0);
	assert_counts(&c, 3, 0, 0);
	assert_record(&c, 2, "C", 1);
	dc_free(&c);
}

static void
test_crlf(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(read_str(&c, REC("A") "\r\n{\"a\" 1}\r\n\r\n" REC("B")
	    "\r\n42\r\n", 0, err, sizeof(err)), 0);
	assert_counts(&c, 2, 2, 0);
	assert_record(&c, 0, "A", 1);
	assert_skip_is(&c, 0, 2, "line 2, column 6: invalid JSON text: object "
	    "property name separator ':' expected (found '1')");
	assert_record(&c, 1, "B", 4);
	assert_skip_has(&c, 1, 5, "(found a number)");
	dc_free(&c);

	dc_init(&c);
	CU_ASSERT_EQUAL(read_str(&c, "{\r\n \"Records\": [\r\n" REC("A") ",\r\n"
	    REC("B") "\r\n ]\r\n}\r\n", 0, err, sizeof(err)), 0);
	assert_counts(&c, 2, 0, 0);
	assert_record(&c, 1, "B", 2);
	dc_free(&c);
}

static void
test_bom(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(read_str(&c, "\xef\xbb\xbf" REC("A") "\n{x}\n", 0, err,
	    sizeof(err)), 0);
	assert_counts(&c, 1, 1, 0);
	assert_record(&c, 0, "A", 1);
	assert_skip_is(&c, 0, 2, "line 2, column 2: invalid JSON text: quoted "
	    "object property name expected (found 'x')");
	dc_free(&c);

	dc_init(&c);
	CU_ASSERT_EQUAL(read_str(&c, "\xef\xbb\xbf{\"Records\":[" REC("A") "]}",
	    0, err, sizeof(err)), 0);
	assert_counts(&c, 1, 0, 0);
	dc_free(&c);

	/* A BOM alone is an empty document. */
	dc_init(&c);
	CU_ASSERT_EQUAL(read_str(&c, "\xef\xbb\xbf", 0, err, sizeof(err)), 0);
	assert_counts(&c, 0, 0, 0);
	dc_free(&c);
}

static void
test_empty(void)
{
	struct dc c;
	unsigned char *gz;
	size_t gzlen;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read(&c, "", 0, 0, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dc_read(&c, NULL, 0, CE_DOC_LINES, NULL, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(read_str(&c, " \n\r\n\t\n", 0, err, sizeof(err)), 0);
	gz = gzip_bytes("", 0, 6, &gzlen);
	CU_ASSERT_EQUAL(dc_read(&c, gz, gzlen, 0, NULL, err, sizeof(err)), 0);
	free(gz);
	assert_counts(&c, 0, 0, 0);
	/* An empty Records array is a log file with nothing in it. */
	CU_ASSERT_EQUAL(read_str(&c, "{\"Records\":[]}\n{\"Records\" : [ ] }",
	    0, err, sizeof(err)), 0);
	assert_counts(&c, 0, 0, 0);
	dc_free(&c);
}

/* CE_DOC_LINES: one text per line even when the first line is "{". */
static void
test_lines_flag(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	c.quiet = 1;
	CU_ASSERT_EQUAL(read_str(&c, "{\n\"eventSource\": \"s\",\n}\n" REC("A")
	    "\n", CE_DOC_LINES, err, sizeof(err)), 0);
	assert_counts(&c, 1, 3, 0);
	assert_skip_is(&c, 0, 1, "line 1, column 2: truncated JSON text: "
	    "unexpected end of line, inside an object (expected ',' or '}')");
	assert_skip_is(&c, 1, 2, "line 2, column 14: invalid JSON text: "
	    "unexpected data after the JSON value (found ':')");
	assert_skip_is(&c, 2, 3, "line 3, column 1: invalid JSON text: "
	    "unexpected character (found '}')");
	assert_record(&c, 0, "A", 4);
	dc_free(&c);
}

static void
test_records_forms(void)
{
	struct dc c;
	char err[256];

	/* Members after Records are skipped; odd elements are reported. */
	dc_init(&c);
	CU_ASSERT_EQUAL(read_str(&c, "{\"Records\":[" REC("A") ", 1, \"x\" ,"
	    REC("B") " " REC("C") ",[" REC("D") "]], \"extra\": {\"a\": [\"]}\"]}}"
	    "\n" REC("E") "\n", 0, err, sizeof(err)), 0);
	assert_counts(&c, 4, 4, 0);
	assert_record(&c, 0, "A", 1);
	assert_skip_has(&c, 0, 2, "(found a number)");
	assert_skip_has(&c, 1, 3, "(found a string)");
	assert_record(&c, 1, "B", 4);
	assert_skip_has(&c, 2, 4, "line 1, column 218: invalid CloudTrail log "
	    "file: expected ',' or ']' after element 4 of Records");
	assert_record(&c, 2, "C", 5);
	assert_skip_has(&c, 3, 6, "(found an array)");
	assert_record(&c, 3, "E", 2);
	dc_free(&c);

	/* A bad element does not lose the others. */
	dc_init(&c);
	CU_ASSERT_EQUAL(read_str(&c, "{\"Records\":[" REC("A") ",{\"x\" 1},"
	    REC("B") ",,]}", 0, err, sizeof(err)), 0);
	assert_counts(&c, 2, 2, 0);
	assert_skip_is(&c, 0, 2, "line 1, column 116: invalid Records element: "
	    "object property name separator ':' expected (found '1')");
	assert_record(&c, 1, "B", 3);
	assert_skip_has(&c, 1, 4, "unexpected ',' (expected an element of "
	    "Records)");
	dc_free(&c);
}

static void
test_truncated(void)
{
	struct dc c;
	char err[256];

	/* A pretty-printed document cut short. */
	dc_init(&c);
	CU_ASSERT_EQUAL(read_str(&c, "{\n  \"detail-type\": \"x\",\n  \"detail\": "
	    "{\n    \"eventName\": \"Cre", 0, err, sizeof(err)), 0);
	assert_counts(&c, 0, 1, 0);
	assert_skip_is(&c, 0, 1, "line 4, column 22: truncated JSON text: "
	    "unexpected end of input, inside a string (expected '\"')");
	dc_free(&c);

	/* NDJSON whose first line is cut: inside a string, or after a
	 * member (the next line opening with '{' cannot be pretty JSON). */
	dc_init(&c);
	CU_ASSERT_EQUAL(read_str(&c, "{\"eventName\":\"Cre\n" REC("A") "\n"
	    REC("B") "\n", 0, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(read_str(&c, "{\"eventName\":\"Cre\",\"x\":[1]\r\n"
	    REC("C") "\n", 0, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(read_str(&c, "{\"eventName\":{\"a\":1}\n", 0, err,
	    sizeof(err)), 0);
	assert_counts(&c, 3, 3, 0);
	assert_skip_is(&c, 0, 1, "line 1, column 18: truncated JSON text: "
	    "unexpected end of line, inside a string (expected '\"')");
	assert_record(&c, 0, "A", 2);
	assert_record(&c, 1, "B", 3);
	assert_skip_is(&c, 1, 1, "line 1, column 28: truncated JSON text: "
	    "unexpected end of line, inside an object (expected ',' or '}')");
	assert_record(&c, 2, "C", 2);
	assert_skip_is(&c, 2, 1, "line 2, column 1: truncated JSON text: "
	    "unexpected end of input, inside an object (expected ',' or '}')");
	dc_free(&c);

	/* ... while pretty-printed documents in any layout still work. */
	dc_init(&c);
	CU_ASSERT_EQUAL(read_str(&c, "{\n\"detail-type\":\n\"AWS API Call via "
	    "CloudTrail\", \"detail\":\n{\"eventSource\": \"s\",\n"
	    "\"eventName\": \"A\"}\n}\n", 0, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(read_str(&c, "{\"detail-type\":\"AWS API Call via "
	    "CloudTrail\",\"detail\":\n{\"eventSource\": \"s\",\n"
	    "\"eventName\": \"B\"}}\n", 0, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(read_str(&c, "[\n" REC("C") ",\n" REC("D") "]", 0, err,
	    sizeof(err)), 0);
	assert_counts(&c, 2, 1, 0);
	assert_record(&c, 1, "B", 1);
	assert_skip_has(&c, 0, 1, "(found an array)");
	dc_free(&c);

	/* A log file cut inside its third element. */
	dc_init(&c);
	CU_ASSERT_EQUAL(read_str(&c, "{\"Records\":[" REC("A") "," REC("B") ","
	    "{\"eventName\":[1,", 0, err, sizeof(err)), 0);
	assert_counts(&c, 2, 1, 0);
	assert_skip_has(&c, 0, 3, "truncated Records element: unexpected end of "
	    "input, inside an array (expected ',' or ']')");
	dc_free(&c);

	/* ... or between elements, or before its closing brace. */
	dc_init(&c);
	CU_ASSERT_EQUAL(read_str(&c, "{\"Records\":[" REC("A") ",", 0, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(read_str(&c, "{\"Records\":[" REC("A") "], \"x\":{",
	    0, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(read_str(&c, "\n{ \"Records\" :[", 0, err,
	    sizeof(err)), 0);
	assert_counts(&c, 2, 3, 0);
	assert_skip_is(&c, 0, 1, "line 1, column 111: truncated CloudTrail log "
	    "file: unexpected end of input after element 1 of Records (expected "
	    "',' or ']')");
	assert_skip_has(&c, 1, 1, "after element 1 of Records (expected '}')");
	assert_skip_is(&c, 2, 2, "line 2, column 15: truncated CloudTrail log "
	    "file: unexpected end of input before any element of Records "
	    "(expected ',' or ']')");
	dc_free(&c);

	/* NDJSON: a line holding a cut log file; the next line still counts. */
	dc_init(&c);
	CU_ASSERT_EQUAL(read_str(&c, REC("A") "\n{\"Records\":[" REC("B") "\n"
	    REC("C") "\n", 0, err, sizeof(err)), 0);
	assert_counts(&c, 3, 1, 0);
	assert_skip_has(&c, 0, 2, "truncated CloudTrail log file: unexpected "
	    "end of line after element 1 of Records");
	assert_record(&c, 2, "C", 3);
	dc_free(&c);
}

static void
test_binary(void)
{
	static const unsigned char elf[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
	unsigned char junk[3000];
	struct dc c;
	char err[256];
	size_t i;
	uint32_t x = 12345;

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read(&c, elf, sizeof(elf), 0, NULL, err,
	    sizeof(err)), 0);
	assert_counts(&c, 0, 1, 0);
	assert_skip_is(&c, 0, 1, "line 1, column 5: binary data (byte 0x02): "
	    "expected JSON text");
	dc_free(&c);

	dc_init(&c);
	CU_ASSERT_EQUAL(read_str(&c, "\x28\xb5\x2f\xfd\x04\x58", 0, err,
	    sizeof(err)), 0);
	assert_counts(&c, 0, 1, 0);
	assert_skip_is(&c, 0, 1, "zstd compressed data is not supported: "
	    "expected JSON text or gzip");
	dc_free(&c);

	/* High bytes without control characters: each line is refused. */
	for (i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (unsigned char)(0x80 | (x >> 16));
		if (i % 100 == 99)
			junk[i] = '\n';
	}
	dc_init(&c);
	c.quiet = 1;
	CU_ASSERT_EQUAL(dc_read(&c, junk, sizeof(junk), 0, NULL, err,
	    sizeof(err)), 0);
	assert_counts(&c, 0, 30, 0);
	assert_skip_has(&c, 29, 30, "line 30, column 1: invalid JSON text: ");
	dc_free(&c);

	/* A NUL past the first 4 KiB: that line only. */
	{
		static const char tail[] = "{\"eventName\":\"x\0y\"}\n\0\n"
		    REC("B") "\n";
		char doc[6000];
		size_t len = 0;

		for (i = 0; i < 50; i++) {
			memcpy(doc + len, REC("A") "\n", sizeof(REC("A")));
			len += sizeof(REC("A"));
		}
		memcpy(doc + len, tail, sizeof(tail) - 1);
		len += sizeof(tail) - 1;
		dc_init(&c);
		CU_ASSERT_EQUAL(dc_read(&c, doc, len, 0, NULL, err, sizeof(err)),
		    0);
		assert_counts(&c, 51, 2, 0);
		assert_skip_is(&c, 0, 51, "line 51, column 16: invalid JSON text: "
		    "unexpected character (found byte 0x00)");
		assert_skip_is(&c, 1, 52, "line 52, column 1: invalid JSON text: "
		    "unexpected character (found byte 0x00)");
		assert_record(&c, 50, "B", 53);
		dc_free(&c);
	}

	/* Invalid UTF-8 inside a string is a record: its bytes are kept. */
	dc_init(&c);
	CU_ASSERT_EQUAL(read_str(&c, REC("\xc3\x28") "\n", 0, err,
	    sizeof(err)), 0);
	assert_counts(&c, 1, 0, 0);
	assert_record(&c, 0, "\xc3\x28", 1);
	dc_free(&c);
}

static void
test_over_limit(void)
{
	struct ce_doc_limits lim;
	struct dc c;
	char err[256], pad[300], big[400], doc[1400];

	ce_doc_limits_default(&lim);
	CU_ASSERT_EQUAL(lim.max_record_bytes, 8u << 20);
	CU_ASSERT_EQUAL(lim.max_depth, 64);
	CU_ASSERT_EQUAL(lim.max_gzip_ratio, 1000);
	lim.max_record_bytes = 200;

	/* A valid record of 300 bytes, between small ones. */
	memset(pad, 'x', sizeof(pad));
	snprintf(big, sizeof(big), "{\"eventSource\":\"s\",\"eventName\":\"Big\","
	    "\"awsRegion\":\"%.*s\"}", 300 - 52, pad);
	CU_ASSERT_EQUAL_FATAL(strlen(big), 300);
	snprintf(doc, sizeof(doc), REC("A") "\n%s\n" REC("B") "\n{\"Records\":["
	    REC("C") ",%s," REC("D") "]}\n", big, big);

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read(&c, doc, strlen(doc), 0, &lim, err,
	    sizeof(err)), 0);
	assert_counts(&c, 4, 2, 0);
	assert_record(&c, 0, "A", 1);
	assert_skip_is(&c, 0, 2, "line 2, column 1: JSON text of 300 bytes is "
	    "over the limit of 200 bytes (max_record_bytes)");
	assert_record(&c, 1, "B", 3);
	assert_skip_is(&c, 1, 2, "line 4, column 111: Records element of 300 "
	    "bytes is over the limit of 200 bytes (max_record_bytes)");
	assert_record(&c, 2, "C", 1);
	assert_record(&c, 3, "D", 3);
	dc_free(&c);

	/* A whole document over the limit, cut at the end. */
	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read(&c, big, 250, 0, &lim, err, sizeof(err)), 0);
	assert_counts(&c, 0, 1, 0);
	assert_skip_is(&c, 0, 1, "line 1, column 1: JSON text of at least 250 "
	    "bytes is over the limit of 200 bytes (max_record_bytes)");
	dc_free(&c);

	/* At the limit exactly: accepted. */
	lim.max_record_bytes = 300;
	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read(&c, big, 300, 0, &lim, err, sizeof(err)), 0);
	assert_counts(&c, 1, 0, 0);
	dc_free(&c);
}

static void
test_max_depth(void)
{
	struct ce_doc_limits lim;
	struct dc c;
	char err[256];

	ce_doc_limits_default(&lim);
	lim.max_depth = 4;
	dc_init(&c);
	CU_ASSERT_EQUAL(read_str(&c, "{\"a\":[[[[1]]]]}\n" REC("A") "\n", 0, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(dc_read(&c, "{\"a\":[[[[1]]]]}\n" REC("B") "\n",
	    strlen("{\"a\":[[[[1]]]]}\n" REC("B") "\n"), 0, &lim, err,
	    sizeof(err)), 0);
	assert_counts(&c, 2, 2, 0);
	assert_skip_has(&c, 0, 1, "(found an object with keys \"a\")");
	assert_skip_is(&c, 1, 1, "line 1, column 9: JSON text nested more than 4 "
	    "levels deep (max_depth)");
	assert_record(&c, 1, "B", 2);
	dc_free(&c);

	/* 100000 '[': no recursion, no crash, one message. */
	{
		size_t n = 100000;
		char *deep = malloc(n);

		memset(deep, '[', n);
		dc_init(&c);
		CU_ASSERT_EQUAL(dc_read(&c, deep, n, 0, NULL, err, sizeof(err)), 0);
		assert_counts(&c, 0, 1, 0);
		assert_skip_has(&c, 0, 1, "nested more than 64 levels deep");
		dc_free(&c);
		free(deep);
	}
}

/* A stream that hands out one byte at a time. */
static ssize_t
trickle_read(void *ctx, void *buf, size_t cap)
{
	struct ce_memstream *m = ctx;

	(void)cap;
	if (m->off == m->len)
		return 0;
	*(char *)buf = m->data[m->off++];
	return 1;
}

static void
same_reports(const struct dc *a, const struct dc *b)
{
	size_t i;

	CU_ASSERT_EQUAL_FATAL(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		CU_ASSERT_EQUAL(a->items[i].kind, b->items[i].kind);
		CU_ASSERT_EQUAL(a->items[i].index, b->items[i].index);
		CU_ASSERT_STRING_EQUAL(a->items[i].text, b->items[i].text);
	}
}

static void
test_trickle(void)
{
	static const char *names[] = { "bad-lines.ndjson", "cloudtrail-log.json",
	    "sqs-batch.json" };
	struct ce_memstream m;
	struct ce_stream s = { trickle_read, NULL, &m };
	struct dc whole, tr;
	unsigned char *gz;
	size_t i, len, gzlen;
	char err[256], *doc, *bom;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		doc = doc_bytes(names[i], &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
		bom = malloc(len + 3);
		memcpy(bom, "\xef\xbb\xbf", 3);
		memcpy(bom + 3, doc, len);
		gz = gzip_bytes(bom, len + 3, 6, &gzlen);
		dc_init(&whole);
		whole.quiet = 1;
		CU_ASSERT_EQUAL(dc_read(&whole, doc, len, 0, NULL, err,
		    sizeof(err)), 0);
		CU_ASSERT(whole.records > 0);

		dc_init(&tr);
		tr.quiet = 1;
		m.data = bom;
		m.len = len + 3;
		m.off = 0;
		CU_ASSERT_EQUAL(ce_doc_read(&s, "test", 0, NULL, &dc_ops, &tr, err,
		    sizeof(err)), 0);
		same_reports(&whole, &tr);
		dc_free(&tr);

		dc_init(&tr);
		tr.quiet = 1;
		m.data = (const char *)gz;
		m.len = gzlen;
		m.off = 0;
		CU_ASSERT_EQUAL(ce_doc_read(&s, "test", 0, NULL, &dc_ops, &tr, err,
		    sizeof(err)), 0);
		same_reports(&whole, &tr);
		dc_free(&tr);
		dc_free(&whole);
		free(gz);
		free(bom);
		free(doc);
	}
}

/* A stream that hands out at most step bytes at a time. */
struct stepped {
	struct ce_memstream	m;
	size_t			step;
};

static ssize_t
stepped_read(void *ctx, void *buf, size_t cap)
{
	struct stepped *st = ctx;
	size_t n = st->m.len - st->m.off;

	if (n > cap)
		n = cap;
	if (n > st->step)
		n = st->step;
	memcpy(buf, st->m.data + st->m.off, n);
	st->m.off += n;
	return (ssize_t)n;
}

/*
 * Lines parsed whole (the fast path) and lines that need the byte scan
 * give the same reports wherever the reads cut the text: a line longer
 * than a read, two texts on a line, a text with more after it, a last
 * line without a newline, a line over max_record_bytes.
 */
static void
test_lines_cut_anywhere(void)
{
	static const size_t steps[] = { 1, 7, 4096, 65536, 1 << 20 };
	struct ce_doc_limits lim = { .max_record_bytes = 90000 };
	char big[100000], err[256], *doc;
	struct stepped st;
	struct ce_stream s = { stepped_read, NULL, &st };
	struct dc c;
	size_t i, k, pad;

	doc = malloc(300000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	for (k = 0; k < 2; k++) {
		/* 70,000 bytes: more than a read; 95,000: over the limit. */
		pad = k == 0 ? 70000 : 95000;
		memset(big, 'x', pad);
		big[pad] = '\0';
		snprintf(doc, 300000, REC("A") "\n"
		    "{\"eventVersion\":\"1.08\",\"eventSource\":\"s3.amazonaws.com\","
		    "\"eventName\":\"Big\",\"pad\":\"%s\"}\n"
		    "  " REC("C") " " REC("D") "\r\n"
		    REC("E") " x\n"
		    "\n"
		    REC("F"), big);
		for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
			st.step = steps[i];
			ce_stream_memory(&s, &st.m, doc, strlen(doc));
			s.read = stepped_read;
			s.ctx = &st;
			dc_init(&c);
			c.quiet = 1;
			CU_ASSERT_EQUAL(ce_doc_read(&s, "test", CE_DOC_LINES,
			    &lim, &dc_ops, &c, err, sizeof(err)), 0);
			assert_counts(&c, k == 0 ? 6 : 5, k == 0 ? 1 : 2, 0);
			assert_record(&c, 0, "A", 1);
			if (k == 0)
				assert_record(&c, 1, "Big", 2);
			else
				assert_skip_has(&c, 0, 2, "line 2, column 1: "
				    "JSON text of 95083 bytes is over the limit");
			assert_record(&c, 2 - k, "C", 3);
			assert_record(&c, 3 - k, "D", 3);
			assert_record(&c, 4 - k, "E", 4);
			assert_skip_is(&c, k, 4, "line 4, column 99: "
			    "invalid JSON text: unexpected character (found 'x')");
			assert_record(&c, 5 - k, "F", 6);
			dc_free(&c);
		}
	}
	free(doc);
}

/* A stream that fails after its data. */
static ssize_t
failing_read(void *ctx, void *buf, size_t cap)
{
	ssize_t n = trickle_read(ctx, buf, cap);

	return n > 0 ? n : -EIO;
}

static void
test_read_error(void)
{
	static const char doc[] = REC("A") "\n" REC("B") "\n{\"x\":";
	struct ce_memstream m = { doc, sizeof(doc) - 1, 0 };
	struct ce_stream s = { failing_read, NULL, &m };
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(ce_doc_read(&s, "s3://b/k.json", 0, NULL, &dc_ops, &c,
	    err, sizeof(err)), -EIO);
	CU_ASSERT_STRING_EQUAL(err, "s3://b/k.json: read error: Input/output "
	    "error");
	assert_counts(&c, 2, 0, 0);
	dc_free(&c);

	CU_ASSERT_EQUAL(ce_doc_read(NULL, "x", 0, NULL, &dc_ops, &c, err,
	    sizeof(err)), -EINVAL);
}

static void
test_callback_stop(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	c.stop_at = 2;
	c.stop_rc = -ECANCELED;
	c.quiet = 1;
	CU_ASSERT_EQUAL(read_str(&c, REC("A") "\nbad\n" REC("B") "\n", 0, err,
	    sizeof(err)), -ECANCELED);
	assert_counts(&c, 1, 1, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "test: "));
	dc_free(&c);

	/* Stopping inside a streamed log file. */
	dc_init(&c);
	c.stop_at = 1;
	c.stop_rc = -EPIPE;
	CU_ASSERT_EQUAL(read_str(&c, "{\"Records\":[" REC("A") "," REC("B") "]}",
	    0, err, sizeof(err)), -EPIPE);
	assert_counts(&c, 1, 0, 0);
	dc_free(&c);
}

/* Every record of the shared corpus, plain and gzip'd. */
static void
test_corpus(void)
{
	char *path = ce_test_shared("corpus/events.ndjson"), *data, err[256];
	unsigned char *gz;
	size_t len, gzlen;
	struct dc c;

	if (path == NULL) {
		fprintf(stderr, " [no ../shared: not checked]");
		return;
	}
	data = ce_test_slurp(path, &len);
	free(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read(&c, data, len, 0, NULL, err, sizeof(err)), 0);
	assert_counts(&c, 1251, 0, 0);
	CU_ASSERT_EQUAL(dc_nth(&c, DC_RECORD, 1250)->index, 1251);
	dc_free(&c);
	gz = gzip_bytes(data, len, 9, &gzlen);
	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read(&c, gz, gzlen, 0, NULL, err, sizeof(err)), 0);
	assert_counts(&c, 1251, 0, 0);
	dc_free(&c);
	free(gz);
	free(data);
}

/* ------------------------------------------------------------------ */
/* gzip                                                                */
/* ------------------------------------------------------------------ */

static void
test_gzip_single(void)
{
	struct dc c;
	unsigned char *gz;
	size_t len, gzlen;
	char err[256], *doc;

	doc = doc_bytes("bad-lines.ndjson", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	gz = gzip_bytes(doc, len, 6, &gzlen);
	dc_init(&c);
	c.quiet = 1;
	CU_ASSERT_EQUAL(dc_read(&c, gz, gzlen, 0, NULL, err, sizeof(err)), 0);
	assert_counts(&c, 4, 4, 0);
	assert_record(&c, 3, "CreateLoginProfile", 9);
	assert_skip_has(&c, 1, 5, "line 5, column 87: truncated JSON text");
	dc_free(&c);
	free(gz);
	free(doc);
}

static void
test_gzip_multi(void)
{
	struct dc c;
	unsigned char *a, *b, *both;
	size_t alen, blen, len;
	char err[256], *doc;

	doc = doc_bytes("cloudtrail-log.json", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	/* Cut the document in the middle of an element: members are one
	 * stream, not separate documents. */
	a = gzip_bytes(doc, len / 2, 6, &alen);
	b = gzip_bytes(doc + len / 2, len - len / 2, 1, &blen);
	both = malloc(alen + blen);
	memcpy(both, a, alen);
	memcpy(both + alen, b, blen);
	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read(&c, both, alen + blen, 0, NULL, err,
	    sizeof(err)), 0);
	assert_counts(&c, 3, 0, 0);
	assert_record(&c, 2, "DeleteUser", 3);
	dc_free(&c);
	free(both);
	free(a);
	free(b);
	free(doc);
}

static void
test_gzip_corrupt(void)
{
	struct dc c;
	unsigned char *gz, *bad;
	size_t len, gzlen;
	char err[256], *doc;
	int rc;

	doc = doc_bytes("cloudtrail-log.json", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	gz = gzip_bytes(doc, len, 6, &gzlen);
	bad = malloc(gzlen + 8);

	/* Damaged deflate data. */
	memcpy(bad, gz, gzlen);
	memset(bad + gzlen / 2, 0xff, 16);
	dc_init(&c);
	rc = dc_read(&c, bad, gzlen, 0, NULL, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "test: corrupt gzip data in member 1:"));
	dc_free(&c);

	/* A CRC that does not match. */
	memcpy(bad, gz, gzlen);
	bad[gzlen - 8] ^= 0x55;
	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read(&c, bad, gzlen, 0, NULL, err, sizeof(err)),
	    -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "incorrect data check"));
	dc_free(&c);

	/* Truncated: what came before the cut is still reported. */
	dc_init(&c);
	c.quiet = 1;
	CU_ASSERT_EQUAL(dc_read(&c, gz, gzlen - 6, 0, NULL, err, sizeof(err)),
	    -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "test: truncated gzip data: the "
	    "stream ends inside member 1"));
	assert_counts(&c, 3, 0, 0);
	dc_free(&c);

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read(&c, gz, 5, 0, NULL, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "truncated gzip data"));
	dc_free(&c);

	/* Something after the last member that is not a member. */
	memcpy(bad, gz, gzlen);
	memcpy(bad + gzlen, "garbage!", 8);
	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read(&c, bad, gzlen + 8, 0, NULL, err, sizeof(err)),
	    -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "member 2: incorrect header check"));
	assert_counts(&c, 3, 0, 0);
	dc_free(&c);

	free(bad);
	free(gz);
	free(doc);
}

static void
test_zip_bomb(void)
{
	size_t n = 16u << 20, gzlen;
	unsigned char *zeros = malloc(n), *gz;
	struct ce_doc_limits lim;
	struct dc c;
	char err[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(zeros);
	/* ASCII zeros: text, so only the ratio stops it. */
	memset(zeros, '0', n);
	gz = gzip_bytes(zeros, n, 9, &gzlen);
	CU_ASSERT_FATAL(n / gzlen > 1000);
	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read(&c, gz, gzlen, 0, NULL, err, sizeof(err)),
	    -EFBIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "test: gzip data expands more than "
	    "1000 times"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "max_gzip_ratio"));
	assert_counts(&c, 0, 0, 0);
	dc_free(&c);
	free(gz);

	/* NUL bytes: refused as binary at once, nothing more inflated. */
	memset(zeros, 0, n);
	gz = gzip_bytes(zeros, n, 9, &gzlen);
	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read(&c, gz, gzlen, 0, NULL, err, sizeof(err)), 0);
	assert_counts(&c, 0, 1, 0);
	assert_skip_has(&c, 0, 1, "binary data (byte 0x00)");
	dc_free(&c);
	free(gz);

	/* A lower limit catches a merely very compressible log file. */
	memset(zeros, ' ', n);
	memcpy(zeros, "{\"Records\":[" REC("A"), sizeof("{\"Records\":["
	    REC("A")) - 1);
	memcpy(zeros + n - 2, "]}", 2);
	gz = gzip_bytes(zeros, n, 9, &gzlen);
	ce_doc_limits_default(&lim);
	lim.max_gzip_ratio = 100;
	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read(&c, gz, gzlen, 0, &lim, err, sizeof(err)),
	    -EFBIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "more than 100 times"));
	assert_counts(&c, 1, 0, 0);
	dc_free(&c);
	free(gz);
	free(zeros);
}

/* A log file of identical records compresses well but is no bomb. */
static void
test_gzip_ratio_ok(void)
{
	struct gen g;
	char *doc = malloc(8u << 20);
	size_t len = 0, gzlen;
	unsigned char *gz;
	struct counter k = { 0, 0, 0 };
	struct ce_memstream m;
	struct ce_stream s;
	ssize_t n;
	char err[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	memset(&g, 0, sizeof(g));
	g.n = 5000;
	while ((n = gen_read(&g, doc + len, (8u << 20) - len)) > 0)
		len += (size_t)n;
	gz = gzip_bytes(doc, len, 9, &gzlen);
	fprintf(stderr, " [ratio %zu]", len / gzlen);
	ce_stream_memory(&s, &m, gz, gzlen);
	CU_ASSERT_EQUAL(ce_doc_read(&s, "test", 0, NULL, &count_ops, &k, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(k.records, 5000);
	CU_ASSERT_EQUAL(k.out_of_order, 0);
	free(gz);
	free(doc);
}

int
main(void)
{
	/* First, so that the peak RSS is not an earlier test's. */
	CU_TestInfo stream[] = {
		CE_TEST(test_stream_plain),
		CE_TEST(test_stream_gzip),
		CU_TEST_INFO_NULL
	};
	CU_TestInfo split[] = {
		CE_TEST(test_ndjson_bad_lines),
		CE_TEST(test_pretty_single),
		CE_TEST(test_concatenated),
		CE_TEST(test_crlf),
		CE_TEST(test_bom),
		CE_TEST(test_empty),
		CE_TEST(test_lines_flag),
		CE_TEST(test_records_forms),
		CE_TEST(test_truncated),
		CE_TEST(test_binary),
		CE_TEST(test_over_limit),
		CE_TEST(test_max_depth),
		CE_TEST(test_trickle),
		CE_TEST(test_lines_cut_anywhere),
		CE_TEST(test_read_error),
		CE_TEST(test_callback_stop),
		CE_TEST(test_corpus),
		CU_TEST_INFO_NULL
	};
	CU_TestInfo gzip[] = {
		CE_TEST(test_gzip_single),
		CE_TEST(test_gzip_multi),
		CE_TEST(test_gzip_corrupt),
		CE_TEST(test_zip_bomb),
		CE_TEST(test_gzip_ratio_ok),
		CU_TEST_INFO_NULL
	};
	CU_SuiteInfo suites[] = {
		{ "stream", NULL, NULL, NULL, NULL, stream },
		{ "split", NULL, NULL, NULL, NULL, split },
		{ "gzip", NULL, NULL, NULL, NULL, gzip },
		CU_SUITE_INFO_NULL
	};

	return ce_test_main(suites);
}
