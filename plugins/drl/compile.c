/*
 * compile.c - semantic checks and compilation of one parsed rule.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"

/* What a compiler can tell of an expression before seeing an event. */
enum stype {
	TY_ANY,		/* a key's value: anything */
	TY_STRING,
	TY_NUMBER,
	TY_BOOL,
	TY_NULL
};

struct compiler {
	struct drl_engine	*eng;
	struct drl_diag		*diag;
	const struct drl_file	*file;
	struct drl_rule		*rule;
	int			 oom;
};

static struct drl_node *cbool(struct compiler *c, struct drl_node *n);
static struct drl_node *cvalue(struct compiler *c, struct drl_node *n,
    enum stype *type);

static const char *
type_name(enum stype t)
{
	switch (t) {
	case TY_STRING: return "a string";
	case TY_NUMBER: return "a number";
	case TY_BOOL: return "a boolean";
	case TY_NULL: return "null";
	default: return "a value";
	}
}

static const char *const method_names[] = {
	"contains", "startsWith", "endsWith", "equals", "equalsIgnoreCase",
	"matches", "toLowerCase", "toUpperCase", "trim", "length", "isEmpty"
};

static enum stype
lit_type(const struct drl_val *v)
{
	switch (v->type) {
	case V_STRING: return TY_STRING;
	case V_NUMBER: return TY_NUMBER;
	case V_BOOL: return TY_BOOL;
	case V_NULL: return TY_NULL;
	default: return TY_ANY;
	}
}

static void *
calloc_arena(struct compiler *c, size_t n)
{
	void *p = drl_arena_zalloc(&c->eng->arena, n);

	if (p == NULL)
		c->oom = 1;
	return p;
}

/* ------------------------------------------------------------------ */
/* Keys and regexes                                                    */
/* ------------------------------------------------------------------ */

static struct drl_key *
resolve_key(struct compiler *c, const char *text, size_t len, unsigned line,
    unsigned col)
{
	struct drl_key *k;
	char err[256] = "";

	k = drl_engine_key(c->eng, text, len, err, sizeof(err));
	if (k == NULL) {
		if (strcmp(err, "out of memory") == 0)
			c->oom = 1;
		else
			drl_error(c->diag, line, col, "invalid key \"%.*s\": %s",
			    (int)len, text, err[0] ? err : "malformed");
	}
	return k;
}

static const struct drl_regex *
compile_regex(struct compiler *c, const struct drl_node *lit)
{
	struct drl_regex *re;
	char err[320] = "";

	re = drl_regex_compile(&c->eng->rx, lit->lit.s, lit->lit.len, err,
	    sizeof(err));
	if (re == NULL) {
		drl_error(c->diag, lit->line, lit->col,
		    "invalid regular expression \"%.*s\": %s",
		    (int)(lit->lit.len > 80 ? 80 : lit->lit.len), lit->lit.s, err);
		return NULL;
	}
	if (drl_engine_keep_regex(c->eng, re) < 0) {
		drl_regex_free(re);
		c->oom = 1;
		return NULL;
	}
	return re;
}

/* ------------------------------------------------------------------ */
/* Expressions                                                         */
/* ------------------------------------------------------------------ */

static int
is_condition_kind(enum drl_node_kind k)
{
	return k == N_NOT || k == N_AND || k == N_OR || k == N_CMP ||
	    k == N_IN || k == N_TRUTH;
}

/* Collect the "[*]" keys a comparison binds, not those of comparisons
 * nested in it (each binds its own). */
static void
collect_multi(struct drl_node *n, struct drl_node **out, unsigned *count,
    int *overflow)
{
	unsigned i;

	if (n == NULL || is_condition_kind(n->kind))
		return;
	if (n->kind == N_KEY && n->key != NULL && n->key->multi) {
		if (*count >= DRL_MAX_MULTI) {
			*overflow = 1;
			return;
		}
		n->slot = *count;
		out[(*count)++] = n;
		return;
	}
	collect_multi(n->a, out, count, overflow);
	collect_multi(n->b, out, count, overflow);
	for (i = 0; i < n->n; i++)
		collect_multi(n->list[i], out, count, overflow);
}

