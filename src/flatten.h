/*
 * flatten.h - json-flattener 0.5.0 compatible flattening of a json-c tree,
 * and the compact JSON writer every JSON text of the core goes through.
 */
#ifndef CE_FLATTEN_H
#define CE_FLATTEN_H

#include "buf.h"
#include "cloudengine/plugin.h"

struct json_object;

/* Room for the text of a number json-c keeps no lexeme for (an integer,
 * a double built without one), NUL included. */
#define CE_NUMTEXT_MAX	32

/*
 * Fill v (every member but size) from one json-c value and return its
 * type.  obj == NULL is JSON null.  A non-empty object or array is
 * CE_VALUE_MISSING (not a leaf of the flattened map).  Number text comes
 * from the document when json-c kept it (doubles), else it is written to
 * numbuf and v->str points there: the caller decides how long it lives.
 */
enum ce_value_type ce_json_value(struct json_object *obj, struct ce_value *v,
		    char numbuf[CE_NUMTEXT_MAX]);

/* Like ce_flat_fn, plus the json-c node of the value. */
typedef int (*ce_flat_obj_fn)(void *arg, const char *key, size_t keylen,
    struct json_object *obj, const struct ce_value *value);

/*
 * Call fn for each leaf of root with its flattened key, in document order
 * (see ce_host.event_flat_foreach).  Number text is borrowed for the call.
 * Returns fn's first non-zero result, -ENOMEM, or 0.  Every leaf is
 * reported, so a key that two leaves share (only possible with empty or
 * pathological member names, see flatten.c) comes twice.
 */
int	ce_flatten_walk(struct json_object *root, ce_flat_fn fn, void *arg);
int	ce_flatten_walk_obj(struct json_object *root, ce_flat_obj_fn fn,
	    void *arg);

/* Append the flattened map as one compact JSON object: one member per
 * distinct key, at its first position with its last value, exactly as the
 * LinkedHashMap of json-flattener.  Failures leave out->oom set: out of
 * memory, or keys over the limit below. */
void	ce_flatten_json(struct json_object *root, struct ce_buf *out);

/*
 * Most bytes the keys of one flattened map may add up to
 * (limits.max_flat_bytes; default CE_FLAT_MAX_BYTES).  Keys repeat their
 * parents' names, so a small record ({"<1 MB name>":[0,0,...]}) would
 * flatten to terabytes; over the limit ce_flatten_json() fails instead.
 * Process-wide, any thread; 0 restores the default.
 */
#define CE_FLAT_MAX_BYTES	((size_t)64 << 20)
void	ce_flatten_set_limit(size_t max_bytes);

/* Append root as compact JSON text: numbers keep their lexemes, '/' is not
 * escaped, invalid UTF-8 becomes U+FFFD. */
void	ce_json_write(struct json_object *root, struct ce_buf *out);

/* Append the JSON text of one leaf value (as filled by ce_json_value). */
void	ce_value_write(const struct ce_value *v, struct ce_buf *out);

#endif /* CE_FLATTEN_H */
