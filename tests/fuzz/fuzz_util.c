/*
 * fuzz_util.c - helpers the fuzz targets share: the strict JSON checks
 * that the texts the engine writes must pass.
 */
#include <json-c/json.h>

#include "fuzz.h"

/* Deep enough for any record the reader lets through (max_depth <= 1000). */
#define FUZZ_JSON_DEPTH	1100

static int
json_check(const char *text, size_t len, int flags)
{
	struct json_tokener *tok;
	struct json_object *v;
	int ok;

	if (len > (size_t)INT32_MAX)
		return 0;
	if ((tok = json_tokener_new_ex(FUZZ_JSON_DEPTH)) == NULL)
		abort();
	json_tokener_set_flags(tok, flags);
	v = json_tokener_parse_ex(tok, text, (int)len);
	/* One whole text: parsed, no error, every byte consumed. */
	ok = v != NULL && json_tokener_get_error(tok) == json_tokener_success &&
	    json_tokener_get_parse_end(tok) == len;
	json_object_put(v);
	json_tokener_free(tok);
	return ok;
}

int
fuzz_json_valid(const char *text, size_t len)
{
	return json_check(text, len, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
}

int
fuzz_json_structured(const char *text, size_t len)
{
	return json_check(text, len, JSON_TOKENER_STRICT);
}