static void
bind_multi(struct compiler *c, struct drl_node *atom)
{
	struct drl_node *found[DRL_MAX_MULTI];
	unsigned count = 0, i;
	int overflow = 0;

	collect_multi(atom->a, found, &count, &overflow);
	collect_multi(atom->b, found, &count, &overflow);
	if (atom->kind == N_IN) {
		for (i = 0; i < atom->n; i++)
			collect_multi(atom->list[i], found, &count, &overflow);
	}
	if (overflow) {
		drl_error(c->diag, atom->line, atom->col,
		    "too many [*] keys in one comparison (at most %d)",
		    DRL_MAX_MULTI);
		return;
	}
	if (count == 0)
		return;
	if ((atom->multi = calloc_arena(c, count * sizeof(*atom->multi))) == NULL)
		return;
	memcpy(atom->multi, found, count * sizeof(*found));
	atom->nmulti = count;
}

static struct drl_node *
make_string_lit(struct compiler *c, const struct drl_node *at, const char *a,
    size_t alen, const char *b, size_t blen)
{
	struct drl_node *n = calloc_arena(c, sizeof(*n));
	char *s;

	if (n == NULL || (s = drl_arena_alloc(&c->eng->arena, alen + blen + 1)) == NULL) {
		c->oom = 1;
		return NULL;
	}
	memcpy(s, a, alen);
	memcpy(s + alen, b, blen);
	s[alen + blen] = '\0';
	n->kind = N_LIT;
	n->line = at->line;
	n->col = at->col;
	drl_val_string(&n->lit, s, alen + blen);
	drl_val_number(&n->lit);
	return n;
}

static struct drl_node *
c_concat(struct compiler *c, struct drl_node *n, enum stype *type)
{
	enum stype ta, tb;
	const char *sa, *sb;
	size_t la, lb;

	n->a = cvalue(c, n->a, &ta);
	n->b = cvalue(c, n->b, &tb);
	*type = TY_STRING;
	if (n->a == NULL || n->b == NULL)
		return n;
	if (ta == TY_NULL || tb == TY_NULL) {
		drl_error(c->diag, n->line, n->col,
		    "'+' with null: a concatenation holding null makes its comparison false");
		return n;
	}
	if (ta != TY_STRING && ta != TY_ANY && tb != TY_STRING && tb != TY_ANY) {
		drl_error(c->diag, n->line, n->col,
		    "'+' concatenates strings, but both sides are %s and %s",
		    type_name(ta), type_name(tb));
		return n;
	}
	/* "a" + "b" is folded now, so that it can be a regex or an index key. */
	if (n->a->kind == N_LIT && n->b->kind == N_LIT) {
		sa = drl_val_text(&n->a->lit, &la);
		sb = drl_val_text(&n->b->lit, &lb);
		return make_string_lit(c, n->a, sa, la, sb, lb);
	}
	return n;
}

static struct drl_node *
c_method(struct compiler *c, struct drl_node *n, enum stype *type)
{
	const char *name = method_names[n->op];
	enum stype tr, ta = TY_ANY;

	n->a = cvalue(c, n->a, &tr);
	if (n->b != NULL)
		n->b = cvalue(c, n->b, &ta);
	if (tr == TY_NUMBER || tr == TY_BOOL || tr == TY_NULL)
		drl_error(c->diag, n->line, n->col,
		    "%s() is a String method; it cannot be called on %s",
		    name, type_name(tr));
	switch (n->op) {
	case M_CONTAINS:
	case M_STARTS_WITH:
	case M_ENDS_WITH:
	case M_EQUALS_IC:
		if (ta != TY_STRING && ta != TY_ANY)
			drl_error(c->diag, n->b->line, n->b->col,
			    "%s() takes a string, not %s", name, type_name(ta));
		*type = TY_BOOL;
		break;
	case M_MATCHES:
		if (n->b != NULL && (n->b->kind != N_LIT || n->b->lit.type != V_STRING))
			drl_error(c->diag, n->b->line, n->b->col,
			    "matches() needs its regular expression as a string literal");
		else if (n->b != NULL)
			n->re = compile_regex(c, n->b);
		*type = TY_BOOL;
		break;
	case M_EQUALS:
	case M_IS_EMPTY:
		*type = TY_BOOL;
		break;
	case M_LENGTH:
		*type = TY_NUMBER;
		break;
	default:
		*type = TY_STRING;
		break;
	}
	return n;
}

