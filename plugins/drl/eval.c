/*
 * eval.c - evaluating the compiled rules against one event: candidate
 * selection, conditions, "[*]" bindings, firing and actions.  Reentrant:
 * everything per call lives in struct eval on the caller's stack.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"

/* Key values fetched for this event, found by key id (open addressing,
 * at most CACHE_VALUES of CACHE_SLOTS used).  The values themselves fill
 * an array in the order they are fetched, so that an event touches as few
 * cache lines as it fetches values. */
#define CACHE_SLOTS	256
#define CACHE_VALUES	160
/* An event whose index lookup will fetch this many keys or more has all
 * its keys fetched in one walk of it (engine.h: keyset), which costs
 * about what a dozen or two lookups one by one do; past SET_AFTER lookups
 * one by one (keys the rules' checks and conditions want), the walk comes
 * anyway. */
#define SET_EXPECT	40
#define SET_AFTER	32
#define SCRATCH_BYTES	4096
/* Candidate rules held without taking scratch memory. */
#define CAND_INLINE	32


struct eval {
	const struct drl_engine	*eng;
	const ce_event		*ev;
	struct drl_arena	 scratch;	/* values made by methods, '+' */
	struct drl_regex_scratch rx;
	const struct drl_val	*bind;		/* "[*]" values of the comparison
						 * being evaluated, by slot */
	int			 err;		/* -ENOMEM seen */
	int64_t			 regex_limits;
	/* Only the tags are cleared for each event. */
	unsigned		 tags[CACHE_SLOTS];	/* key id + 1, 0: empty */
	unsigned char		 at[CACHE_SLOTS];	/* its index in vals */
	unsigned		 nvals;
	unsigned		 lookups;	/* keys looked up one by one */
	int			 walked;	/* the key set was walked */
	int			 complete;	/* ... and every value it found is
						 * here: a key of the set that is
						 * not is missing */
	struct drl_seen		 missing;	/* what such a key gives */
	struct drl_seen		 vals[CACHE_VALUES + 1];	/* the last one:
						 * values not kept, once full */
};

static int eval_cond(struct eval *e, const struct drl_node *n);

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

/* The cache slot of key id: where it is, or the empty one it would go. */
static unsigned
cache_slot(const struct eval *e, unsigned id)
{
	unsigned slot = id % CACHE_SLOTS;

	while (e->tags[slot] != 0 && e->tags[slot] != id + 1)
		slot = (slot + 1) % CACHE_SLOTS;
	return slot;
}

/* Keep the value of key id (not in the cache yet); NULL when full. */
static struct drl_seen *
cache_put(struct eval *e, unsigned slot, unsigned id,
    const struct ce_value *cv)
{
	struct drl_val v;
	unsigned i;

	if (e->nvals < CACHE_VALUES) {
		i = e->nvals++;
		e->tags[slot] = id + 1;
		e->at[slot] = (unsigned char)i;
	} else
		i = CACHE_VALUES;
	drl_val_from_ce(&v, cv);
	drl_seen_init(&e->vals[i], &v);
	return i < CACHE_VALUES ? &e->vals[i] : NULL;
}

static int
walk_one(void *arg, size_t id, const struct ce_value *cv)
{
	struct eval *e = arg;
	unsigned slot = cache_slot(e, (unsigned)id);

	if (e->tags[slot] == 0 && cache_put(e, slot, (unsigned)id, cv) == NULL)
		e->complete = 0;	/* full: the others are looked up alone */
	return 0;
}

/* Fetch every key of the set the event has, in one walk. */
static void
walk_keys(struct eval *e)
{
	e->walked = 1;
	e->complete = 1;
	e->eng->host->event_get_set(e->ev, e->eng->keyset, walk_one, e);
}

/* Whether key id is in the engine's key set, without reading the key. */
static inline int
in_keyset(const struct eval *e, unsigned id)
{
	return e->eng->keyset_ids != NULL &&
	    (e->eng->keyset_ids[id / 64] >> id % 64 & 1) != 0;
}

