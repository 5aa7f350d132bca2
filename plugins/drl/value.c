/*
 * value.c - comparison and coercion of rule values, Java String methods.
 */
#include <string.h>

#include "value.h"

void
drl_val_from_ce(struct drl_val *v, const struct ce_value *cv)
{
	v->numstate = NUM_UNKNOWN;
	v->s = NULL;
	v->len = 0;
	v->b = 0;
	switch (cv->type) {
	case CE_VALUE_STRING:
		v->type = V_STRING;
		v->s = cv->str;
		v->len = cv->len;
		break;
	case CE_VALUE_INTEGER:
	case CE_VALUE_DECIMAL:
		v->type = V_NUMBER;
		v->s = cv->str;
		v->len = cv->len;
		break;
	case CE_VALUE_BOOLEAN:
		v->type = V_BOOL;
		v->b = cv->boolean != 0;
		break;
	case CE_VALUE_EMPTY_OBJECT:
		v->type = V_EMPTY_OBJECT;
		break;
	case CE_VALUE_EMPTY_ARRAY:
		v->type = V_EMPTY_ARRAY;
		break;
	case CE_VALUE_MISSING:
	case CE_VALUE_NULL:
	default:
		v->type = V_NULL;
		break;
	}
}

void
drl_val_string(struct drl_val *v, const char *s, size_t len)
{
	v->type = V_STRING;
	v->s = s;
	v->len = len;
	v->b = 0;
	v->numstate = NUM_UNKNOWN;
}

int
drl_val_number(struct drl_val *v)
{
	if (v->type != V_STRING && v->type != V_NUMBER)
		return -1;
	if (v->numstate == NUM_UNKNOWN) {
		v->numstate = v->s != NULL &&
		    drl_num_parse(v->s, v->len, &v->num) == 0 ? NUM_OK : NUM_BAD;
	}
	return v->numstate == NUM_OK ? 0 : -1;
}

/* MVEL converts a string meeting a boolean only from "true" / "false". */
static int
string_as_bool(const struct drl_val *s, int *b)
{
	if (s->len == 4 && memcmp(s->s, "true", 4) == 0)
		*b = 1;
	else if (s->len == 5 && memcmp(s->s, "false", 5) == 0)
		*b = 0;
	else
		return -1;
	return 0;
}

int
drl_val_eq(struct drl_val *a, struct drl_val *b)
{
	int bv;

	if (a->type == V_NULL || b->type == V_NULL)
		return a->type == b->type;
	if (a->type == V_STRING && b->type == V_STRING)
		return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
	if ((a->type == V_NUMBER || a->type == V_STRING) &&
	    (b->type == V_NUMBER || b->type == V_STRING))
		return drl_val_number(a) == 0 && drl_val_number(b) == 0 &&
		    drl_num_cmp(&a->num, &b->num) == 0;
	if (a->type == V_BOOL && b->type == V_BOOL)
		return a->b == b->b;
	if (a->type == V_BOOL && b->type == V_STRING)
		return string_as_bool(b, &bv) == 0 && bv == a->b;
	if (a->type == V_STRING && b->type == V_BOOL)
		return string_as_bool(a, &bv) == 0 && bv == b->b;
	/* {} equals {} and [] equals [] (Map.equals, List.equals). */
	if (a->type == b->type &&
	    (a->type == V_EMPTY_OBJECT || a->type == V_EMPTY_ARRAY))
		return 1;
	return 0;
}

int
drl_val_order(struct drl_val *a, struct drl_val *b)
{
	int c;

	if (a->type == V_STRING && b->type == V_STRING) {
		c = drl_str_compare(a->s, a->len, b->s, b->len);
		return c < 0 ? -1 : c > 0;
	}
	if ((a->type == V_NUMBER || a->type == V_STRING) &&
	    (b->type == V_NUMBER || b->type == V_STRING)) {
		if (drl_val_number(a) < 0 || drl_val_number(b) < 0)
			return 2;
		c = drl_num_cmp(&a->num, &b->num);
		return c < 0 ? -1 : c > 0;
	}
	return 2;
}

/* Decode one UTF-8 character; invalid bytes read as themselves (Latin-1),
 * so the order stays total. */