static struct drl_node *
cvalue(struct compiler *c, struct drl_node *n, enum stype *type)
{
	*type = TY_ANY;
	if (n == NULL)
		return NULL;
	switch (n->kind) {
	case N_LIT:
		*type = lit_type(&n->lit);
		return n;
	case N_KEY:
		n->key = resolve_key(c, n->lit.s, n->lit.len, n->line, n->col);
		return n;
	case N_METHOD:
		return c_method(c, n, type);
	case N_CONCAT:
		return c_concat(c, n, type);
	default:
		*type = TY_BOOL;
		return cbool(c, n);
	}
}

static int
is_ordering(int op)
{
	return op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE;
}

static void
c_cmp(struct compiler *c, struct drl_node *n)
{
	enum stype ta, tb;

	n->a = cvalue(c, n->a, &ta);
	n->b = cvalue(c, n->b, &tb);
	if (n->a == NULL || n->b == NULL)
		return;
	if (is_ordering(n->op)) {
		if (ta == TY_NULL || tb == TY_NULL)
			drl_error(c->diag, n->line, n->col,
			    "null cannot be ordered: compare with == null or != null");
		else if (ta == TY_BOOL || tb == TY_BOOL)
			drl_error(c->diag, n->line, n->col,
			    "booleans cannot be ordered: compare them with == or !=");
		return;
	}
	switch (n->op) {
	case OP_MATCHES:
		if (n->b->kind != N_LIT || n->b->lit.type != V_STRING)
			drl_error(c->diag, n->b->line, n->b->col,
			    "matches needs its regular expression as a string literal");
		else
			n->re = compile_regex(c, n->b);
		break;
	case OP_CONTAINS:
	case OP_STR_STARTS:
	case OP_STR_ENDS:
		if (tb != TY_STRING && tb != TY_ANY)
			drl_error(c->diag, n->b->line, n->b->col,
			    "%s takes a string on its right, not %s",
			    n->op == OP_CONTAINS ? "contains" :
			    n->op == OP_STR_STARTS ? "str[startsWith]" : "str[endsWith]",
			    type_name(tb));
		break;
	case OP_STR_LENGTH:
		if (tb != TY_NUMBER && tb != TY_ANY)
			drl_error(c->diag, n->b->line, n->b->col,
			    "str[length] takes a number on its right, not %s",
			    type_name(tb));
		break;
	default:
		break;
	}
}

/* A node in a condition's place: comparisons and logic as they are,
 * anything else becomes "value == true". */
static struct drl_node *
cbool(struct compiler *c, struct drl_node *n)
{
	struct drl_node *t;
	enum stype ty;
	unsigned i;

	if (n == NULL)
		return NULL;
	switch (n->kind) {
	case N_AND:
	case N_OR:
		for (i = 0; i < n->n; i++)
			n->list[i] = cbool(c, n->list[i]);
		return n;
	case N_NOT:
		n->a = cbool(c, n->a);
		return n;
	case N_CMP:
		c_cmp(c, n);
		bind_multi(c, n);
		return n;
	case N_IN:
		n->a = cvalue(c, n->a, &ty);
		for (i = 0; i < n->n; i++)
			n->list[i] = cvalue(c, n->list[i], &ty);
		bind_multi(c, n);
		return n;
	case N_TRUTH:
		return n;
	default:
		break;
	}
	n = cvalue(c, n, &ty);
	if (n == NULL)
		return NULL;
	if (ty == TY_STRING || ty == TY_NUMBER || ty == TY_NULL)
		drl_error(c->diag, n->line, n->col,
		    "expected a condition, found %s", type_name(ty));
	if ((t = calloc_arena(c, sizeof(*t))) == NULL)
		return NULL;
	t->kind = N_TRUTH;
	t->line = n->line;
	t->col = n->col;
	t->a = n;
	bind_multi(c, t);
	return t;
}