/* fetch_seen() when the cache cannot tell: a walk of the key set, or a
 * look-up of k alone (apart: it is the rare case, with a big frame). */
static __attribute__((noinline)) struct drl_seen *
fetch_slow(struct eval *e, unsigned slot, unsigned id)
{
	const struct drl_key *k = e->eng->keyv[id];
	struct ce_value cv;
	struct drl_seen *s;
	int in_set = in_keyset(e, id);

	if (in_set && !e->walked && ++e->lookups > SET_AFTER) {
		walk_keys(e);
		slot = cache_slot(e, id);
		if (e->tags[slot] == id + 1)
			return &e->vals[e->at[slot]];
	}
	if (in_set && e->complete)
		return &e->missing;
	memset(&cv, 0, sizeof(cv));
	cv.size = sizeof(cv);
	e->eng->host->event_get(e->ev, k->path, &cv);
	s = cache_put(e, slot, id, &cv);
	return s != NULL ? s : &e->vals[CACHE_VALUES];
}

/* The value of the key whose id is id (the index keeps ids at hand, so a
 * value already fetched costs no look at the key), valid until the next
 * fetch. */
static inline struct drl_seen *
fetch_seen(struct eval *e, unsigned id)
{
	unsigned slot = cache_slot(e, id);

	if (e->tags[slot] == id + 1)
		return &e->vals[e->at[slot]];
	if (e->complete && in_keyset(e, id))
		return &e->missing;	/* the walk would have found it */
	return fetch_slow(e, slot, id);
}

static void
fetch_key(struct eval *e, const struct drl_key *k, struct drl_val *out)
{
	*out = fetch_seen(e, k->id)->v;
}

static void
set_bool(struct drl_val *v, int b)
{
	memset(v, 0, sizeof(*v));
	v->type = V_BOOL;
	v->b = b != 0;
}

static void
set_poison(struct drl_val *v)
{
	memset(v, 0, sizeof(*v));
	v->type = V_POISON;
}

static char *
scratch_alloc(struct eval *e, size_t n)
{
	char *p = drl_arena_alloc(&e->scratch, n);

	if (p == NULL)
		e->err = -ENOMEM;
	return p;
}

static void
note_regex_limit(struct eval *e, const struct drl_regex *re)
{
	struct drl_regex *mre = (struct drl_regex *)re;

	e->regex_limits++;
	/* One warning per pattern: the flag is the only thing evaluation
	 * ever writes in the compiled rules. */
	if (__atomic_exchange_n(&mre->warned, 1, __ATOMIC_RELAXED) == 0)
		CE_WARNING(e->eng->host, e->eng->self,
		    "regular expression \"%.60s\" hit regex_match_limit; the comparison is false",
		    re->source ? re->source : "");
}

/* 1, 0, or -1 when the match gave up (limit). */
static int
regex_matches(struct eval *e, const struct drl_regex *re, const char *s,
    size_t len)
{
	int rc = drl_regex_match(re, &e->eng->rx, &e->rx, s, len);

	if (rc == -ENOMEM) {
		e->err = -ENOMEM;
		return -1;
	}
	if (rc < 0)
		note_regex_limit(e, re);
	return rc;
}

static void
case_map(struct eval *e, struct drl_val *v, int upper)
{
	size_t i;
	char *s;

	/* ASCII only: Unicode case mapping needs tables this subset does
	 * not carry. */
	for (i = 0; i < v->len; i++) {
		char ch = v->s[i];

		if (upper ? (ch >= 'a' && ch <= 'z') : (ch >= 'A' && ch <= 'Z'))
			break;
	}
	if (i == v->len)
		return;		/* nothing changes: keep the bytes */
	if ((s = scratch_alloc(e, v->len + 1)) == NULL) {
		set_poison(v);
		return;
	}
	for (i = 0; i < v->len; i++) {
		char ch = v->s[i];

		if (upper && ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 32);
		else if (!upper && ch >= 'A' && ch <= 'Z')
			ch = (char)(ch + 32);
		s[i] = ch;
	}
	s[v->len] = '\0';
	drl_val_string(v, s, v->len);
}

