/*
 * test_event.c - compiled paths, "[*]", lookups and their typing,
 * reference counts and lazy caches read from many threads, sets of
 * paths looked up in one walk (pathset.h), and frees deferred from output
 * threads to the workers (reap.h).
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ce_test.h"
#include "event.h"
#include "flatten.h"
#include "path.h"
#include "pathset.h"
#include "reap.h"

static ce_event *
event_of(const char *json)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *rec;

	/* The NUL ends a top-level number. */
	rec = json_tokener_parse_ex(tok, json, (int)strlen(json) + 1);
	CU_ASSERT_EQUAL(json_tokener_get_error(tok), json_tokener_success);
	json_tokener_free(tok);
	return ce_event_new(rec, "test.json", 3);
}

static ce_path *
compile(const char *key)
{
	char err[200] = "";
	ce_path *p = ce_path_compile(key, strlen(key), err, sizeof(err));

	if (p == NULL)
		fprintf(stderr, "\n%s: %s\n", key, err);
	CU_ASSERT_PTR_NOT_NULL(p);
	return p;
}

/* ------------------------------------------------------------------ */
/* Paths                                                               */
/* ------------------------------------------------------------------ */

/* Steps as text: m:NAME, i:N, *  (names shown raw). */
static void
describe(const ce_path *p, char *out, size_t len)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < p->nsteps && o < len; i++) {
		const struct ce_step *s = &p->steps[i];

		if (s->kind == CE_STEP_MEMBER)
			o += (size_t)snprintf(out + o, len - o, "%sm:%s",
			    i ? " " : "", s->name);
		else if (s->kind == CE_STEP_INDEX)
			o += (size_t)snprintf(out + o, len - o, "%si:%zu",
			    i ? " " : "", s->index);
		else
			o += (size_t)snprintf(out + o, len - o, "%s*", i ? " " : "");
	}
}

static void
check_path(const char *key, const char *want, int multi)
{
	char got[512];
	ce_path *p = compile(key);

	if (p == NULL)
		return;
	describe(p, got, sizeof(got));
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\n%s: want [%s] got [%s]\n", key, want, got);
	CU_ASSERT_STRING_EQUAL(got, want);
	CU_ASSERT_EQUAL(ce_path_is_multi(p), multi);
	ce_path_free(p);
}

static void
test_path_valid(void)
{
	check_path("eventName", "m:eventName", 0);
	check_path("userIdentity.arn", "m:userIdentity m:arn", 0);
	check_path("resources[0].ARN", "m:resources i:0 m:ARN", 0);
	check_path("a[0][12]", "m:a i:0 i:12", 0);
	check_path("[3].b", "i:3 m:b", 0);
	check_path("requestParameters.ipPermissions.items[0].ipRanges.items[0].cidrIp",
	    "m:requestParameters m:ipPermissions m:items i:0 m:ipRanges "
	    "m:items i:0 m:cidrIp", 0);
	check_path("tags[\\\"kubernetes.io\\/cluster\\/x\\\"]",
	    "m:tags m:kubernetes.io/cluster/x", 0);
	check_path("[\\\"x.y\\\"].z[\\\"w.v\\\"][0]", "m:x.y m:z m:w.v i:0", 0);
	check_path("[\\\"a[0]\\\"]", "m:a[0]", 0);
	check_path("a\\/b.q\\\"t.back\\\\slash", "m:a/b m:q\"t m:back\\slash", 0);
	check_path("nl\\nx.t\\tb\\bf\\fr\\r", "m:nl\nx m:t\tb\bf\fr\r", 0);
	check_path("", "m:", 0);
	check_path("a.", "m:a m:", 0);
	check_path("a..b", "m:a m: m:b", 0);
	check_path("[0].", "i:0 m:", 0);
	check_path("\xe6\x97\xa5.\xc3\xa9", "m:\xe6\x97\xa5 m:\xc3\xa9", 0);
	check_path("ctl\x01x", "m:ctl\x01x", 0);
	check_path("a[*].b[*]", "m:a * m:b *", 1);
	check_path("[*]", "*", 1);
	check_path("a[2147483647]", "m:a i:2147483647", 0);
	/* A quoted name may hold \"] itself: the shortest reading that
	 * parses wins, so [\"a.b\"][\"c.d\"] is two names... */
	check_path("[\\\"a.b\\\"][\\\"c.d\\\"]", "m:a.b m:c.d", 0);
	/* ...and when a short reading cannot go on, a longer one is tried. */
	check_path("[\\\"a\\\"]b.c\\\"]", "m:a\"]b.c", 0);
	check_path("[\\\"a.b\\\"].c\\\"]", "m:a.b\"].c", 0);
	check_path("x[\\\"a.b\\\"]c[\\\"d.e\\\"]", "m:x m:a.b\"]c[\"d.e", 0);
}

