/*
 * number.h - exact decimal numbers read from their lexemes, compared as
 * Java's BigDecimal.compareTo() does (1.0 == 1.00), never through double.
 */
#ifndef DRL_NUMBER_H
#define DRL_NUMBER_H

#include <stddef.h>
#include <stdint.h>

/*
 * value = sign × 0.D1D2...Dn × 10^exp, with D1 != 0 and Dn != 0; the
 * digits are read in place from the lexeme between first and last,
 * skipping the one '.' they may straddle.  Zero has sign 0.
 */
struct drl_num {
	int		 sign;		/* -1, 0, 1 */
	const char	*first;		/* first significant digit */
	const char	*last;		/* last significant digit */
	int64_t		 exp;
};

/*
 * Parse s[0..len) with the syntax of new BigDecimal(String): optional sign,
 * digits with at most one '.', at least one digit, optional exponent
 * (e|E, optional sign, digits).  No blanks.  Returns 0, or -1 when s is not
 * such a number.  num points into s, which must outlive it.
 */
int	drl_num_parse(const char *s, size_t len, struct drl_num *num);
/* <0, 0, >0 as a is less than, equal to or greater than b. */
int	drl_num_cmp(const struct drl_num *a, const struct drl_num *b);

#endif /* DRL_NUMBER_H */