static void
set_number(struct eval *e, struct drl_val *v, size_t n)
{
	char *s = scratch_alloc(e, 24);

	if (s == NULL) {
		set_poison(v);
		return;
	}
	memset(v, 0, sizeof(*v));
	v->type = V_NUMBER;
	v->s = s;
	v->len = (size_t)snprintf(s, 24, "%zu", n);
}

static void eval_value(struct eval *e, const struct drl_node *n,
    struct drl_val *out);

static void
eval_method(struct eval *e, const struct drl_node *n, struct drl_val *out)
{
	struct drl_val arg;
	int rc;

	eval_value(e, n->a, out);
	if (n->op == M_IS_EMPTY &&
	    (out->type == V_EMPTY_OBJECT || out->type == V_EMPTY_ARRAY)) {
		set_bool(out, 1);	/* Map.isEmpty(), List.isEmpty() */
		return;
	}
	/* A method on null (NullPointerException in Java) or on anything
	 * but a string poisons the comparison that holds it. */
	if (out->type != V_STRING) {
		set_poison(out);
		return;
	}
	if (n->b != NULL) {
		eval_value(e, n->b, &arg);
		if (arg.type == V_POISON) {
			set_poison(out);
			return;
		}
	}
	switch (n->op) {
	case M_CONTAINS:
	case M_STARTS_WITH:
	case M_ENDS_WITH:
		if (arg.type != V_STRING) {
			set_poison(out);
			return;
		}
		if (n->op == M_CONTAINS)
			rc = drl_str_contains(out->s, out->len, arg.s, arg.len);
		else if (n->op == M_STARTS_WITH)
			rc = drl_str_starts(out->s, out->len, arg.s, arg.len);
		else
			rc = drl_str_ends(out->s, out->len, arg.s, arg.len);
		set_bool(out, rc);
		return;
	case M_EQUALS:
		set_bool(out, arg.type == V_STRING && arg.len == out->len &&
		    memcmp(arg.s, out->s, arg.len) == 0);
		return;
	case M_EQUALS_IC:
		set_bool(out, arg.type == V_STRING &&
		    drl_str_equals_ic(out->s, out->len, arg.s, arg.len));
		return;
	case M_MATCHES:
		rc = n->re != NULL ? regex_matches(e, n->re, out->s, out->len) : -1;
		if (rc < 0)
			set_poison(out);
		else
			set_bool(out, rc);
		return;
	case M_TO_LOWER:
	case M_TO_UPPER:
		case_map(e, out, n->op == M_TO_UPPER);
		return;
	case M_TRIM:
		drl_str_trim(&out->s, &out->len);
		out->numstate = NUM_UNKNOWN;
		return;
	case M_LENGTH:
		set_number(e, out, drl_str_length(out->s, out->len));
		return;
	case M_IS_EMPTY:
		set_bool(out, out->len == 0);
		return;
	default:
		set_poison(out);
		return;
	}
}

static void
eval_concat(struct eval *e, const struct drl_node *n, struct drl_val *out)
{
	struct drl_val b;
	const char *sa, *sb;
	size_t la, lb;
	char *s;

	eval_value(e, n->a, out);
	eval_value(e, n->b, &b);
	sa = drl_val_text(out, &la);
	sb = drl_val_text(&b, &lb);
	/* null + "x" is "nullx" in Java; here it makes the comparison false. */
	if (sa == NULL || sb == NULL) {
		set_poison(out);
		return;
	}
	if ((s = scratch_alloc(e, la + lb + 1)) == NULL) {
		set_poison(out);
		return;
	}
	memcpy(s, sa, la);
	memcpy(s + la, sb, lb);
	s[la + lb] = '\0';
	drl_val_string(out, s, la + lb);
}