static void
test_path_flags(void)
{
	ce_path *p;

	p = compile("root");
	CU_ASSERT_TRUE(p != NULL && p->root);
	ce_path_free(p);
	p = compile("root.x");
	CU_ASSERT_TRUE(p != NULL && !p->root);
	ce_path_free(p);
	p = compile("[\\\"root.x\\\"]");
	CU_ASSERT_TRUE(p != NULL && !p->root);
	ce_path_free(p);
	/* A NUL byte in a name: compiled, but it can never match. */
	p = ce_path_compile("a\0b.c", 5, NULL, 0);
	CU_ASSERT_TRUE_FATAL(p != NULL);
	CU_ASSERT_EQUAL(p->nsteps, 2);
	CU_ASSERT_TRUE(p->steps[0].never);
	CU_ASSERT_EQUAL(p->steps[0].namelen, 3);
	CU_ASSERT_FALSE(p->steps[1].never);
	ce_path_free(p);
	CU_ASSERT_FALSE(ce_path_is_multi(NULL));
	ce_path_free(NULL);
}

static void
check_bad(const char *key, size_t len, const char *want)
{
	char err[300];
	ce_path *p;

	strcpy(err, "untouched");
	p = ce_path_compile(key, len, err, sizeof(err));
	CU_ASSERT_PTR_NULL(p);
	if (strcmp(err, want) != 0)
		fprintf(stderr, "\n%s:\n  want %s\n  got  %s\n", key, want, err);
	CU_ASSERT_STRING_EQUAL(err, want);
	ce_path_free(p);
}

#define BAD(key, want)	check_bad(key, sizeof(key) - 1, want)

