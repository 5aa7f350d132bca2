/*
 * index.c - routing by eventSource, indexing by eventName, and within each
 * eventName the rules hung on one more condition they require: a value of
 * another key (hashed), a text that key's string must hold, or only that
 * it be a string.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"

/* How a set's rules use one key, to choose which key each rule hangs on. */
struct keystat {
	struct drl_strmap	values;		/* distinct values, no payload */
	size_t			ndistinct;
	size_t			nrules;		/* rules that could hang on it */
	const struct drl_rule	*last;		/* the last rule counted */
};

/* p as a list hanging it on key hung (NULL: on none) holds it: the
 * check on hung is skipped, the first other single-value one inline. */
static void
post_for(struct drl_post *out, const struct drl_post *p,
    const struct drl_key *hung)
{
	const struct drl_check *c;
	unsigned i;

	*out = *p;
	out->skip_id = hung != NULL ? hung->id + 1 : 0;
	for (i = 0; i < p->nchecks; i++) {
		c = &p->checks[i];
		if (c->nvals == 1 && c->key_id + 1 != out->skip_id) {
			out->has_first = 1;
			out->first_id = c->key_id;
			out->first_hash = c->hash;
			out->first_loose = c->loose;
			return;
		}
	}
}

static int
list_push(struct drl_rulelist *l, const struct drl_post *p,
    const struct drl_key *hung)
{
	if (l->n > 0 && l->v[l->n - 1].rank == p->rank)
		return 0;	/* "in" may name the same value twice */
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		struct drl_post *v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	post_for(&l->v[l->n++], p, hung);
	return 0;
}

static void
list_free(struct drl_rulelist *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Free every value of m with f, then m. */
static void
map_free(struct drl_strmap *m, void (*f)(void *))
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (m->slots[i].key != NULL && m->slots[i].value != NULL)
			f(m->slots[i].value);
	}
	drl_strmap_free(m);
}

static void
rulelist_free(void *p)
{
	list_free(p);
	free(p);
}

static void
set_clear(struct drl_set *s)
{
	struct drl_keyed *k;
	size_t i;

	for (i = 0; i < s->nkeyed; i++) {
		k = &s->keyed[i];
		if (k->lists == NULL)
			continue;
		map_free(&k->lists->byvalue, rulelist_free);
		list_free(&k->lists->loose);
		list_free(&k->lists->strings);
		free(k->lists->needles);
		free(k->lists->sigs);
		free(k->lists);
	}
	free(s->keyed);
	free(s->pool);
	list_free(&s->plain);
	list_free(&s->build);
	memset(s, 0, sizeof(*s));
}

static void
set_free(void *p)
{
	set_clear(p);
	free(p);
}

static void
bucket_clear(struct drl_bucket *b)
{
	map_free(&b->byname, set_free);
	set_clear(&b->any);
}

static void
bucket_free(void *p)
{
	bucket_clear(p);
	free(p);
}

void
drl_index_free(struct drl_index *ix)
{
	map_free(&ix->sources, bucket_free);
	bucket_clear(&ix->all);
	free(ix->posts);
	free(ix->checks);
	free(ix->hashes);
	memset(ix, 0, sizeof(*ix));
}

/* ------------------------------------------------------------------ */
/* Building                                                            */
/* ------------------------------------------------------------------ */

/* The value of key in m, made (zeroed, size bytes) when absent. */
static void *
map_get_new(struct drl_strmap *m, const char *key, size_t len, size_t size)
{
	void *v = drl_strmap_get(m, key, len);

	if (v != NULL)
		return v;
	if ((v = calloc(1, size)) == NULL)
		return NULL;
	if (drl_strmap_put(m, key, len, v) < 0) {
		free(v);
		return NULL;
	}
	return v;
}

/* Put p's rule in the set of each eventName it requires, or in any. */
static int
bucket_add(const struct drl_index *ix, struct drl_bucket *b,
    const struct drl_post *p)
{
	const struct drl_rule *r = ix->rules[p->rank];
	struct drl_set *s;
	size_t i;

	if (r->nnames == 0)
		return list_push(&b->any.build, p, NULL);
	for (i = 0; i < r->nnames; i++) {
		s = map_get_new(&b->byname, r->names[i], strlen(r->names[i]),
		    sizeof(*s));
		if (s == NULL || list_push(&s->build, p, NULL) < 0)
			return -ENOMEM;
	}
	return 0;
}