/* ------------------------------------------------------------------ */
/* Routing and the eventName index                                     */
/* ------------------------------------------------------------------ */

/* <service>.amazonaws.com, as CloudTrail writes eventSource. */
static int
looks_like_event_source(const char *s, size_t len)
{
	static const char suffix[] = ".amazonaws.com";
	size_t n = sizeof(suffix) - 1, i;

	if (len <= n || memcmp(s + len - n, suffix, n) != 0)
		return 0;
	for (i = 0; i < len - n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || (ch == '.' && i > 0 && s[i - 1] != '.')))
			return 0;
	}
	return s[0] != '.' && s[len - n - 1] != '.';
}

static void
route(struct compiler *c, struct drl_rule *r)
{
	const char *sep = strstr(r->name, ": ");

	if (sep == NULL) {
		r->route = ROUTE_ALL;
		drl_warning(c->diag, r->line, r->col,
		    "rule \"%s\" has no \"<eventSource>: \" prefix, so it applies to every event (name it \"*: %s\" to say so)",
		    r->name, r->name);
		return;
	}
	if (sep - r->name == 1 && r->name[0] == '*') {
		r->route = ROUTE_ALL;
		return;
	}
	r->route = ROUTE_SOURCE;
	r->source = r->name;
	r->srclen = (size_t)(sep - r->name);
	if (!looks_like_event_source(r->source, r->srclen))
		drl_warning(c->diag, r->line, r->col,
		    "rule \"%s\": \"%.*s\" is not an eventSource (<service>.amazonaws.com), so this rule can never fire",
		    r->name, (int)r->srclen, r->source);
}

/* Equality with this literal holds only for the same string: no number
 * or boolean coerces to it, so the event's eventName text can be hashed.
 * (A literal holding a NUL is left out: the index keys are C strings.) */
static int
indexable(const struct drl_node *n)
{
	return n != NULL && n->kind == N_LIT && n->lit.type == V_STRING &&
	    n->lit.numstate == NUM_BAD &&
	    memchr(n->lit.s, '\0', n->lit.len) == NULL &&
	    !(n->lit.len == 4 && memcmp(n->lit.s, "true", 4) == 0) &&
	    !(n->lit.len == 5 && memcmp(n->lit.s, "false", 5) == 0);
}

static int
is_event_name(const struct drl_node *n)
{
	return n != NULL && n->kind == N_KEY && n->key != NULL &&
	    n->key->len == 9 && memcmp(n->key->text, "eventName", 9) == 0;
}

/* If conjunct requires eventName to be one of some strings, list them. */
static int
names_of(struct compiler *c, const struct drl_node *n)
{
	struct drl_rule *r = c->rule;
	const struct drl_node *lit = NULL;
	unsigned i;

	if (n->kind == N_CMP && n->op == OP_EQ && !n->negate && n->nmulti == 0) {
		if (is_event_name(n->a) && indexable(n->b))
			lit = n->b;
		else if (is_event_name(n->b) && indexable(n->a))
			lit = n->a;
		if (lit == NULL)
			return 0;
		if ((r->names = calloc_arena(c, sizeof(*r->names))) == NULL)
			return -1;
		r->names[0] = lit->lit.s;
		r->nnames = 1;
		return 1;
	}
	if (n->kind != N_IN || n->negate || !is_event_name(n->a) || n->nmulti > 0)
		return 0;
	for (i = 0; i < n->n; i++) {
		if (!indexable(n->list[i]))
			return 0;
	}
	if ((r->names = calloc_arena(c, n->n * sizeof(*r->names))) == NULL)
		return -1;
	for (i = 0; i < n->n; i++)
		r->names[i] = n->list[i]->lit.s;
	r->nnames = n->n;
	return 1;
}

/*
 * The first conjunct of the top-level AND that pins eventName.  It moves
 * to the end of the AND: the index only offers the rule for those names,
 * so it always holds, and the other conjuncts (which have no side effect
 * it could hide) decide sooner.
 */