static void
test_path_malformed(void)
{
	ce_path *p;
	char *big;

	BAD(".a", "character 1: a key cannot start with '.'");
	BAD("a]", "character 2: unexpected ']' (a name holding '.', '[' or "
	    "']' is written [\\\"name\\\"])");
	BAD("a[", "character 3: expected a digit, '*' or '\\\"' after '['");
	BAD("a[x]", "character 3: expected a digit, '*' or '\\\"' after '['");
	BAD("a[-1]", "character 3: expected a digit, '*' or '\\\"' after '['");
	BAD("a[01]", "character 3: an array index has no leading zero");
	BAD("a[1", "character 4: expected a digit or ']' in an array index");
	BAD("a[1x]", "character 4: expected a digit or ']' in an array index");
	BAD("a[2147483648]", "character 3: array index too large");
	BAD("a[*", "character 4: expected ']' after '[*'");
	BAD("a[*x]", "character 4: expected ']' after '[*'");
	BAD("a[0]b", "character 5: expected '.', '[' or the end of the key "
	    "after ']'");
	BAD("a/b", "character 2: '/' in a name is written '\\/' in flattened keys");
	BAD("a\"b", "character 2: '\"' in a name is written '\\\"' in flattened keys");
	BAD("a\\x", "character 2: unknown escape; expected one of \\\" \\\\ \\/ "
	    "\\b \\f \\n \\r \\t");
	BAD("a\\u00e9", "character 2: unknown escape; expected one of \\\" \\\\ "
	    "\\/ \\b \\f \\n \\r \\t");
	BAD("ab\\", "character 3: '\\' at the end of the key");
	BAD("a\nb", "character 2: a raw control character in a name is "
	    "written '\\n' in flattened keys");
	BAD("a\tb", "character 2: a raw control character in a name is "
	    "written '\\t' in flattened keys");
	BAD("tags[\\\"Name\\\"]", "character 5: [\\\"name\\\"] is only for "
	    "names holding '.', '[' or ']'; write this name plainly after a '.'");
	BAD("a[\\\"b.c", "character 2: [\\\"name\\\"] is not closed by \\\"]");
	BAD("[\\\"a.b\\\"]x", "character 10: expected '.', '[' or the end of "
	    "the key after ']'");
	BAD("[\\\"a/b.c\\\"]", "character 5: '/' in a name is written '\\/' "
	    "in flattened keys");
	/* Positions count characters, not bytes. */
	BAD("\xc3\xa9\xc3\xa9/", "character 3: '/' in a name is written '\\/' "
	    "in flattened keys");
	BAD("a.b]", "character 4: unexpected ']' (a name holding '.', '[' or "
	    "']' is written [\\\"name\\\"])");
	/* The furthest error is the one reported after backtracking. */
	BAD("[\\\"a.b\\\"].c\\\"]x", "character 15: expected '.', '[' or the "
	    "end of the key after ']'");

	big = malloc(CE_PATH_KEY_MAX + 2);
	memset(big, 'a', CE_PATH_KEY_MAX + 1);
	big[CE_PATH_KEY_MAX + 1] = '\0';
	check_bad(big, CE_PATH_KEY_MAX + 1, "key longer than 4096 bytes");
	p = ce_path_compile(big, CE_PATH_KEY_MAX, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL(p);
	ce_path_free(p);
	free(big);
	/* No room for the message is fine. */
	CU_ASSERT_PTR_NULL(ce_path_compile("a]", 2, NULL, 0));
	{
		char small[8];

		CU_ASSERT_PTR_NULL(ce_path_compile("a]", 2, small, sizeof(small)));
		CU_ASSERT_STRING_EQUAL(small, "charact");
	}
}

/* Pathological keys stay fast: failures are remembered per position. */
static void
test_path_backtracking(void)
{
	struct ce_buf b = CE_BUF_INIT;
	ce_path *p;
	int i;

	ce_buf_puts(&b, "[\\\"a.");
	for (i = 0; i < 400; i++)
		ce_buf_puts(&b, "\\\"][\\\"x.");
	ce_buf_puts(&b, "\\\"]!");
	p = ce_path_compile(b.data, b.len, NULL, 0);
	CU_ASSERT_PTR_NULL(p);
	b.len--;	/* without the '!' it parses */
	p = ce_path_compile(b.data, b.len, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p != NULL)
		CU_ASSERT_EQUAL(p->nsteps, 401);
	ce_path_free(p);
	ce_buf_free(&b);
}

/* ------------------------------------------------------------------ */
/* Lookups                                                             */
/* ------------------------------------------------------------------ */

static enum ce_value_type
get(const ce_event *ev, const char *key, struct ce_value *v)
{
	ce_path *p = compile(key);
	enum ce_value_type t = CE_VALUE_MISSING;

	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	if (p != NULL)
		t = ce_event_get(ev, p, v);
	CU_ASSERT_EQUAL(t, v->type);
	ce_path_free(p);
	return t;
}

static void
test_get_types(void)
{
	ce_event *ev = event_of("{\"s\":\"x\\u0000y\",\"i\":-42,\"d\":1.50,"
	    "\"e\":2E-3,\"u\":18446744073709551615,\"t\":true,\"f\":false,"
	    "\"n\":null,\"o\":{},\"a\":[],\"deep\":{\"x\":[{\"y\":[10,20]}]},"
	    "\"tags\":{\"k.k/\":\"v\"},\"\":{\"\":\"empty\"}}");
	struct ce_value v;

	CU_ASSERT_EQUAL(get(ev, "s", &v), CE_VALUE_STRING);
	CU_ASSERT_EQUAL(v.len, 3);
	CU_ASSERT_EQUAL(memcmp(v.str, "x\0y", 4), 0);
	CU_ASSERT_EQUAL(get(ev, "i", &v), CE_VALUE_INTEGER);
	CU_ASSERT_EQUAL(v.integer, -42);
	CU_ASSERT_EQUAL(v.decimal, -42.0);
	CU_ASSERT_STRING_EQUAL(v.str, "-42");
	CU_ASSERT_EQUAL(v.len, 3);
	CU_ASSERT_EQUAL(get(ev, "d", &v), CE_VALUE_DECIMAL);
	CU_ASSERT_STRING_EQUAL(v.str, "1.50");
	CU_ASSERT_EQUAL(v.decimal, 1.5);
	CU_ASSERT_EQUAL(get(ev, "e", &v), CE_VALUE_DECIMAL);
	CU_ASSERT_STRING_EQUAL(v.str, "2E-3");
	CU_ASSERT_EQUAL(get(ev, "u", &v), CE_VALUE_DECIMAL);
	CU_ASSERT_STRING_EQUAL(v.str, "18446744073709551615");
	CU_ASSERT_EQUAL(get(ev, "t", &v), CE_VALUE_BOOLEAN);
	CU_ASSERT_EQUAL(v.boolean, 1);
	CU_ASSERT_EQUAL(get(ev, "f", &v), CE_VALUE_BOOLEAN);
	CU_ASSERT_EQUAL(v.boolean, 0);
	CU_ASSERT_EQUAL(get(ev, "n", &v), CE_VALUE_NULL);
	CU_ASSERT_EQUAL(get(ev, "o", &v), CE_VALUE_EMPTY_OBJECT);
	CU_ASSERT_EQUAL(get(ev, "a", &v), CE_VALUE_EMPTY_ARRAY);
	CU_ASSERT_EQUAL(get(ev, "deep.x[0].y[1]", &v), CE_VALUE_INTEGER);
	CU_ASSERT_EQUAL(v.integer, 20);
	CU_ASSERT_EQUAL(get(ev, "tags[\\\"k.k\\/\\\"]", &v), CE_VALUE_STRING);
	CU_ASSERT_STRING_EQUAL(v.str, "v");
	CU_ASSERT_EQUAL(get(ev, "", &v), CE_VALUE_MISSING);	/* {"":"empty"} */
	/* Not leaves of the flattened map, or nowhere. */
	CU_ASSERT_EQUAL(get(ev, "deep", &v), CE_VALUE_MISSING);
	CU_ASSERT_EQUAL(get(ev, "deep.x", &v), CE_VALUE_MISSING);
	CU_ASSERT_EQUAL(get(ev, "deep.x[0]", &v), CE_VALUE_MISSING);
	CU_ASSERT_EQUAL(get(ev, "deep.x[1].y", &v), CE_VALUE_MISSING);
	CU_ASSERT_EQUAL(get(ev, "deep.x.y", &v), CE_VALUE_MISSING);
	CU_ASSERT_EQUAL(get(ev, "deep[0]", &v), CE_VALUE_MISSING);
	CU_ASSERT_EQUAL(get(ev, "s.x", &v), CE_VALUE_MISSING);
	CU_ASSERT_EQUAL(get(ev, "n.x", &v), CE_VALUE_MISSING);
	CU_ASSERT_EQUAL(get(ev, "nope", &v), CE_VALUE_MISSING);
	CU_ASSERT_PTR_NULL(v.str);
	CU_ASSERT_EQUAL(get(ev, "tags.k.k\\/", &v), CE_VALUE_MISSING);
	ce_event_unref(ev);

	ev = event_of("{\"\":{\"\":\"e\"},\"a\":{\"\":1}}");
	CU_ASSERT_EQUAL(get(ev, "a.", &v), CE_VALUE_INTEGER);
	ce_event_unref(ev);
	ev = event_of("{\"\":7}");
	CU_ASSERT_EQUAL(get(ev, "", &v), CE_VALUE_INTEGER);
	ce_event_unref(ev);
}

/* The key "root": a leaf record, and the dropped {} value. */
static void
test_get_root(void)
{
	struct {
		const char		*record, *key;
		enum ce_value_type	 want;
	} cases[] = {
		{ "{\"root\":{}}", "root", CE_VALUE_MISSING },
		{ "{\"root\":[]}", "root", CE_VALUE_EMPTY_ARRAY },
		{ "{\"root\":null}", "root", CE_VALUE_NULL },
		{ "{\"root\":{\"a\":1}}", "root", CE_VALUE_MISSING },
		{ "{\"root\":{\"a\":1}}", "root.a", CE_VALUE_INTEGER },
		{ "{\"a\":{\"root\":{}}}", "a.root", CE_VALUE_EMPTY_OBJECT },
		{ "5", "root", CE_VALUE_INTEGER },
		{ "\"s\"", "root", CE_VALUE_STRING },
		{ "null", "root", CE_VALUE_NULL },
		{ "[]", "root", CE_VALUE_EMPTY_ARRAY },
		{ "{}", "root", CE_VALUE_MISSING },
		{ "[1]", "root", CE_VALUE_MISSING },
		{ "[1]", "[0]", CE_VALUE_INTEGER },
		{ "5", "x", CE_VALUE_MISSING },
	};
	struct ce_value v;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ce_event *ev = event_of(cases[i].record);

		if (get(ev, cases[i].key, &v) != cases[i].want)
			fprintf(stderr, "\n%s / %s: got %d\n", cases[i].record,
			    cases[i].key, v.type);
		CU_ASSERT_EQUAL(v.type, cases[i].want);
		ce_event_unref(ev);
	}
}

