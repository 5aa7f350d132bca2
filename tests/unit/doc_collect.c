/*
 * doc_collect.c - test helper that records what the document reader and
 * unwrapper report, in order, so tests can assert on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ce_test.h"
#include "doc_collect.h"

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* Counts the callback and says whether this one must fail. */
static int
dc_add(struct dc *c, enum dc_kind kind, uint64_t index, const char *origin,
    const char *text, const char *key, const char *region)
{
	struct dc_item *it;
	size_t ncap;

	if (c->n == c->cap) {
		ncap = c->cap ? c->cap * 2 : 16;
		it = realloc(c->items, ncap * sizeof(*it));
		if (it == NULL)
			abort();
		c->items = it;
		c->cap = ncap;
	}
	it = &c->items[c->n++];
	it->kind = kind;
	it->index = index;
	it->origin = dup_or_null(origin);
	it->text = dup_or_null(text);
	it->key = dup_or_null(key);
	it->region = dup_or_null(region);
	return c->stop_at != 0 && c->n == c->stop_at ? c->stop_rc : 0;
}

static int
dc_record(void *arg, struct json_object *record, const char *origin,
    uint64_t index)
{
	struct dc *c = arg;
	json_object *name;
	const char *s = "(no eventName)";
	int rc;

	if (json_object_object_get_ex(record, "eventName", &name))
		s = json_object_get_string(name);
	c->records++;
	rc = dc_add(c, DC_RECORD, index, origin, s, NULL, NULL);
	json_object_put(record);
	return rc;
}

static int
dc_skipped(void *arg, const char *origin, uint64_t index, const char *msg)
{
	struct dc *c = arg;

	if (!c->quiet)
		fprintf(stderr, "    skipped: %s:%llu: %s\n", origin,
		    (unsigned long long)index, msg);
	c->skipped++;
	return dc_add(c, DC_SKIPPED, index, origin, msg, NULL, NULL);
}

static int
dc_s3(void *arg, const char *bucket, const char *key, const char *region,
    const char *origin, uint64_t index)
{
	struct dc *c = arg;

	c->s3++;
	return dc_add(c, DC_S3, index, origin, bucket, key, region);
}

const struct ce_doc_ops dc_ops = { dc_record, dc_skipped, dc_s3 };

void
dc_init(struct dc *c)
{
	memset(c, 0, sizeof(*c));
}

void
dc_free(struct dc *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->items[i].origin);
		free(c->items[i].text);
		free(c->items[i].key);
		free(c->items[i].region);
	}
	free(c->items);
	memset(c, 0, sizeof(*c));
}

const struct dc_item *
dc_nth(const struct dc *c, enum dc_kind kind, size_t i)
{
	size_t k;

	for (k = 0; k < c->n; k++)
		if (c->items[k].kind == kind && i-- == 0)
			return &c->items[k];
	return NULL;
}

int
dc_read(struct dc *c, const void *data, size_t len, unsigned flags,
    const struct ce_doc_limits *limits, char *err, size_t errlen)
{
	struct ce_memstream m;
	struct ce_stream s;

	ce_stream_memory(&s, &m, data, len);
	return ce_doc_read(&s, "test", flags, limits, &dc_ops, c, err, errlen);
}

int
dc_read_file(struct dc *c, const char *name, unsigned flags, char *err,
    size_t errlen)
{
	char rel[256], *path, *data;
	size_t len;
	int rc;

	snprintf(rel, sizeof(rel), "documents/%s", name);
	path = ce_test_data(rel);
	data = path != NULL ? ce_test_slurp(path, &len) : NULL;
	if (data == NULL) {
		fprintf(stderr, "cannot read %s\n", path != NULL ? path : rel);
		free(path);
		return -2;
	}
	rc = dc_read(c, data, len, flags, NULL, err, errlen);
	free(data);
	free(path);
	return rc;
}

int
dc_unwrap(struct dc *c, const char *json, char *err, size_t errlen)
{
	json_object *v = json_tokener_parse(json);

	if (v == NULL && strcmp(json, "null") != 0) {
		fprintf(stderr, "test JSON does not parse: %s\n", json);
		return -2;
	}
	return ce_doc_unwrap(v, "test", 1, NULL, &dc_ops, c, err, errlen);
}
