/*
 * lexer.h - DRL source text to tokens, with line and column of each and
 * Java string escapes resolved.
 */
#ifndef DRL_LEXER_H
#define DRL_LEXER_H

#include <stddef.h>

#include "arena.h"
#include "diag.h"

enum drl_tok {
	T_EOF = 0,
	T_IDENT,	/* Java identifier, '$' allowed: rule, Map, $map */
	T_STRING,	/* "..." or '...'; value in str/slen */
	T_INT,		/* 42, 42L */
	T_DECIMAL,	/* 1.5, 1e3, .5 */
	T_LPAREN, T_RPAREN, T_LBRACKET, T_RBRACKET, T_LBRACE, T_RBRACE,
	T_COMMA, T_SEMI, T_COLON, T_DOT, T_AT,
	T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE,
	T_AND, T_OR, T_BANG, T_PLUS, T_MINUS, T_STAR, T_SLASH, T_ASSIGN,
	T_OTHER		/* any other character; always a syntax error */
};

struct drl_token {
	enum drl_tok	 type;
	unsigned	 line, col;	/* 1-based; col counts characters */
	const char	*text;		/* the source bytes of the token */
	size_t		 len;
	const char	*str;		/* T_STRING: unescaped value (arena) */
	size_t		 slen;		/* T_INT/T_DECIMAL: lexeme without suffix */
	int		 glued;		/* no blank or comment before it */
};

struct drl_tokens {
	struct drl_token *v;
	size_t		  n, cap;
};

/*
 * Split src into tokens (the last one is T_EOF).  Lexical errors are
 * reported through diag and the bad text is skipped, so the parser still
 * sees the rest of the file.  Returns 0, or -ENOMEM.
 */
int	drl_lex(const char *src, size_t len, struct drl_arena *arena,
	    struct drl_diag *diag, struct drl_tokens *out);
void	drl_tokens_free(struct drl_tokens *t);

/* "'then'", "string \"abc\"", "end of file": for "found ..." messages. */
void	drl_token_describe(const struct drl_token *t, char *buf, size_t len);
/* Non-zero when t is the identifier word. */
int	drl_tok_is(const struct drl_token *t, const char *word);

#endif /* DRL_LEXER_H */
