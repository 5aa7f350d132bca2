/*
 * parser.c - DRL tokens to rules (recursive descent, with recovery so that
 * every error of a file is reported).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "lexer.h"
#include "parser.h"

struct parser {
	struct drl_token	*t;
	size_t			 i, n;
	struct drl_arena	*arena;
	struct drl_diag		*diag;
	struct drl_file		*file;
	struct drl_rule		*rule;		/* the rule being parsed */
	int			 panic;		/* an error is being recovered from */
	int			 eof_reported;	/* "found end of file" said once */
	unsigned		 depth;		/* nesting of '(' and '!' */
	int			 oom;
};

/* Deeper expressions are refused: the parser and the evaluator recurse. */
#define MAX_NESTING	256

/* A growable list of pointers, copied into the arena when complete. */
struct vec {
	void		**v;
	unsigned	  n, cap;
};

static struct drl_node *parse_or(struct parser *p);
static struct drl_node *parse_additive(struct parser *p);
static struct drl_node *parse_unary(struct parser *p);

/* ------------------------------------------------------------------ */
/* Tokens and errors                                                   */
/* ------------------------------------------------------------------ */

static struct drl_token *
cur(struct parser *p)
{
	return &p->t[p->i];
}

static struct drl_token *
peek(struct parser *p, size_t k)
{
	return p->i + k < p->n ? &p->t[p->i + k] : &p->t[p->n - 1];
}

static struct drl_token *
advance(struct parser *p)
{
	struct drl_token *t = cur(p);

	if (t->type != T_EOF)
		p->i++;
	return t;
}

static int
at(struct parser *p, enum drl_tok type)
{
	return cur(p)->type == type;
}

static int
at_word(struct parser *p, const char *word)
{
	return drl_tok_is(cur(p), word);
}

/* Report at tok, once per construct: later errors of the same construct
 * are consequences of the first. */
static void
error_at(struct parser *p, const struct drl_token *tok, const char *fmt, ...)
    CE_PRINTF(3, 4);

static void
error_at(struct parser *p, const struct drl_token *tok, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (p->panic || (tok->type == T_EOF && p->eof_reported))
		return;
	if (tok->type == T_EOF)
		p->eof_reported = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	drl_error(p->diag, tok->line, tok->col, "%s", msg);
	p->panic = 1;
}

/* "expected WHAT, found X" at the current token. */
static void
expected(struct parser *p, const char *what)
{
	char found[96];

	drl_token_describe(cur(p), found, sizeof(found));
	error_at(p, cur(p), "expected %s, found %s", what, found);
}

static struct drl_token *
expect(struct parser *p, enum drl_tok type, const char *what)
{
	if (at(p, type))
		return advance(p);
	expected(p, what);
	return NULL;
}

static struct drl_token *
expect_word(struct parser *p, const char *word, const char *what)
{
	if (at_word(p, word))
		return advance(p);
	expected(p, what);
	return NULL;
}

static void *
palloc(struct parser *p, size_t n)
{
	void *q = drl_arena_zalloc(p->arena, n);

	if (q == NULL)
		p->oom = 1;
	return q;
}

static char *
pstrndup(struct parser *p, const char *s, size_t n)
{
	char *q = drl_arena_strndup(p->arena, s, n);

	if (q == NULL)
		p->oom = 1;
	return q;
}

