/*
 * flatten.h - json-flattener 0.5.0 compatible flattening of a json-c tree.
 */
#ifndef CE_FLATTEN_H
#define CE_FLATTEN_H

#include "buf.h"
#include "cloudengine/plugin.h"

struct json_object;

/* Call fn for each flattened entry of root, in document order (see
 * ce_host.event_flat_foreach).  Returns fn's first non-zero result, or 0. */
int	ce_flatten_walk(struct json_object *root, ce_flat_fn fn, void *arg);
/* Append the flattened map as one compact JSON object. */
void	ce_flatten_json(struct json_object *root, struct ce_buf *out);
/* Append root as compact JSON text: numbers keep their lexemes, '/' is not
 * escaped, invalid UTF-8 becomes U+FFFD. */
void	ce_json_write(struct json_object *root, struct ce_buf *out);
/* Fill v from a json-c scalar / empty container (the value types of
 * plugin.h); CE_VALUE_MISSING for a non-empty container or NULL obj that
 * is not JSON null... (obj == NULL means JSON null in json-c). */
enum ce_value_type ce_json_value(struct json_object *obj, struct ce_value *v);

#endif /* CE_FLATTEN_H */