/* Known limit: a leading "" member leaves no trace in the key, so its
 * leaves are in the flattened map but not reachable by path. */
static void
test_get_leading_empty_name(void)
{
	ce_event *ev = event_of("{\"\":{\"a\":1}}");
	struct ce_value v;
	size_t len;
	const char *flat = ce_event_flat_json(ev, &len);

	CU_ASSERT_STRING_EQUAL(flat, "{\"a\":1}");
	CU_ASSERT_EQUAL(get(ev, "a", &v), CE_VALUE_MISSING);
	ce_event_unref(ev);
}

static void
test_get_size(void)
{
	ce_event *ev = event_of("{\"i\":5}");
	ce_path *p = compile("i");
	struct ce_value v;

	/* A caller that only knows the members up to str. */
	memset(&v, 0xa5, sizeof(v));
	v.size = offsetof(struct ce_value, len);
	CU_ASSERT_EQUAL(ce_event_get(ev, p, &v), CE_VALUE_INTEGER);
	CU_ASSERT_EQUAL(v.type, CE_VALUE_INTEGER);
	CU_ASSERT_STRING_EQUAL(v.str, "5");
	CU_ASSERT_EQUAL(v.len, (size_t)0xa5a5a5a5a5a5a5a5ull);
	CU_ASSERT_EQUAL(v.size, offsetof(struct ce_value, len));
	ce_path_free(p);
	ce_event_unref(ev);
}

struct got {
	char	text[32][32];
	int	n, stop_at;
};

static int
collect(void *arg, const struct ce_value *v)
{
	struct got *g = arg;
	struct ce_buf b = CE_BUF_INIT;

	ce_value_write(v, &b);
	if (g->n < 32)
		snprintf(g->text[g->n], sizeof(g->text[0]), "%s", ce_buf_cstr(&b));
	ce_buf_free(&b);
	g->n++;
	return g->n == g->stop_at ? 7 : 0;
}

/* All values a path reaches, joined with ',' */
static int
each(const ce_event *ev, const char *key, char *out, size_t len, int stop_at)
{
	struct got g;
	ce_path *p = compile(key);
	int rc, i;
	size_t o = 0;

	memset(&g, 0, sizeof(g));
	g.stop_at = stop_at;
	rc = p != NULL ? ce_event_foreach(ev, p, collect, &g) : -1;
	out[0] = '\0';
	for (i = 0; i < g.n && i < 32; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", i ? "," : "",
		    g.text[i]);
	ce_path_free(p);
	return rc;
}

static void
check_each(const ce_event *ev, const char *key, const char *want)
{
	char out[512];

	CU_ASSERT_EQUAL(each(ev, key, out, sizeof(out), 0), 0);
	if (strcmp(out, want) != 0)
		fprintf(stderr, "\n%s: want [%s] got [%s]\n", key, want, out);
	CU_ASSERT_STRING_EQUAL(out, want);
}

