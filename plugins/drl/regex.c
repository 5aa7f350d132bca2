/*
 * regex.c - Java regular expressions on PCRE2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regex.h"
#include "value.h"

/* Backtracking memory per match, in KiB: far above what a sane pattern
 * needs on a CloudTrail field, far below what would hurt the process. */
#define REGEX_HEAP_LIMIT_KIB	8192

int
drl_regex_env_init(struct drl_regex_env *env, uint32_t match_limit)
{
	uint32_t jit = 0;

	memset(env, 0, sizeof(*env));
	env->cctx = pcre2_compile_context_create(NULL);
	env->mctx = pcre2_match_context_create(NULL);
	if (env->cctx == NULL || env->mctx == NULL) {
		drl_regex_env_free(env);
		return -ENOMEM;
	}
	/* Java's line terminators: \n, \r\n, \r, U+0085, U+2028, U+2029. */
	pcre2_set_newline(env->cctx, PCRE2_NEWLINE_ANY);
	pcre2_set_match_limit(env->mctx, match_limit);
	pcre2_set_depth_limit(env->mctx, match_limit);
	pcre2_set_heap_limit(env->mctx, REGEX_HEAP_LIMIT_KIB);
	if (pcre2_config(PCRE2_CONFIG_JIT, &jit) >= 0)
		env->jit = jit != 0;
	return 0;
}

void
drl_regex_env_free(struct drl_regex_env *env)
{
	pcre2_compile_context_free(env->cctx);
	pcre2_match_context_free(env->mctx);
	memset(env, 0, sizeof(*env));
}

/* ------------------------------------------------------------------ */
/* Java syntax to PCRE2 syntax                                         */
/* ------------------------------------------------------------------ */

struct xlat {
	const char	*p, *end;
	char		*out;
	size_t		 n, cap;
	char		*err;
	size_t		 errlen;
	int		 oom;
};

static void
x_put(struct xlat *x, const char *s, size_t n)
{
	if (x->oom)
		return;
	if (x->n + n + 1 > x->cap) {
		size_t cap = (x->cap + n + 16) * 2;
		char *p = realloc(x->out, cap);

		if (p == NULL) {
			x->oom = 1;
			return;
		}
		x->out = p;
		x->cap = cap;
	}
	memcpy(x->out + x->n, s, n);
	x->n += n;
	x->out[x->n] = '\0';
}

static void
x_putc(struct xlat *x, char c)
{
	x_put(x, &c, 1);
}

static int
x_fail(struct xlat *x, const char *msg)
{
	snprintf(x->err, x->errlen, "%s", msg);
	return -EINVAL;
}

/* Java's POSIX classes (\p{Lower}) and their PCRE2 bracket names. */
static const char *const posix_names[][2] = {
	{ "Lower", "lower" }, { "Upper", "upper" }, { "ASCII", "ascii" },
	{ "Alpha", "alpha" }, { "Digit", "digit" }, { "Alnum", "alnum" },
	{ "Punct", "punct" }, { "Graph", "graph" }, { "Print", "print" },
	{ "Blank", "blank" }, { "Cntrl", "cntrl" }, { "XDigit", "xdigit" },
	{ "Space", "space" },
	{ NULL, NULL }
};

/* \p{...} / \P{...}; x->p is on the 'p' or 'P'. */
static int
x_property(struct xlat *x, int in_class)
{
	int neg = *x->p == 'P';
	const char *name, *close;
	size_t n;
	int i;

	if (x->p + 1 >= x->end || x->p[1] != '{') {
		/* \pL: a one-letter category, same in both. */
		x_putc(x, '\\');
		x_putc(x, *x->p++);
		return 0;
	}
	name = x->p + 2;
	close = memchr(name, '}', (size_t)(x->end - name));
	if (close == NULL)
		return x_fail(x, "unclosed \\p{...} property");
	n = (size_t)(close - name);
	for (i = 0; posix_names[i][0] != NULL; i++) {
		if (strlen(posix_names[i][0]) == n &&
		    memcmp(posix_names[i][0], name, n) == 0)
			break;
	}
	if (posix_names[i][0] != NULL) {
		const char *pn = posix_names[i][1];

		/* Outside a class: [[:lower:]] or [^[:lower:]]; inside one:
		 * [:lower:] or [:^lower:]. */
		if (!in_class)
			x_put(x, neg ? "[^" : "[", neg ? 2 : 1);
		if (neg && in_class)
			x_put(x, "[:^", 3);
		else
			x_put(x, "[:", 2);
		x_put(x, pn, strlen(pn));
		x_put(x, ":]", 2);
		if (!in_class)
			x_putc(x, ']');
	} else {
		/* \p{IsLatin}, \p{IsL}: PCRE2 names them without "Is";
		 * javaLowerCase and friends map to general categories. */
		if (n > 2 && memcmp(name, "Is", 2) == 0) {
			name += 2;
			n -= 2;
		} else if (n == 13 && memcmp(name, "javaLowerCase", 13) == 0) {
			name = "Ll";
			n = 2;
		} else if (n == 13 && memcmp(name, "javaUpperCase", 13) == 0) {
			name = "Lu";
			n = 2;
		}
		x_put(x, neg ? "\\P{" : "\\p{", 3);
		x_put(x, name, n);
		x_putc(x, '}');
	}
	x->p = close + 1;
	return 0;
}

