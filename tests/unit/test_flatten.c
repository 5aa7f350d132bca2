/*
 * test_flatten.c - json-flattener 0.5.0 golden files, the JSON writer and
 * the typing of json-c values.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ce_test.h"
#include "flatten.h"

#define FFFD	"\xef\xbf\xbd"

/* Parse a whole JSON text; *ok says whether it parsed (NULL is null). */
static struct json_object *
parse(const char *text, size_t len, int *ok)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;

	obj = json_tokener_parse_ex(tok, text, (int)len);
	*ok = json_tokener_get_error(tok) == json_tokener_success;
	json_tokener_free(tok);
	return obj;
}

static struct json_object *
must_parse(const char *text)
{
	int ok;
	struct json_object *obj = parse(text, strlen(text), &ok);

	CU_ASSERT_TRUE(ok);
	return obj;
}

/* One golden case: NAME.json flattened must be NAME.flat.json. */
static int
golden_case(void *arg, const char *dir, const char *file)
{
	char in[1024], want[1024];
	char *text = NULL, *expect = NULL;
	struct json_object *obj = NULL;
	struct ce_buf b = CE_BUF_INIT;
	size_t tlen, elen;
	int ok = 0;

	(void)arg;
	snprintf(in, sizeof(in), "%s/%s", dir, file);
	snprintf(want, sizeof(want), "%s/%.*s.flat.json", dir,
	    (int)(strlen(file) - 5), file);
	text = ce_test_slurp(in, &tlen);
	expect = ce_test_slurp(want, &elen);
	if (text == NULL || expect == NULL) {
		fprintf(stderr, "\n%s: cannot read it or its .flat.json\n", file);
		goto done;
	}
	if (elen > 0 && expect[elen - 1] == '\n')
		expect[--elen] = '\0';
	obj = parse(text, tlen, &ok);
	if (!ok) {
		fprintf(stderr, "\n%s: does not parse\n", file);
		goto done;
	}
	ce_flatten_json(obj, &b);
	ok = !b.oom && b.len == elen && memcmp(b.data, expect, elen) == 0;
	if (!ok)
		fprintf(stderr, "\n%s:\n  want %s\n  got  %s\n", file, expect,
		    ce_buf_cstr(&b));
done:
	ce_buf_free(&b);
	json_object_put(obj);
	free(text);
	free(expect);
	return ok;
}

static void
test_golden(void)
{
	char *dir = ce_test_data("flatten");
	int cases, passed = 0;

	cases = ce_test_each_file(dir, ".json", ".flat.json", golden_case, NULL,
	    &passed);
	free(dir);
	CU_ASSERT(cases >= 20);
	CU_ASSERT_EQUAL(passed, cases);
}

struct seen {
	char	keys[16][64];
	int	types[16];
	int	n, stop_at;
};

static int
record(void *arg, const char *key, size_t keylen, const struct ce_value *v)
{
	struct seen *s = arg;

	if (s->n < 16 && keylen < 64) {
		memcpy(s->keys[s->n], key, keylen);
		s->keys[s->n][keylen] = '\0';
		s->types[s->n] = v->type;
	}
	s->n++;
	return s->n == s->stop_at ? 42 : 0;
}

static void
test_walk(void)
{
	struct json_object *o = must_parse(
	    "{\"a\":[1,{\"b\":null}],\"\":{\"x\":\"s\"},\"x\":{},\"root\":{}}");
	struct seen s;

	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(ce_flatten_walk(o, record, &s), 0);
	/* Both leaves keyed "x" are reported; "root":{} is not. */
	CU_ASSERT_EQUAL_FATAL(s.n, 4);
	CU_ASSERT_STRING_EQUAL(s.keys[0], "a[0]");
	CU_ASSERT_EQUAL(s.types[0], CE_VALUE_INTEGER);
	CU_ASSERT_STRING_EQUAL(s.keys[1], "a[1].b");
	CU_ASSERT_EQUAL(s.types[1], CE_VALUE_NULL);
	CU_ASSERT_STRING_EQUAL(s.keys[2], "x");
	CU_ASSERT_EQUAL(s.types[2], CE_VALUE_STRING);
	CU_ASSERT_STRING_EQUAL(s.keys[3], "x");
	CU_ASSERT_EQUAL(s.types[3], CE_VALUE_EMPTY_OBJECT);
	/* A non-zero result stops the walk and is returned. */
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	CU_ASSERT_EQUAL(ce_flatten_walk(o, record, &s), 42);
	CU_ASSERT_EQUAL(s.n, 2);
	json_object_put(o);
}

static void
check_write(const char *in, const char *want)
{
	struct json_object *o = must_parse(in);
	struct ce_buf b = CE_BUF_INIT;
	int ok;

	ce_json_write(o, &b);
	CU_ASSERT_FALSE(b.oom);
	CU_ASSERT_STRING_EQUAL(ce_buf_cstr(&b), want);
	json_object_put(parse(b.data, b.len, &ok));
	CU_ASSERT_TRUE(ok);
	ce_buf_free(&b);
	json_object_put(o);
}