static void
test_foreach(void)
{
	ce_event *ev = event_of("{\"a\":[{\"b\":[1,2]},{\"b\":[]},{\"c\":3},"
	    "{\"b\":[3,{\"x\":1},\"s\"]}],\"e\":[],\"s\":\"str\","
	    "\"n\":[[1,2],[3]],\"o\":{\"k\":1}}");
	struct ce_value v;
	char out[512];

	check_each(ev, "a[*].b[*]", "1,2,3,\"s\"");
	check_each(ev, "a[*].b", "[]");
	check_each(ev, "a[*].c", "3");
	check_each(ev, "a[*].b[0]", "1,3");
	check_each(ev, "a[*].b[1].x", "1");
	check_each(ev, "n[*][*]", "1,2,3");
	check_each(ev, "n[*][0]", "1,3");
	check_each(ev, "n[*][1]", "2");
	check_each(ev, "a[*]", "");		/* objects are not leaves */
	check_each(ev, "e[*]", "");		/* empty array: nothing */
	check_each(ev, "missing[*]", "");
	check_each(ev, "s[*]", "");		/* not an array */
	check_each(ev, "o[*]", "");		/* objects have no elements */
	check_each(ev, "s", "\"str\"");		/* a plain path: one value */
	check_each(ev, "e", "[]");
	check_each(ev, "missing", "");
	check_each(ev, "a", "");
	/* Stops at the first non-zero result and returns it. */
	CU_ASSERT_EQUAL(each(ev, "a[*].b[*]", out, sizeof(out), 2), 7);
	CU_ASSERT_STRING_EQUAL(out, "1,2");
	CU_ASSERT_EQUAL(each(ev, "s", out, sizeof(out), 1), 7);
	/* get() on a "[*]" path: the first value reached. */
	CU_ASSERT_EQUAL(get(ev, "a[*].c", &v), CE_VALUE_INTEGER);
	CU_ASSERT_EQUAL(v.integer, 3);
	CU_ASSERT_EQUAL(get(ev, "a[*].b[*]", &v), CE_VALUE_INTEGER);
	CU_ASSERT_EQUAL(v.integer, 1);
	CU_ASSERT_EQUAL(get(ev, "e[*]", &v), CE_VALUE_MISSING);
	ce_event_unref(ev);
}

struct flatcheck {
	const ce_event	*ev;
	int		 n, bad;
};

/* Every flat entry equals get() of its key, number text pointer included. */
static int
same_as_get(void *arg, const char *key, size_t keylen, const struct ce_value *w)
{
	struct flatcheck *c = arg;
	ce_path *p = ce_path_compile(key, keylen, NULL, 0);
	struct ce_value v;

	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	if (p == NULL || ce_event_get(c->ev, p, &v) != w->type ||
	    v.len != w->len || (w->len > 0 && memcmp(v.str, w->str, w->len) != 0) ||
	    ((w->type == CE_VALUE_INTEGER || w->type == CE_VALUE_DECIMAL) &&
	    v.str != w->str))
		c->bad++;
	c->n++;
	ce_path_free(p);
	return 0;
}

static void
test_flat_foreach(void)
{
	ce_event *ev = event_of("{\"a\":[1,2.5,{\"b\":18446744073709551615}],"
	    "\"c\":{\"d.e\":\"f\"},\"g\":{},\"h\":[]}");
	struct flatcheck c = { ev, 0, 0 };

	CU_ASSERT_EQUAL(ce_event_flat_foreach(ev, same_as_get, &c), 0);
	CU_ASSERT_EQUAL(c.n, 6);
	CU_ASSERT_EQUAL(c.bad, 0);
	ce_event_unref(ev);
}

static void
test_texts(void)
{
	ce_event *ev = event_of("{ \"eventName\" : \"Put/Object\", \"n\" : 1.0,"
	    " \"x\" : { \"y.z\" : [ ] } }");
	const char *j, *f;
	size_t jl = 0, fl = 0;
	uint64_t index = 0;

	j = ce_event_json(ev, &jl);
	CU_ASSERT_STRING_EQUAL(j, "{\"eventName\":\"Put/Object\",\"n\":1.0,"
	    "\"x\":{\"y.z\":[]}}");
	CU_ASSERT_EQUAL(jl, strlen(j));
	f = ce_event_flat_json(ev, &fl);
	CU_ASSERT_STRING_EQUAL(f, "{\"eventName\":\"Put/Object\",\"n\":1.0,"
	    "\"x[\\\\\\\"y.z\\\\\\\"]\":[]}");
	CU_ASSERT_EQUAL(fl, strlen(f));
	/* Cached: the same text every time. */
	CU_ASSERT_PTR_EQUAL(ce_event_json(ev, NULL), j);
	CU_ASSERT_PTR_EQUAL(ce_event_flat_json(ev, NULL), f);
	CU_ASSERT_STRING_EQUAL(ce_event_string(ev, "eventName"), "Put/Object");
	CU_ASSERT_PTR_NULL(ce_event_string(ev, "n"));
	CU_ASSERT_PTR_NULL(ce_event_string(ev, "x"));
	CU_ASSERT_PTR_NULL(ce_event_string(ev, "nope"));
	CU_ASSERT_STRING_EQUAL(ce_event_origin(ev, &index), "test.json");
	CU_ASSERT_EQUAL(index, 3);
	CU_ASSERT_STRING_EQUAL(ce_event_origin(ev, NULL), "test.json");
	CU_ASSERT_PTR_NOT_NULL(ce_event_record(ev));
	ce_event_unref(ev);

	ev = ce_event_new(json_object_new_int(4), NULL, 9);
	CU_ASSERT_STRING_EQUAL(ce_event_origin(ev, &index), "");
	CU_ASSERT_EQUAL(index, 9);
	CU_ASSERT_PTR_NULL(ce_event_string(ev, "eventName"));
	CU_ASSERT_STRING_EQUAL(ce_event_json(ev, NULL), "4");
	CU_ASSERT_STRING_EQUAL(ce_event_flat_json(ev, NULL), "{\"root\":4}");
	ce_event_unref(ev);
}

