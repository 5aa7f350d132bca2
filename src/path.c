/*
 * path.c - compile a flattened key (json-flattener 0.5.0 format, plus
 * "[*]") into the steps that reach its value.
 *
 * The grammar is the inverse of the key writer in flatten.c:
 *
 *   key     = ""                       (the member "" of the record)
 *           | first { step }
 *   first   = plain | bracket
 *   step    = "." plain | bracket
 *   bracket = "[" digits "]" | "[*]" | "[\"" quoted "\"]"
 *   plain   = name bytes without '.', '[' and ']'; may be empty after "."
 *   quoted  = name bytes, which must include '.', '[' or ']'
 *
 * In names, '"', '\', '/' and BS, TAB, LF, FF, CR are escaped (\" \\ \/
 * \b \t \n \f \r) exactly as json-flattener wrote them; the raw
 * characters are errors, because a key holding them can never be a key
 * of the flattened map.  So is [\"name\"] around a name that json-flattener
 * would have written plainly, and an index with a leading zero.
 *
 * A quoted name may itself hold \"] (the name a"]b.c is written
 * [\"a\"]b.c\"]), so its end is found by trying each \"] in turn until
 * the rest of the key parses; failures are remembered per position, which
 * keeps the search linear in practice and quadratic at worst.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "event.h"
#include "path.h"

struct tstep {
	enum ce_step_kind	 kind;
	size_t			 off, len;	/* MEMBER name in names */
	size_t			 index;
	int			 never;
};

struct parser {
	const char	*key;
	size_t		 len;
	struct tstep	*steps;
	size_t		 nsteps;
	char		*names;
	size_t		 nameslen;
	unsigned char	*failed;		/* parse_rest() failed at pos */
	size_t		 err_pos;
	char		 err[160];
	int		 has_err;
};

static void
error_at(struct parser *p, size_t pos, const char *fmt, ...) CE_PRINTF(3, 4);

/* The furthest error is the one worth reporting. */
static void
error_at(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;

	if (p->has_err && pos < p->err_pos)
		return;
	p->has_err = 1;
	p->err_pos = pos;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
}

static void
push_member(struct parser *p, size_t off)
{
	struct tstep *s = &p->steps[p->nsteps++];

	s->kind = CE_STEP_MEMBER;
	s->off = off;
	s->len = p->nameslen - off;
	s->never = memchr(p->names + off, '\0', s->len) != NULL;
	p->names[p->nameslen++] = '\0';
}

static void
push_index(struct parser *p, enum ce_step_kind kind, size_t index)
{
	struct tstep *s = &p->steps[p->nsteps++];

	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->index = index;
}

/*
 * Decode the name byte at key[*pos] (an escape or a raw byte) into names.
 * Returns 0, or -1 with the error recorded.
 */
static int
name_byte(struct parser *p, size_t *pos)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	static const char *const raw[] = { "\\b", "\\t", "\\n", "\\v", "\\f",
	    "\\r" };
	char c = p->key[*pos];
	const char *e;

	if (c == '\\') {
		if (*pos + 1 >= p->len) {
			error_at(p, *pos, "'\\' at the end of the key");
			return -1;
		}
		c = p->key[*pos + 1];
		if (c == '\0' || (e = strchr(from, c)) == NULL) {
			error_at(p, *pos, "unknown escape; expected one of "
			    "\\\" \\\\ \\/ \\b \\f \\n \\r \\t");
			return -1;
		}
		p->names[p->nameslen++] = to[e - from];
		*pos += 2;
		return 0;
	}
	if (c == '"' || c == '/') {
		error_at(p, *pos, "'%c' in a name is written '\\%c' in "
		    "flattened keys", c, c);
		return -1;
	}
	if (c >= '\b' && c <= '\r' && c != '\v') {
		error_at(p, *pos, "a raw control character in a name is written "
		    "'%s' in flattened keys", raw[c - '\b']);
		return -1;
	}
	p->names[p->nameslen++] = c;
	*pos += 1;
	return 0;
}

