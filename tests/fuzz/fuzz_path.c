/*
 * fuzz_path.c - fuzz target for flattened keys as rule authors write them:
 * the input's first line is a key (compiled by ce_path_compile()), the
 * rest a record it is looked up in (a fixed record when the rest is not
 * JSON).
 *
 * Invariants beyond "no crash": a key is compiled or refused with a
 * reason; event_get() finds exactly the first value event_foreach()
 * reaches; a string value is NUL-terminated at its length; a number keeps
 * its lexeme.
 */
#include <string.h>

#include <json-c/json.h>

#include "event.h"
#include "fuzz.h"

#define PATH_MAX_DEPTH	64

static const char fixed_record[] =
    "{\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"RunInstances\","
    "\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::1:user/a\"},"
    "\"requestParameters\":{\"ipPermissions\":{\"items\":[{\"ipRanges\":"
    "{\"items\":[{\"cidrIp\":\"0.0.0.0/0\"},{\"cidrIp\":\"10.0.0.0/8\"}]},"
    "\"fromPort\":22}]},\"tags\":{\"kubernetes.io/cluster/x\":\"owned\","
    "\"a.b\":{},\"[x]\":[]}},\"m\":[[1,2.50],[true,null]],\"\":{\"\":\"e\"}}";

struct first {
	struct ce_value	v;
	size_t		n;
};

static void
check_value(const struct ce_value *v)
{
	switch (v->type) {
	case CE_VALUE_STRING:
	case CE_VALUE_INTEGER:
	case CE_VALUE_DECIMAL:
		FUZZ_CHECK(v->str != NULL && v->str[v->len] == '\0',
		    "a value's text is not NUL-terminated at its length");
		if (v->type != CE_VALUE_STRING)
			FUZZ_CHECK(v->len > 0, "a number without a lexeme");
		break;
	case CE_VALUE_MISSING:
		FUZZ_CHECK(0, "a MISSING value was reached");
		break;
	default:
		break;
	}
}

static int
on_value(void *arg, const struct ce_value *v)
{
	struct first *f = arg;

	check_value(v);
	if (f->n++ == 0)
		f->v = *v;
	return 0;
}

static struct json_object *
parse(const char *text, size_t len)
{
	struct json_tokener *tok;
	struct json_object *v;

	if (len > (size_t)INT32_MAX || (tok = json_tokener_new_ex(
	    PATH_MAX_DEPTH)) == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	v = json_tokener_parse_ex(tok, text, (int)len);
	json_tokener_free(tok);
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *nl;
	struct ce_value got = { .size = sizeof(got) };
	struct first f;
	struct json_object *rec;
	const ce_event *ev;
	size_t keylen;
	char err[256];
	ce_path *p;

	nl = memchr(text, '\n', size);
	keylen = nl != NULL ? (size_t)(nl - text) : size;
	err[0] = '\0';
	p = ce_path_compile(text, keylen, err, sizeof(err));
	if (p == NULL) {
		FUZZ_CHECK(err[0] != '\0', "a key refused without a reason");
		return 0;
	}
	rec = nl != NULL ? parse(nl + 1, size - keylen - 1) : NULL;
	if (rec == NULL)
		rec = json_tokener_parse(fixed_record);
	if (rec == NULL || (ev = ce_event_new(rec, "fuzz", 1)) == NULL)
		abort();
	memset(&f, 0, sizeof(f));
	ce_event_foreach(ev, p, on_value, &f);
	ce_event_get(ev, p, &got);
	if (f.n == 0) {
		FUZZ_CHECK(got.type == CE_VALUE_MISSING,
		    "event_get found what event_foreach did not reach");
	} else {
		FUZZ_CHECK(got.type == f.v.type && got.len == f.v.len &&
		    (got.str == NULL || memcmp(got.str, f.v.str, got.len) == 0),
		    "event_get and event_foreach disagree");
		FUZZ_CHECK(ce_path_is_multi(p) || f.n == 1,
		    "a path without [*] reached more than one value");
	}
	ce_event_unref(ev);
	ce_path_free(p);
	return 0;
}