static int freed;

static void
note_freed(struct json_object *obj, void *userdata)
{
	freed++;
}

static void
test_refcount(void)
{
	struct json_object *rec = json_object_new_object();
	ce_event *ev;
	const ce_event *r;

	json_object_set_userdata(rec, NULL, note_freed);
	freed = 0;
	ev = ce_event_new(rec, "o", 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	r = ce_event_ref(ev);
	CU_ASSERT_PTR_EQUAL(r, ev);
	ce_event_ref(ev);
	ce_event_unref(ev);
	ce_event_unref(ev);
	CU_ASSERT_EQUAL(freed, 0);	/* one reference left */
	CU_ASSERT_PTR_EQUAL(ce_event_record(ev), rec);
	ce_event_unref(r);
	CU_ASSERT_EQUAL(freed, 1);	/* the record went with the event */
	ce_event_unref(NULL);
	CU_ASSERT_PTR_NULL(ce_event_ref(NULL));
}

/* ------------------------------------------------------------------ */
/* Many threads at once                                                */
/* ------------------------------------------------------------------ */

#define NTHREADS	8
#define NEVENTS		200

struct shared {
	pthread_barrier_t	 start;
	ce_event		*ev[NEVENTS];
	ce_path			*ints, *dec;
	const char		*json[NTHREADS][NEVENTS];
	const char		*flat[NTHREADS][NEVENTS];
	const char		*num[NTHREADS][NEVENTS];
	int			 bad[NTHREADS];
};

struct worker {
	struct shared	*s;
	int		 id;
};

static int
count_leaf(void *arg, const char *key, size_t keylen, const struct ce_value *v)
{
	(*(int *)arg)++;
	return 0;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct shared *s = w->s;
	struct ce_value v;
	int i, k, n;

	pthread_barrier_wait(&s->start);
	for (k = 0; k < NEVENTS; k++) {
		/* Start at different events so threads collide on each. */
		i = (k + w->id * 7) % NEVENTS;
		ce_event_unref(ce_event_ref(s->ev[i]));
		memset(&v, 0, sizeof(v));
		v.size = sizeof(v);
		if (ce_event_get(s->ev[i], s->ints, &v) != CE_VALUE_INTEGER ||
		    v.integer != i)
			s->bad[w->id]++;
		s->num[w->id][i] = v.str;
		if (ce_event_get(s->ev[i], s->dec, &v) != CE_VALUE_DECIMAL ||
		    strcmp(v.str, "2.50") != 0)
			s->bad[w->id]++;
		s->json[w->id][i] = ce_event_json(s->ev[i], NULL);
		s->flat[w->id][i] = ce_event_flat_json(s->ev[i], NULL);
		n = 0;
		ce_event_flat_foreach(s->ev[i], count_leaf, &n);
		if (n != 4)
			s->bad[w->id]++;
	}
	return NULL;
}

static void
test_threads(void)
{
	static struct shared s;
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];
	char json[128], want[128];
	int i, k;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < NEVENTS; i++) {
		snprintf(json, sizeof(json), "{\"i\":%d,\"d\":2.50,"
		    "\"a\":[true,\"x/y\"]}", i);
		s.ev[i] = event_of(json);
	}
	s.ints = compile("i");
	s.dec = compile("d");
	pthread_barrier_init(&s.start, NULL, NTHREADS);
	for (k = 0; k < NTHREADS; k++) {
		w[k].s = &s;
		w[k].id = k;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[k], NULL, work, &w[k]), 0);
	}
	for (k = 0; k < NTHREADS; k++)
		pthread_join(t[k], NULL);
	pthread_barrier_destroy(&s.start);
	for (i = 0; i < NEVENTS; i++) {
		snprintf(want, sizeof(want), "{\"i\":%d,\"d\":2.50,"
		    "\"a[0]\":true,\"a[1]\":\"x/y\"}", i);
		CU_ASSERT_STRING_EQUAL(s.flat[0][i], want);
		snprintf(want, sizeof(want), "{\"i\":%d,\"d\":2.50,"
		    "\"a\":[true,\"x/y\"]}", i);
		CU_ASSERT_STRING_EQUAL(s.json[0][i], want);
		snprintf(want, sizeof(want), "%d", i);
		CU_ASSERT_STRING_EQUAL(s.num[0][i], want);
		/* Every thread saw the one published copy. */
		for (k = 1; k < NTHREADS; k++) {
			CU_ASSERT_PTR_EQUAL(s.json[k][i], s.json[0][i]);
			CU_ASSERT_PTR_EQUAL(s.flat[k][i], s.flat[0][i]);
			CU_ASSERT_PTR_EQUAL(s.num[k][i], s.num[0][i]);
		}
		ce_event_unref(s.ev[i]);
	}
	for (k = 0; k < NTHREADS; k++)
		CU_ASSERT_EQUAL(s.bad[k], 0);
	ce_path_free(s.ints);
	ce_path_free(s.dec);
}