static void
test_json_write(void)
{
	check_write(" { \"a\" : [ 1 , 2.50 , -1e-7 , true , null ] , \"b\" : { } , \"c\" : [ ] } ",
	    "{\"a\":[1,2.50,-1e-7,true,null],\"b\":{},\"c\":[]}");
	check_write("{\"url\":\"http://x/y\",\"k/k\":\"\\/\"}",
	    "{\"url\":\"http://x/y\",\"k/k\":\"/\"}");
	check_write("[\"\\u0000\\u001f\\\"\\\\\\n\"]",
	    "[\"\\u0000\\u001f\\\"\\\\\\n\"]");
	check_write("[18446744073709551615,-9223372036854775808,9223372036854775807]",
	    "[18446744073709551615,-9223372036854775808,9223372036854775807]");
	check_write("[1E400,-0.0,0.10]", "[1E400,-0.0,0.10]");
	/* No JSON form: null.  json-c takes these even in strict mode. */
	check_write("[NaN,Infinity,-Infinity]", "[null,null,null]");
	/* Text json-c accepts that JSON does not: shortest double instead. */
	check_write("[1.,-.5,01.5]", "[1.0,-0.5,1.5]");
	/* json-c decodes \ud800 to U+FFFD; raw invalid bytes pass through
	 * json-c and are replaced here. */
	check_write("[\"\\ud800\",\"a\xff" "b\",\"\\ud83d\\ude00\"]",
	    "[\"" FFFD "\",\"a" FFFD "b\",\"\xf0\x9f\x98\x80\"]");
	check_write("{\"\xc3\x28\":1}", "{\"" FFFD "(\":1}");
	check_write("\"top\"", "\"top\"");
}

static void
test_json_write_built(void)
{
	struct json_object *a = json_object_new_array();
	struct ce_buf b = CE_BUF_INIT;

	/* Doubles built without a lexeme get their shortest form. */
	json_object_array_add(a, json_object_new_double(0.1));
	json_object_array_add(a, json_object_new_double(3.0));
	json_object_array_add(a, json_object_new_double(1e300));
	json_object_array_add(a, json_object_new_double(-2.5e-10));
	json_object_array_add(a, json_object_new_double(NAN));
	json_object_array_add(a, json_object_new_int64(INT64_MIN));
	json_object_array_add(a, json_object_new_uint64(UINT64_MAX));
	json_object_array_add(a, json_object_new_string_len("a\0b", 3));
	ce_json_write(a, &b);
	CU_ASSERT_STRING_EQUAL(ce_buf_cstr(&b),
	    "[0.1,3.0,1e+300,-2.5e-10,null,-9223372036854775808,"
	    "18446744073709551615,\"a\\u0000b\"]");
	ce_buf_free(&b);
	json_object_put(a);
}

static enum ce_value_type
value_of(const char *json, struct ce_value *v, char *numbuf)
{
	struct json_object *a = must_parse(json);
	enum ce_value_type t;

	/* Only for integers: their text is in numbuf, which outlives a. */
	v->size = sizeof(*v);
	t = ce_json_value(json_object_array_get_idx(a, 0), v, numbuf);
	json_object_put(a);
	return t;
}