static void
index_names(struct compiler *c, struct drl_rule *r)
{
	struct drl_node *cond = r->cond, *pin;
	unsigned i;
	int rc;

	if (cond == NULL)
		return;
	if (cond->kind != N_AND) {
		names_of(c, cond);
		return;
	}
	for (i = 0; i < cond->n; i++) {
		if ((rc = names_of(c, cond->list[i])) == 0)
			continue;
		if (rc > 0) {
			pin = cond->list[i];
			memmove(&cond->list[i], &cond->list[i + 1],
			    (cond->n - i - 1) * sizeof(*cond->list));
			cond->list[cond->n - 1] = pin;
		}
		return;
	}
}

/* A string literal the index can hold: -1 no, 0 exact (equal to the same
 * string only), 1 loose (a number or boolean may equal it too). */
static int
eq_literal(const struct drl_node *n)
{
	if (n == NULL || n->kind != N_LIT || n->lit.type != V_STRING ||
	    memchr(n->lit.s, '\0', n->lit.len) != NULL)
		return -1;
	return indexable(n) ? 0 : 1;
}

/* A key the index may fetch (with "[*]", each of its values), and not
 * eventName (which has an index of its own). */
static int
eq_key(const struct drl_node *n)
{
	return n != NULL && n->kind == N_KEY && n->key != NULL &&
	    !is_event_name(n);
}

/* A string literal to look for: the argument of contains, a prefix... */
static void
eq_needle(struct drl_eq *eq, const struct drl_node *lit)
{
	if (lit != NULL && lit->kind == N_LIT && lit->lit.type == V_STRING) {
		eq->needle = lit->lit.s;
		eq->needle_len = lit->lit.len;
	}
}

/* The literal of a regex, when it has one (see find_need() in regex.c). */
static void
eq_regex(struct drl_eq *eq, const struct drl_regex *re)
{
	if (re != NULL) {
		eq->needle = re->source + re->need_off;
		eq->needle_len = re->need_len;
	}
}

/* key == "s", key in ("s", ...): the strings, or 0 when n is not that. */
static int
eq_values(struct compiler *c, struct drl_eq *eq, const struct drl_node *n)
{
	const struct drl_node *lit = NULL;
	int kind, loose = 0;
	unsigned i;

	if (n->kind == N_CMP && n->op == OP_EQ) {
		if (eq_key(n->a) && eq_literal(n->b) >= 0)
			eq->key = n->a->key, lit = n->b;
		else if (eq_key(n->b) && eq_literal(n->a) >= 0)
			eq->key = n->b->key, lit = n->a;
		if (lit == NULL)
			return 0;
		if ((eq->vals = calloc_arena(c, sizeof(*eq->vals))) == NULL)
			return 0;
		eq->vals[0] = lit->lit.s;
		eq->nvals = 1;
		eq->loose = eq_literal(lit);
		return 1;
	}
	if (n->kind != N_IN || !eq_key(n->a) || n->n == 0)
		return 0;
	for (i = 0; i < n->n; i++) {
		if ((kind = eq_literal(n->list[i])) < 0)
			return 0;
		loose |= kind;
	}
	if ((eq->vals = calloc_arena(c, n->n * sizeof(*eq->vals))) == NULL)
		return 0;
	for (i = 0; i < n->n; i++)
		eq->vals[i] = n->list[i]->lit.s;
	eq->nvals = n->n;
	eq->loose = loose;
	eq->key = n->a->key;
	return 1;
}

/* A test that is false unless key is a string (eval.c: cmp_test, and
 * eval_method, which poisons a method called on anything else), with the
 * text it must then contain if there is one; 0 when n is not that. */
