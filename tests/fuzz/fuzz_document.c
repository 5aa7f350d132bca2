/*
 * fuzz_document.c - fuzz target for the event path: bytes read as a
 * document (gzip sniffing, NDJSON / whole JSON / streamed log files,
 * envelopes), each record made an event, flattened, every flattened key
 * compiled and looked up, and the event's JSON texts checked.
 *
 * Invariants checked beyond "no crash, no sanitizer report":
 *  - the record's JSON text and its flattened map are valid JSON, and the
 *    map is refused exactly when its keys go over limits.max_flat_bytes;
 *  - a key the flat walk reports compiles (unless it is longer than
 *    CE_PATH_KEY_MAX), and looking it up finds a value;
 *  - the same bytes gzip-compressed give the same records and status.
 */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>
#include <zlib.h>

#include "document.h"
#include "event.h"
#include "flatten.h"
#include "fuzz.h"
#include "path.h"

/* Small enough that libFuzzer's inputs reach the over-limit paths. */
#define DOC_MAX_RECORD	16384
#define DOC_MAX_DEPTH	64
/* Inputs up to this size are also read gzip-compressed. */
#define DOC_GZIP_MAX	(256u * 1024u)
/* limits.max_flat_bytes, small enough for inputs to reach it. */
#define DOC_MAX_FLAT	(256u * 1024u)
/* Records of one document whose every key is looked up. */
#define DOC_KEYED_RECORDS	16

struct run {
	uint64_t	records;
	uint64_t	skipped;
	uint64_t	s3;
};

/* Non-zero when some member name in v is empty. */
static int
has_empty_name(struct json_object *v)
{
	size_t i, n;

	if (json_object_is_type(v, json_type_array)) {
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			if (has_empty_name(json_object_array_get_idx(v, i)))
				return 1;
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, name, child)
			if (name[0] == '\0' || has_empty_name(child))
				return 1;
	}
	return 0;
}

/*
 * Look up one flattened key: it must compile and reach a value.  Known
 * exception: json-flattener writes nothing for an empty member name at
 * the start of a key ({"":{"a":1}} gives "a", rule 3 in flatten.c), and a
 * lookup walks the record itself, so such a key reaches another value or
 * none (docs/fuzzing.md).
 */
static int
check_key(void *arg, const char *key, size_t keylen,
    const struct ce_value *value)
{
	const ce_event *ev = arg;
	struct ce_value got = { .size = sizeof(got) };
	char err[256];
	ce_path *p;

	(void)value;
	p = ce_path_compile(key, keylen, err, sizeof(err));
	/* Keys longer than CE_PATH_KEY_MAX are refused on purpose. */
	if (p == NULL && keylen > CE_PATH_KEY_MAX)
		return 0;
	FUZZ_CHECK(p != NULL, "a flattened key does not compile");
	/* A key two leaves share is looked up to one of them: the type may
	 * differ, but something must be there. */
	FUZZ_CHECK(ce_event_get(ev, p, &got) != CE_VALUE_MISSING ||
	    has_empty_name(ce_event_record(ev)),
	    "a flattened key finds nothing");
	ce_path_free(p);
	return 0;
}

static int
add_keylen(void *arg, const char *key, size_t keylen,
    const struct ce_value *value)
{
	(void)key;
	(void)value;
	*(size_t *)arg += keylen;
	return 0;
}

static int
on_record(void *arg, struct json_object *record, const char *origin,
    uint64_t index)
{
	struct run *r = arg;
	const ce_event *ev;
	const char *text;
	size_t len = 0, keys = 0;

	r->records++;
	if ((ev = ce_event_new(record, origin, index)) == NULL)
		return -ENOMEM;
	text = ce_event_json(ev, &len);
	FUZZ_CHECK(text != NULL && fuzz_json_valid(text, len),
	    "the record's JSON text is not valid JSON");
	/* The flattened map exists exactly when its keys fit the limit. */
	ce_event_flat_foreach(ev, add_keylen, &keys);
	text = ce_event_flat_json(ev, &len);
	FUZZ_CHECK((text != NULL) == (keys <= DOC_MAX_FLAT),
	    "the flattened map's limit is not what it should be");
	FUZZ_CHECK(text == NULL || fuzz_json_valid(text, len),
	    "the flattened map is not valid JSON");
	/* Lookups cost a walk each: enough records to cover the shapes. */
	if (r->records <= DOC_KEYED_RECORDS)
		ce_event_flat_foreach(ev, check_key, (void *)ev);
	(void)ce_event_string(ev, "eventID");
	ce_event_unref(ev);
	return 0;
}

static int
on_skipped(void *arg, const char *origin, uint64_t index, const char *msg)
{
	struct run *r = arg;

	(void)origin;
	(void)index;
	FUZZ_CHECK(msg != NULL && msg[0] != '\0', "a skip without a reason");
	r->skipped++;
	return 0;
}

static int
on_s3(void *arg, const char *bucket, const char *key, const char *region,
    const char *origin, uint64_t index)
{
	struct run *r = arg;

	(void)region;
	(void)origin;
	(void)index;
	FUZZ_CHECK(bucket != NULL && key != NULL, "an S3 object without a name");
	r->s3++;
	return 0;
}

static const struct ce_doc_ops ops = {
	.record = on_record,
	.skipped = on_skipped,
	.s3_object = on_s3,
};

static int
read_doc(const void *data, size_t size, unsigned flags, struct run *r)
{
	struct ce_doc_limits lim = {
		.max_record_bytes = DOC_MAX_RECORD,
		.max_depth = DOC_MAX_DEPTH,
	};
	struct ce_memstream m;
	struct ce_stream s;
	char err[512];
	int rc;

	memset(r, 0, sizeof(*r));
	ce_stream_memory(&s, &m, data, size);
	rc = ce_doc_read(&s, "fuzz", flags, &lim, &ops, r, err, sizeof(err));
	FUZZ_CHECK(rc <= 0, "ce_doc_read returned a positive value");
	FUZZ_CHECK(rc == 0 || err[0] != '\0', "an error without a reason");
	return rc;
}

/* gzip-compress data; NULL when zlib fails (never expected). */
static unsigned char *
gzip(const uint8_t *data, size_t size, size_t *outlen)
{
	z_stream z;
	unsigned char *out;
	size_t cap = compressBound((uLong)size) + 64;

	memset(&z, 0, sizeof(z));
	if ((out = malloc(cap)) == NULL)
		return NULL;
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		free(out);
		return NULL;
	}
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)size;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run plain, lines, zipped;
	unsigned char *gz;
	size_t gzlen = 0;
	int rc, zrc;

	ce_flatten_set_limit(DOC_MAX_FLAT);
	rc = read_doc(data, size, 0, &plain);
	/* Read as NDJSON too, when there is more than one line to it. */
	if (memchr(data, '\n', size) != NULL)
		(void)read_doc(data, size, CE_DOC_LINES, &lines);
	/* Already gzip: compressing again would be a gzip inside a gzip,
	 * which is binary data once inflated, not the same document. */
	if (size > DOC_GZIP_MAX || (size >= 2 && data[0] == 0x1f &&
	    data[1] == 0x8b))
		return 0;
	if ((gz = gzip(data, size, &gzlen)) == NULL)
		abort();
	zrc = read_doc(gz, gzlen, 0, &zipped);
	free(gz);
	FUZZ_CHECK(zrc == rc, "gzip changed the document's status");
	FUZZ_CHECK(zipped.records == plain.records &&
	    zipped.skipped == plain.skipped && zipped.s3 == plain.s3,
	    "gzip changed what the document holds");
	return 0;
}