static unsigned long
utf8_next(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *p = *pp;
	unsigned long cp;
	int n, i;

	if (p[0] < 0x80) {
		*pp = p + 1;
		return p[0];
	}
	if ((p[0] & 0xE0) == 0xC0) {
		n = 1;
		cp = p[0] & 0x1F;
	} else if ((p[0] & 0xF0) == 0xE0) {
		n = 2;
		cp = p[0] & 0x0F;
	} else if ((p[0] & 0xF8) == 0xF0) {
		n = 3;
		cp = p[0] & 0x07;
	} else {
		*pp = p + 1;
		return p[0];
	}
	if (end - p <= n) {
		*pp = p + 1;
		return p[0];
	}
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*pp = p + 1;
			return p[0];
		}
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	*pp = p + n + 1;
	return cp;
}

/* The first UTF-16 unit of a character: what String.compareTo looks at
 * first.  Characters above U+FFFF start with a high surrogate, so they
 * sort below U+E000..U+FFFF, as in Java. */
static unsigned long
utf16_lead(unsigned long cp)
{
	return cp >= 0x10000 ? 0xD800 + ((cp - 0x10000) >> 10) : cp;
}

static unsigned long
utf16_trail(unsigned long cp)
{
	return 0xDC00 + ((cp - 0x10000) & 0x3FF);
}

int
drl_str_compare(const char *a, size_t alen, const char *b, size_t blen)
{
	const unsigned char *p = (const unsigned char *)a, *pe = p + alen;
	const unsigned char *q = (const unsigned char *)b, *qe = q + blen;
	unsigned long x, y;

	while (p < pe && q < qe) {
		if (*p == *q && *p < 0x80) {
			p++;
			q++;
			continue;
		}
		x = utf8_next(&p, pe);
		y = utf8_next(&q, qe);
		if (x == y)
			continue;
		if (utf16_lead(x) != utf16_lead(y))
			return utf16_lead(x) < utf16_lead(y) ? -1 : 1;
		/* Same high surrogate: the low ones decide. */
		return utf16_trail(x) < utf16_trail(y) ? -1 : 1;
	}
	if (p < pe)
		return 1;
	if (q < qe)
		return -1;
	return 0;
}

size_t
drl_str_length(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t n = 0;

	while (p < end) {
		n += utf8_next(&p, end) >= 0x10000 ? 2 : 1;
	}
	return n;
}

int
drl_str_contains(const char *h, size_t hlen, const char *n, size_t nlen)
{
	const char *p, *last;

	if (nlen == 0)
		return 1;
	if (nlen > hlen)
		return 0;
	/* Haystacks are short field values: memchr for the first byte
	 * beats memmem's set-up, which the index pays for every event.  The
	 * last byte is compared before calling memcmp(): most places the
	 * first byte matches (a letter of a user agent) are not the needle. */
	last = h + (hlen - nlen);
	for (p = h; p <= last; p++) {
		if ((p = memchr(p, n[0], (size_t)(last - p) + 1)) == NULL)
			return 0;
		if (p[nlen - 1] == n[nlen - 1] &&
		    memcmp(p + 1, n + 1, nlen - 1) == 0)
			return 1;
	}
	return 0;
}

int
drl_str_starts(const char *s, size_t len, const char *p, size_t plen)
{
	return plen <= len && memcmp(s, p, plen) == 0;
}

int
drl_str_ends(const char *s, size_t len, const char *p, size_t plen)
{
	return plen <= len && memcmp(s + len - plen, p, plen) == 0;
}

static int
ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

int
drl_str_equals_ic(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++) {
		if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
			return 0;
	}
	return 1;
}

void
drl_str_trim(const char **s, size_t *len)
{
	const unsigned char *p = (const unsigned char *)*s;
	size_t n = *len;

	while (n > 0 && p[0] <= ' ') {
		p++;
		n--;
	}
	while (n > 0 && p[n - 1] <= ' ')
		n--;
	*s = (const char *)p;
	*len = n;
}

const char *
drl_val_text(const struct drl_val *v, size_t *len)
{
	switch (v->type) {
	case V_STRING:
	case V_NUMBER:
		*len = v->len;
		return v->s;
	case V_BOOL:
		*len = v->b ? 4 : 5;
		return v->b ? "true" : "false";
	case V_EMPTY_OBJECT:
		*len = 2;
		return "{}";
	case V_EMPTY_ARRAY:
		*len = 2;
		return "[]";
	default:
		*len = 0;
		return NULL;
	}
}
