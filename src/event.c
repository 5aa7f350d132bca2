/*
 * event.c - one CloudTrail record, immutable and reference counted, with
 * typed lookups by compiled path and lazily built JSON texts.
 *
 * Creating an event costs one allocation: most events match no rule, so
 * nothing is flattened, copied or walked up front.  Everything derived
 * from the record is built on first use.
 *
 * Thread safety.  Any accessor may run on any thread at the same time.
 *  - The record is never modified after ce_event_new(), and we only call
 *    json-c functions that read: json_object_get_type(), _is_type(),
 *    _object_get_ex(), _object_length(), the object_foreach iteration,
 *    _array_length(), _array_get_idx(), _get_boolean(), _get_int64(),
 *    _get_uint64(), _get_double(), _get_userdata(), and _get_string() /
 *    _get_string_len() on STRING objects only (for those they return the
 *    stored bytes).  Member lookup hashes the name with lh_char_hash(),
 *    whose one-time seed is set with a compare-and-swap in json-c 0.16
 *    (and was set long before, by the parser that built the record).
 *  - Never called on a record: json_object_to_json_string*() and
 *    json_object_get_string() on non-strings (both write a print buffer
 *    into the object), and json_object_get() / _put() while the event is
 *    shared (json-c's reference count is not atomic unless the library
 *    was built with threading, and Debian's is not): the event's own
 *    atomic count guards the record, and the last unref puts it once.
 *  - Lazy caches (the two JSON texts, number texts) are built privately,
 *    then published with an atomic compare-and-swap; the loser frees its
 *    copy and uses the winner's.  A published cache is never modified and
 *    lives as long as the event, so the pointers handed out stay valid
 *    while the caller holds a reference.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "event.h"
#include "flatten.h"
#include "path.h"
#include "pathset.h"
#include "reap.h"

#define NUM_BUCKETS	16

/* The text of one number json-c keeps no lexeme for, owned by the event. */
struct numtext {
	struct json_object	*obj;
	struct numtext		*next;
	char			 text[CE_NUMTEXT_MAX];
};

struct text {
	char	*data;
	size_t	 len;
};

struct ce_event {
	atomic_uint			 refs;
	struct json_object		*record;
	uint64_t			 index;
	_Atomic(struct text *)		 json;
	_Atomic(struct text *)		 flat;
	_Atomic(struct numtext *)	 nums[NUM_BUCKETS];
	struct ce_grave			 grave;		/* see reap.h */
	char				 origin[];
};

ce_event *
ce_event_new(struct json_object *record, const char *origin, uint64_t index)
{
	size_t olen = origin != NULL ? strlen(origin) : 0;
	ce_event *ev;
	size_t i;

	ev = malloc(sizeof(*ev) + olen + 1);
	if (ev == NULL) {
		json_object_put(record);
		return NULL;
	}
	atomic_init(&ev->refs, 1);
	ev->record = record;
	ev->index = index;
	atomic_init(&ev->json, NULL);
	atomic_init(&ev->flat, NULL);
	for (i = 0; i < NUM_BUCKETS; i++)
		atomic_init(&ev->nums[i], NULL);
	if (olen > 0)
		memcpy(ev->origin, origin, olen);
	ev->origin[olen] = '\0';
	return ev;
}

const ce_event *
ce_event_ref(const ce_event *cev)
{
	ce_event *ev = (ce_event *)cev;	/* the count is not part of the value */

	if (ev != NULL)
		atomic_fetch_add_explicit(&ev->refs, 1, memory_order_relaxed);
	return cev;
}

static void
text_free(struct text *t)
{
	if (t != NULL)
		free(t->data);
	free(t);
}

static void
event_free(struct ce_grave *g)
{
	ce_event *ev = (ce_event *)((char *)g - offsetof(ce_event, grave));
	struct numtext *n, *next;
	size_t i;

	for (i = 0; i < NUM_BUCKETS; i++)
		for (n = atomic_load(&ev->nums[i]); n != NULL; n = next) {
			next = n->next;
			free(n);
		}
	text_free(atomic_load(&ev->json));
	text_free(atomic_load(&ev->flat));
	json_object_put(ev->record);
	free(ev);
}

void
ce_event_unref(const ce_event *cev)
{
	ce_event *ev = (ce_event *)cev;

	if (ev == NULL)
		return;
	if (atomic_fetch_sub_explicit(&ev->refs, 1, memory_order_acq_rel) == 1)
		ce_bury(&ev->grave, event_free);
}

struct json_object *
ce_event_record(const ce_event *ev)
{
	return ev->record;
}