/* A plain name from pos; returns the position after it, or SIZE_MAX. */
static size_t
parse_plain(struct parser *p, size_t pos)
{
	size_t off = p->nameslen;

	while (pos < p->len && p->key[pos] != '.' && p->key[pos] != '[') {
		if (p->key[pos] == ']') {
			error_at(p, pos, "unexpected ']' (a name holding '.', "
			    "'[' or ']' is written [\\\"name\\\"])");
			return SIZE_MAX;
		}
		if (name_byte(p, &pos) < 0)
			return SIZE_MAX;
	}
	push_member(p, off);
	return pos;
}

/* "[digits]" or "[*]" at pos; returns the position after it, or SIZE_MAX. */
static size_t
parse_index(struct parser *p, size_t pos)
{
	const char *k = p->key;
	size_t i = pos + 1, index = 0;

	if (i < p->len && k[i] == '*') {
		i++;
		if (i >= p->len || k[i] != ']') {
			error_at(p, i, "expected ']' after '[*'");
			return SIZE_MAX;
		}
		push_index(p, CE_STEP_EACH, 0);
		return i + 1;
	}
	if (i >= p->len || k[i] < '0' || k[i] > '9') {
		error_at(p, i, "expected a digit, '*' or '\\\"' after '['");
		return SIZE_MAX;
	}
	if (k[i] == '0' && i + 1 < p->len && k[i + 1] >= '0' && k[i + 1] <= '9') {
		error_at(p, i, "an array index has no leading zero");
		return SIZE_MAX;
	}
	for (; i < p->len && k[i] >= '0' && k[i] <= '9'; i++) {
		index = index * 10 + (size_t)(k[i] - '0');
		if (index > INT32_MAX) {
			error_at(p, pos + 1, "array index too large");
			return SIZE_MAX;
		}
	}
	if (i >= p->len || k[i] != ']') {
		error_at(p, i, "expected a digit or ']' in an array index");
		return SIZE_MAX;
	}
	push_index(p, CE_STEP_INDEX, index);
	return i + 1;
}

static int parse_rest(struct parser *p, size_t pos);

static int
reserved(const char *s, size_t n)
{
	return memchr(s, '.', n) != NULL || memchr(s, '[', n) != NULL ||
	    memchr(s, ']', n) != NULL;
}

/*
 * [\"quoted\"] at pos and everything after it: the name ends at the
 * first \"] that leaves a reserved name and a rest that parses.
 */
static int
parse_quoted(struct parser *p, size_t pos)
{
	size_t i = pos + 3, off = p->nameslen, nsteps = p->nsteps, end;
	int plain_only = 0;

	while (i < p->len) {
		if (p->key[i] == '\\' && i + 2 < p->len &&
		    p->key[i + 1] == '"' && p->key[i + 2] == ']') {
			end = p->nameslen;
			if (!reserved(p->names + off, end - off))
				plain_only = 1;
			else {
				push_member(p, off);
				if (parse_rest(p, i + 3) == 0)
					return 0;
				p->nsteps = nsteps;
				p->nameslen = end;
			}
		}
		if (name_byte(p, &i) < 0)
			goto fail;
	}
	if (plain_only)
		error_at(p, pos, "[\\\"name\\\"] is only for names holding "
		    "'.', '[' or ']'; write this name plainly after a '.'");
	else
		error_at(p, pos, "[\\\"name\\\"] is not closed by \\\"]");
fail:
	p->nsteps = nsteps;
	p->nameslen = off;
	return -1;
}

static int
parse_rest(struct parser *p, size_t pos)
{
	size_t nsteps = p->nsteps, nameslen = p->nameslen, start = pos;
	const char *k = p->key;

	if (p->failed[start])
		return -1;
	while (pos < p->len) {
		if (k[pos] == '.')
			pos = parse_plain(p, pos + 1);
		else if (k[pos] == '[' && pos + 2 < p->len && k[pos + 1] == '\\' &&
		    k[pos + 2] == '"') {
			if (parse_quoted(p, pos) == 0)
				return 0;
			goto fail;
		} else if (k[pos] == '[')
			pos = parse_index(p, pos);
		else {
			error_at(p, pos, "expected '.', '[' or the end of the "
			    "key after ']'");
			goto fail;
		}
		if (pos == SIZE_MAX)
			goto fail;
	}
	return 0;
fail:
	p->failed[start] = 1;
	p->nsteps = nsteps;
	p->nameslen = nameslen;
	return -1;
}

