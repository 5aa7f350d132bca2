/*
 * value.h - the values rules compare, and their semantics: MVEL-style
 * coercion between strings, numbers and booleans, Java String methods,
 * null-safe equality.
 */
#ifndef DRL_VALUE_H
#define DRL_VALUE_H

#include <stddef.h>

#include "cloudengine/plugin.h"
#include "number.h"

enum drl_vtype {
	V_POISON = 0,	/* a method called on null, or null concatenated:
			 * makes the comparison that holds it false */
	V_NULL,		/* missing key or JSON null */
	V_STRING,
	V_NUMBER,	/* s/len hold the lexeme */
	V_BOOL,
	V_EMPTY_OBJECT,
	V_EMPTY_ARRAY
};

enum drl_numstate {
	NUM_UNKNOWN = 0,	/* not parsed yet */
	NUM_OK,
	NUM_BAD
};

struct drl_val {
	enum drl_vtype		 type;
	int			 b;		/* V_BOOL */
	const char		*s;		/* V_STRING bytes, V_NUMBER lexeme */
	size_t			 len;
	enum drl_numstate	 numstate;	/* num below, for STRING/NUMBER */
	struct drl_num		 num;
};

/* The value of an event lookup. */
void	drl_val_from_ce(struct drl_val *v, const struct ce_value *cv);
void	drl_val_string(struct drl_val *v, const char *s, size_t len);
/* Fill v->num if it can be; returns 0 when v reads as a number. */
int	drl_val_number(struct drl_val *v);

/* a == b, null-safe, with coercion; V_POISON never reaches here. */
int	drl_val_eq(struct drl_val *a, struct drl_val *b);
/*
 * Order a and b: numbers (a string converted to a number if the other one
 * is), or two strings (Java compareTo).  Returns -1, 0, 1, or 2 when they
 * cannot be ordered (null, booleans, a string that is not a number...).
 */
int	drl_val_order(struct drl_val *a, struct drl_val *b);

/* Java String semantics on UTF-8 text. */
int	drl_str_compare(const char *a, size_t alen, const char *b, size_t blen);
size_t	drl_str_length(const char *s, size_t len);	/* UTF-16 units */
int	drl_str_contains(const char *h, size_t hlen, const char *n, size_t nlen);
int	drl_str_starts(const char *s, size_t len, const char *p, size_t plen);
int	drl_str_ends(const char *s, size_t len, const char *p, size_t plen);
int	drl_str_equals_ic(const char *a, size_t alen, const char *b, size_t blen);
/* trim(): the sub-range without leading and trailing chars <= ' '. */
void	drl_str_trim(const char **s, size_t *len);
/* Text of a value for '+' and println; NULL for null and poison. */
const char *drl_val_text(const struct drl_val *v, size_t *len);

#endif /* DRL_VALUE_H */