const char *
ce_event_origin(const ce_event *ev, uint64_t *index)
{
	if (index != NULL)
		*index = ev->index;
	return ev->origin;
}

const char *
ce_event_string(const ce_event *ev, const char *member)
{
	struct json_object *v;

	if (!json_object_is_type(ev->record, json_type_object) ||
	    !json_object_object_get_ex(ev->record, member, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

static size_t
ptr_bucket(const void *p)
{
	uintptr_t h = (uintptr_t)p;

	h ^= h >> 17;
	h *= (uintptr_t)0x9e3779b97f4a7c15ull;
	return (size_t)(h >> (sizeof(h) * 8 - 4)) & (NUM_BUCKETS - 1);
}

static const char *
numtext_find(struct numtext *n, const struct json_object *obj)
{
	for (; n != NULL; n = n->next)
		if (n->obj == obj)
			return n->text;
	return NULL;
}

/*
 * The event-owned copy of the number text json-c does not store, made on
 * first use so the value stays valid as long as the event.  NULL when out
 * of memory.
 */
static const char *
numtext_intern(const ce_event *cev, struct json_object *obj, const char *text)
{
	ce_event *ev = (ce_event *)cev;
	_Atomic(struct numtext *) *head = &ev->nums[ptr_bucket(obj)];
	struct numtext *first, *mine;
	const char *found;

	first = atomic_load_explicit(head, memory_order_acquire);
	if ((found = numtext_find(first, obj)) != NULL)
		return found;
	mine = malloc(sizeof(*mine));
	if (mine == NULL)
		return NULL;
	mine->obj = obj;
	snprintf(mine->text, sizeof(mine->text), "%s", text);
	for (;;) {
		mine->next = first;
		if (atomic_compare_exchange_weak_explicit(head, &first, mine,
		    memory_order_acq_rel, memory_order_acquire))
			return mine->text;
		/* Someone pushed first: it may be the same number. */
		if ((found = numtext_find(first, obj)) != NULL) {
			free(mine);
			return found;
		}
	}
}

/* ce_json_value() with number texts that live as long as the event. */
static enum ce_value_type
event_value(const ce_event *ev, struct json_object *obj, struct ce_value *v)
{
	char numbuf[CE_NUMTEXT_MAX];
	const char *text;

	v->size = sizeof(*v);
	ce_json_value(obj, v, numbuf);
	if (v->str == numbuf) {
		text = numtext_intern(ev, obj, numbuf);
		/* Out of memory: the number itself is still right. */
		v->str = text != NULL ? text : "";
		v->len = text != NULL ? v->len : 0;
	}
	return v->type;
}

static enum ce_value_type
value_missing(struct ce_value *v)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	v->type = CE_VALUE_MISSING;
	return v->type;
}

/* Fill only the members the caller's struct has (out->size). */
static enum ce_value_type
value_out(const struct ce_value *v, struct ce_value *out)
{
	size_t n = out->size;

	if (n > sizeof(*v))
		n = sizeof(*v);
	if (n > sizeof(out->size))
		memcpy((char *)out + sizeof(out->size),
		    (const char *)v + sizeof(v->size), n - sizeof(out->size));
	return v->type;
}

/* ------------------------------------------------------------------ */
/* Lookups                                                             */
/* ------------------------------------------------------------------ */

/* Member s of an object, with the hash the path was compiled with. */
static int
member(const struct ce_step *s, struct json_object *node,
    struct json_object **child)
{
	struct lh_table *t = json_object_get_object(node);
	struct lh_entry *e;

	if (t->hash_fn != s->hash_fn)
		return json_object_object_get_ex(node, s->name, child);
	if ((e = lh_table_lookup_entry_w_hash(t, s->name, s->hash)) == NULL)
		return 0;
	*child = (struct json_object *)lh_entry_v(e);
	return 1;
}

/* One step from node; 0 when it leads nowhere. */
static int
step(const struct ce_step *s, struct json_object *node,
    struct json_object **child)
{
	switch (s->kind) {
	case CE_STEP_MEMBER:
		return !s->never && json_object_is_type(node, json_type_object) &&
		    member(s, node, child);
	case CE_STEP_INDEX:
		if (!json_object_is_type(node, json_type_array) ||
		    s->index >= json_object_array_length(node))
			return 0;
		*child = json_object_array_get_idx(node, s->index);
		return 1;
	case CE_STEP_EACH:
		break;
	}
	return 0;
}

/* A record that is itself a leaf has one key, "root". */
static int
record_is_leaf(struct json_object *rec)
{
	if (json_object_is_type(rec, json_type_object))
		return 0;
	return !json_object_is_type(rec, json_type_array) ||
	    json_object_array_length(rec) == 0;
}

static enum ce_value_type
get_single(const ce_event *ev, const ce_path *path, struct ce_value *v)
{
	struct json_object *node = ev->record;
	size_t i;

	if (path->root && record_is_leaf(node))
		return event_value(ev, node, v);
	for (i = 0; i < path->nsteps; i++)
		if (!step(&path->steps[i], node, &node))
			return value_missing(v);
	event_value(ev, node, v);
	/* json-flattener never puts the key "root" with the value {}. */
	if (path->root && v->type == CE_VALUE_EMPTY_OBJECT)
		v->type = CE_VALUE_MISSING;
	return v->type;
}

struct each {
	const ce_event	*ev;
	const ce_path	*path;
	ce_value_fn	 fn;
	void		*arg;
};

/* Steps i.. from node, every "[*]" over its own array, document order. */
static int
each_from(const struct each *e, size_t i, struct json_object *node)
{
	struct ce_value v;
	struct json_object *child;
	size_t k, n;
	int rc;

	for (; i < e->path->nsteps; i++) {
		const struct ce_step *s = &e->path->steps[i];

		if (s->kind != CE_STEP_EACH) {
			if (!step(s, node, &node))
				return 0;
			continue;
		}
		if (!json_object_is_type(node, json_type_array))
			return 0;
		n = json_object_array_length(node);
		for (k = 0; k < n; k++) {
			child = json_object_array_get_idx(node, k);
			if ((rc = each_from(e, i + 1, child)) != 0)
				return rc;
		}
		return 0;
	}
	if (event_value(e->ev, node, &v) == CE_VALUE_MISSING)
		return 0;
	return e->fn(e->arg, &v);
}

static int
first_value(void *arg, const struct ce_value *v)
{
	*(struct ce_value *)arg = *v;
	return 1;
}

enum ce_value_type
ce_event_get(const ce_event *ev, const ce_path *path, struct ce_value *out)
{
	struct ce_value v;

	if (path->multi) {
		struct each e = { ev, path, first_value, &v };

		if (each_from(&e, 0, ev->record) == 0)
			value_missing(&v);
	} else
		get_single(ev, path, &v);
	return value_out(&v, out);
}

int
ce_event_foreach(const ce_event *ev, const ce_path *path, ce_value_fn fn,
    void *arg)
{
	struct each e = { ev, path, fn, arg };
	struct ce_value v;

	if (path->multi)
		return each_from(&e, 0, ev->record);
	if (get_single(ev, path, &v) == CE_VALUE_MISSING)
		return 0;
	return fn(arg, &v);
}

/* ------------------------------------------------------------------ */
/* Sets of paths                                                       */
/* ------------------------------------------------------------------ */

struct set_walk {
	const ce_event		*ev;
	const ce_pathset	*set;
	ce_set_fn		 fn;
	void			*arg;
};

static int set_node(const struct set_walk *w, uint32_t ni,
    struct json_object *obj);

/* The set's members looked up in the object, one by one: the way when
 * the object has more members than the set names here. */
static int
set_pull(const struct set_walk *w, const struct ce_pset_node *n,
    struct json_object *obj)
{
	struct lh_table *t = json_object_get_object(obj);
	struct json_object *child;
	struct lh_entry *e;
	uint32_t i;
	int rc;

	for (i = 0; i < n->membercap; i++) {
		const struct ce_pset_member *m = &n->members[i];

		if (m->name == NULL)
			continue;
		if (t->hash_fn == w->set->jhash_fn) {
			if ((e = lh_table_lookup_entry_w_hash(t, m->name,
			    m->jhash)) == NULL)
				continue;
			child = (struct json_object *)lh_entry_v(e);
		} else if (!json_object_object_get_ex(obj, m->name, &child))
			continue;
		if ((rc = set_node(w, m->child, child)) != 0)
			return rc;
	}
	return 0;
}

/* The object's members looked up in the set: the way when the set names
 * more members here than the object has (thousands of rules).  Only for a
 * table hashing as the set was built (set_node()). */
static int
set_push(const struct set_walk *w, const struct ce_pset_node *n,
    struct json_object *obj)
{
	struct lh_table *t = json_object_get_object(obj);
	const struct ce_pset_member *m;
	unsigned long h;
	uint32_t i;
	int rc;

	json_object_object_foreach(obj, name, child) {
		h = lh_get_hash(t, name);
		for (i = (uint32_t)h & (n->membercap - 1); (m = &n->members[i])->name
		    != NULL; i = (i + 1) & (n->membercap - 1)) {
			if (m->jhash == h && strcmp(m->name, name) == 0) {
				if ((rc = set_node(w, m->child, child)) != 0)
					return rc;
				break;
			}
		}
	}
	return 0;
}

static int
set_node(const struct set_walk *w, uint32_t ni, struct json_object *obj)
{
	const struct ce_pset_node *n = &w->set->nodes[ni];
	struct ce_value v;
	size_t len;
	uint32_t i;
	int rc;

	if (n->nends > 0 && event_value(w->ev, obj, &v) != CE_VALUE_MISSING) {
		for (i = 0; i < n->nends; i++)
			if ((rc = w->fn(w->arg, n->ends[i], &v)) != 0)
				return rc;
	}
	if (n->nmembers > 0 && json_object_is_type(obj, json_type_object)) {
		if ((size_t)n->nmembers < (size_t)json_object_object_length(obj) ||
		    json_object_get_object(obj)->hash_fn != w->set->jhash_fn)
			return set_pull(w, n, obj);
		return set_push(w, n, obj);
	}
	if (n->nindices > 0 && json_object_is_type(obj, json_type_array)) {
		len = json_object_array_length(obj);
		for (i = 0; i < n->nindices && n->indices[i].index < len; i++) {
			rc = set_node(w, n->indices[i].child,
			    json_object_array_get_idx(obj, n->indices[i].index));
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

int
ce_event_get_set(const ce_event *ev, const ce_pathset *set, ce_set_fn fn,
    void *arg)
{
	struct set_walk w = { ev, set, fn, arg };
	struct ce_value v;
	size_t i;
	int rc;

	if ((rc = set_node(&w, 0, ev->record)) != 0)
		return rc;
	for (i = 0; i < set->nroots; i++) {
		if (get_single(ev, set->roots[i].path, &v) != CE_VALUE_MISSING &&
		    (rc = fn(arg, set->roots[i].end, &v)) != 0)
			return rc;
	}
	return 0;
}

struct flat {
	const ce_event	*ev;
	ce_flat_fn	 fn;
	void		*arg;
};

static int
flat_leaf(void *arg, const char *key, size_t keylen, struct json_object *obj,
    const struct ce_value *walked)
{
	struct flat *f = arg;
	struct ce_value v = *walked;
	const char *text;

	/* The walker's number text is on its stack: give an owned copy. */
	if (v.type == CE_VALUE_INTEGER ||
	    (v.type == CE_VALUE_DECIMAL && json_object_get_userdata(obj) != v.str)) {
		text = numtext_intern(f->ev, obj, v.str);
		v.str = text != NULL ? text : "";
		v.len = text != NULL ? v.len : 0;
	}
	return f->fn(f->arg, key, keylen, &v);
}

int
ce_event_flat_foreach(const ce_event *ev, ce_flat_fn fn, void *arg)
{
	struct flat f = { ev, fn, arg };

	return ce_flatten_walk_obj(ev->record, flat_leaf, &f);
}

/* ------------------------------------------------------------------ */
/* Cached JSON texts                                                   */
/* ------------------------------------------------------------------ */

typedef void (*text_build_fn)(struct json_object *, struct ce_buf *);

static const char *
cached_text(const ce_event *cev, _Atomic(struct text *) *slot,
    text_build_fn build, size_t *len)
{
	struct text *t, *mine = NULL, *expected = NULL;
	struct ce_buf b = CE_BUF_INIT;

	t = atomic_load_explicit(slot, memory_order_acquire);
	if (t != NULL)
		goto done;
	build(ce_event_record(cev), &b);
	mine = malloc(sizeof(*mine));
	if (mine == NULL || (mine->data = ce_buf_steal(&b, &mine->len)) == NULL)
		goto fail;
	if (atomic_compare_exchange_strong_explicit(slot, &expected, mine,
	    memory_order_acq_rel, memory_order_acquire))
		t = mine;
	else {
		text_free(mine);	/* another thread published first */
		t = expected;
	}
done:
	if (len != NULL)
		*len = t->len;
	return t->data;
fail:
	free(mine);
	ce_buf_free(&b);
	if (len != NULL)
		*len = 0;
	return NULL;
}

const char *
ce_event_json(const ce_event *ev, size_t *len)
{
	return cached_text(ev, &((ce_event *)ev)->json, ce_json_write, len);
}

const char *
ce_event_flat_json(const ce_event *ev, size_t *len)
{
	return cached_text(ev, &((ce_event *)ev)->flat, ce_flatten_json, len);
}