static int
parse_key(struct parser *p)
{
	size_t pos;

	if (p->len == 0) {
		push_member(p, 0);
		return 0;
	}
	if (p->key[0] == '.') {
		error_at(p, 0, "a key cannot start with '.'");
		return -1;
	}
	if (p->key[0] == '[')
		return parse_rest(p, 0);
	pos = parse_plain(p, 0);
	if (pos == SIZE_MAX)
		return -1;
	return parse_rest(p, pos);
}

/* Hash the member names as json-c's object tables will (see step() in
 * event.c); a table at hand is the only way to reach that function. */
static int
path_hash(struct ce_path *path)
{
	struct json_object *probe = json_object_new_object();
	struct lh_table *t;
	size_t i;

	if (probe == NULL)
		return -ENOMEM;
	t = json_object_get_object(probe);
	for (i = 0; i < path->nsteps; i++) {
		struct ce_step *s = &path->steps[i];

		if (s->kind != CE_STEP_MEMBER || s->never)
			continue;
		s->hash_fn = t->hash_fn;
		s->hash = lh_get_hash(t, s->name);
	}
	json_object_put(probe);
	return 0;
}

static ce_path *
path_build(const struct parser *p)
{
	struct ce_path *path;
	size_t i, head = sizeof(*path) + p->nsteps * sizeof(struct ce_step);
	char *names;

	path = calloc(1, head + p->nameslen);
	if (path == NULL)
		return NULL;
	names = (char *)path + head;
	memcpy(names, p->names, p->nameslen);
	path->nsteps = p->nsteps;
	path->multi = 0;
	for (i = 0; i < p->nsteps; i++) {
		const struct tstep *t = &p->steps[i];
		struct ce_step *s = &path->steps[i];

		s->kind = t->kind;
		s->name = t->kind == CE_STEP_MEMBER ? names + t->off : NULL;
		s->namelen = t->len;
		s->index = t->index;
		s->never = t->never;
		if (t->kind == CE_STEP_EACH)
			path->multi = 1;
	}
	path->root = p->nsteps == 1 && path->steps[0].kind == CE_STEP_MEMBER &&
	    path->steps[0].namelen == 4 && memcmp(path->steps[0].name, "root", 4) == 0;
	if (path_hash(path) < 0) {
		free(path);
		return NULL;
	}
	return path;
}

/* 1-based character (not byte) position of pos in the key. */
static size_t
char_pos(const char *key, size_t pos)
{
	size_t i, n = 1;

	for (i = 0; i < pos; i++)
		if (((unsigned char)key[i] & 0xc0) != 0x80)
			n++;
	return n;
}

ce_path *
ce_path_compile(const char *key, size_t keylen, char *err, size_t errlen)
{
	struct parser p;
	ce_path *path = NULL;
	int at = 0;		/* the error has a position */

	memset(&p, 0, sizeof(p));
	p.key = key;
	p.len = keylen;
	if (keylen > CE_PATH_KEY_MAX) {
		snprintf(p.err, sizeof(p.err), "key longer than %d bytes",
		    CE_PATH_KEY_MAX);
		goto fail;
	}
	p.steps = calloc(keylen + 1, sizeof(*p.steps));
	p.names = malloc(2 * keylen + 2);
	p.failed = calloc(keylen + 1, 1);
	if (p.steps == NULL || p.names == NULL || p.failed == NULL) {
		snprintf(p.err, sizeof(p.err), "out of memory");
		goto fail;
	}
	if (parse_key(&p) < 0) {
		at = 1;
		goto fail;
	}
	path = path_build(&p);
	if (path == NULL)
		snprintf(p.err, sizeof(p.err), "out of memory");
fail:
	if (path == NULL && err != NULL && errlen > 0) {
		if (at)
			snprintf(err, errlen, "character %zu: %s",
			    char_pos(key, p.err_pos), p.err);
		else
			snprintf(err, errlen, "%s", p.err);
	}
	free(p.steps);
	free(p.names);
	free(p.failed);
	return path;
}

void
ce_path_free(ce_path *path)
{
	free(path);
}

int
ce_path_is_multi(const ce_path *path)
{
	return path != NULL && path->multi;
}