static void
eval_value(struct eval *e, const struct drl_node *n, struct drl_val *out)
{
	switch (n->kind) {
	case N_LIT:
		*out = n->lit;
		return;
	case N_KEY:
		if (n->key->multi)
			*out = e->bind[n->slot];
		else
			fetch_key(e, n->key, out);
		return;
	case N_METHOD:
		eval_method(e, n, out);
		return;
	case N_CONCAT:
		eval_concat(e, n, out);
		return;
	default:
		set_bool(out, eval_cond(e, n));
		return;
	}
}

/* ------------------------------------------------------------------ */
/* Comparisons                                                         */
/* ------------------------------------------------------------------ */

static int
cmp_length(struct drl_val *a, struct drl_val *b)
{
	struct drl_val len;
	char buf[24];

	if (a->type != V_STRING || drl_val_number(b) < 0)
		return 0;
	memset(&len, 0, sizeof(len));
	len.type = V_NUMBER;
	len.s = buf;
	len.len = (size_t)snprintf(buf, sizeof(buf), "%zu",
	    drl_str_length(a->s, a->len));
	return drl_val_eq(&len, b);
}

/* The positive form of a comparison: 1, 0, or -1 for "poisoned". */
static int
cmp_test(struct eval *e, const struct drl_node *n)
{
	struct drl_val a, b;
	int o;

	eval_value(e, n->a, &a);
	eval_value(e, n->b, &b);
	if (a.type == V_POISON || b.type == V_POISON)
		return -1;
	switch (n->op) {
	case OP_EQ:
		return drl_val_eq(&a, &b);
	case OP_NE:
		return !drl_val_eq(&a, &b);
	case OP_LT:
	case OP_LE:
	case OP_GT:
	case OP_GE:
		if ((o = drl_val_order(&a, &b)) == 2)
			return 0;
		return n->op == OP_LT ? o < 0 : n->op == OP_LE ? o <= 0 :
		    n->op == OP_GT ? o > 0 : o >= 0;
	case OP_CONTAINS:
		return a.type == V_STRING && b.type == V_STRING &&
		    drl_str_contains(a.s, a.len, b.s, b.len);
	case OP_MATCHES:
		if (a.type != V_STRING || n->re == NULL)
			return 0;
		return regex_matches(e, n->re, a.s, a.len);
	case OP_STR_STARTS:
		return a.type == V_STRING && b.type == V_STRING &&
		    drl_str_starts(a.s, a.len, b.s, b.len);
	case OP_STR_ENDS:
		return a.type == V_STRING && b.type == V_STRING &&
		    drl_str_ends(a.s, a.len, b.s, b.len);
	case OP_STR_LENGTH:
		return cmp_length(&a, &b);
	default:
		return 0;
	}
}

static int
in_test(struct eval *e, const struct drl_node *n)
{
	struct drl_val a, v;
	unsigned i;

	eval_value(e, n->a, &a);
	if (a.type == V_POISON)
		return -1;
	for (i = 0; i < n->n; i++) {
		eval_value(e, n->list[i], &v);
		if (v.type == V_POISON)
			return -1;
		if (drl_val_eq(&a, &v))
			return 1;
	}
	return 0;
}

/* One comparison with its "[*]" values bound: 1 or 0. */
static int
atom_test(struct eval *e, const struct drl_node *n)
{
	struct drl_arena_mark mark;
	struct drl_val v;
	int r;

	drl_arena_mark(&e->scratch, &mark);
	switch (n->kind) {
	case N_CMP:
		r = cmp_test(e, n);
		break;
	case N_IN:
		r = in_test(e, n);
		break;
	default:	/* N_TRUTH */
		eval_value(e, n->a, &v);
		if (v.type == V_POISON) {
			r = -1;
		} else {
			struct drl_val t;

			set_bool(&t, 1);
			r = drl_val_eq(&v, &t);
		}
		break;
	}
	drl_arena_reset(&e->scratch, &mark);
	/* A "not" form is the negation of the positive one (so it holds on
	 * null), except when poisoned: then neither holds. */
	if (r < 0)
		return 0;
	return n->negate ? !r : r;
}