static int
eq_string(struct drl_eq *eq, const struct drl_node *n)
{
	const struct drl_node *m = n->a;

	if (n->kind == N_CMP && eq_key(n->a)) {
		switch (n->op) {
		case OP_MATCHES:
			eq_regex(eq, n->re);
			break;
		case OP_CONTAINS:
		case OP_STR_STARTS:
		case OP_STR_ENDS:
			eq_needle(eq, n->b);
			break;
		case OP_STR_LENGTH:
			break;
		default:
			return 0;
		}
		eq->key = n->a->key;
		return 1;
	}
	if (n->kind != N_TRUTH || m == NULL || m->kind != N_METHOD ||
	    !eq_key(m->a))
		return 0;
	switch (m->op) {
	case M_MATCHES:
		eq_regex(eq, m->re);
		break;
	case M_CONTAINS:
	case M_STARTS_WITH:
	case M_ENDS_WITH:
	case M_EQUALS:
		eq_needle(eq, m->b);
		break;
	case M_EQUALS_IC:
	case M_LENGTH:
		break;
	default:	/* isEmpty() holds on {} and []; the others are no test */
		return 0;
	}
	eq->key = m->a->key;
	return 1;
}

/* If the comparison n requires a key to equal some strings, or to be a
 * string, add it to r->eqs (which has room).  With "[*]" it requires it
 * of one element at least. */
static void
eq_of(struct compiler *c, struct drl_rule *r, const struct drl_node *n)
{
	struct drl_eq *eq = &r->eqs[r->neqs];

	if (n->negate || n->nmulti > 1)
		return;
	if (eq_values(c, eq, n) || eq_string(eq, n))
		r->neqs++;
	else
		memset(eq, 0, sizeof(*eq));
}

static unsigned
count_conjuncts(const struct drl_node *n)
{
	unsigned i, k = 0;

	if (n->kind != N_AND)
		return 1;
	for (i = 0; i < n->n; i++)
		k += count_conjuncts(n->list[i]);
	return k;
}

static void
collect_eqs(struct compiler *c, struct drl_rule *r, const struct drl_node *n)
{
	unsigned i;

	if (n->kind != N_AND) {
		eq_of(c, r, n);
		return;
	}
	for (i = 0; i < n->n && !c->oom; i++)
		collect_eqs(c, r, n->list[i]);
}

/* Every conjunct of the top-level AND (nested ANDs included) that pins a
 * key other than eventName to strings: the index picks one of them. */
static void
index_eqs(struct compiler *c, struct drl_rule *r)
{
	if (r->cond == NULL)
		return;
	r->eqs = calloc_arena(c, count_conjuncts(r->cond) * sizeof(*r->eqs));
	if (r->eqs != NULL)
		collect_eqs(c, r, r->cond);
}

/* ------------------------------------------------------------------ */
/* Actions                                                             */
/* ------------------------------------------------------------------ */

static int
is_configured(const char *const *outputs, const char *name)
{
	size_t i;

	for (i = 0; outputs != NULL && outputs[i] != NULL; i++) {
		if (strcmp(outputs[i], name) == 0)
			return 1;
	}
	return 0;
}

static void
list_outputs(const char *const *outputs, char *buf, size_t len)
{
	size_t n = 0, i;

	buf[0] = '\0';
	for (i = 0; outputs != NULL && outputs[i] != NULL && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
		    outputs[i]);
}

/* The output a report() names, checked; NULL after an error. */
static const char *
output_of(struct compiler *c, const struct drl_action *a)
{
	static const char prefix[] = "cloudengine.AlertServices.";
	const char *name = a->output, *dot;
	const struct drl_import *imp;
	const char *const *outputs;
	char list[512];
	int imported = 0;

	if ((dot = strrchr(name, '.')) != NULL) {
		if (strncmp(name, prefix, sizeof(prefix) - 1) != 0 ||
		    strchr(name + sizeof(prefix) - 1, '.') != NULL) {
			drl_error(c->diag, a->oline, a->ocol,
			    "'%s' is not an output: outputs are cloudengine.AlertServices.NAME",
			    name);
			return NULL;
		}
		name = dot + 1;
		imported = 1;
	}
	for (imp = c->file->imports; imp != NULL && !imported; imp = imp->next)
		imported = imp->wildcard || strcmp(imp->name, name) == 0;
	if (!imported) {
		drl_error(c->diag, a->oline, a->ocol,
		    "output '%s' is not imported: add import cloudengine.AlertServices.%s;",
		    name, name);
		return NULL;
	}
	outputs = c->eng->host->output_names(c->eng->self);
	if (!is_configured(outputs, name)) {
		list_outputs(outputs, list, sizeof(list));
		drl_error(c->diag, a->oline, a->ocol,
		    "output '%s' is not configured; configured outputs: %s",
		    name, list[0] ? list : "(none)");
		return NULL;
	}
	return name;
}

