/*
 * test_corpus.c - round trip over every record of the shared CloudTrail
 * corpus: the flattened map parses back, and every flattened key,
 * compiled, finds the value the flat walk reported (type and text).
 * Exits 77 (SKIP) when ../shared/corpus/events.ndjson is absent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ce_test.h"
#include "event.h"
#include "flatten.h"
#include "path.h"

static char *corpus;

struct entry {
	char			*key;
	size_t			 keylen;
	struct ce_value		 v;
	char			*text;		/* copy of v.str */
};

struct entries {
	struct entry	*e;
	size_t		 n, cap;
};

static int
keep(void *arg, const char *key, size_t keylen, const struct ce_value *v)
{
	struct entries *es = arg;
	struct entry *e;

	if (es->n == es->cap) {
		es->cap = es->cap ? es->cap * 2 : 256;
		es->e = realloc(es->e, es->cap * sizeof(*es->e));
		if (es->e == NULL)
			abort();
	}
	e = &es->e[es->n++];
	e->key = malloc(keylen + 1);
	memcpy(e->key, key, keylen);
	e->key[keylen] = '\0';
	e->keylen = keylen;
	e->v = *v;
	e->text = NULL;
	if (v->str != NULL) {
		e->text = malloc(v->len + 1);
		memcpy(e->text, v->str, v->len);
		e->text[v->len] = '\0';
	}
	return 0;
}

static int
same(const struct ce_value *a, const struct entry *e)
{
	const struct ce_value *b = &e->v;

	if (a->type != b->type || a->len != b->len || a->boolean != b->boolean ||
	    a->integer != b->integer || a->decimal != b->decimal)
		return 0;
	if (b->str == NULL)
		return a->str == NULL;
	return a->str != NULL && memcmp(a->str, e->text, b->len) == 0;
}

struct reach {
	const struct entry	*want;
	int			 found, calls;
};

static int
reached(void *arg, const struct ce_value *v)
{
	struct reach *r = arg;

	r->calls++;
	if (same(v, r->want))
		r->found = 1;
	return 0;
}

/* Check one key: path, get(), foreach(), and the same path with every
 * index turned into "[*]". Returns the number of failures. */
static int
check_key(const ce_event *ev, const struct entry *e, unsigned line)
{
	char err[200];
	ce_path *p = ce_path_compile(e->key, e->keylen, err, sizeof(err));
	struct ce_value v;
	struct reach r = { e, 0, 0 };
	size_t i;
	int bad = 0;

	if (p == NULL) {
		fprintf(stderr, "\nline %u: %s: %s\n", line, e->key, err);
		return 1;
	}
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	ce_event_get(ev, p, &v);
	if (!same(&v, e)) {
		fprintf(stderr, "\nline %u: %s: get() type %d, walk type %d\n",
		    line, e->key, v.type, e->v.type);
		bad++;
	}
	ce_event_foreach(ev, p, reached, &r);
	if (r.calls != 1 || !r.found) {
		fprintf(stderr, "\nline %u: %s: foreach() %d calls\n", line,
		    e->key, r.calls);
		bad++;
	}
	for (i = 0; i < p->nsteps; i++)
		if (p->steps[i].kind == CE_STEP_INDEX) {
			p->steps[i].kind = CE_STEP_EACH;
			p->multi = 1;
		}
	r.found = r.calls = 0;
	ce_event_foreach(ev, p, reached, &r);
	if (!r.found) {
		fprintf(stderr, "\nline %u: %s: not reached with [*]\n", line,
		    e->key);
		bad++;
	}
	ce_path_free(p);
	return bad;
}

static void
test_corpus_round_trip(void)
{
	char *text = ce_test_slurp(corpus, NULL), *line, *next;
	struct json_tokener *tok = json_tokener_new();
	unsigned lineno = 0, records = 0, keys = 0, bad = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	for (line = text; *line != '\0'; line = next) {
		struct entries es = { NULL, 0, 0 };
		struct json_object *rec, *back, *last;
		const char *j;
		size_t i, len;
		ce_event *ev;

		next = strchr(line, '\n');
		next = next != NULL ? next + 1 : line + strlen(line);
		lineno++;
		json_tokener_reset(tok);
		rec = json_tokener_parse_ex(tok, line, (int)(next - line));
		if (json_tokener_get_error(tok) != json_tokener_success) {
			fprintf(stderr, "\nline %u does not parse\n", lineno);
			bad++;
			continue;
		}
		ev = ce_event_new(rec, "events.ndjson", lineno);
		records++;

		/* The record as JSON reads back to the same record. */
		j = ce_event_json(ev, &len);
		back = json_tokener_parse(j);
		if (back == NULL || !json_object_equal(back, rec)) {
			fprintf(stderr, "\nline %u: event_json differs\n", lineno);
			bad++;
		}
		json_object_put(back);

		ce_event_flat_foreach(ev, keep, &es);
		/* The last entry of each key is the map's value. */
		last = json_object_new_object();
		for (i = 0; i < es.n; i++)
			json_object_object_add(last, es.e[i].key,
			    json_object_new_int64((int64_t)i));

		j = ce_event_flat_json(ev, &len);
		back = json_tokener_parse(j);
		if (back == NULL ||
		    json_object_object_length(back) != json_object_object_length(last)) {
			fprintf(stderr, "\nline %u: flat JSON does not read back "
			    "to %d keys\n", lineno, json_object_object_length(last));
			bad++;
		}
		json_object_put(back);

		for (i = 0; i < es.n; i++) {
			struct json_object *idx;

			json_object_object_get_ex(last, es.e[i].key, &idx);
			if (json_object_get_int64(idx) == (int64_t)i) {
				bad += (unsigned)check_key(ev, &es.e[i], lineno);
				keys++;
			}
			free(es.e[i].key);
			free(es.e[i].text);
		}
		free(es.e);
		json_object_put(last);
		ce_event_unref(ev);
	}
	json_tokener_free(tok);
	free(text);
	fprintf(stderr, "\n%u records, %u keys checked\n", records, keys);
	CU_ASSERT(records >= 1000);
	CU_ASSERT(keys >= 20000);
	CU_ASSERT_EQUAL(bad, 0);
}

int
main(void)
{
	CU_TestInfo tests[] = {
		CE_TEST(test_corpus_round_trip),
		CU_TEST_INFO_NULL
	};
	CU_SuiteInfo suites[] = {
		{ "corpus", NULL, NULL, NULL, NULL, tests },
		CU_SUITE_INFO_NULL
	};
	int rc;

	corpus = ce_test_shared("corpus/events.ndjson");
	if (corpus == NULL) {
		fprintf(stderr, "no ../shared/corpus/events.ndjson: skipped\n");
		return 77;
	}
	rc = ce_test_main(suites);
	free(corpus);
	return rc;
}
