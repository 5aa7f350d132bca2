/*
 * event.h - the event model: one CloudTrail record, immutable and
 * reference counted, with typed lookups by flattened key (json-flattener
 * 0.5.0 semantics) that never materialise the flattened map.
 *
 * These functions are what struct ce_host exposes to plugins; see
 * include/cloudengine/plugin.h for the contract of each one.
 */
#ifndef CE_EVENT_H
#define CE_EVENT_H

#include <stdint.h>

#include "cloudengine/plugin.h"

struct json_object;

/*
 * Make an event of a record.  Takes over the caller's reference to record
 * (json_object_put() is called when the last event reference goes, or
 * here on failure).  origin is copied; index is the 1-based position of
 * the record in its document.  NULL on allocation failure.
 */
ce_event	*ce_event_new(struct json_object *record, const char *origin,
		    uint64_t index);
const ce_event	*ce_event_ref(const ce_event *ev);
void		 ce_event_unref(const ce_event *ev);

/* The record itself (borrowed; do not modify, do not put). */
struct json_object *ce_event_record(const ce_event *ev);

/* A top-level string member ("eventID", "eventSource"...), or NULL when it
 * is absent or not a string.  Cheap: no path compilation. */
const char	*ce_event_string(const ce_event *ev, const char *member);

enum ce_value_type ce_event_get(const ce_event *ev, const ce_path *path,
		    struct ce_value *out);
int		 ce_event_foreach(const ce_event *ev, const ce_path *path,
		    ce_value_fn fn, void *arg);
int		 ce_event_get_set(const ce_event *ev, const ce_pathset *set,
		    ce_set_fn fn, void *arg);
int		 ce_event_flat_foreach(const ce_event *ev, ce_flat_fn fn,
		    void *arg);
const char	*ce_event_json(const ce_event *ev, size_t *len);
const char	*ce_event_flat_json(const ce_event *ev, size_t *len);
const char	*ce_event_origin(const ce_event *ev, uint64_t *index);

/* Paths (path.c). */
ce_path		*ce_path_compile(const char *key, size_t keylen, char *err,
		    size_t errlen);
void		 ce_path_free(ce_path *path);
int		 ce_path_is_multi(const ce_path *path);

#endif /* CE_EVENT_H */
