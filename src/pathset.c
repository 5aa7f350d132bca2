/*
 * pathset.c - building and freeing path sets (the walk is in event.c,
 * beside the lookups of single paths whose semantics it shares).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "path.h"
#include "pathset.h"

static int
grow(void **v, size_t n, size_t *cap, size_t size)
{
	size_t c;
	void *p;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 4;
	if ((p = realloc(*v, c * size)) == NULL)
		return -ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

struct builder {
	ce_pathset		*set;
	size_t			 capnodes, caproots;
	struct lh_table		*probe;		/* json-c's hash, at hand */
};

/* A new empty node; its number, or -1. */
static long
node_new(struct builder *b)
{
	ce_pathset *set = b->set;

	if (grow((void **)&set->nodes, set->nnodes, &b->capnodes,
	    sizeof(*set->nodes)) < 0)
		return -1;
	memset(&set->nodes[set->nnodes], 0, sizeof(*set->nodes));
	return (long)set->nnodes++;
}

static struct ce_pset_member *
member_slot(struct ce_pset_member *tab, uint32_t cap, const char *name,
    unsigned long jhash)
{
	uint32_t i = (uint32_t)jhash & (cap - 1);

	while (tab[i].name != NULL &&
	    (tab[i].jhash != jhash || strcmp(tab[i].name, name) != 0))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

/* Keep the member table of n at most half full. */
static int
members_grow(struct ce_pset_node *n)
{
	struct ce_pset_member *tab, *old = n->members;
	uint32_t cap, i;

	if ((n->nmembers + 1) * 2 <= n->membercap)
		return 0;
	cap = n->membercap ? n->membercap * 2 : 4;
	if ((tab = calloc(cap, sizeof(*tab))) == NULL)
		return -ENOMEM;
	for (i = 0; i < n->membercap; i++) {
		if (old[i].name != NULL)
			*member_slot(tab, cap, old[i].name, old[i].jhash) = old[i];
	}
	free(old);
	n->members = tab;
	n->membercap = cap;
	return 0;
}

/* The child of node ni by member name, made when absent; -1: no memory. */
static long
member_child(struct builder *b, uint32_t ni, const char *name)
{
	unsigned long jhash = lh_get_hash(b->probe, name);
	struct ce_pset_member *m;
	char *copy;
	long child;

	m = b->set->nodes[ni].membercap ? member_slot(b->set->nodes[ni].members,
	    b->set->nodes[ni].membercap, name, jhash) : NULL;
	if (m != NULL && m->name != NULL)
		return m->child;
	if (members_grow(&b->set->nodes[ni]) < 0 || (child = node_new(b)) < 0 ||
	    (copy = strdup(name)) == NULL)
		return -1;
	m = member_slot(b->set->nodes[ni].members, b->set->nodes[ni].membercap,
	    name, jhash);
	m->name = copy;
	m->jhash = jhash;
	m->child = (uint32_t)child;
	b->set->nodes[ni].nmembers++;
	return child;
}

/* The child of node ni by array index, made when absent. */
static long
index_child(struct builder *b, uint32_t ni, size_t index)
{
	struct ce_pset_node *n = &b->set->nodes[ni];
	struct ce_pset_index *v;
	uint32_t i;
	long child;

	for (i = 0; i < n->nindices && n->indices[i].index < index; i++)
		;
	if (i < n->nindices && n->indices[i].index == index)
		return n->indices[i].child;
	if ((child = node_new(b)) < 0)
		return -1;
	n = &b->set->nodes[ni];		/* node_new() may move the nodes */
	if ((v = realloc(n->indices, (n->nindices + 1) * sizeof(*v))) == NULL)
		return -1;
	memmove(&v[i + 1], &v[i], (n->nindices - i) * sizeof(*v));
	v[i].index = index;
	v[i].child = (uint32_t)child;
	n->indices = v;
	n->nindices++;
	return child;
}

static int
end_add(struct ce_pset_node *n, uint32_t which)
{
	uint32_t *v = realloc(n->ends, (n->nends + 1) * sizeof(*v));

	if (v == NULL)
		return -ENOMEM;
	v[n->nends++] = which;
	n->ends = v;
	return 0;
}

static int
root_add(struct builder *b, const ce_path *path, uint32_t which)
{
	ce_pathset *set = b->set;

	if (grow((void **)&set->roots, set->nroots, &b->caproots,
	    sizeof(*set->roots)) < 0)
		return -ENOMEM;
	set->roots[set->nroots].path = path;
	set->roots[set->nroots++].end = which;
	return 0;
}

/* Thread path (the set's path number which) through the trie. */
static int
path_add(struct builder *b, const ce_path *path, uint32_t which)
{
	const struct ce_step *s;
	long ni = 0;
	size_t i;

	if (path->root)
		return root_add(b, path, which);
	for (i = 0; i < path->nsteps; i++) {
		s = &path->steps[i];
		if (s->kind == CE_STEP_MEMBER && s->never)
			return 0;	/* no record has it: always missing */
		ni = s->kind == CE_STEP_MEMBER ? member_child(b, (uint32_t)ni,
		    s->name) : index_child(b, (uint32_t)ni, s->index);
		if (ni < 0)
			return -ENOMEM;
	}
	return end_add(&b->set->nodes[ni], which);
}

ce_pathset *
ce_pathset_compile(ce_path *const *paths, size_t n, char *err, size_t errlen)
{
	struct json_object *probe = json_object_new_object();
	struct builder b = { NULL, 0, 0, NULL };
	const char *why = "out of memory";
	size_t i;

	if (n > UINT32_MAX) {
		why = "too many paths";
		goto fail;
	}
	if (probe == NULL || (b.set = calloc(1, sizeof(*b.set))) == NULL)
		goto fail;
	b.probe = json_object_get_object(probe);
	b.set->jhash_fn = b.probe->hash_fn;
	if (node_new(&b) < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		if (paths[i] == NULL)
			continue;
		if (paths[i]->multi) {
			why = "a path of a set cannot hold \"[*]\"";
			goto fail;
		}
		if (path_add(&b, paths[i], (uint32_t)i) < 0)
			goto fail;
	}
	json_object_put(probe);
	return b.set;
fail:
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
	json_object_put(probe);
	ce_pathset_free(b.set);
	return NULL;
}

void
ce_pathset_free(ce_pathset *set)
{
	struct ce_pset_node *n;
	size_t i;
	uint32_t k;

	if (set == NULL)
		return;
	for (i = 0; i < set->nnodes; i++) {
		n = &set->nodes[i];
		for (k = 0; k < n->membercap; k++)
			free((char *)n->members[k].name);
		free(n->members);
		free(n->indices);
		free(n->ends);
	}
	free(set->nodes);
	free(set->roots);
	free(set);
}