static void
vec_push(struct parser *p, struct vec *v, void *item)
{
	if (v->n == v->cap) {
		unsigned cap = v->cap ? v->cap * 2 : 8;
		void **nv = realloc(v->v, cap * sizeof(*nv));

		if (nv == NULL) {
			p->oom = 1;
			return;
		}
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = item;
}

/* Move the items into the arena; the vector is emptied. */
static void **
vec_finish(struct parser *p, struct vec *v)
{
	void **out = NULL;

	if (v->n > 0 && (out = palloc(p, v->n * sizeof(*out))) != NULL)
		memcpy(out, v->v, v->n * sizeof(*out));
	free(v->v);
	v->v = NULL;
	v->cap = 0;
	return out;
}

static int
is_top_keyword(const struct drl_token *t)
{
	static const char *const words[] = {
		"package", "import", "rule", "global", "query", "declare",
		"function", NULL
	};
	int i;

	/* Only at the start of a line: "rule" inside an expression is not
	 * the start of a rule. */
	if (t->type != T_IDENT || t->col != 1)
		return 0;
	for (i = 0; words[i] != NULL; i++) {
		if (drl_tok_is(t, words[i]))
			return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Recovery                                                            */
/* ------------------------------------------------------------------ */

/* Skip to the next top-level keyword at the start of a line. */
static void
skip_to_top(struct parser *p)
{
	advance(p);
	while (!at(p, T_EOF) && !is_top_keyword(cur(p)))
		advance(p);
	p->panic = 0;
}

/* Skip past the 'end' of the current rule (or to the next rule). */
static void
skip_rule(struct parser *p)
{
	while (!at(p, T_EOF) && !at_word(p, "end") && !is_top_keyword(cur(p)))
		advance(p);
	if (at_word(p, "end"))
		advance(p);
	p->panic = 0;
}

static int
at_section_end(struct parser *p)
{
	return at(p, T_EOF) || at_word(p, "then") || at_word(p, "end") ||
	    (is_top_keyword(cur(p)) && !at_word(p, "import"));
}

/*
 * Inside Map(...): skip to the ',' or ')' that ends the current
 * constraint, keeping track of nesting.  Stops before 'then' / 'end'.
 */
static void
skip_constraint(struct parser *p)
{
	int depth = 0;

	while (!at_section_end(p)) {
		enum drl_tok ty = cur(p)->type;

		if (depth == 0 && (ty == T_COMMA || ty == T_RPAREN))
			break;
		if (ty == T_LPAREN || ty == T_LBRACKET || ty == T_LBRACE)
			depth++;
		else if (ty == T_RPAREN || ty == T_RBRACKET || ty == T_RBRACE)
			depth--;
		advance(p);
	}
	p->panic = 0;
}

/* In the actions: skip past the next ';', stopping before 'end'. */
static void
skip_statement(struct parser *p)
{
	while (!at(p, T_EOF) && !at_word(p, "end") && !at(p, T_SEMI))
		advance(p);
	if (at(p, T_SEMI))
		advance(p);
	p->panic = 0;
}

/* ------------------------------------------------------------------ */
/* Nodes                                                               */
/* ------------------------------------------------------------------ */

static struct drl_node *
node_new(struct parser *p, enum drl_node_kind kind, const struct drl_token *at_tok)
{
	struct drl_node *n = palloc(p, sizeof(*n));

	if (n != NULL) {
		n->kind = kind;
		n->line = at_tok->line;
		n->col = at_tok->col;
	}
	return n;
}

static struct drl_node *
node_pair(struct parser *p, enum drl_node_kind kind, int op,
    const struct drl_token *at_tok, struct drl_node *a, struct drl_node *b)
{
	struct drl_node *n;

	if (a == NULL || b == NULL)
		return NULL;
	if ((n = node_new(p, kind, at_tok)) != NULL) {
		n->op = op;
		n->a = a;
		n->b = b;
		/* Report comparisons where their left operand starts. */
		if (kind == N_CMP || kind == N_IN) {
			n->line = a->line;
			n->col = a->col;
		}
	}
	return n;
}

static struct drl_node *
literal_string(struct parser *p, const struct drl_token *tok)
{
	struct drl_node *n = node_new(p, N_LIT, tok);

	if (n != NULL) {
		drl_val_string(&n->lit, tok->str, tok->slen);
		drl_val_number(&n->lit);	/* pre-parse for coercion */
	}
	return n;
}

static struct drl_node *
literal_number(struct parser *p, const struct drl_token *tok, int negative)
{
	struct drl_node *n = node_new(p, N_LIT, tok);
	char *lexeme;

	if (n == NULL)
		return NULL;
	if (negative) {
		if ((lexeme = palloc(p, tok->slen + 2)) == NULL)
			return NULL;
		lexeme[0] = '-';
		memcpy(lexeme + 1, tok->text, tok->slen);
	} else if ((lexeme = pstrndup(p, tok->text, tok->slen)) == NULL) {
		return NULL;
	}
	n->lit.type = V_NUMBER;
	n->lit.s = lexeme;
	n->lit.len = tok->slen + (negative ? 1 : 0);
	drl_val_number(&n->lit);
	return n;
}

/* ------------------------------------------------------------------ */
/* Constraints                                                         */
/* ------------------------------------------------------------------ */

struct method_def {
	const char	*name;
	enum drl_method	 method;
	int		 nargs;
};

static const struct method_def methods[] = {
	{ "contains", M_CONTAINS, 1 },
	{ "startsWith", M_STARTS_WITH, 1 },
	{ "endsWith", M_ENDS_WITH, 1 },
	{ "equals", M_EQUALS, 1 },
	{ "equalsIgnoreCase", M_EQUALS_IC, 1 },
	{ "matches", M_MATCHES, 1 },
	{ "toLowerCase", M_TO_LOWER, 0 },
	{ "toUpperCase", M_TO_UPPER, 0 },
	{ "trim", M_TRIM, 0 },
	{ "length", M_LENGTH, 0 },
	{ "isEmpty", M_IS_EMPTY, 0 },
	{ NULL, M_CONTAINS, 0 }
};

#define METHOD_LIST "contains, startsWith, endsWith, equals, equalsIgnoreCase, " \
	"matches, toLowerCase, toUpperCase, trim, length, isEmpty"

/* this["key"] ; cur is 'this'. */
static struct drl_node *
parse_key(struct parser *p)
{
	struct drl_token *this_tok = advance(p), *k;
	struct drl_node *n;

	if (!at(p, T_LBRACKET)) {
		if (at(p, T_DOT))
			error_at(p, cur(p), "expected '[' after 'this': read a key as this[\"name\"], not this.name");
		else
			expected(p, "'[' after 'this' (this[\"key\"])");
		return NULL;
	}
	advance(p);
	if ((k = expect(p, T_STRING, "the key as a string literal (this[\"key\"])")) == NULL)
		return NULL;
	if (expect(p, T_RBRACKET, "']' after the key") == NULL)
		return NULL;
	if (at(p, T_LBRACKET)) {
		error_at(p, cur(p), "a key is one flattened name: write this[\"a.b\"], not this[\"a\"][\"b\"]");
		return NULL;
	}
	if ((n = node_new(p, N_KEY, this_tok)) == NULL)
		return NULL;
	/* The key text is resolved by the compiler; keep it in lit. */
	drl_val_string(&n->lit, k->str, k->slen);
	return n;
}

static struct drl_node *
parse_primary(struct parser *p)
{
	struct drl_token *t = cur(p);
	struct drl_node *n;

	switch (t->type) {
	case T_STRING:
		advance(p);
		return literal_string(p, t);
	case T_INT:
	case T_DECIMAL:
		advance(p);
		return literal_number(p, t, 0);
	case T_LPAREN:
		if (p->depth >= MAX_NESTING) {
			error_at(p, t, "expression nested too deeply (more than %d levels)",
			    MAX_NESTING);
			return NULL;
		}
		advance(p);
		p->depth++;
		n = parse_or(p);
		p->depth--;
		if (n == NULL)
			return NULL;
		if (expect(p, T_RPAREN, "')'") == NULL)
			return NULL;
		return n;
	case T_IDENT:
		break;
	default:
		expected(p, "a value (this[\"key\"], a literal or '(')");
		return NULL;
	}
	if (drl_tok_is(t, "this"))
		return parse_key(p);
	if (drl_tok_is(t, "true") || drl_tok_is(t, "false")) {
		advance(p);
		if ((n = node_new(p, N_LIT, t)) != NULL) {
			n->lit.type = V_BOOL;
			n->lit.b = drl_tok_is(t, "true");
		}
		return n;
	}
	if (drl_tok_is(t, "null")) {
		advance(p);
		if ((n = node_new(p, N_LIT, t)) != NULL)
			n->lit.type = V_NULL;
		return n;
	}
	if (t->text[0] == '$') {
		error_at(p, t, "binding variable '%.*s' cannot be used in a constraint: read keys with this[\"key\"]",
		    (int)t->len, t->text);
		return NULL;
	}
	error_at(p, t, "unknown name '%.*s': read a key with this[\"%.*s\"]",
	    (int)t->len, t->text, (int)t->len, t->text);
	return NULL;
}

/* .method(args) after a value. */
static struct drl_node *
parse_postfix(struct parser *p)
{
	struct drl_node *n = parse_primary(p), *m, *arg;
	const struct method_def *md;
	struct drl_token *name;
	unsigned chain = 0;
	int nargs;

	while (n != NULL && at(p, T_DOT)) {
		/* Chains nest in the tree: bounded like parentheses. */
		if (++chain > MAX_NESTING) {
			error_at(p, cur(p), "expression nested too deeply (more than %d levels)",
			    MAX_NESTING);
			return NULL;
		}
		advance(p);
		if ((name = expect(p, T_IDENT, "a method name after '.'")) == NULL)
			return NULL;
		for (md = methods; md->name != NULL; md++) {
			if (drl_tok_is(name, md->name))
				break;
		}
		if (md->name == NULL) {
			error_at(p, name, "unknown method '%.*s': the String methods supported are " METHOD_LIST,
			    (int)name->len, name->text);
			return NULL;
		}
		if (expect(p, T_LPAREN, "'(' after the method name") == NULL)
			return NULL;
		arg = NULL;
		nargs = 0;
		if (!at(p, T_RPAREN)) {
			if ((arg = parse_or(p)) == NULL)
				return NULL;
			nargs = 1;
			while (at(p, T_COMMA)) {
				advance(p);
				if (parse_or(p) == NULL)
					return NULL;
				nargs++;
			}
		}
		if (expect(p, T_RPAREN, "')' after the method's argument") == NULL)
			return NULL;
		if (nargs != md->nargs) {
			error_at(p, name, "%s() takes %d argument%s, not %d",
			    md->name, md->nargs, md->nargs == 1 ? "" : "s", nargs);
			return NULL;
		}
		if ((m = node_new(p, N_METHOD, name)) == NULL)
			return NULL;
		m->op = md->method;
		m->a = n;
		m->b = arg;
		n = m;
	}
	if (n != NULL && at(p, T_LBRACKET)) {
		error_at(p, cur(p), "a key is one flattened name: write this[\"a[0].b\"], not this[\"a\"][0]");
		return NULL;
	}
	return n;
}

static struct drl_node *
parse_unary(struct parser *p)
{
	struct drl_token *t = cur(p);
	struct drl_node *n, *child;

	if (at(p, T_BANG)) {
		if (p->depth >= MAX_NESTING) {
			error_at(p, t, "expression nested too deeply (more than %d levels)",
			    MAX_NESTING);
			return NULL;
		}
		advance(p);
		p->depth++;
		child = parse_unary(p);
		p->depth--;
		if (child == NULL)
			return NULL;
		if ((n = node_new(p, N_NOT, t)) != NULL)
			n->a = child;
		return n;
	}
	if (at(p, T_MINUS)) {
		advance(p);
		if (at(p, T_INT) || at(p, T_DECIMAL))
			return literal_number(p, advance(p), 1);
		error_at(p, t, "unary '-' only applies to a number literal");
		return NULL;
	}
	return parse_postfix(p);
}

static struct drl_node *
parse_additive(struct parser *p)
{
	struct drl_node *n = parse_unary(p), *rhs;
	struct drl_token *op;
	unsigned terms = 1;

	while (n != NULL) {
		op = cur(p);
		if (op->type == T_MINUS || op->type == T_STAR ||
		    op->type == T_SLASH ||
		    (op->type == T_OTHER && op->text[0] == '%')) {
			error_at(p, op, "arithmetic operator '%.*s' is not supported: '+' only concatenates strings",
			    (int)op->len, op->text);
			return NULL;
		}
		if (op->type != T_PLUS)
			break;
		if (++terms > MAX_NESTING) {
			error_at(p, op, "expression nested too deeply (more than %d levels)",
			    MAX_NESTING);
			return NULL;
		}
		advance(p);
		rhs = parse_unary(p);
		n = node_pair(p, N_CONCAT, 0, op, n, rhs);
	}
	return n;
}

/* "in (a, b, ...)"; cur is '('. */
static struct drl_node *
parse_in(struct parser *p, struct drl_node *lhs, const struct drl_token *op,
    int negate)
{
	struct vec items = { NULL, 0, 0 };
	struct drl_node *n, *v;

	if (expect(p, T_LPAREN, "'(' after 'in'") == NULL)
		return NULL;
	if (at(p, T_RPAREN)) {
		error_at(p, cur(p), "expected at least one value in 'in ( ... )'");
		return NULL;
	}
	for (;;) {
		if ((v = parse_additive(p)) == NULL)
			goto fail;
		vec_push(p, &items, v);
		if (!at(p, T_COMMA))
			break;
		advance(p);
	}
	if (expect(p, T_RPAREN, "',' or ')' in the 'in' list") == NULL)
		goto fail;
	if ((n = node_new(p, N_IN, op)) == NULL)
		goto fail;
	n->a = lhs;
	n->negate = negate;
	n->line = lhs->line;
	n->col = lhs->col;
	n->n = items.n;
	n->list = (struct drl_node **)vec_finish(p, &items);
	return n;
fail:
	free(items.v);
	return NULL;
}

/* str[startsWith] / str[endsWith] / str[length]; cur is 'str'. */
static struct drl_node *
parse_str_op(struct parser *p, struct drl_node *lhs, int negate)
{
	struct drl_token *op = advance(p), *kind;
	int which;

	if (expect(p, T_LBRACKET, "'[' after 'str' (str[startsWith], str[endsWith] or str[length])") == NULL)
		return NULL;
	kind = cur(p);
	if (drl_tok_is(kind, "startsWith"))
		which = OP_STR_STARTS;
	else if (drl_tok_is(kind, "endsWith"))
		which = OP_STR_ENDS;
	else if (drl_tok_is(kind, "length"))
		which = OP_STR_LENGTH;
	else {
		expected(p, "startsWith, endsWith or length in str[...]");
		return NULL;
	}
	advance(p);
	if (expect(p, T_RBRACKET, "']' after str[...") == NULL)
		return NULL;
	lhs = node_pair(p, N_CMP, which, op, lhs, parse_additive(p));
	if (lhs != NULL)
		lhs->negate = negate;
	return lhs;
}

static int
is_relop(const struct drl_token *t)
{
	switch (t->type) {
	case T_EQ: case T_NE: case T_LT: case T_LE: case T_GT: case T_GE:
		return 1;
	case T_IDENT:
		return drl_tok_is(t, "contains") || drl_tok_is(t, "matches") ||
		    drl_tok_is(t, "excludes") || drl_tok_is(t, "in") ||
		    drl_tok_is(t, "str") || drl_tok_is(t, "memberOf") ||
		    drl_tok_is(t, "soundslike") ||
		    (drl_tok_is(t, "not") && t[1].type == T_IDENT);
	default:
		return 0;
	}
}

static struct drl_node *
parse_relational(struct parser *p)
{
	struct drl_node *lhs = parse_additive(p), *n = NULL;
	struct drl_token *op;
	int negate = 0, kind;

	if (lhs == NULL)
		return NULL;
	op = cur(p);
	switch (op->type) {
	case T_EQ: kind = OP_EQ; break;
	case T_NE: kind = OP_NE; break;
	case T_LT: kind = OP_LT; break;
	case T_LE: kind = OP_LE; break;
	case T_GT: kind = OP_GT; break;
	case T_GE: kind = OP_GE; break;
	case T_ASSIGN:
		error_at(p, op, "expected '==' to compare, found '='");
		return NULL;
	case T_IDENT:
		kind = -1;
		break;
	default:
		return lhs;
	}
	if (kind >= 0) {
		advance(p);
		n = node_pair(p, N_CMP, kind, op, lhs, parse_additive(p));
	} else {
		if (drl_tok_is(op, "not") && peek(p, 1)->type == T_IDENT) {
			negate = 1;
			advance(p);
			op = cur(p);
		}
		if (drl_tok_is(op, "contains") || drl_tok_is(op, "excludes")) {
			advance(p);
			n = node_pair(p, N_CMP, OP_CONTAINS, op, lhs, parse_additive(p));
			if (n != NULL)
				n->negate = negate ^ drl_tok_is(op, "excludes");
		} else if (drl_tok_is(op, "matches")) {
			advance(p);
			n = node_pair(p, N_CMP, OP_MATCHES, op, lhs, parse_additive(p));
			if (n != NULL)
				n->negate = negate;
		} else if (drl_tok_is(op, "in")) {
			advance(p);
			n = parse_in(p, lhs, op, negate);
		} else if (drl_tok_is(op, "str")) {
			n = parse_str_op(p, lhs, negate);
		} else if (drl_tok_is(op, "memberOf") || drl_tok_is(op, "soundslike")) {
			error_at(p, op, "operator '%.*s' is not supported",
			    (int)op->len, op->text);
			return NULL;
		} else if (negate) {
			expected(p, "contains, matches, in or str[...] after 'not'");
			return NULL;
		} else {
			return lhs;
		}
	}
	if (n != NULL && is_relop(cur(p))) {
		error_at(p, cur(p), "comparisons cannot be chained: join them with && or ||, or use parentheses");
		return NULL;
	}
	return n;
}

/* Drools' abbreviated form "x == 1 || == 2" is not in the subset. */
static int
check_abbreviated(struct parser *p)
{
	if (is_relop(cur(p)) && !drl_tok_is(cur(p), "not")) {
		error_at(p, cur(p), "abbreviated conditions (x == 1 || == 2) are not supported: repeat the left operand, or use 'in (...)'");
		return -1;
	}
	return 0;
}

static struct drl_node *
parse_logic(struct parser *p, enum drl_node_kind kind)
{
	enum drl_tok optype = kind == N_AND ? T_AND : T_OR;
	struct vec items = { NULL, 0, 0 };
	struct drl_token *first = cur(p);
	struct drl_node *n, *item;

	n = kind == N_AND ? parse_relational(p) : parse_logic(p, N_AND);
	if (n == NULL || !at(p, optype))
		return n;
	vec_push(p, &items, n);
	while (at(p, optype)) {
		advance(p);
		if (check_abbreviated(p) < 0)
			goto fail;
		item = kind == N_AND ? parse_relational(p) : parse_logic(p, N_AND);
		if (item == NULL)
			goto fail;
		vec_push(p, &items, item);
	}
	if ((n = node_new(p, kind, first)) == NULL)
		goto fail;
	n->n = items.n;
	n->list = (struct drl_node **)vec_finish(p, &items);
	return n;
fail:
	free(items.v);
	return NULL;
}

static struct drl_node *
parse_or(struct parser *p)
{
	return parse_logic(p, N_OR);
}

/* The constraints of Map( ... ): a top-level ',' is an AND. */
static struct drl_node *
parse_constraints(struct parser *p, const struct drl_token *open)
{
	struct vec items = { NULL, 0, 0 };
	struct drl_node *n, *c;
	int failed = 0;

	for (;;) {
		if (at(p, T_RPAREN) || at_section_end(p))
			break;
		c = parse_or(p);
		if (c == NULL) {
			failed = 1;
			skip_constraint(p);
		} else {
			vec_push(p, &items, c);
			if (!at(p, T_COMMA) && !at(p, T_RPAREN) &&
			    !at_section_end(p)) {
				expected(p, "',', ')' or an operator");
				failed = 1;
				skip_constraint(p);
			}
		}
		if (!at(p, T_COMMA))
			break;
		advance(p);
	}
	if (!at(p, T_RPAREN)) {
		if (!failed)
			expected(p, "')' to close Map(");
		else
			error_at(p, open, "Map( is not closed: expected ')'");
		p->panic = 0;
	} else {
		advance(p);
	}
	if (items.n == 0) {
		free(items.v);
		return NULL;
	}
	if (items.n == 1) {
		n = items.v[0];
		free(items.v);
		return n;
	}
	if ((n = node_new(p, N_AND, open)) == NULL) {
		free(items.v);
		return NULL;
	}
	n->n = items.n;
	n->list = (struct drl_node **)vec_finish(p, &items);
	return n;
}

/* ------------------------------------------------------------------ */
/* when                                                                */
/* ------------------------------------------------------------------ */

static void
parse_lhs(struct parser *p)
{
	struct drl_rule *r = p->rule;
	struct drl_token *t = cur(p), *open;

	if (at_word(p, "then") || at_word(p, "end"))
		return;		/* an empty 'when' fires for every event */
	if (t->type == T_IDENT && peek(p, 1)->type == T_COLON) {
		r->binding = pstrndup(p, t->text, t->len);
		r->bline = t->line;
		r->bcol = t->col;
		advance(p);
		advance(p);
		t = cur(p);
	}
	if (drl_tok_is(t, "not") || drl_tok_is(t, "exists") ||
	    drl_tok_is(t, "eval") || drl_tok_is(t, "forall") ||
	    drl_tok_is(t, "accumulate") || drl_tok_is(t, "collect") ||
	    drl_tok_is(t, "and") || drl_tok_is(t, "or")) {
		error_at(p, t, "'%.*s' is not supported: a rule has one pattern, Map( constraints )",
		    (int)t->len, t->text);
		goto skip;
	}
	/* Map, or java.util.Map. */
	if (drl_tok_is(t, "java") && drl_tok_is(peek(p, 2), "util") &&
	    drl_tok_is(peek(p, 4), "Map") && peek(p, 1)->type == T_DOT &&
	    peek(p, 3)->type == T_DOT) {
		advance(p);
		advance(p);
		advance(p);
		advance(p);
		t = cur(p);
	}
	if (!drl_tok_is(t, "Map")) {
		if (t->type == T_IDENT)
			error_at(p, t, "unknown fact type '%.*s': the event is matched as Map( constraints )",
			    (int)t->len, t->text);
		else
			expected(p, "a pattern, Map( constraints ), or 'then'");
		goto skip;
	}
	advance(p);
	if ((open = expect(p, T_LPAREN, "'(' after Map")) == NULL)
		goto skip;
	r->cond = parse_constraints(p, open);
	if (at_word(p, "from") || at_word(p, "over")) {
		error_at(p, cur(p), "'%.*s' is not supported: the pattern matches the event itself",
		    (int)cur(p)->len, cur(p)->text);
		goto skip;
	}
	if (!at_word(p, "then") && !at_word(p, "end") && !at(p, T_EOF)) {
		if (at(p, T_IDENT) && (peek(p, 1)->type == T_COLON ||
		    peek(p, 1)->type == T_LPAREN))
			error_at(p, cur(p), "a rule has one pattern: join the conditions inside Map( ... ) with && or ','");
		else
			expected(p, "'then'");
	}
skip:
	while (!at(p, T_EOF) && !at_word(p, "then") && !at_word(p, "end") &&
	    !is_top_keyword(cur(p)))
		advance(p);
	p->panic = 0;
}

/* ------------------------------------------------------------------ */
/* then                                                                */
/* ------------------------------------------------------------------ */

/* Is tok the name the pattern bound?  Reports when not. */
static int
check_var(struct parser *p, const struct drl_token *tok)
{
	const struct drl_rule *r = p->rule;

	if (r->binding != NULL && strlen(r->binding) == tok->len &&
	    memcmp(r->binding, tok->text, tok->len) == 0)
		return 0;
	if (r->binding != NULL)
		error_at(p, tok, "unknown variable '%.*s': the pattern binds %s",
		    (int)tok->len, tok->text, r->binding);
	else
		error_at(p, tok, "unknown variable '%.*s': bind the pattern first, as in %.*s : Map( ... )",
		    (int)tok->len, tok->text, (int)tok->len, tok->text);
	return -1;
}

/* drools.getRule().getName(); cur is 'drools'. */
static int
parse_rule_name_call(struct parser *p)
{
	advance(p);
	if (expect(p, T_DOT, "'.getRule()' after 'drools'") == NULL ||
	    expect_word(p, "getRule", "getRule() after 'drools.'") == NULL ||
	    expect(p, T_LPAREN, "'(' after getRule") == NULL ||
	    expect(p, T_RPAREN, "')' after getRule(") == NULL ||
	    expect(p, T_DOT, "'.getName()' after drools.getRule()") == NULL ||
	    expect_word(p, "getName", "getName() after drools.getRule().") == NULL ||
	    expect(p, T_LPAREN, "'(' after getName") == NULL ||
	    expect(p, T_RPAREN, "')' after getName(") == NULL)
		return -1;
	return 0;
}

/* new X().report($v, drools.getRule().getName()); cur is 'new'. */
static void
parse_report(struct parser *p)
{
	struct drl_action *a = palloc(p, sizeof(*a)), **tail;
	struct drl_token *start = advance(p), *t, *first, *var;
	size_t len;

	if (a == NULL)
		return;
	a->kind = A_REPORT;
	a->line = start->line;
	a->col = start->col;
	if ((first = expect(p, T_IDENT, "an output class name after 'new'")) == NULL)
		goto fail;
	/* The class name may be qualified. */
	t = first;
	while (at(p, T_DOT) && peek(p, 1)->type == T_IDENT) {
		advance(p);
		t = advance(p);
	}
	len = (size_t)(t->text + t->len - first->text);
	a->output = pstrndup(p, first->text, len);
	a->oline = first->line;
	a->ocol = first->col;
	if (expect(p, T_LPAREN, "'()' after the output class name") == NULL ||
	    expect(p, T_RPAREN, "')': output constructors take no argument") == NULL ||
	    expect(p, T_DOT, "'.report(' after the output") == NULL ||
	    expect_word(p, "report", "report( after the output: new X().report($map, drools.getRule().getName())") == NULL ||
	    expect(p, T_LPAREN, "'(' after report") == NULL)
		goto fail;
	if ((var = expect(p, T_IDENT, "the pattern's variable as report's first argument")) == NULL)
		goto fail;
	if (check_var(p, var) < 0)
		goto fail;
	a->var = p->rule->binding;
	a->vline = var->line;
	a->vcol = var->col;
	if (expect(p, T_COMMA, "',' after report's first argument") == NULL)
		goto fail;
	if (at(p, T_STRING)) {
		t = advance(p);
		a->alert_name = pstrndup(p, t->str, t->slen);
	} else if (at_word(p, "drools")) {
		if (parse_rule_name_call(p) < 0)
			goto fail;
	} else {
		expected(p, "drools.getRule().getName() or a string as report's second argument");
		goto fail;
	}
	if (expect(p, T_RPAREN, "')' after report's arguments") == NULL ||
	    expect(p, T_SEMI, "';' after the statement") == NULL)
		goto fail;
	for (tail = &p->rule->actions; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = a;
	return;
fail:
	skip_statement(p);
}

static void
add_part(struct parser *p, struct vec *parts, enum drl_part_kind kind,
    const struct drl_token *tok)
{
	struct drl_part *part = palloc(p, sizeof(*part));

	if (part == NULL)
		return;
	part->kind = kind;
	part->line = tok->line;
	part->col = tok->col;
	vec_push(p, parts, part);
}

static int parse_print_sum(struct parser *p, struct vec *parts);

static int
parse_print_term(struct parser *p, struct vec *parts)
{
	struct drl_token *t = cur(p), *k;
	struct drl_part *part;

	if (at(p, T_LPAREN)) {
		advance(p);
		if (parse_print_sum(p, parts) < 0)
			return -1;
		return expect(p, T_RPAREN, "')'") ? 0 : -1;
	}
	if (t->type == T_STRING || t->type == T_INT || t->type == T_DECIMAL ||
	    drl_tok_is(t, "true") || drl_tok_is(t, "false") ||
	    drl_tok_is(t, "null")) {
		advance(p);
		add_part(p, parts, P_TEXT, t);
		if (parts->n > 0 && !p->oom) {
			part = parts->v[parts->n - 1];
			if (t->type == T_STRING) {
				part->text = t->str;	/* already in the arena */
				part->len = t->slen;
			} else {
				/* The source text goes away after parsing. */
				part->len = t->type == T_IDENT ? t->len : t->slen;
				part->text = pstrndup(p, t->text, part->len);
			}
		}
		return 0;
	}
	if (drl_tok_is(t, "drools")) {
		if (parse_rule_name_call(p) < 0)
			return -1;
		add_part(p, parts, P_RULE_NAME, t);
		return 0;
	}
	if (t->type == T_IDENT && (t->text[0] == '$' || p->rule->binding != NULL) &&
	    !drl_tok_is(t, "System")) {
		if (check_var(p, t) < 0)
			return -1;
		advance(p);
		k = NULL;
		if (at(p, T_DOT) && drl_tok_is(peek(p, 1), "get")) {
			advance(p);
			advance(p);
			if (expect(p, T_LPAREN, "'(' after get") == NULL ||
			    (k = expect(p, T_STRING, "the key as a string literal")) == NULL ||
			    expect(p, T_RPAREN, "')' after the key") == NULL)
				return -1;
		} else if (at(p, T_LBRACKET)) {
			advance(p);
			if ((k = expect(p, T_STRING, "the key as a string literal")) == NULL ||
			    expect(p, T_RBRACKET, "']' after the key") == NULL)
				return -1;
		}
		add_part(p, parts, k != NULL ? P_MAP_GET : P_MAP, t);
		if (k != NULL && parts->n > 0 && !p->oom) {
			part = parts->v[parts->n - 1];
			part->keytext = k->str;
			part->keylen = k->slen;
			part->line = k->line;
			part->col = k->col;
		}
		return 0;
	}
	expected(p, "a string, drools.getRule().getName() or the pattern's variable in println");
	return -1;
}

static int
parse_print_sum(struct parser *p, struct vec *parts)
{
	if (parse_print_term(p, parts) < 0)
		return -1;
	while (at(p, T_PLUS)) {
		advance(p);
		if (parse_print_term(p, parts) < 0)
			return -1;
	}
	return 0;
}

/* System.out.println(...); cur is 'System'. */
static void
parse_print(struct parser *p)
{
	struct drl_action *a = palloc(p, sizeof(*a)), **tail;
	struct drl_token *start = advance(p), *stream;
	struct vec parts = { NULL, 0, 0 };

	if (a == NULL)
		return;
	a->kind = A_PRINT;
	a->line = start->line;
	a->col = start->col;
	if (expect(p, T_DOT, "'.out.println(' after System") == NULL)
		goto fail;
	stream = cur(p);
	if (!drl_tok_is(stream, "out") && !drl_tok_is(stream, "err")) {
		expected(p, "'out' or 'err' after System.");
		goto fail;
	}
	a->to_stderr = drl_tok_is(stream, "err");
	advance(p);
	if (expect(p, T_DOT, "'.println(' after System.out") == NULL)
		goto fail;
	if (!at_word(p, "println") && !at_word(p, "print")) {
		expected(p, "println after System.out.");
		goto fail;
	}
	advance(p);
	if (expect(p, T_LPAREN, "'(' after println") == NULL)
		goto fail;
	if (!at(p, T_RPAREN) && parse_print_sum(p, &parts) < 0)
		goto fail;
	if (expect(p, T_RPAREN, "')' after println's argument") == NULL ||
	    expect(p, T_SEMI, "';' after the statement") == NULL)
		goto fail;
	a->nparts = parts.n;
	a->parts = (struct drl_part *)NULL;
	if (parts.n > 0) {
		struct drl_part *arr = palloc(p, parts.n * sizeof(*arr));
		unsigned i;

		if (arr != NULL) {
			for (i = 0; i < parts.n; i++)
				arr[i] = *(struct drl_part *)parts.v[i];
		}
		a->parts = arr;
	}
	free(parts.v);
	for (tail = &p->rule->actions; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = a;
	return;
fail:
	free(parts.v);
	skip_statement(p);
}

static void
parse_rhs(struct parser *p)
{
	struct drl_token *t;

	while (!at(p, T_EOF) && !at_word(p, "end")) {
		t = cur(p);
		if (is_top_keyword(t) && !drl_tok_is(t, "import"))
			return;
		if (at(p, T_SEMI)) {
			advance(p);
		} else if (drl_tok_is(t, "new")) {
			parse_report(p);
		} else if (drl_tok_is(t, "System")) {
			parse_print(p);
		} else {
			error_at(p, t, "unsupported action: expected new X().report($map, drools.getRule().getName()); or System.out.println(...);");
			skip_statement(p);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Rule header: metadata and attributes                                */
/* ------------------------------------------------------------------ */

/* Skip a balanced "( ... )" if one starts here. */
static void
skip_parens(struct parser *p)
{
	int depth = 0;

	if (!at(p, T_LPAREN))
		return;
	do {
		if (at(p, T_LPAREN))
			depth++;
		else if (at(p, T_RPAREN))
			depth--;
		advance(p);
	} while (depth > 0 && !at(p, T_EOF));
}

static const char *
meta_string(struct parser *p, const char *key)
{
	struct drl_token *t;
	char what[64];

	snprintf(what, sizeof(what), "a string in @%s(...)", key);
	if ((t = expect(p, T_STRING, what)) == NULL)
		return NULL;
	return pstrndup(p, t->str, t->slen);
}

static void
parse_tags(struct parser *p)
{
	struct drl_rule *r = p->rule;
	struct vec tags = { NULL, 0, 0 };
	const char *s;

	for (;;) {
		if ((s = meta_string(p, "tags")) == NULL) {
			free(tags.v);
			return;
		}
		vec_push(p, &tags, (void *)s);
		if (!at(p, T_COMMA))
			break;
		advance(p);
	}
	r->ntags = tags.n;
	r->tags = (const char **)vec_finish(p, &tags);
}

static const char *const severities[] = {
	"critical", "high", "medium", "low", "info", NULL
};

static void
parse_severity(struct parser *p)
{
	struct drl_token *t = cur(p);
	const char *value;
	size_t n;
	int i;

	if (t->type == T_IDENT) {
		value = t->text;
		n = t->len;
	} else if (t->type == T_STRING) {
		value = t->str;
		n = t->slen;
	} else {
		expected(p, "a severity in @severity(...)");
		return;
	}
	advance(p);
	for (i = 0; severities[i] != NULL; i++) {
		if (strlen(severities[i]) == n && memcmp(severities[i], value, n) == 0) {
			p->rule->severity = severities[i];
			return;
		}
	}
	error_at(p, t, "unknown severity '%.*s': expected critical, high, medium, low or info",
	    (int)n, value);
}

/* @key(value); cur is '@'. */
static void
parse_meta(struct parser *p)
{
	struct drl_rule *r = p->rule;
	struct drl_token *at_tok = advance(p), *key;
	const char **slot = NULL;
	int dup = 0;

	if ((key = expect(p, T_IDENT, "a metadata name after '@'")) == NULL)
		goto skip;
	if (drl_tok_is(key, "severity"))
		dup = r->severity != NULL;
	else if (drl_tok_is(key, "description"))
		dup = *(slot = &r->description) != NULL;
	else if (drl_tok_is(key, "runbook"))
		dup = *(slot = &r->runbook) != NULL;
	else if (drl_tok_is(key, "tags"))
		dup = r->tags != NULL;
	else {
		drl_warning(p->diag, at_tok->line, at_tok->col,
		    "unknown metadata @%.*s is ignored (known: @severity, @description, @runbook, @tags)",
		    (int)key->len, key->text);
		skip_parens(p);
		return;
	}
	if (dup) {
		error_at(p, at_tok, "@%.*s is given twice", (int)key->len, key->text);
		goto skip;
	}
	if (expect(p, T_LPAREN, "'(' after the metadata name") == NULL)
		goto skip;
	if (drl_tok_is(key, "severity"))
		parse_severity(p);
	else if (drl_tok_is(key, "tags"))
		parse_tags(p);
	else
		*slot = meta_string(p, key->text[0] == 'd' ? "description" : "runbook");
	if (p->panic)
		goto skip;
	if (expect(p, T_RPAREN, "')' after the metadata value") == NULL)
		goto skip;
	return;
skip:
	while (!at(p, T_EOF) && !at(p, T_RPAREN) && !at_word(p, "when") &&
	    !at_word(p, "then") && !at_word(p, "end") && !at(p, T_AT))
		advance(p);
	if (at(p, T_RPAREN))
		advance(p);
	p->panic = 0;
}

/* Attribute names are hyphenated words: no-loop, date-effective. */
static size_t
attribute_name(struct parser *p, char *buf, size_t len)
{
	struct drl_token *t = advance(p);
	size_t n = 0;

	n = (size_t)snprintf(buf, len, "%.*s", (int)t->len, t->text);
	while (at(p, T_MINUS) && cur(p)->glued && peek(p, 1)->type == T_IDENT &&
	    peek(p, 1)->glued) {
		advance(p);
		t = advance(p);
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "-%.*s",
		    (int)t->len, t->text);
		if (n >= len)
			n = len - 1;
	}
	return n;
}

static int
attr_bool(struct parser *p, const char *name, int optional, int *out)
{
	char what[96];

	if (at_word(p, "true") || at_word(p, "false")) {
		*out = at_word(p, "true");
		advance(p);
		return 0;
	}
	if (optional) {
		*out = 1;
		return 0;
	}
	snprintf(what, sizeof(what), "true or false after '%s'", name);
	expected(p, what);
	return -1;
}

/* Words that start an attribute, or end the attribute list. */
static int
is_attribute_start(const struct drl_token *t)
{
	static const char *const words[] = {
		"salience", "enabled", "activation", "date", "no", "dialect",
		"agenda", "auto", "lock", "ruleflow", "duration", "timer",
		"calendars", "refract", "direct", "when", "then", "end", NULL
	};
	int i;

	if (t->type != T_IDENT)
		return 0;
	for (i = 0; words[i] != NULL; i++) {
		if (drl_tok_is(t, words[i]))
			return 1;
	}
	return is_top_keyword(t);
}

static const char *const refused_attributes[] = {
	"agenda-group", "auto-focus", "lock-on-active", "ruleflow-group",
	"duration", "timer", "calendars", "refract", "direct", NULL
};

static void
parse_attribute(struct parser *p, unsigned *seen)
{
	static const char *const known[] = {
		"salience", "enabled", "activation-group", "date-effective",
		"date-expires", "no-loop", "dialect", NULL
	};
	struct drl_rule *r = p->rule;
	struct drl_token *start = cur(p), *v;
	char name[64];
	int i, neg = 0, dummy;

	attribute_name(p, name, sizeof(name));
	for (i = 0; known[i] != NULL; i++) {
		if (strcmp(name, known[i]) == 0)
			break;
	}
	if (known[i] == NULL) {
		int j;

		for (j = 0; refused_attributes[j] != NULL; j++) {
			if (strcmp(name, refused_attributes[j]) == 0)
				break;
		}
		if (refused_attributes[j] != NULL)
			error_at(p, start, "attribute '%s' is not supported (supported: salience, enabled, activation-group, date-effective, date-expires, no-loop, dialect)",
			    name);
		else
			error_at(p, start, "unknown attribute '%s': expected salience, enabled, activation-group, date-effective, date-expires, no-loop, dialect or 'when'",
			    name);
		goto skip;
	}
	if (*seen & (1u << i)) {
		error_at(p, start, "attribute '%s' is given twice", name);
		goto skip;
	}
	*seen |= 1u << i;
	if (strcmp(name, "salience") == 0) {
		if (at(p, T_MINUS)) {
			neg = 1;
			advance(p);
		}
		if ((v = expect(p, T_INT, "an integer after 'salience'")) == NULL)
			goto skip;
		r->salience = strtoll(v->text, NULL, 10) * (neg ? -1 : 1);
		if (v->slen > 10) {
			error_at(p, v, "salience %.*s is out of range (a Java int)",
			    (int)v->slen, v->text);
			goto skip;
		}
	} else if (strcmp(name, "enabled") == 0) {
		if (attr_bool(p, name, 0, &r->enabled) < 0)
			goto skip;
	} else if (strcmp(name, "no-loop") == 0) {
		if (attr_bool(p, name, 1, &dummy) < 0)
			goto skip;
	} else if (strcmp(name, "activation-group") == 0) {
		if ((v = expect(p, T_STRING, "a group name (a string) after 'activation-group'")) == NULL)
			goto skip;
		r->group = pstrndup(p, v->str, v->slen);
	} else if (strcmp(name, "dialect") == 0) {
		if (expect(p, T_STRING, "\"java\" or \"mvel\" after 'dialect'") == NULL)
			goto skip;
	} else {
		int effective = strcmp(name, "date-effective") == 0;
		int64_t when;

		if ((v = expect(p, T_STRING, effective ?
		    "a date (\"4-Sep-2018\") after 'date-effective'" :
		    "a date (\"4-Sep-2018\") after 'date-expires'")) == NULL)
			goto skip;
		if (drl_date_parse(v->str, v->slen, &when) < 0) {
			error_at(p, v, "invalid date \"%.*s\": expected dd-MMM-yyyy, as \"4-Sep-2018\" (optionally followed by \" HH:mm\")",
			    (int)v->slen, v->str);
			goto skip;
		}
		if (effective) {
			r->has_effective = 1;
			r->effective = when;
		} else {
			r->has_expires = 1;
			r->expires = when;
		}
	}
	return;
skip:
	/* Resynchronise on the next attribute or 'when'; the bad value, if
	 * it was not consumed, goes. */
	if (at(p, T_LPAREN))
		skip_parens(p);
	else if (!at(p, T_AT) && !is_attribute_start(cur(p)))
		advance(p);
	while (!at(p, T_EOF) && !at(p, T_AT) && !is_attribute_start(cur(p)))
		advance(p);
	p->panic = 0;
}

static void
parse_rule(struct parser *p)
{
	struct drl_rule *r = palloc(p, sizeof(*r));
	struct drl_token *name;
	unsigned seen = 0;

	advance(p);	/* 'rule' */
	if (r == NULL)
		return;
	r->enabled = 1;
	r->group_id = -1;
	r->file = p->file->path;
	p->rule = r;
	name = cur(p);
	if (name->type == T_STRING) {
		r->name = pstrndup(p, name->str, name->slen);
	} else if (name->type == T_IDENT && !drl_tok_is(name, "when")) {
		r->name = pstrndup(p, name->text, name->len);
	} else {
		expected(p, "the rule name (a string) after 'rule'");
		skip_rule(p);
		return;
	}
	if (name->type == T_STRING && name->slen == 0) {
		error_at(p, name, "the rule name is empty");
		skip_rule(p);
		return;
	}
	advance(p);
	r->line = name->line;
	r->col = name->col;
	if (at_word(p, "extends")) {
		error_at(p, cur(p), "rule inheritance ('extends') is not supported");
		skip_rule(p);
		return;
	}
	while (at(p, T_AT))
		parse_meta(p);
	while (!at(p, T_EOF) && !at_word(p, "when") && !at_word(p, "then") &&
	    !at_word(p, "end")) {
		if (at(p, T_COMMA)) {
			advance(p);
		} else if (at(p, T_AT)) {
			error_at(p, cur(p), "metadata (@...) must come before the attributes");
			p->panic = 0;
			parse_meta(p);
		} else if (at(p, T_IDENT)) {
			if (is_top_keyword(cur(p)))
				break;
			parse_attribute(p, &seen);
		} else {
			expected(p, "an attribute or 'when'");
			p->panic = 0;
			advance(p);
		}
	}
	if (at_word(p, "when")) {
		advance(p);
		parse_lhs(p);
	}
	if (!at_word(p, "then")) {
		expected(p, "'then'");
		skip_rule(p);
		goto keep;
	}
	advance(p);
	parse_rhs(p);
	if (!at_word(p, "end")) {
		expected(p, "'end' to close the rule");
		p->panic = 0;
		goto keep;
	}
	advance(p);
keep:
	*p->file->tail = r;
	p->file->tail = &r->next;
	p->rule = NULL;
}

/* ------------------------------------------------------------------ */
/* File structure                                                      */
/* ------------------------------------------------------------------ */

/* a.b.c; returns its text (arena), NULL on error. */
static const char *
parse_qualified(struct parser *p, const char *what, int *wildcard)
{
	struct drl_token *first, *last;

	if ((first = expect(p, T_IDENT, what)) == NULL)
		return NULL;
	last = first;
	*wildcard = 0;
	while (at(p, T_DOT)) {
		advance(p);
		if (at(p, T_STAR) && wildcard != NULL) {
			advance(p);
			*wildcard = 1;
			break;
		}
		if ((last = expect(p, T_IDENT, "a name after '.'")) == NULL)
			return NULL;
	}
	return pstrndup(p, first->text, (size_t)(last->text + last->len - first->text));
}

static void
parse_package(struct parser *p)
{
	int wildcard = 0;

	advance(p);
	if (parse_qualified(p, "a package name after 'package'", &wildcard) == NULL) {
		skip_to_top(p);
		return;
	}
	if (at(p, T_SEMI))
		advance(p);
}

static void
parse_import(struct parser *p)
{
	struct drl_token *start = advance(p);
	struct drl_import *imp;
	const char *name;
	int wildcard = 0;

	if (at_word(p, "function") || at_word(p, "static")) {
		error_at(p, cur(p), "'import %.*s' is not supported",
		    (int)cur(p)->len, cur(p)->text);
		skip_to_top(p);
		return;
	}
	if ((name = parse_qualified(p, "a class name after 'import'", &wildcard)) == NULL) {
		skip_to_top(p);
		return;
	}
	if (at(p, T_SEMI))
		advance(p);
	/* java.* classes (Map, ...) mean nothing to the subset. */
	if (strncmp(name, "java.", 5) == 0)
		return;
	if (strncmp(name, "cloudengine.AlertServices.", 26) != 0 &&
	    !(wildcard && strcmp(name, "cloudengine.AlertServices") == 0)) {
		drl_error(p->diag, start->line, start->col,
		    "cannot import '%s%s': only java.* classes and outputs (cloudengine.AlertServices.NAME) can be imported",
		    name, wildcard ? ".*" : "");
		return;
	}
	if ((imp = palloc(p, sizeof(*imp))) == NULL)
		return;
	imp->name = wildcard ? name : name + 26;
	imp->wildcard = wildcard;
	imp->line = start->line;
	imp->col = start->col;
	imp->next = p->file->imports;
	p->file->imports = imp;
}

/* global, query, declare, function: refused, and skipped whole. */
static void
refuse_construct(struct parser *p)
{
	struct drl_token *t = advance(p);
	int depth = 0;

	if (drl_tok_is(t, "global"))
		drl_error(p->diag, t->line, t->col,
		    "'global' is not supported: rules only see the event (Map) and call outputs");
	else if (drl_tok_is(t, "function"))
		drl_error(p->diag, t->line, t->col,
		    "'function' is not supported: use the String methods in constraints");
	else
		drl_error(p->diag, t->line, t->col,
		    "'%.*s' is not supported: a rule file holds rules, imports and a package",
		    (int)t->len, t->text);
	if (drl_tok_is(t, "query") || drl_tok_is(t, "declare")) {
		while (!at(p, T_EOF) && !at_word(p, "end"))
			advance(p);
		advance(p);
	} else if (drl_tok_is(t, "function")) {
		while (!at(p, T_EOF) && !at(p, T_LBRACE))
			advance(p);
		do {
			if (at(p, T_LBRACE))
				depth++;
			else if (at(p, T_RBRACE))
				depth--;
			advance(p);
		} while (depth > 0 && !at(p, T_EOF));
	} else {
		while (!at(p, T_EOF) && !at(p, T_SEMI) && !is_top_keyword(cur(p)))
			advance(p);
		if (at(p, T_SEMI))
			advance(p);
	}
	p->panic = 0;
}

static void
parse_file(struct parser *p)
{
	struct drl_token *t;

	while (!at(p, T_EOF) && !p->oom) {
		t = cur(p);
		if (drl_tok_is(t, "package")) {
			parse_package(p);
		} else if (drl_tok_is(t, "import")) {
			parse_import(p);
		} else if (drl_tok_is(t, "rule")) {
			parse_rule(p);
		} else if (drl_tok_is(t, "global") || drl_tok_is(t, "query") ||
		    drl_tok_is(t, "declare") || drl_tok_is(t, "function")) {
			refuse_construct(p);
		} else if (drl_tok_is(t, "dialect") && peek(p, 1)->type == T_STRING) {
			advance(p);	/* a file-level dialect: no effect */
			advance(p);
		} else {
			expected(p, "'rule', 'import' or 'package'");
			skip_to_top(p);
		}
	}
}

int
drl_parse(const char *path, const char *src, size_t len,
    struct drl_arena *arena, struct drl_diag *diag, struct drl_file *out)
{
	struct drl_tokens toks = { NULL, 0, 0 };
	struct parser p;
	int rc;

	memset(out, 0, sizeof(*out));
	out->path = path;
	out->tail = &out->rules;
	if ((rc = drl_lex(src, len, arena, diag, &toks)) < 0)
		goto done;
	memset(&p, 0, sizeof(p));
	p.t = toks.v;
	p.n = toks.n;
	p.arena = arena;
	p.diag = diag;
	p.file = out;
	parse_file(&p);
	rc = p.oom ? -ENOMEM : 0;
done:
	drl_tokens_free(&toks);
	return rc;
}