static int
is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* One escape; x->p is on the character after the backslash. */
static int
x_escape(struct xlat *x, int in_class, int *in_quote)
{
	char c = *x->p;
	int i, max;

	switch (c) {
	case 'Q':
		*in_quote = 1;
		x_put(x, "\\Q", 2);
		x->p++;
		return 0;
	case 'u':
		for (i = 1; i <= 4; i++) {
			if (x->p + i >= x->end || !is_hex((unsigned char)x->p[i]))
				return x_fail(x, "illegal unicode escape: expected four hexadecimal digits after \\u");
		}
		x_put(x, "\\x{", 3);
		x_put(x, x->p + 1, 4);
		x_putc(x, '}');
		x->p += 5;
		return 0;
	case 'p':
	case 'P':
		return x_property(x, in_class);
	case '0':
		/* Java: \0n, \0nn, \0mnn (m <= 3); PCRE2 reads \0 differently. */
		x->p++;
		max = (x->p < x->end && *x->p >= '0' && *x->p <= '3') ? 3 : 2;
		x_put(x, "\\o{", 3);
		for (i = 0; i < max && x->p < x->end && *x->p >= '0' && *x->p <= '7'; i++)
			x_putc(x, *x->p++);
		if (i == 0)
			return x_fail(x, "illegal octal escape: expected an octal digit after \\0");
		x_putc(x, '}');
		return 0;
	default:
		x_putc(x, '\\');
		x_putc(x, c);
		x->p++;
		return 0;
	}
}

/* "(?flags)" or "(?flags:"; x->p is on the '('. */
static int
x_flags(struct xlat *x)
{
	const char *q = x->p + 2;

	while (q < x->end && (strchr("idmsuxU-", *q) != NULL) && *q != '\0')
		q++;
	if (q >= x->end || (*q != ')' && *q != ':') || q == x->p + 2) {
		x_put(x, "(?", 2);	/* (?=, (?<name>...: the same in both */
		x->p += 2;
		return 0;
	}
	x_put(x, "(?", 2);
	for (x->p += 2; x->p < q; x->p++) {
		if (*x->p == 'd')
			return x_fail(x, "flag (?d) (UNIX_LINES) is not supported");
		if (*x->p == 'U')
			return x_fail(x, "flag (?U) (UNICODE_CHARACTER_CLASS) is not supported");
		/* (?u): PCRE2 case folding is Unicode already. */
		if (*x->p != 'u')
			x_putc(x, *x->p);
	}
	return 0;
}

int
drl_regex_translate(const char *pat, size_t len, char **out, size_t *outlen,
    char *err, size_t errlen)
{
	struct xlat x;
	int in_class = 0, in_quote = 0, class_start = 0, rc = 0;

	memset(&x, 0, sizeof(x));
	x.p = pat;
	x.end = pat + len;
	x.err = err;
	x.errlen = errlen;
	x_put(&x, "", 0);
	while (x.p < x.end && rc == 0) {
		char c = *x.p;

		if (in_quote) {
			if (c == '\\' && x.p + 1 < x.end && x.p[1] == 'E') {
				in_quote = 0;
				x_put(&x, "\\E", 2);
				x.p += 2;
			} else {
				x_putc(&x, c);
				x.p++;
			}
			continue;
		}
		if (c == '\\') {
			if (++x.p >= x.end) {
				rc = x_fail(&x, "the pattern ends with a lone backslash");
				break;
			}
			rc = x_escape(&x, in_class, &in_quote);
			class_start = 0;
			continue;
		}
		if (in_class) {
			if (c == '[' && !class_start) {
				rc = x_fail(&x, "nested character classes ([a[b]]) are not supported");
			} else if (c == '&' && x.p + 1 < x.end && x.p[1] == '&') {
				rc = x_fail(&x, "character class intersection (&&) is not supported");
			} else if (c == ']' && !class_start) {
				in_class = 0;
			} else if (c == '^' && class_start == 1 && x.p[-1] == '[') {
				class_start = 2;	/* "[^": a ']' next is literal */
				x_putc(&x, c);
				x.p++;
				continue;
			}
			class_start = 0;
			x_putc(&x, c);
			x.p++;
			continue;
		}
		if (c == '[') {
			in_class = 1;
			class_start = 1;
			x_putc(&x, c);
			x.p++;
			continue;
		}
		if (c == '(' && x.p + 1 < x.end && x.p[1] == '?') {
			rc = x_flags(&x);
			continue;
		}
		x_putc(&x, c);
		x.p++;
	}
	if (rc == 0 && x.oom)
		rc = -ENOMEM;
	if (rc < 0) {
		free(x.out);
		return rc;
	}
	*out = x.out;
	*outlen = x.n;
	return 0;
}