struct binding {
	struct eval		*e;
	const struct drl_node	*atom;
	struct drl_val		 vals[DRL_MAX_MULTI];
};

struct level {
	struct binding		*b;
	unsigned		 i;
};

static int bind_from(struct binding *b, unsigned i);

static int
bind_one(void *arg, const struct ce_value *cv)
{
	struct level *lv = arg;

	drl_val_from_ce(&lv->b->vals[lv->i], cv);
	return bind_from(lv->b, lv->i + 1);
}

/* Try every value of the i-th "[*]" key and the ones after it; stops at
 * the first combination for which the comparison holds. */
static int
bind_from(struct binding *b, unsigned i)
{
	const struct drl_node *atom = b->atom;
	const struct drl_val *saved;
	struct level lv;
	int r;

	if (b->e->err < 0)
		return -1;
	if (i == atom->nmulti) {
		saved = b->e->bind;
		b->e->bind = b->vals;
		r = atom_test(b->e, atom);
		b->e->bind = saved;
		return r;
	}
	lv.b = b;
	lv.i = i;
	return b->e->eng->host->event_foreach(b->e->ev, atom->multi[i]->key->path,
	    bind_one, &lv);
}

/* A comparison: with "[*]" keys, true when some combination of their
 * values makes it true (an empty or absent array has none). */
static int
eval_atom(struct eval *e, const struct drl_node *n)
{
	struct binding b;

	if (n->nmulti == 0)
		return atom_test(e, n);
	b.e = e;
	b.atom = n;
	return bind_from(&b, 0) > 0;
}

static int
eval_cond(struct eval *e, const struct drl_node *n)
{
	unsigned i;

	switch (n->kind) {
	case N_AND:
		for (i = 0; i < n->n; i++) {
			if (!eval_cond(e, n->list[i]))
				return 0;
		}
		return 1;
	case N_OR:
		for (i = 0; i < n->n; i++) {
			if (eval_cond(e, n->list[i]))
				return 1;
		}
		return 0;
	case N_NOT:
		return !eval_cond(e, n->a);
	default:
		return eval_atom(e, n);
	}
}

/* ------------------------------------------------------------------ */
/* Firing                                                              */
/* ------------------------------------------------------------------ */

static void
print_part(struct eval *e, const struct drl_rule *r, const struct drl_part *p,
    char *buf, size_t cap, size_t *n)
{
	const struct ce_host *host = e->eng->host;
	const char *s = NULL;
	struct drl_val v;
	size_t len = 0;

	switch (p->kind) {
	case P_TEXT:
		s = p->text;
		len = p->len;
		break;
	case P_RULE_NAME:
		s = r->name;
		len = strlen(s);
		break;
	case P_MAP:
		s = host->event_flat_json(e->ev, &len);
		break;
	case P_MAP_GET:
		fetch_key(e, p->key, &v);
		s = drl_val_text(&v, &len);
		break;
	}
	if (s == NULL) {
		s = "null";
		len = 4;
	}
	if (*n < cap) {
		size_t room = cap - *n - 1;

		if (len > room)
			len = room;
		memcpy(buf + *n, s, len);
		*n += len;
		buf[*n] = '\0';
	}
}

static void
run_print(struct eval *e, const struct drl_rule *r, const struct drl_action *a)
{
	const struct ce_host *host = e->eng->host;
	char buf[2048];
	size_t n = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < a->nparts; i++)
		print_part(e, r, &a->parts[i], buf, sizeof(buf), &n);
	host->log(e->eng->self, a->to_stderr ? CE_LOG_WARNING : CE_LOG_INFO,
	    "%s", buf);
}

