/*
 * index.c - routing by eventSource and indexing by eventName.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"

static int
list_push(struct drl_rulelist *l, struct drl_rule *r)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		struct drl_rule **v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = r;
	return 0;
}

static void
bucket_free(struct drl_bucket *b)
{
	size_t i;

	for (i = 0; i < b->byname.cap; i++) {
		struct drl_rulelist *l = b->byname.slots[i].value;

		if (b->byname.slots[i].key != NULL && l != NULL) {
			free(l->v);
			free(l);
		}
	}
	drl_strmap_free(&b->byname);
	free(b->any.v);
	memset(b, 0, sizeof(*b));
}

static int
bucket_add(struct drl_bucket *b, struct drl_rule *r)
{
	struct drl_rulelist *l;
	size_t i;

	if (r->nnames == 0)
		return list_push(&b->any, r);
	for (i = 0; i < r->nnames; i++) {
		const char *name = r->names[i];
		size_t len = strlen(name);

		l = drl_strmap_get(&b->byname, name, len);
		if (l == NULL) {
			if ((l = calloc(1, sizeof(*l))) == NULL)
				return -ENOMEM;
			if (drl_strmap_put(&b->byname, name, len, l) < 0) {
				free(l);
				return -ENOMEM;
			}
		}
		/* "in" may name the same value twice. */
		if (l->n > 0 && l->v[l->n - 1] == r)
			continue;
		if (list_push(l, r) < 0)
			return -ENOMEM;
	}
	return 0;
}

int
drl_index_build(struct drl_index *ix, struct drl_rule **rules, size_t n)
{
	struct drl_bucket *b;
	size_t i;

	for (i = 0; i < n; i++) {
		struct drl_rule *r = rules[i];

		if (r->disabled)
			continue;
		if (r->route == ROUTE_ALL) {
			b = &ix->all;
		} else {
			b = drl_strmap_get(&ix->sources, r->source, r->srclen);
			if (b == NULL) {
				if ((b = calloc(1, sizeof(*b))) == NULL)
					return -ENOMEM;
				if (drl_strmap_put(&ix->sources, r->source,
				    r->srclen, b) < 0) {
					free(b);
					return -ENOMEM;
				}
			}
		}
		if (bucket_add(b, r) < 0)
			return -ENOMEM;
	}
	return 0;
}

void
drl_index_free(struct drl_index *ix)
{
	size_t i;

	for (i = 0; i < ix->sources.cap; i++) {
		struct drl_bucket *b = ix->sources.slots[i].value;

		if (ix->sources.slots[i].key != NULL && b != NULL) {
			bucket_free(b);
			free(b);
		}
	}
	drl_strmap_free(&ix->sources);
	bucket_free(&ix->all);
}

static void
add_bucket(const struct drl_bucket *b, const char *name, size_t namelen,
    struct drl_candidates *out)
{
	const struct drl_rulelist *l;

	if (name != NULL && b->byname.n > 0 &&
	    (l = drl_strmap_get(&b->byname, name, namelen)) != NULL)
		out->lists[out->n++] = l;
	if (b->any.n > 0)
		out->lists[out->n++] = &b->any;
}

void
drl_index_lookup(const struct drl_index *ix, const char *source,
    size_t srclen, const char *name, size_t namelen,
    struct drl_candidates *out)
{
	const struct drl_bucket *b;

	out->n = 0;
	if (source != NULL && ix->sources.n > 0 &&
	    (b = drl_strmap_get(&ix->sources, source, srclen)) != NULL)
		add_bucket(b, name, namelen, out);
	add_bucket(&ix->all, name, namelen, out);
}