static void
keystat_free(void *p)
{
	struct keystat *st = p;

	drl_strmap_free(&st->values);
	free(st);
}

/* CloudTrail members with a handful of values: an equality on one of
 * them lets a good share of the events through. */
static const char *const few_values[] = {
	"awsRegion", "eventCategory", "eventType", "eventVersion",
	"managementEvent", "readOnly", "recipientAccountId",
	"sessionCredentialFromConsole", "userIdentity.type",
	"userIdentity.accountId", "userIdentity.invokedBy",
	"userIdentity.sessionContext.attributes.mfaAuthenticated",
	"userIdentity.sessionContext.sessionIssuer.accountId",
	"userIdentity.sessionContext.sessionIssuer.type",
	"tlsDetails.tlsVersion", "tlsDetails.cipherSuite",
	"additionalEventData.CipherSuite", "additionalEventData.MFAUsed",
	"additionalEventData.SignatureVersion", "eventSource",
};

/* Members nearly every record holds as a string: requiring one to be a
 * string lets nearly every event through. */
static const char *const always_there[] = {
	"awsRegion", "eventID", "eventSource", "eventTime", "eventType",
	"eventVersion", "recipientAccountId", "requestID", "sourceIPAddress",
	"userAgent", "userIdentity.type", "userIdentity.arn",
	"userIdentity.accountId", "userIdentity.principalId",
	"tlsDetails.tlsVersion", "tlsDetails.cipherSuite",
	"tlsDetails.clientProvidedHostHeader", "eventCategory",
};

static int
listed(const struct drl_key *k, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strlen(names[i]) == k->len &&
		    memcmp(names[i], k->text, k->len) == 0)
			return 1;
	}
	return 0;
}

#define LISTED(k, names) listed(k, names, sizeof(names) / sizeof(names[0]))

/* How much of the traffic a conjunct is likely to let through, in tiers
 * (lower is better), or -1 when it is no filter worth a lookup. */
static int
eq_tier(const struct drl_eq *eq)
{
	if (eq->vals != NULL)
		return LISTED(eq->key, few_values) ? 3 : 0;
	if (eq->needle_len > 0)
		return 1;
	return LISTED(eq->key, always_there) ? -1 : 2;
}

/* Count the distinct values each key is required to take in the set. */
static int
count_values(const struct drl_index *ix, const struct drl_set *s,
    struct drl_strmap *stats)
{
	const struct drl_eq *eq;
	struct keystat *st;
	size_t i, j, k;

	for (i = 0; i < s->build.n; i++) {
		const struct drl_rule *r = ix->rules[s->build.v[i].rank];

		for (j = 0; j < r->neqs; j++) {
			eq = &r->eqs[j];
			st = map_get_new(stats, eq->key->text, eq->key->len,
			    sizeof(*st));
			if (st == NULL)
				return -ENOMEM;
			if (st->last != r && eq_tier(eq) >= 0) {
				st->last = r;
				st->nrules++;
			}
			for (k = 0; k < eq->nvals; k++) {
				const char *v = eq->vals[k];
				size_t len = strlen(v);

				if (drl_strmap_get(&st->values, v, len) != NULL)
					continue;
				if (drl_strmap_put(&st->values, v, len, st) < 0)
					return -ENOMEM;
				st->ndistinct++;
			}
		}
	}
	return 0;
}

/* Rules that could hang on k, over the whole index. */
static size_t
key_uses(const struct drl_strmap *uses, const struct drl_key *k)
{
	return (size_t)(uintptr_t)drl_strmap_get(uses, k->text, k->len);
}

/* Per mille of the events a conjunct of each tier lets through (a guess:
 * the index has no figures about the traffic). */
static const unsigned tier_pass[] = { 20, 50, 300, 300 };

/*
 * The conjunct r hangs on.  Each candidate costs the look-up its key
 * needs for every event of the set, shared by the rules that could hang
 * on that key, plus evaluating r (about twice a look-up) for the events
 * it lets through; the cheapest wins, then the key most rules of the
 * whole index can use (an event fetches each key once), then the key
 * with the most distinct values in the set.  A wrong guess costs
 * evaluations, never results.
 */