static int
fire_rule(struct eval *e, const struct drl_rule *r, ce_alert_sink *sink)
{
	const struct drl_action *a;
	unsigned i;
	int rc;

	if (r->has_print) {
		for (a = r->actions; a != NULL; a = a->next) {
			if (a->kind == A_PRINT)
				run_print(e, r, a);
		}
	}
	for (i = 0; i < r->nalerts; i++) {
		if ((rc = e->eng->host->fire(sink, &r->alerts[i])) < 0)
			return rc;
	}
	return 0;
}

static int
in_effect(const struct drl_rule *r, int64_t now)
{
	if (r->has_effective && now < r->effective)
		return 0;
	if (r->has_expires && now > r->expires)
		return 0;
	return 1;
}

/* The text of a top-level string member, or NULL. */
static const char *
string_of(struct eval *e, const struct drl_key *k, size_t *len)
{
	struct drl_val v;

	if (k == NULL)
		return NULL;
	fetch_key(e, k, &v);
	if (v.type != V_STRING)
		return NULL;
	*len = v.len;
	return v.s;
}

/* The rules the index gave for this event (their ranks: the rule is the
 * engine's rules[rank]), to be put in firing order. */
struct candidates {
	struct eval	*e;
	unsigned	*v;
	size_t		 n, cap;
	unsigned	 first[CAND_INLINE];
};

static struct drl_seen *
index_fetch(void *arg, unsigned id)
{
	struct candidates *c = arg;

	return fetch_seen(c->e, id);
}

struct each_adapter {
	int	(*fn)(void *cb, struct drl_seen *v);
	void	*cb;
};

static int
each_one(void *arg, const struct ce_value *cv)
{
	struct each_adapter *a = arg;
	struct drl_seen s;
	struct drl_val v;

	drl_val_from_ce(&v, cv);
	drl_seen_init(&s, &v);
	return a->fn(a->cb, &s);
}

static int
index_each(void *arg, const struct drl_key *k,
    int (*fn)(void *cb, struct drl_seen *v), void *cb)
{
	struct candidates *c = arg;
	struct each_adapter a = { fn, cb };

	return c->e->eng->host->event_foreach(c->e->ev, k->path, each_one, &a);
}

static void
index_expect(void *arg, size_t nkeys)
{
	struct candidates *c = arg;

	if (nkeys >= SET_EXPECT && c->e->eng->keyset != NULL && !c->e->walked)
		walk_keys(c->e);
}