/* Start a new alert spec for reported name 'name'. */
static struct ce_alert_spec *
alert_for(struct compiler *c, struct drl_rule *r, const char *name,
    size_t maxalerts)
{
	struct ce_alert_spec *s;
	unsigned i;

	for (i = 0; i < r->nalerts; i++) {
		if (strcmp(r->alerts[i].rule, name) == 0)
			return &r->alerts[i];
	}
	s = &r->alerts[r->nalerts++];
	s->size = sizeof(*s);
	s->rule = name;
	s->severity = r->severity;
	s->description = r->description;
	s->runbook = r->runbook;
	s->tags = r->tags;
	s->ntags = r->ntags;
	s->file = r->file;
	s->line = r->line;
	if ((s->outputs = calloc_arena(c, maxalerts * sizeof(*s->outputs))) == NULL)
		return NULL;
	return s;
}

static void
add_output(struct ce_alert_spec *s, const char *output)
{
	const char **outs = (const char **)s->outputs;
	size_t i;

	for (i = 0; i < s->noutputs; i++) {
		if (strcmp(outs[i], output) == 0)
			return;
	}
	outs[s->noutputs++] = output;
}

static void
c_actions(struct compiler *c, struct drl_rule *r)
{
	struct drl_action *a;
	struct ce_alert_spec *s;
	const char *output;
	size_t nreports = 0;
	unsigned i;

	for (a = r->actions; a != NULL; a = a->next) {
		if (a->kind == A_REPORT)
			nreports++;
		if (a->kind != A_PRINT)
			continue;
		r->has_print = 1;
		for (i = 0; i < a->nparts; i++) {
			struct drl_part *part = &a->parts[i];

			if (part->kind == P_MAP_GET)
				part->key = resolve_key(c, part->keytext,
				    part->keylen, part->line, part->col);
		}
	}
	/* One spec per name reported (a literal name makes its own alert);
	 * a rule without report() still fires, with no outputs. */
	if ((r->alerts = calloc_arena(c, (nreports ? nreports : 1) * sizeof(*r->alerts))) == NULL)
		return;
	for (a = r->actions; a != NULL; a = a->next) {
		if (a->kind != A_REPORT)
			continue;
		if ((output = output_of(c, a)) == NULL)
			continue;
		s = alert_for(c, r, a->alert_name ? a->alert_name : r->name,
		    nreports);
		if (s == NULL)
			return;
		add_output(s, output);
	}
	if (r->nalerts == 0 && alert_for(c, r, r->name, 1) == NULL)
		return;
}

static void
c_group(struct compiler *c, struct drl_rule *r)
{
	struct drl_engine *eng = c->eng;
	void *v;

	if (r->group == NULL)
		return;
	v = drl_strmap_get(&eng->groups, r->group, strlen(r->group));
	if (v != NULL) {
		r->group_id = (int)((uintptr_t)v - 1);
		return;
	}
	r->group_id = (int)eng->ngroups++;
	if (drl_strmap_put(&eng->groups, r->group, strlen(r->group),
	    (void *)(uintptr_t)eng->ngroups) < 0)
		c->oom = 1;
}

int
drl_compile_rule(struct drl_engine *eng, struct drl_diag *diag,
    const struct drl_file *f, struct drl_rule *r)
{
	struct compiler c;

	memset(&c, 0, sizeof(c));
	c.eng = eng;
	c.diag = diag;
	c.file = f;
	c.rule = r;
	route(&c, r);
	r->cond = cbool(&c, r->cond);
	c_actions(&c, r);
	c_group(&c, r);
	if (r->has_effective || r->has_expires)
		eng->has_dates = 1;
	if (!r->enabled)
		r->disabled = 1;
	index_names(&c, r);
	index_eqs(&c, r);
	return c.oom ? -ENOMEM : 0;
}