static const struct drl_eq *
best_eq(const struct drl_rule *r, const struct drl_strmap *stats,
    const struct drl_strmap *uses)
{
	const struct drl_eq *best = NULL;
	const struct keystat *st;
	size_t j, n, cost, best_cost = SIZE_MAX, most = 0, distinct = 0;
	int tier;

	for (j = 0; j < r->neqs; j++) {
		if ((tier = eq_tier(&r->eqs[j])) < 0)
			continue;
		st = drl_strmap_get(stats, r->eqs[j].key->text,
		    r->eqs[j].key->len);
		if (st == NULL || st->nrules == 0)
			continue;
		cost = 1000 / st->nrules + 4 * tier_pass[tier];
		n = key_uses(uses, r->eqs[j].key);
		if (cost < best_cost || (cost == best_cost && (n > most ||
		    (n == most && st->ndistinct > distinct)))) {
			best_cost = cost;
			most = n;
			distinct = st->ndistinct;
			best = &r->eqs[j];
		}
	}
	return best;
}

/* Count, for each key, the enabled rules that could hang on it. */
static int
count_uses(struct drl_rule **rules, size_t n, struct drl_strmap *uses)
{
	const struct drl_key *k;
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (rules[i]->disabled)
			continue;
		for (j = 0; j < rules[i]->neqs; j++) {
			k = rules[i]->eqs[j].key;
			if (drl_strmap_put(uses, k->text, k->len, (void *)(uintptr_t)
			    (key_uses(uses, k) + 1)) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* The group of key in s, made when absent; valid until the next call. */
static struct drl_keyed *
keyed_for(struct drl_set *s, const struct drl_key *key)
{
	struct drl_keyed *k;
	size_t i, cap;

	for (i = 0; i < s->nkeyed; i++) {
		if (s->keyed[i].key == key)
			return &s->keyed[i];
	}
	if (s->nkeyed == s->capkeyed) {
		cap = s->capkeyed ? s->capkeyed * 2 : 4;
		if ((k = realloc(s->keyed, cap * sizeof(*k))) == NULL)
			return NULL;
		s->keyed = k;
		s->capkeyed = cap;
	}
	k = &s->keyed[s->nkeyed];
	memset(k, 0, sizeof(*k));
	if ((k->lists = calloc(1, sizeof(*k->lists))) == NULL)
		return NULL;
	s->nkeyed++;
	k->key = key;
	k->key_id = key->id;
	k->multi = key->multi != 0;
	return k;
}

static int
needle_push(struct drl_keyed *k, const struct drl_eq *eq,
    const struct drl_post *p)
{
	struct drl_keyed_lists *kl = k->lists;
	struct drl_needle *v;
	struct drl_sig *sigs;
	size_t cap;

	if (kl->nneedles == kl->capneedles) {
		cap = kl->capneedles ? kl->capneedles * 2 : 4;
		if ((v = realloc(kl->needles, cap * sizeof(*v))) == NULL)
			return -ENOMEM;
		kl->needles = v;
		if ((sigs = realloc(kl->sigs, cap * sizeof(*sigs))) == NULL)
			return -ENOMEM;
		kl->sigs = sigs;
		kl->capneedles = cap;
	}
	v = &kl->needles[kl->nneedles];
	memset(v, 0, sizeof(*v));
	v->text = eq->needle;
	v->len = eq->needle_len;
	drl_sig_of(&kl->sigs[kl->nneedles], v->text, v->len);
	post_for(&v->post, p, k->key);
	kl->nneedles++;
	return 0;
}

/* The slots a table for the m->n values of m takes: at most half full. */
static size_t
vslot_cap(const struct drl_strmap *m)
{
	size_t cap = 1;

	while (m->n > 1 && cap < 2 * m->n)
		cap *= 2;
	return m->n > 0 ? cap : 0;
}

/*
 * A set's pool: what a look-up reads beyond the keyed groups' lines (the
 * value tables, the posts they lead to, the posts' checks, the needles,
 * their byte pairs and texts), copied into one block in the order the
 * groups are visited.  Built in lists one allocation at a time, these lay
 * all over the heap; an event reads a few of them in each of dozens of
 * groups, and events of the same source and name read the same ones.
 * Two passes: with base NULL, pool_take() only counts.
 */
struct pool {
	char	*base;
	size_t	 at;
};

static void *
pool_take(struct pool *pl, size_t n, size_t align)
{
	void *r;

	pl->at = (pl->at + align - 1) & ~(align - 1);
	r = pl->base != NULL ? pl->base + pl->at : NULL;
	pl->at += n;
	return r;
}

/* A copy of src[0..n) in the pool (NULL while counting). */
static void *
pool_dup(struct pool *pl, const void *src, size_t n, size_t align)
{
	void *r = pool_take(pl, n, align);

	if (r != NULL && n > 0)
		memcpy(r, src, n);
	return r;
}

/* The checks of post src (and their hashes) in the pool, for its copy dst
 * (NULL while counting). */
static void
place_checks(struct pool *pl, const struct drl_post *src, struct drl_post *dst)
{
	struct drl_check *c;
	const uint64_t *h;
	unsigned i;

	if (src->nchecks == 0)
		return;
	c = pool_dup(pl, src->checks, src->nchecks * sizeof(*c), 32);
	if (dst != NULL)
		dst->checks = c;
	for (i = 0; i < src->nchecks; i++) {
		if (src->checks[i].nvals <= 1)
			continue;
		h = pool_dup(pl, src->checks[i].hashes,
		    src->checks[i].nvals * sizeof(*h), 8);
		if (c != NULL)
			c[i].hashes = h;
	}
}

/* Posts v[0..n) in the pool (NULL while counting), each followed by its
 * checks. */
static const struct drl_post *
place_posts(struct pool *pl, const struct drl_post *v, size_t n)
{
	struct drl_post *to = pool_dup(pl, v, n * sizeof(*to), 32);
	size_t i;

	for (i = 0; i < n; i++)
		place_checks(pl, &v[i], to != NULL ? &to[i] : NULL);
	return to;
}

/* k's needles, their byte pairs and texts in the pool. */
static void
place_needles(struct pool *pl, struct drl_keyed *k)
{
	const struct drl_keyed_lists *kl = k->lists;
	const struct drl_sig *sg;
	struct drl_needle *nd;
	const char *text;
	size_t i;

	if (kl->nneedles == 0)
		return;
	sg = pool_dup(pl, kl->sigs, kl->nneedles * sizeof(*sg), 32);
	nd = pool_dup(pl, kl->needles, kl->nneedles * sizeof(*nd), 32);
	if (nd != NULL) {
		k->sigs = sg;
		k->needles = nd;
	}
	for (i = 0; i < kl->nneedles; i++) {
		text = pool_dup(pl, kl->needles[i].text, kl->needles[i].len + 1, 1);
		place_checks(pl, &kl->needles[i].post, nd != NULL ? &nd[i].post : NULL);
		if (nd != NULL)
			nd[i].text = text;
	}
}

/* The group is complete: put what a look-up reads in k itself, and the
 * rest in the pool (k is left alone while counting). */
static void
keyed_place(struct drl_keyed *k, struct pool *pl)
{
	const struct drl_strmap *m = &k->lists->byvalue;
	const struct drl_rulelist *l;
	const struct drl_post *v;
	size_t cap = vslot_cap(m), i, j;
	struct drl_vslot *tab;

	tab = pool_take(pl, cap * sizeof(*tab), 64);
	if (tab != NULL) {
		k->strings = k->lists->strings.n > 0;
		k->loose = k->lists->loose.n > 0;
		k->nneedles = k->lists->nneedles & ((1u << 29) - 1);
		k->vals = cap > 0 ? tab : NULL;
		k->mask = cap > 0 ? (uint32_t)(cap - 1) : 0;
	}
	for (i = 0; i < m->cap; i++) {
		if (m->slots[i].key == NULL)
			continue;
		l = m->slots[i].value;
		v = place_posts(pl, l->v, l->n);
		if (tab == NULL)
			continue;
		for (j = m->slots[i].hash & k->mask; tab[j].v != NULL;
		    j = (j + 1) & k->mask)
			;
		tab[j].hash = m->slots[i].hash;
		tab[j].v = v;
		tab[j].n = l->n;
		if (cap == 1)
			k->one_hash = m->slots[i].hash;
		else
			k->one_hash |= 1ull << (m->slots[i].hash >> 58);
	}
	place_needles(pl, k);
}

/* The groups are complete: each on a cache line of its own, what they
 * lead to in the set's pool. */
static int
keyed_settle(struct drl_set *s)
{
	struct pool pl = { NULL, 0 };
	size_t j;
	void *v;

	if (s->nkeyed == 0)
		return 0;
	for (j = 0; j < s->nkeyed; j++)
		keyed_place(&s->keyed[j], &pl);
	if (posix_memalign(&v, 64, pl.at ? pl.at : 1) != 0)
		return -ENOMEM;
	memset(v, 0, pl.at);
	s->pool = v;
	pl.base = v;
	pl.at = 0;
	for (j = 0; j < s->nkeyed; j++)
		keyed_place(&s->keyed[j], &pl);
	if (posix_memalign(&v, 64, s->nkeyed * sizeof(*s->keyed)) != 0)
		return -ENOMEM;
	memcpy(v, s->keyed, s->nkeyed * sizeof(*s->keyed));
	free(s->keyed);
	s->keyed = v;
	s->capkeyed = s->nkeyed;
	return 0;
}

static int
keyed_add(struct drl_keyed *k, const struct drl_eq *eq,
    const struct drl_post *p)
{
	struct drl_rulelist *l;
	size_t i;

	if (eq->vals == NULL && eq->needle_len > 0)
		return needle_push(k, eq, p);
	if (eq->vals == NULL)
		return list_push(&k->lists->strings, p, k->key);
	for (i = 0; i < eq->nvals; i++) {
		l = map_get_new(&k->lists->byvalue, eq->vals[i],
		    strlen(eq->vals[i]), sizeof(*l));
		if (l == NULL || list_push(l, p, k->key) < 0)
			return -ENOMEM;
	}
	if (eq->loose && list_push(&k->lists->loose, p, k->key) < 0)
		return -ENOMEM;
	return 0;
}

/* Hang each rule of the set on its best key, or leave it plain. */
static int
set_organise(const struct drl_index *ix, struct drl_set *s,
    const struct drl_strmap *uses)
{
	struct drl_strmap stats;
	const struct drl_post *p;
	const struct drl_eq *eq;
	struct drl_keyed *k;
	size_t i;
	int rc;

	memset(&stats, 0, sizeof(stats));
	if ((rc = count_values(ix, s, &stats)) < 0)
		goto fail;
	for (i = 0; i < s->build.n; i++) {
		p = &s->build.v[i];
		if ((eq = best_eq(ix->rules[p->rank], &stats, uses)) == NULL) {
			rc = list_push(&s->plain, p, NULL);
		} else if ((k = keyed_for(s, eq->key)) == NULL) {
			rc = -ENOMEM;
		} else
			rc = keyed_add(k, eq, p);
		if (rc < 0)
			goto fail;
	}
	list_free(&s->build);
	rc = keyed_settle(s);
fail:
	map_free(&stats, keystat_free);
	return rc;
}

static int
bucket_organise(const struct drl_index *ix, struct drl_bucket *b,
    const struct drl_strmap *uses)
{
	size_t i;
	int rc;

	for (i = 0; i < b->byname.cap; i++) {
		if (b->byname.slots[i].key == NULL)
			continue;
		if ((rc = set_organise(ix, b->byname.slots[i].value, uses)) < 0)
			return rc;
	}
	return set_organise(ix, &b->any, uses);
}

/* Which of a rule's conjuncts become checks, in the order they are made
 * (eq_tier(): the most selective first, so that a rule that cannot match
 * fails early; the first single-value one goes inline in each post), or
 * -1 for none: "[*]" keys, and tests that nearly every record passes. */
static int
check_pass_of(const struct drl_eq *eq)
{
	if (eq->key->multi)
		return -1;	/* some element: not one value to check */
	return eq_tier(eq);	/* -1: nearly every record passes it */
}

/* Add r's checks at *nc and their hashes at *nh. */
static void
fill_checks(struct drl_index *ix, struct drl_post *p, size_t *nc, size_t *nh)
{
	const struct drl_rule *r = ix->rules[p->rank];
	const struct drl_eq *eq;
	struct drl_check *c;
	size_t j, k;
	int pass;

	p->checks = &ix->checks[*nc];
	for (pass = 0; pass <= 3; pass++) {
		for (j = 0; j < r->neqs; j++) {
			eq = &r->eqs[j];
			if (check_pass_of(eq) != pass)
				continue;
			c = &ix->checks[(*nc)++];
			c->key_id = eq->key->id;
			c->nvals = (unsigned)eq->nvals & ((1u << 31) - 1);
			if (eq->nvals == 1)
				c->hash = drl_hash(eq->vals[0],
				    strlen(eq->vals[0]));
			else
				c->hashes = &ix->hashes[*nh];
			for (k = 0; k < eq->nvals && eq->nvals > 1; k++)
				ix->hashes[(*nh)++] = drl_hash(eq->vals[k],
				    strlen(eq->vals[k]));
			c->loose = eq->loose != 0;
			c->needle = eq->needle;
			c->needle_len = (uint32_t)eq->needle_len;
			p->nchecks++;
		}
	}
	if (p->nchecks == 0)
		p->checks = NULL;
}

/* Each rule's post, with its checks, in firing order (rules[i]->rank is
 * i).  The posts and checks do not move after this: lists copy posts,
 * posts point into checks. */
static int
make_posts(struct drl_index *ix, struct drl_rule **rules, size_t n)
{
	size_t i, j, nc = 0, nh = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < rules[i]->neqs; j++) {
			if (check_pass_of(&rules[i]->eqs[j]) >= 0) {
				nc++;
				if (rules[i]->eqs[j].nvals > 1)
					nh += rules[i]->eqs[j].nvals;
			}
		}
	}
	if ((ix->posts = calloc(n ? n : 1, sizeof(*ix->posts))) == NULL ||
	    (ix->checks = calloc(nc ? nc : 1, sizeof(*ix->checks))) == NULL ||
	    (ix->hashes = calloc(nh ? nh : 1, sizeof(*ix->hashes))) == NULL)
		return -ENOMEM;
	ix->nposts = n;
	nc = nh = 0;
	for (i = 0; i < n; i++) {
		ix->posts[i].rank = (unsigned)i;
		fill_checks(ix, &ix->posts[i], &nc, &nh);
	}
	return 0;
}

/* Put each enabled rule in the set(s) its eventSource and eventName give. */
static int
route_rules(struct drl_index *ix)
{
	struct drl_bucket *b;
	size_t i;

	for (i = 0; i < ix->nposts; i++) {
		const struct drl_rule *r = ix->rules[i];

		if (r->disabled)
			continue;
		if (r->route == ROUTE_ALL)
			b = &ix->all;
		else if ((b = map_get_new(&ix->sources, r->source, r->srclen,
		    sizeof(*b))) == NULL)
			return -ENOMEM;
		if (bucket_add(ix, b, &ix->posts[i]) < 0)
			return -ENOMEM;
	}
	return 0;
}

int
drl_index_build(struct drl_index *ix, struct drl_rule **rules, size_t n)
{
	struct drl_strmap uses;
	size_t i;
	int rc;

	memset(&uses, 0, sizeof(uses));
	ix->rules = rules;
	if ((rc = make_posts(ix, rules, n)) < 0 ||
	    (rc = route_rules(ix)) < 0 ||
	    (rc = count_uses(rules, n, &uses)) < 0)
		goto fail;
	for (i = 0; i < ix->sources.cap; i++) {
		if (ix->sources.slots[i].key == NULL)
			continue;
		if ((rc = bucket_organise(ix, ix->sources.slots[i].value,
		    &uses)) < 0)
			goto fail;
	}
	rc = bucket_organise(ix, &ix->all, &uses);
fail:
	drl_strmap_free(&uses);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Derived values                                                      */
/* ------------------------------------------------------------------ */

void
drl_seen_init(struct drl_seen *s, const struct drl_val *v)
{
	s->v = *v;
	s->have = 0;
}

uint64_t
drl_seen_hash(struct drl_seen *s)
{
	if (!(s->have & SEEN_HASH)) {
		s->hash = drl_hash(s->v.s, s->v.len);
		s->have |= SEEN_HASH;
	}
	return s->hash;
}

/* The bit of a byte pair. */
static unsigned
pair_bit(unsigned char a, unsigned char b)
{
	return (((unsigned)a << 8 | b) * 0x9e3779b1u) >> 24;
}

void
drl_sig_of(struct drl_sig *sig, const char *s, size_t len)
{
	unsigned bit;
	size_t i;

	memset(sig, 0, sizeof(*sig));
	for (i = 1; i < len; i++) {
		bit = pair_bit((unsigned char)s[i - 1], (unsigned char)s[i]);
		sig->w[bit >> 6] |= 1ull << (bit & 63);
	}
}

const struct drl_sig *
drl_seen_sig(struct drl_seen *s)
{
	if (!(s->have & SEEN_SIG)) {
		drl_sig_of(&s->sig, s->v.s, s->v.len);
		s->have |= SEEN_SIG;
	}
	return &s->sig;
}

/* Whether every byte pair of the needle (sig n) is in the value (v). */
static int
sig_within(const struct drl_sig *n, const struct drl_sig *v)
{
	return ((n->w[0] & ~v->w[0]) | (n->w[1] & ~v->w[1]) |
	    (n->w[2] & ~v->w[2]) | (n->w[3] & ~v->w[3])) == 0;
}

/* Needles a key's value is tried against before the value's byte pairs
 * pay for themselves (a pass over the value, once). */
#define SIG_MIN_NEEDLES	4

/* A string value holds a needle (of byte pairs sig, or NULL: do not
 * bother). */
static int
holds_needle(struct drl_seen *s, const struct drl_sig *sig, const char *text,
    size_t len)
{
	if (len > s->v.len)
		return 0;
	if (sig != NULL && len > 1 && !sig_within(sig, drl_seen_sig(s)))
		return 0;
	return drl_str_contains(s->v.s, s->v.len, text, len);
}

/* ------------------------------------------------------------------ */
/* Lookup                                                              */
/* ------------------------------------------------------------------ */

/* The slot of the value of hash h in k's table, or NULL (by hash alone:
 * the rules are evaluated in full anyway). */
static const struct drl_vslot *
vslot_get(const struct drl_keyed *k, uint64_t h)
{
	size_t i;

	if (k->mask == 0)
		return h == k->one_hash ? k->vals : NULL;
	if ((k->one_hash >> (h >> 58) & 1) == 0)
		return NULL;
	for (i = (size_t)h & k->mask; k->vals[i].v != NULL;
	    i = (i + 1) & k->mask) {
		if (k->vals[i].hash == h)
			return &k->vals[i];
	}
	return NULL;
}

/* A value that is not a string passes an equality only as a number or a
 * boolean, and only when a value of the check reads as one (loose). */
static int
loose_holds(const struct drl_seen *s, int loose)
{
	return (s->v.type == V_NUMBER || s->v.type == V_BOOL) && loose;
}

/* A value passes a single-value check: its string has the hash, or it is
 * a number or boolean and the check is loose. */
static int
hash_holds(struct drl_seen *s, uint64_t hash, int loose)
{
	if (s->v.type == V_STRING)
		return drl_seen_hash(s) == hash;
	return loose_holds(s, loose);
}

static int
check_holds(const struct drl_check *c, const struct drl_lookup *lk)
{
	struct drl_seen *s = lk->fetch(lk->arg, c->key_id);
	uint64_t h;
	unsigned i;

	if (s->v.type != V_STRING)
		return c->nvals > 0 && loose_holds(s, c->loose);
	if (c->nvals == 0)
		return c->needle == NULL ||
		    holds_needle(s, NULL, c->needle, c->needle_len);
	h = drl_seen_hash(s);
	if (c->nvals == 1)
		return c->hash == h;
	for (i = 0; i < c->nvals; i++) {
		if (c->hashes[i] == h)
			return 1;
	}
	return 0;
}

/* Whether c is the check p holds inline (or one the same). */
static int
is_first(const struct drl_post *p, const struct drl_check *c)
{
	return p->has_first && c->nvals == 1 && c->key_id == p->first_id &&
	    c->hash == p->first_hash;
}

/* Whether the event passes all the checks of p (but the one its list
 * tested already, and the inline one). */
static int
post_holds(const struct drl_post *p, const struct drl_lookup *lk)
{
	const struct drl_check *c;
	unsigned i;

	if (p->has_first && !hash_holds(lk->fetch(lk->arg, p->first_id),
	    p->first_hash, p->first_loose))
		return 0;
	for (i = 0; i < p->nchecks; i++) {
		c = &p->checks[i];
		if (c->key_id + 1 != p->skip_id && !is_first(p, c) &&
		    !check_holds(c, lk))
			return 0;
	}
	return 1;
}

static int
take_post(const struct drl_post *p, const struct drl_lookup *lk)
{
	if (!post_holds(p, lk))
		return 0;
	return lk->take(lk->arg, p->rank);
}

static int
take_posts(const struct drl_post *v, size_t n, const struct drl_lookup *lk)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if ((rc = take_post(&v[i], lk)) < 0)
			return rc;
	}
	return 0;
}