/* ------------------------------------------------------------------ */
/* Sets of paths                                                       */
/* ------------------------------------------------------------------ */

#define MAX_SET	512

struct keys {
	ce_path	*paths[MAX_SET];
	char	*text[MAX_SET];
	size_t	 n;
};

static void
key_add(struct keys *k, const char *text, size_t len)
{
	char err[200];
	ce_path *p;

	if (k->n == MAX_SET)
		return;
	if ((p = ce_path_compile(text, len, err, sizeof(err))) == NULL)
		return;		/* not every flattened key is a valid path */
	if (ce_path_is_multi(p)) {
		ce_path_free(p);
		return;
	}
	k->paths[k->n] = p;
	k->text[k->n] = strndup(text, len);
	k->n++;
}

static int
flat_key(void *arg, const char *key, size_t keylen, const struct ce_value *v)
{
	struct keys *k = arg;
	char more[300];

	(void)v;
	key_add(k, key, keylen);
	/* Keys it does not have: below a leaf, and beside it. */
	if (keylen < 200) {
		snprintf(more, sizeof(more), "%.*s.zz", (int)keylen, key);
		key_add(k, more, strlen(more));
		snprintf(more, sizeof(more), "%.*s[7]", (int)keylen, key);
		key_add(k, more, strlen(more));
	}
	return 0;
}

struct set_got {
	struct ce_value	v[MAX_SET];
	int		times[MAX_SET];
};

static int
got_one(void *arg, size_t i, const struct ce_value *v)
{
	struct set_got *g = arg;

	CU_ASSERT_FATAL(i < MAX_SET);
	g->v[i] = *v;
	g->times[i]++;
	return 0;
}

static int
same_value(const struct ce_value *a, const struct ce_value *b)
{
	if (a->type != b->type || a->boolean != b->boolean || a->len != b->len)
		return 0;
	return a->len == 0 || memcmp(a->str, b->str, a->len) == 0;
}