static int
index_take(void *arg, unsigned rank)
{
	struct candidates *c = arg;
	unsigned *v;
	size_t cap;

	/* Read once the candidates are sorted: asked for now, so that the
	 * misses of all of them overlap (engine.h). */
	__builtin_prefetch(&c->e->eng->hot[rank]);
	if (c->n == c->cap) {
		cap = c->cap * 2;
		if ((v = (void *)scratch_alloc(c->e, cap * sizeof(*v))) == NULL)
			return -ENOMEM;
		memcpy(v, c->v, c->n * sizeof(*v));
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = rank;
	return 0;
}

static int
cand_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* Firing order; a rule twice (through two of its values) runs once. */
static void
sort_candidates(struct candidates *c)
{
	unsigned t;
	size_t i, j, n = 0;

	/* Each list the index gave is sorted already: insertion sort does
	 * little work on such runs. */
	if (c->n > 4 * CAND_INLINE) {
		qsort(c->v, c->n, sizeof(*c->v), cand_cmp);
	} else {
		for (i = 1; i < c->n; i++) {
			t = c->v[i];
			for (j = i; j > 0 && c->v[j - 1] > t; j--)
				c->v[j] = c->v[j - 1];
			c->v[j] = t;
		}
	}
	for (i = 0; i < c->n; i++) {
		if (n == 0 || c->v[n - 1] != c->v[i])
			c->v[n++] = c->v[i];
	}
	c->n = n;
}

/* Run the candidate rules in firing order. */
static int
run_candidates(struct eval *e, struct candidates *cand,
    unsigned char *fired_groups, ce_alert_sink *sink, int64_t *nevaluated,
    int64_t *nfired)
{
	const struct drl_hot *h;
	int64_t now = 0;
	size_t i;
	int rc;

	sort_candidates(cand);
	for (i = 0; i < cand->n; i++) {	/* the conditions' roots, likewise */
		if ((h = &e->eng->hot[cand->v[i]])->cond != NULL)
			__builtin_prefetch(h->cond);
	}
	for (i = 0; i < cand->n; i++) {
		h = &e->eng->hot[cand->v[i]];
		if (h->group_id >= 0 &&
		    (fired_groups[h->group_id / 8] & (1u << (h->group_id % 8))))
			continue;
		if (h->dated) {
			if (now == 0)
				now = (int64_t)time(NULL);
			if (!in_effect(e->eng->rules[cand->v[i]], now))
				continue;
		}
		(*nevaluated)++;
		if (h->cond != NULL && !eval_cond(e, h->cond)) {
			if (e->err < 0)
				return e->err;
			continue;
		}
		if (e->err < 0)
			return e->err;
		(*nfired)++;
		if ((rc = fire_rule(e, e->eng->rules[cand->v[i]], sink)) < 0)
			return rc;
		if (h->group_id >= 0)
			fired_groups[h->group_id / 8] |= (unsigned char)(1u << (h->group_id % 8));
	}
	return 0;
}

int
drl_engine_evaluate(const struct drl_engine *eng, const ce_event *ev,
    ce_alert_sink *sink)
{
	unsigned char scratch_buf[SCRATCH_BYTES], groups_buf[64];
	unsigned char *fired_groups = groups_buf;
	struct candidates cand;
	struct drl_lookup lk;
	const char *source, *name;
	size_t srclen = 0, namelen = 0, ngb;
	int64_t nevaluated = 0, nfired = 0;
	struct eval e;
	int rc;

	e.eng = eng;
	e.ev = ev;
	e.bind = NULL;
	e.err = 0;
	e.regex_limits = 0;
	memset(e.tags, 0, sizeof(e.tags));
	e.nvals = 0;
	e.lookups = 0;
	e.walked = 0;
	e.complete = 0;
	memset(&e.missing, 0, sizeof(e.missing));
	e.missing.v.type = V_NULL;
	drl_arena_init(&e.scratch, scratch_buf, sizeof(scratch_buf));
	drl_regex_scratch_init(&e.rx);

	ngb = (eng->ngroups + 7) / 8;
	if (ngb > sizeof(groups_buf)) {
		if ((fired_groups = drl_arena_alloc(&e.scratch, ngb)) == NULL) {
			rc = -ENOMEM;
			goto done;
		}
	}
	memset(fired_groups, 0, ngb > 0 ? ngb : 1);

	source = string_of(&e, eng->k_source, &srclen);
	name = string_of(&e, eng->k_name, &namelen);
	cand.e = &e;
	cand.v = cand.first;
	cand.n = 0;
	cand.cap = CAND_INLINE;
	lk.fetch = index_fetch;
	lk.each = index_each;
	lk.take = index_take;
	lk.expect = index_expect;
	lk.arg = &cand;
	rc = drl_index_lookup(&eng->index, source, srclen, name, namelen, &lk);
	if (rc == 0)
		rc = run_candidates(&e, &cand, fired_groups, sink, &nevaluated,
		    &nfired);
done:
	drl_regex_scratch_free(&e.rx);
	drl_arena_free(&e.scratch);
	if (nevaluated > 0 && eng->m_evaluated != NULL)
		eng->host->metric_add(eng->m_evaluated, nevaluated);
	if (nfired > 0 && eng->m_fired != NULL)
		eng->host->metric_add(eng->m_fired, nfired);
	if (e.regex_limits > 0 && eng->m_regex_limit != NULL)
		eng->host->metric_add(eng->m_regex_limit, e.regex_limits);
	return rc;
}
