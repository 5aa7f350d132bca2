/*
 * number.c - exact decimal comparison from lexemes (BigDecimal semantics).
 */
#include <string.h>

#include "number.h"

/* BigDecimal keeps its scale in an int: larger exponents are refused. */
#define NUM_EXP_MAX	2147483647LL

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

int
drl_num_parse(const char *s, size_t len, struct drl_num *num)
{
	const char *p = s, *end = s + len, *point = NULL;
	const char *first = NULL, *last = NULL;
	int64_t e = 0, intdigits = 0, leadfrac = 0;
	int sign = 1, esign = 1, ndigits = 0;

	memset(num, 0, sizeof(*num));
	if (p < end && (*p == '+' || *p == '-')) {
		sign = *p == '-' ? -1 : 1;
		p++;
	}
	for (; p < end; p++) {
		if (*p == '.') {
			if (point != NULL)
				return -1;
			point = p;
			continue;
		}
		if (!is_digit((unsigned char)*p))
			break;
		ndigits++;
		if (*p != '0') {
			if (first == NULL)
				first = p;
			last = p;
		}
		if (first == NULL) {
			if (point != NULL)
				leadfrac++;	/* zeros after the point */
		} else if (point == NULL) {
			intdigits++;
		}
	}
	if (ndigits == 0)
		return -1;
	if (p < end) {
		if (*p != 'e' && *p != 'E')
			return -1;
		p++;
		if (p < end && (*p == '+' || *p == '-')) {
			esign = *p == '-' ? -1 : 1;
			p++;
		}
		if (p >= end)
			return -1;
		for (; p < end; p++) {
			if (!is_digit((unsigned char)*p))
				return -1;
			e = e * 10 + (*p - '0');
			if (e > NUM_EXP_MAX)
				return -1;
		}
	}
	if (first == NULL)
		return 0;		/* zero: sign 0, whatever its scale */
	num->sign = sign;
	num->first = first;
	num->last = last;
	/* Leading integer digits give a positive exponent; zeros right of
	 * the point a negative one. */
	num->exp = (intdigits > 0 ? intdigits : -leadfrac) + esign * e;
	return 0;
}

/* Next significant digit at or after p, skipping the decimal point. */
static const char *
next_digit(const char *p)
{
	return *p == '.' ? p + 1 : p;
}

int
drl_num_cmp(const struct drl_num *a, const struct drl_num *b)
{
	const char *p, *q;
	int mag = 0;

	if (a->sign != b->sign)
		return a->sign < b->sign ? -1 : 1;
	if (a->sign == 0)
		return 0;
	if (a->exp != b->exp) {
		mag = a->exp < b->exp ? -1 : 1;
		return mag * a->sign;
	}
	p = a->first;
	q = b->first;
	for (;;) {
		p = next_digit(p);
		q = next_digit(q);
		if (*p != *q) {
			mag = *p < *q ? -1 : 1;
			break;
		}
		if (p == a->last || q == b->last) {
			if (p == a->last && q == b->last)
				mag = 0;
			else
				mag = p == a->last ? -1 : 1;
			break;
		}
		p++;
		q++;
	}
	return mag * a->sign;
}