/* The set gives for each of its paths what ce_event_get() gives. */
static int
set_agrees(const ce_event *ev, ce_path *const *paths, char *const *text,
    size_t n)
{
	static struct set_got g;
	struct ce_value want;
	ce_pathset *set;
	char err[200];
	size_t i;
	int ok = 1;

	memset(&g, 0, sizeof(g));
	set = ce_pathset_compile(paths, n, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	CU_ASSERT_EQUAL(ce_event_get_set(ev, set, got_one, &g), 0);
	for (i = 0; i < n; i++) {
		memset(&want, 0, sizeof(want));
		want.size = sizeof(want);
		if (ce_event_get(ev, paths[i], &want) == CE_VALUE_MISSING) {
			if (g.times[i] != 0) {
				fprintf(stderr, "\n%s: found, missing alone\n", text[i]);
				ok = 0;
			}
		} else if (g.times[i] != 1 || !same_value(&g.v[i], &want)) {
			fprintf(stderr, "\n%s: %d time(s), type %d, want type %d\n",
			    text[i], g.times[i], g.v[i].type, want.type);
			ok = 0;
		}
	}
	ce_pathset_free(set);
	return ok;
}

/* One record of tests/data/flatten: every key it has (and some it has
 * not), looked up as one set (the record's members looked up in the set)
 * and one at a time (the set's members looked up in the record). */
static int
set_case(void *arg, const char *dir, const char *name)
{
	char path[1024], *text;
	struct keys k = { { NULL }, { NULL }, 0 };
	ce_event *ev;
	size_t i;
	int ok;

	(void)arg;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text = ce_test_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	ev = event_of(text);
	free(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	ce_event_flat_foreach(ev, flat_key, &k);
	key_add(&k, "root", 4);
	key_add(&k, "eventName", 9);
	ok = set_agrees(ev, k.paths, k.text, k.n);
	for (i = 0; i < k.n; i++)
		ok &= set_agrees(ev, &k.paths[i], &k.text[i], 1);
	if (!ok)
		fprintf(stderr, "  in %s\n", name);
	for (i = 0; i < k.n; i++) {
		ce_path_free(k.paths[i]);
		free(k.text[i]);
	}
	ce_event_unref(ev);
	return ok;
}

static void
test_set_golden(void)
{
	char *dir = ce_test_data("flatten");
	int cases, passed = 0;

	cases = ce_test_each_file(dir, ".json", ".flat.json", set_case, NULL,
	    &passed);
	free(dir);
	CU_ASSERT(cases >= 20);
	CU_ASSERT_EQUAL(passed, cases);
}

static int
stop_at_second(void *arg, size_t i, const struct ce_value *v)
{
	(void)i;
	(void)v;
	return ++*(int *)arg == 2 ? 42 : 0;
}

static void
test_set_edges(void)
{
	ce_event *ev = event_of("{\"a\":{\"b\":1,\"c\":\"x\"},\"d\":[true]}");
	ce_path *p[5];
	ce_pathset *set;
	char err[200] = "";
	int calls = 0;

	p[0] = compile("a.b");
	p[1] = NULL;			/* left out */
	p[2] = compile("a.c");
	p[3] = compile("d[0]");
	p[4] = compile("d[*]");
	/* "[*]" is refused, with the reason. */
	CU_ASSERT_PTR_NULL(ce_pathset_compile(p, 5, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "[*]"));
	CU_ASSERT_PTR_NULL(ce_pathset_compile(p, 5, NULL, 0));
	/* fn's first non-zero result stops the walk and is returned. */
	set = ce_pathset_compile(p, 4, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	CU_ASSERT_EQUAL(ce_event_get_set(ev, set, stop_at_second, &calls), 42);
	CU_ASSERT_EQUAL(calls, 2);
	ce_pathset_free(set);
	/* An empty set finds nothing. */
	set = ce_pathset_compile(p, 0, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	calls = 0;
	CU_ASSERT_EQUAL(ce_event_get_set(ev, set, stop_at_second, &calls), 0);
	CU_ASSERT_EQUAL(calls, 0);
	ce_pathset_free(set);
	ce_pathset_free(NULL);
	ce_path_free(p[0]);
	ce_path_free(p[2]);
	ce_path_free(p[3]);
	ce_path_free(p[4]);
	ce_event_unref(ev);
}

/* ------------------------------------------------------------------ */
/* Deferred frees                                                      */
/* ------------------------------------------------------------------ */

struct body {
	struct ce_grave	 grave;
	int		*destroyed;
};

static void
body_destroy(struct ce_grave *g)
{
	struct body *b = (struct body *)g;

	(*b->destroyed)++;
	free(b);
}

static void
bury_new(int *destroyed)
{
	struct body *b = calloc(1, sizeof(*b));

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	b->destroyed = destroyed;
	ce_bury(&b->grave, body_destroy);
}

struct deferrer {
	int		 n;		/* bodies to bury */
	int		*destroyed;
	ce_event	*ev;		/* its last reference, or NULL */
	int		 seen;		/* destroyed, as this thread saw it */
};

/* An output thread: what it buries waits for ce_reap(). */
static void *
deferrer_main(void *arg)
{
	struct deferrer *d = arg;
	int i;

	ce_reap_defer_here();
	for (i = 0; i < d->n; i++)
		bury_new(d->destroyed);
	ce_event_unref(d->ev);
	d->seen = *d->destroyed;
	return NULL;
}

static void
run_deferrer(struct deferrer *d)
{
	pthread_t t;

	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, deferrer_main, d), 0);
	pthread_join(t, NULL);
}

static void
test_reap(void)
{
	struct deferrer d = { 0 };
	int destroyed = 0;

	/* A thread that does not defer frees at once. */
	bury_new(&destroyed);
	CU_ASSERT_EQUAL(destroyed, 1);

	/* One that does leaves it all, the event's JSON tree included (the
	 * sanitizers and valgrind see it freed by ce_reap()). */
	destroyed = 0;
	d.n = 3;
	d.destroyed = &destroyed;
	d.ev = event_of("{\"eventName\":\"RunInstances\"}");
	run_deferrer(&d);
	CU_ASSERT_EQUAL(d.seen, 0);
	CU_ASSERT_EQUAL(destroyed, 0);
	ce_reap_idle();			/* fewer than CE_REAP_IDLE wait */
	CU_ASSERT_EQUAL(destroyed, 0);
	ce_reap();
	CU_ASSERT_EQUAL(destroyed, 3);
	ce_reap();			/* empty: nothing happens twice */
	CU_ASSERT_EQUAL(destroyed, 3);

	/* An idle output empties the list once it is long enough. */
	destroyed = 0;
	d.n = CE_REAP_IDLE;
	d.ev = NULL;
	run_deferrer(&d);
	CU_ASSERT_EQUAL(destroyed, 0);
	ce_reap_idle();
	CU_ASSERT_EQUAL(destroyed, CE_REAP_IDLE);
}

int
main(void)
{
	CU_TestInfo path_tests[] = {
		CE_TEST(test_path_valid),
		CE_TEST(test_path_flags),
		CE_TEST(test_path_malformed),
		CE_TEST(test_path_backtracking),
		CU_TEST_INFO_NULL
	};
	CU_TestInfo event_tests[] = {
		CE_TEST(test_get_types),
		CE_TEST(test_get_root),
		CE_TEST(test_get_leading_empty_name),
		CE_TEST(test_get_size),
		CE_TEST(test_foreach),
		CE_TEST(test_flat_foreach),
		CE_TEST(test_texts),
		CE_TEST(test_refcount),
		CE_TEST(test_threads),
		CE_TEST(test_set_golden),
		CE_TEST(test_set_edges),
		CE_TEST(test_reap),
		CU_TEST_INFO_NULL
	};
	CU_SuiteInfo suites[] = {
		{ "path", NULL, NULL, NULL, NULL, path_tests },
		{ "event", NULL, NULL, NULL, NULL, event_tests },
		CU_SUITE_INFO_NULL
	};

	return ce_test_main(suites);
}