static int
take_list(const struct drl_rulelist *l, const struct drl_lookup *lk)
{
	return take_posts(l->v, l->n, lk);
}

/* The candidates one value of k brings.  The value may be a copy: checks
 * fetch other keys, which may evict it from the cache. */
static int
take_value(const struct drl_keyed *k, struct drl_seen *s,
    const struct drl_lookup *lk)
{
	const struct drl_vslot *vs = NULL;
	const struct drl_needle *nd;
	const struct drl_sig *vsig = NULL;
	struct drl_seen mine;
	size_t i;
	int rc;

	if (s->v.type == V_NUMBER || s->v.type == V_BOOL)
		return k->loose ? take_list(&k->lists->loose, lk) : 0;
	if (s->v.type != V_STRING)
		return 0;
	if (k->vals != NULL)
		vs = vslot_get(k, drl_seen_hash(s));
	if (k->nneedles > 0) {
		if (k->nneedles >= SIG_MIN_NEEDLES)
			vsig = drl_seen_sig(s);
		mine = *s;
	}
	if (vs != NULL && (rc = take_posts(vs->v, vs->n, lk)) < 0)
		return rc;
	if (k->strings && (rc = take_list(&k->lists->strings, lk)) < 0)
		return rc;
	for (i = 0; i < k->nneedles; i++) {
		/* The byte pairs first: they live apart, densely. */
		if (vsig != NULL && !sig_within(&k->sigs[i], &mine.sig))
			continue;
		nd = &k->needles[i];
		if (holds_needle(&mine, NULL, nd->text, nd->len) &&
		    (rc = take_post(&nd->post, lk)) < 0)
			return rc;
	}
	return 0;
}