static void
test_value_types(void)
{
	char nb[CE_NUMTEXT_MAX];
	struct ce_value v;
	struct json_object *o;

	CU_ASSERT_EQUAL(value_of("[7]", &v, nb), CE_VALUE_INTEGER);
	CU_ASSERT_EQUAL(v.integer, 7);
	CU_ASSERT_EQUAL(v.decimal, 7.0);
	CU_ASSERT_STRING_EQUAL(v.str, "7");
	CU_ASSERT_EQUAL(v.len, 1);
	CU_ASSERT_EQUAL(value_of("[-9223372036854775808]", &v, nb), CE_VALUE_INTEGER);
	CU_ASSERT_EQUAL(v.integer, INT64_MIN);
	/* Above int64: a DECIMAL that keeps its digits. */
	CU_ASSERT_EQUAL(value_of("[9223372036854775808]", &v, nb), CE_VALUE_DECIMAL);
	CU_ASSERT_STRING_EQUAL(v.str, "9223372036854775808");
	CU_ASSERT_EQUAL(v.decimal, 9223372036854775808.0);
	/* json-c clamps beyond uint64 / int64 and drops "-0"'s sign. */
	CU_ASSERT_EQUAL(value_of("[99999999999999999999999]", &v, nb), CE_VALUE_DECIMAL);
	CU_ASSERT_STRING_EQUAL(v.str, "18446744073709551615");
	CU_ASSERT_EQUAL(value_of("[-99999999999999999999]", &v, nb), CE_VALUE_INTEGER);
	CU_ASSERT_EQUAL(v.integer, INT64_MIN);
	CU_ASSERT_EQUAL(value_of("[-0]", &v, nb), CE_VALUE_INTEGER);
	CU_ASSERT_STRING_EQUAL(v.str, "0");

	o = must_parse("[1.50,1e5,1E400,NaN,true,false,null,\"a\\u0000b\",{},[],{\"x\":1},[0]]");
	v.size = sizeof(v);
	CU_ASSERT_EQUAL(ce_json_value(json_object_array_get_idx(o, 0), &v, nb), CE_VALUE_DECIMAL);
	CU_ASSERT_STRING_EQUAL(v.str, "1.50");
	CU_ASSERT_EQUAL(v.len, 4);
	CU_ASSERT_EQUAL(v.decimal, 1.5);
	CU_ASSERT_PTR_NOT_EQUAL(v.str, nb);	/* json-c's own text */
	CU_ASSERT_EQUAL(ce_json_value(json_object_array_get_idx(o, 1), &v, nb), CE_VALUE_DECIMAL);
	CU_ASSERT_STRING_EQUAL(v.str, "1e5");
	CU_ASSERT_EQUAL(v.decimal, 100000.0);
	CU_ASSERT_EQUAL(ce_json_value(json_object_array_get_idx(o, 2), &v, nb), CE_VALUE_DECIMAL);
	CU_ASSERT_STRING_EQUAL(v.str, "1E400");
	CU_ASSERT_TRUE(isinf(v.decimal));
	CU_ASSERT_EQUAL(ce_json_value(json_object_array_get_idx(o, 3), &v, nb), CE_VALUE_NULL);
	CU_ASSERT_EQUAL(ce_json_value(json_object_array_get_idx(o, 4), &v, nb), CE_VALUE_BOOLEAN);
	CU_ASSERT_EQUAL(v.boolean, 1);
	CU_ASSERT_EQUAL(ce_json_value(json_object_array_get_idx(o, 5), &v, nb), CE_VALUE_BOOLEAN);
	CU_ASSERT_EQUAL(v.boolean, 0);
	CU_ASSERT_EQUAL(ce_json_value(json_object_array_get_idx(o, 6), &v, nb), CE_VALUE_NULL);
	CU_ASSERT_PTR_NULL(v.str);
	CU_ASSERT_EQUAL(ce_json_value(json_object_array_get_idx(o, 7), &v, nb), CE_VALUE_STRING);
	CU_ASSERT_EQUAL(v.len, 3);
	CU_ASSERT_EQUAL(memcmp(v.str, "a\0b", 4), 0);
	CU_ASSERT_EQUAL(ce_json_value(json_object_array_get_idx(o, 8), &v, nb), CE_VALUE_EMPTY_OBJECT);
	CU_ASSERT_EQUAL(ce_json_value(json_object_array_get_idx(o, 9), &v, nb), CE_VALUE_EMPTY_ARRAY);
	CU_ASSERT_EQUAL(ce_json_value(json_object_array_get_idx(o, 10), &v, nb), CE_VALUE_MISSING);
	CU_ASSERT_EQUAL(ce_json_value(json_object_array_get_idx(o, 11), &v, nb), CE_VALUE_MISSING);
	CU_ASSERT_EQUAL(ce_json_value(NULL, &v, nb), CE_VALUE_NULL);
	json_object_put(o);
}

/* The map JSON of a big record is the walk, deduplicated, as JSON. */
static void
test_flat_json_parses(void)
{
	struct json_object *o = must_parse(
	    "{\"a\":{\"b.c\":[{\"d/e\":\"\\u00e9\",\"f\":[[],{}]}],\"g\\\"\":1.0e1}}");
	struct json_object *flat, *v;
	struct ce_buf b = CE_BUF_INIT;
	int ok;

	ce_flatten_json(o, &b);
	flat = parse(b.data, b.len, &ok);
	CU_ASSERT_TRUE_FATAL(ok);
	CU_ASSERT_EQUAL(json_object_object_length(flat), 4);
	CU_ASSERT_TRUE(json_object_object_get_ex(flat,
	    "a[\\\"b.c\\\"][0].d\\/e", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "\xc3\xa9");
	CU_ASSERT_TRUE(json_object_object_get_ex(flat, "a[\\\"b.c\\\"][0].f[0]", &v));
	CU_ASSERT_TRUE(json_object_object_get_ex(flat, "a[\\\"b.c\\\"][0].f[1]", &v));
	CU_ASSERT_TRUE(json_object_object_get_ex(flat, "a.g\\\"", &v));
	CU_ASSERT_TRUE(json_object_is_type(v, json_type_double));
	json_object_put(flat);
	ce_buf_free(&b);
	json_object_put(o);
}

int
main(void)
{
	CU_TestInfo flatten_tests[] = {
		CE_TEST(test_golden),
		CE_TEST(test_walk),
		CE_TEST(test_flat_json_parses),
		CU_TEST_INFO_NULL
	};
	CU_TestInfo writer_tests[] = {
		CE_TEST(test_json_write),
		CE_TEST(test_json_write_built),
		CE_TEST(test_value_types),
		CU_TEST_INFO_NULL
	};
	CU_SuiteInfo suites[] = {
		{ "flatten", NULL, NULL, NULL, NULL, flatten_tests },
		{ "writer", NULL, NULL, NULL, NULL, writer_tests },
		CU_SUITE_INFO_NULL
	};

	return ce_test_main(suites);
}
