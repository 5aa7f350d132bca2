/*
 * lexer.c - DRL source text to tokens.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"

struct lexer {
	const char		*p, *end;
	unsigned		 line, col;
	struct drl_arena	*arena;
	struct drl_diag		*diag;
	struct drl_tokens	*out;
	int			 glued;
};

/* Advance one byte; columns count characters, not UTF-8 continuation bytes. */
static void
lx_step(struct lexer *lx)
{
	unsigned char c = (unsigned char)*lx->p++;

	if (c == '\n') {
		lx->line++;
		lx->col = 1;
	} else if ((c & 0xC0) != 0x80) {
		lx->col++;
	}
}

static int
lx_peek(const struct lexer *lx, size_t ahead)
{
	if ((size_t)(lx->end - lx->p) <= ahead)
		return -1;
	return (unsigned char)lx->p[ahead];
}

static int
is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c == '$' || c >= 0x80;
}

static int
is_ident_part(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static struct drl_token *
lx_push(struct lexer *lx, enum drl_tok type, const char *start,
    unsigned line, unsigned col)
{
	struct drl_tokens *t = lx->out;
	struct drl_token *tok;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct drl_token *v = realloc(t->v, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	tok = &t->v[t->n++];
	memset(tok, 0, sizeof(*tok));
	tok->type = type;
	tok->line = line;
	tok->col = col;
	tok->text = start;
	tok->len = (size_t)(lx->p - start);
	tok->glued = lx->glued;
	lx->glued = 1;
	return tok;
}

/* Skip blanks and comments (an unterminated comment is reported). */
static void
lx_skip_space(struct lexer *lx)
{
	for (;;) {
		int c = lx_peek(lx, 0);

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
		    c == '\f' || c == '\v') {
			lx_step(lx);
			lx->glued = 0;
		} else if ((c == '/' && lx_peek(lx, 1) == '/') || c == '#') {
			/* '#' line comments: the Drools 6 grammar still had them. */
			while (lx->p < lx->end && *lx->p != '\n')
				lx_step(lx);
			lx->glued = 0;
		} else if (c == '/' && lx_peek(lx, 1) == '*') {
			unsigned line = lx->line, col = lx->col;

			lx_step(lx);
			lx_step(lx);
			while (lx->p < lx->end &&
			    !(lx_peek(lx, 0) == '*' && lx_peek(lx, 1) == '/'))
				lx_step(lx);
			if (lx->p >= lx->end) {
				drl_error(lx->diag, line, col,
				    "unterminated comment: expected '*/' before the end of the file");
				return;
			}
			lx_step(lx);
			lx_step(lx);
			lx->glued = 0;
		} else {
			return;
		}
	}
}

static void
put_utf8(char *buf, size_t *n, unsigned long cp)
{
	if (cp < 0x80) {
		buf[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		buf[(*n)++] = (char)(0xC0 | (cp >> 6));
		buf[(*n)++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		buf[(*n)++] = (char)(0xE0 | (cp >> 12));
		buf[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		buf[(*n)++] = (char)(0x80 | (cp & 0x3F));
	} else {
		buf[(*n)++] = (char)(0xF0 | (cp >> 18));
		buf[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		buf[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		buf[(*n)++] = (char)(0x80 | (cp & 0x3F));
	}
}

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Read \uXXXX (lx->p on the 'u'); -1 when malformed. */
static long
lx_unicode_escape(struct lexer *lx)
{
	long v = 0;
	int i, h;

	while (lx_peek(lx, 0) == 'u')	/* Java allows \uuuu0041 */
		lx_step(lx);
	for (i = 0; i < 4; i++) {
		if ((h = hex_value(lx_peek(lx, 0))) < 0)
			return -1;
		v = v * 16 + h;
		lx_step(lx);
	}
	return v;
}

/*
 * Escapes the DRL lexer accepts beyond Java's: regular-expression escapes
 * such as "\d" or "\." keep their backslash, so a pattern may be written
 * with single or double backslashes, as in Drools.
 */
static int
is_regex_escape(int c)
{
	return c != '\0' && strchr(".oxaecdDsSwWpAGZzQE*[]()$^{}?+-&|B", c) != NULL;
}

/* One escape sequence after the backslash; appends to buf. */
static void
lx_escape(struct lexer *lx, char *buf, size_t *n, unsigned *pending_hi)
{
	unsigned line = lx->line, col = lx->col - 1;
	int c = lx_peek(lx, 0);
	long cp;

	switch (c) {
	case 'b': buf[(*n)++] = '\b'; lx_step(lx); return;
	case 't': buf[(*n)++] = '\t'; lx_step(lx); return;
	case 'n': buf[(*n)++] = '\n'; lx_step(lx); return;
	case 'f': buf[(*n)++] = '\f'; lx_step(lx); return;
	case 'r': buf[(*n)++] = '\r'; lx_step(lx); return;
	case '"': case '\'': case '\\':
		buf[(*n)++] = (char)c;
		lx_step(lx);
		return;
	case 'u':
		if ((cp = lx_unicode_escape(lx)) < 0) {
			drl_error(lx->diag, line, col,
			    "invalid unicode escape: expected four hexadecimal digits after '\\u'");
			return;
		}
		/* A surrogate pair becomes one UTF-8 character; a lone
		 * surrogate cannot be written in UTF-8 and becomes U+FFFD. */
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (*pending_hi)
				put_utf8(buf, n, 0xFFFD);
			*pending_hi = (unsigned)cp;
			return;
		}
		if (cp >= 0xDC00 && cp <= 0xDFFF) {
			if (*pending_hi) {
				put_utf8(buf, n, 0x10000 +
				    (((unsigned long)*pending_hi - 0xD800) << 10) +
				    ((unsigned long)cp - 0xDC00));
				*pending_hi = 0;
			} else {
				put_utf8(buf, n, 0xFFFD);
			}
			return;
		}
		put_utf8(buf, n, (unsigned long)cp);
		return;
	default:
		break;
	}
	if (c >= '0' && c <= '7') {
		int digits = c <= '3' ? 3 : 2;

		cp = 0;
		while (digits-- > 0 && lx_peek(lx, 0) >= '0' &&
		    lx_peek(lx, 0) <= '7') {
			cp = cp * 8 + (lx_peek(lx, 0) - '0');
			lx_step(lx);
		}
		put_utf8(buf, n, (unsigned long)cp);
		return;
	}
	if (is_regex_escape(c)) {
		buf[(*n)++] = '\\';
		buf[(*n)++] = (char)c;
		lx_step(lx);
		return;
	}
	if (c < 0) {
		return;
	}
	drl_error(lx->diag, line, col,
	    "invalid escape sequence '\\%c' in string: expected one of \\b \\t \\n \\f \\r \\\" \\' \\\\ \\uXXXX or an octal escape",
	    c >= 0x20 && c < 0x7F ? c : '?');
	lx_step(lx);
}

/* Bytes from the opening quote at p to the closing one (or the end). */
static size_t
string_extent(const char *p, const char *end)
{
	const char *q = p + 1;

	while (q < end && *q != *p) {
		if (*q == '\\' && q + 1 < end)
			q++;
		q++;
	}
	return (size_t)(q - p);
}

static int
lx_string(struct lexer *lx)
{
	const char *start = lx->p;
	unsigned line = lx->line, col = lx->col;
	int quote = *lx->p;
	struct drl_token *tok;
	unsigned pending_hi = 0;
	char *buf;
	size_t n = 0;

	/* The unescaped text is never longer than the source text up to the
	 * closing quote (a \uXXXX of 6 bytes makes at most 4). */
	buf = drl_arena_alloc(lx->arena, string_extent(lx->p, lx->end) + 4);
	if (buf == NULL)
		return -ENOMEM;
	lx_step(lx);
	while (lx->p < lx->end && *lx->p != quote) {
		if (*lx->p == '\\') {
			lx_step(lx);
			lx_escape(lx, buf, &n, &pending_hi);
			continue;
		}
		if (pending_hi) {
			put_utf8(buf, &n, 0xFFFD);
			pending_hi = 0;
		}
		buf[n++] = *lx->p;
		lx_step(lx);
	}
	if (pending_hi)
		put_utf8(buf, &n, 0xFFFD);
	if (lx->p >= lx->end) {
		drl_error(lx->diag, line, col,
		    "unterminated string: expected a closing %c before the end of the file",
		    quote);
	} else {
		lx_step(lx);
	}
	buf[n] = '\0';
	drl_arena_trim(lx->arena, buf, n + 1);
	if ((tok = lx_push(lx, T_STRING, start, line, col)) == NULL)
		return -ENOMEM;
	tok->str = buf;
	tok->slen = n;
	return 0;
}

static int
lx_number(struct lexer *lx)
{
	const char *start = lx->p;
	unsigned line = lx->line, col = lx->col;
	enum drl_tok type = T_INT;
	struct drl_token *tok;
	size_t lexlen;

	if (lx_peek(lx, 0) == '0' && (lx_peek(lx, 1) == 'x' || lx_peek(lx, 1) == 'X')) {
		while (lx->p < lx->end && is_ident_part((unsigned char)*lx->p))
			lx_step(lx);
		drl_error(lx->diag, line, col,
		    "hexadecimal numbers are not supported: expected a decimal number");
		if ((tok = lx_push(lx, T_INT, start, line, col)) == NULL)
			return -ENOMEM;
		tok->slen = 1;
		tok->text = "0";
		return 0;
	}
	while (is_digit(lx_peek(lx, 0)))
		lx_step(lx);
	if (lx_peek(lx, 0) == '.' && is_digit(lx_peek(lx, 1))) {
		type = T_DECIMAL;
		lx_step(lx);
		while (is_digit(lx_peek(lx, 0)))
			lx_step(lx);
	} else if (lx_peek(lx, 0) == '.' && lx->p > start &&
	    !is_ident_start(lx_peek(lx, 1))) {
		type = T_DECIMAL;	/* "5." as Java writes it */
		lx_step(lx);
	}
	if ((lx_peek(lx, 0) == 'e' || lx_peek(lx, 0) == 'E') &&
	    (is_digit(lx_peek(lx, 1)) ||
	    ((lx_peek(lx, 1) == '+' || lx_peek(lx, 1) == '-') &&
	    is_digit(lx_peek(lx, 2))))) {
		type = T_DECIMAL;
		lx_step(lx);
		lx_step(lx);
		while (is_digit(lx_peek(lx, 0)))
			lx_step(lx);
	}
	lexlen = (size_t)(lx->p - start);
	/* Java long (L) and DRL BigInteger/BigDecimal (I, B) suffixes are
	 * exact and accepted; float and double suffixes are not. */
	if (lx_peek(lx, 0) == 'L' || lx_peek(lx, 0) == 'l' ||
	    lx_peek(lx, 0) == 'I' || lx_peek(lx, 0) == 'B') {
		lx_step(lx);
	} else if (is_ident_part(lx_peek(lx, 0))) {
		while (lx->p < lx->end && is_ident_part((unsigned char)*lx->p))
			lx_step(lx);
		drl_error(lx->diag, line, col,
		    "invalid number '%.*s': expected digits, optionally followed by L, I or B",
		    (int)(lx->p - start), start);
	}
	if ((tok = lx_push(lx, type, start, line, col)) == NULL)
		return -ENOMEM;
	tok->slen = lexlen;
	return 0;
}

static int
lx_ident(struct lexer *lx)
{
	const char *start = lx->p;
	unsigned line = lx->line, col = lx->col;

	while (lx->p < lx->end && is_ident_part((unsigned char)*lx->p))
		lx_step(lx);
	return lx_push(lx, T_IDENT, start, line, col) ? 0 : -ENOMEM;
}

struct punct {
	const char	*text;
	enum drl_tok	 type;
};

/* Longest first. */
static const struct punct puncts[] = {
	{ "==", T_EQ }, { "!=", T_NE }, { "<=", T_LE }, { ">=", T_GE },
	{ "&&", T_AND }, { "||", T_OR },
	{ "(", T_LPAREN }, { ")", T_RPAREN }, { "[", T_LBRACKET },
	{ "]", T_RBRACKET }, { "{", T_LBRACE }, { "}", T_RBRACE },
	{ ",", T_COMMA }, { ";", T_SEMI }, { ":", T_COLON }, { ".", T_DOT },
	{ "@", T_AT }, { "<", T_LT }, { ">", T_GT }, { "!", T_BANG },
	{ "+", T_PLUS }, { "-", T_MINUS }, { "*", T_STAR }, { "/", T_SLASH },
	{ "=", T_ASSIGN },
	{ NULL, T_EOF }
};

static int
lx_punct(struct lexer *lx)
{
	const char *start = lx->p;
	unsigned line = lx->line, col = lx->col;
	const struct punct *pu;
	size_t n;

	for (pu = puncts; pu->text != NULL; pu++) {
		n = strlen(pu->text);
		if ((size_t)(lx->end - lx->p) >= n &&
		    memcmp(lx->p, pu->text, n) == 0) {
			while (n-- > 0)
				lx_step(lx);
			return lx_push(lx, pu->type, start, line, col) ? 0 : -ENOMEM;
		}
	}
	lx_step(lx);
	return lx_push(lx, T_OTHER, start, line, col) ? 0 : -ENOMEM;
}

int
drl_lex(const char *src, size_t len, struct drl_arena *arena,
    struct drl_diag *diag, struct drl_tokens *out)
{
	struct lexer lx;
	int c, rc = 0;

	memset(&lx, 0, sizeof(lx));
	lx.p = src;
	lx.end = src + len;
	lx.line = lx.col = 1;
	lx.arena = arena;
	lx.diag = diag;
	lx.out = out;
	/* A UTF-8 byte order mark is not part of the text. */
	if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0)
		lx.p += 3;
	for (;;) {
		lx_skip_space(&lx);
		if (lx.p >= lx.end)
			break;
		c = (unsigned char)*lx.p;
		if (c == '\0') {
			drl_error(diag, lx.line, lx.col,
			    "unexpected NUL byte: a rule file is text");
			lx_step(&lx);
			continue;
		}
		if (c == '"' || c == '\'')
			rc = lx_string(&lx);
		else if (is_digit(c) || (c == '.' && is_digit(lx_peek(&lx, 1))))
			rc = lx_number(&lx);
		else if (is_ident_start(c))
			rc = lx_ident(&lx);
		else
			rc = lx_punct(&lx);
		if (rc < 0)
			return rc;
	}
	if (lx_push(&lx, T_EOF, lx.p, lx.line, lx.col) == NULL)
		return -ENOMEM;
	return 0;
}

void
drl_tokens_free(struct drl_tokens *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

int
drl_tok_is(const struct drl_token *t, const char *word)
{
	size_t n = strlen(word);

	return t->type == T_IDENT && t->len == n && memcmp(t->text, word, n) == 0;
}

void
drl_token_describe(const struct drl_token *t, char *buf, size_t len)
{
	size_t n = t->len > 40 ? 40 : t->len;

	switch (t->type) {
	case T_EOF:
		snprintf(buf, len, "end of file");
		break;
	case T_STRING:
		snprintf(buf, len, "string %.*s%s", (int)n, t->text,
		    n < t->len ? "..." : "");
		break;
	case T_INT:
	case T_DECIMAL:
		snprintf(buf, len, "number %.*s", (int)n, t->text);
		break;
	default:
		snprintf(buf, len, "'%.*s'", (int)n, t->text);
		break;
	}
}