struct each_ctx {
	const struct drl_keyed	*k;
	const struct drl_lookup	*lk;
};

static int
each_value(void *cb, struct drl_seen *v)
{
	struct each_ctx *c = cb;

	return take_value(c->k, v, c->lk);
}

static int
take_keyed(const struct drl_keyed *k, const struct drl_lookup *lk)
{
	struct each_ctx c = { k, lk };

	if (k->multi)
		return lk->each(lk->arg, k->key, each_value, &c);
	return take_value(k, lk->fetch(lk->arg, k->key_id), lk);
}

static int
take_set(const struct drl_set *s, const struct drl_lookup *lk)
{
	size_t i;
	int rc;

	if ((rc = take_list(&s->plain, lk)) < 0)
		return rc;
	for (i = 0; i < s->nkeyed; i++) {
		if ((rc = take_keyed(&s->keyed[i], lk)) < 0)
			return rc;
	}
	return 0;
}

/* The sets of a bucket an event visits: by its eventName, and any. */
static size_t
bucket_sets(const struct drl_bucket *b, const char *name, size_t namelen,
    const struct drl_set **out)
{
	const struct drl_set *s;
	size_t n = 0;

	if (name != NULL && b->byname.n > 0 &&
	    (s = drl_strmap_get(&b->byname, name, namelen)) != NULL)
		out[n++] = s;
	out[n++] = &b->any;
	return n;
}

int
drl_index_lookup(const struct drl_index *ix, const char *source,
    size_t srclen, const char *name, size_t namelen,
    const struct drl_lookup *lk)
{
	const struct drl_bucket *b;
	const struct drl_set *sets[4];
	size_t n = 0, i, keys = 0;
	int rc;

	if (source != NULL && ix->sources.n > 0 &&
	    (b = drl_strmap_get(&ix->sources, source, srclen)) != NULL)
		n = bucket_sets(b, name, namelen, sets);
	n += bucket_sets(&ix->all, name, namelen, sets + n);
	for (i = 0; i < n; i++)
		keys += sets[i]->nkeyed;
	lk->expect(lk->arg, keys);
	for (i = 0; i < n; i++) {
		if ((rc = take_set(sets[i], lk)) < 0)
			return rc;
	}
	return 0;
}