/*
 * For a pattern of the form [.*]LITERAL[.*] (the common "contains",
 * "starts with", "ends with" written as a regex), the literal: any string
 * the pattern matches holds it, so a subject without it cannot match.
 * Other forms get none; that only costs speed.
 */
static void
find_need(struct drl_regex *re, const char *pat, size_t len)
{
	size_t i, start = 0;

	if (len >= 2 && pat[0] == '.' && pat[1] == '*')
		start = 2;
	if (len >= start + 2 && pat[len - 2] == '.' && pat[len - 1] == '*')
		len -= 2;
	for (i = start; i < len; i++) {
		if (strchr("\\.[]{}()*+?^$|", pat[i]) != NULL || pat[i] == '\0')
			return;
	}
	re->need_off = start;
	re->need_len = len > start ? len - start : 0;
}

struct drl_regex *
drl_regex_compile(const struct drl_regex_env *env, const char *pat,
    size_t len, char *err, size_t errlen)
{
	struct drl_regex *re = NULL;
	char *tr = NULL, msg[256];
	size_t trlen, off;
	int code;

	if (drl_regex_translate(pat, len, &tr, &trlen, err, errlen) < 0)
		return NULL;
	if ((re = calloc(1, sizeof(*re))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* Java's matches() covers the whole subject: anchor both ends
	 * rather than wrapping in ^...$, which would let "$" match before
	 * a trailing newline. */
	re->code = pcre2_compile((PCRE2_SPTR)tr, trlen,
	    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_ANCHORED |
	    PCRE2_ENDANCHORED, &code, &off, env->cctx);
	if (re->code == NULL) {
		pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof(msg));
		snprintf(err, errlen, "%s at offset %zu", msg, off);
		goto fail;
	}
	if (env->jit && pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0)
		re->jit = 1;
	if ((re->source = malloc(len + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	memcpy(re->source, pat, len);
	re->source[len] = '\0';
	find_need(re, pat, len);
	free(tr);
	return re;
fail:
	free(tr);
	drl_regex_free(re);
	return NULL;
}

void
drl_regex_free(struct drl_regex *re)
{
	if (re == NULL)
		return;
	pcre2_code_free(re->code);
	free(re->source);
	free(re);
}

/* PCRE2 allocates match data and backtracking frames through these, from
 * the scratch arena: nothing to free one by one. */
static void *
scratch_malloc(PCRE2_SIZE n, void *arg)
{
	return drl_arena_alloc(arg, n);
}

static void
scratch_free(void *p, void *arg)
{
	(void)p;
	(void)arg;
}

void
drl_regex_scratch_init(struct drl_regex_scratch *s)
{
	drl_arena_init(&s->arena, s->buf, sizeof(s->buf));
	s->gctx = NULL;
	s->md = NULL;
}

void
drl_regex_scratch_free(struct drl_regex_scratch *s)
{
	drl_arena_free(&s->arena);
	s->gctx = NULL;
	s->md = NULL;
}

int
drl_regex_match(const struct drl_regex *re, const struct drl_regex_env *env,
    struct drl_regex_scratch *s, const char *subject, size_t len)
{
	int rc;

	if (re->need_len > 0 && !drl_str_contains(subject, len,
	    re->source + re->need_off, re->need_len))
		return 0;
	if (s->md == NULL) {
		s->gctx = pcre2_general_context_create(scratch_malloc,
		    scratch_free, &s->arena);
		if (s->gctx == NULL)
			return -ENOMEM;
		s->md = pcre2_match_data_create(1, s->gctx);
		if (s->md == NULL)
			return -ENOMEM;
	}
	rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, 0, 0, s->md,
	    env->mctx);
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
		rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, 0,
		    PCRE2_NO_JIT, s->md, env->mctx);
	if (rc >= 0)
		return 1;	/* 0: matched, ovector too small for groups */
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc == PCRE2_ERROR_NOMEMORY)
		return -ENOMEM;
	return -1;
}
