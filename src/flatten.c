/*
 * flatten.c - json-flattener 0.5.0 compatible flattening of a json-c tree,
 * and the compact JSON writer.
 *
 * Reference: wnameless/json-flattener, JsonFlattener.java and
 * StringEscapePolicy.java as released in 0.5.0 (2018-03-11), with the
 * defaults the original engine used: FlattenMode.NORMAL, separator '.',
 * brackets '[' ']', StringEscapePolicy.NORMAL, result in a LinkedHashMap.
 * Every rule below is the code's behaviour, not its Javadoc:
 *
 *  1. Depth-first, document order (json-c keeps members in insertion
 *     order).  Only leaves become entries: scalars, null, and EMPTY
 *     objects or arrays (kept as {} / [] under their key).  A non-empty
 *     object or array is descended into and is never an entry.
 *  2. Array element: "[i]" appended, no separator ("a[0][1]", "[0].b").
 *  3. Object member: if the raw name contains '.', '[' or ']' (the
 *     separator or a bracket: hasReservedCharacters()), append
 *     [\"ESC(name)\"] - bracket, backslash, quote ... backslash, quote,
 *     bracket - with no separator before it.  Otherwise append '.' when
 *     the key built so far is non-empty (sb.length() != 0), then
 *     ESC(name).  So an empty member name adds nothing at the start
 *     ({"":{"a":1}} gives "a") and "" after a separator elsewhere
 *     ({"a":{"":1}} gives "a.").
 *  4. ESC() is StringEscapePolicy.NORMAL: commons-text LookupTranslator
 *     {'"' -> \", '\' -> \\, '/' -> \/} then JAVA_CTRL_CHARS_ESCAPE
 *     {BS -> \b, LF -> \n, TAB -> \t, FF -> \f, CR -> \r}.  Nothing else
 *     changes: other control characters (U+0000..U+001F, U+007F) and all
 *     non-ASCII characters stay raw (Unicode is not escaped by NORMAL;
 *     its sibling ALL_UNICODES did that).  ESC() applies to keys only;
 *     string values are map values and stay raw.
 *  5. A leaf root (scalar, null, [] or {}) has the key "root".  An entry
 *     whose key is exactly "root" and whose value is an empty object is
 *     not put (ROOT.equals(key) && emptyMap().equals(value)): that makes
 *     {} an empty map, and also drops {"root":{}} members.
 *  6. Two leaves can share a key only through empty member names or
 *     names that hold \"][\" (e.g. {"a.b":{"c.d":1}} and
 *     {"a.b\"][\"c.d":1}).  LinkedHashMap.put() keeps the first position
 *     and the last value: ce_flatten_json() does the same; the walk
 *     reports both leaves.
 *  7. Values: strings raw, booleans, null, numbers AS NUMBERS with the
 *     lexeme of the document ("1.50" stays 1.50).  0.5.0 held
 *     new BigDecimal(lexeme), whose toString() would print 1e5 as 1E+5
 *     and 0.0000001 as 1E-7; we keep what the document said instead.
 *
 * Where json-c 0.16 (our parser) and minimal-json (theirs) differ:
 *  - a duplicate member name keeps ONE member in json-c, at its first
 *    position with its last value; minimal-json keeps both, so
 *    {"a":{"x":1},"a":{"y":2}} gives only a.y here (a.x and a.y there);
 *  - integers are parsed to int64 / uint64 without their text: "-0" is
 *    0, and numbers beyond [INT64_MIN, UINT64_MAX] are clamped to the
 *    bound (their text is lost).  INT64_MAX < n <= UINT64_MAX keeps its
 *    exact digits and is a DECIMAL (plugin.h: INTEGER fits in int64_t);
 *  - doubles keep their text (json_object_new_double_s() stores it as
 *    the userdata, which we read without json_object_get_string(): that
 *    one writes a cache into the object and is not thread-safe).  json-c
 *    also accepts "1.", "-.5" and "01.5": such text is not JSON, so the
 *    double is written in its shortest round-trip form instead;
 *  - NaN / Infinity literals, which json-c accepts even in strict mode,
 *    have no JSON form: they are JSON null here;
 *  - "\ud800" (lone surrogate) is U+FFFD in json-c, and a member name
 *    holding "\u0000" is cut at the NUL;
 *  - strings may hold invalid UTF-8 (json-c passes raw bytes through):
 *    keys and values keep those bytes, JSON text shows U+FFFD.
 *
 * The map as JSON (ce_flatten_json) writes the flattened keys themselves
 * as JSON strings, so the key a\/b is written "a\\/b" and reads back as
 * a\/b.  (0.5.0's own flatten() printed keys without escaping them again,
 * so its text read back to different keys than its map held.)
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "flatten.h"

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

/* RFC 8259 number grammar, whole string. */
static int
json_number_ok(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* Shortest "%.*g" that reads back to d, kept recognisably a decimal. */
static size_t
double_text(double d, char *buf)
{
	int prec, n = 0;

	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, CE_NUMTEXT_MAX, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (strpbrk(buf, ".eE") == NULL && n + 2 < CE_NUMTEXT_MAX) {
		memcpy(buf + n, ".0", 3);
		n += 2;
	}
	return (size_t)n;
}

static enum ce_value_type
int_value(struct json_object *obj, struct ce_value *v, char *numbuf)
{
	int64_t i = json_object_get_int64(obj);
	uint64_t u;

	/* get_int64() clamps a uint64 above INT64_MAX; get_uint64() does
	 * not, which is how the two are told apart. */
	if (i == INT64_MAX && (u = json_object_get_uint64(obj)) > INT64_MAX) {
		v->type = CE_VALUE_DECIMAL;
		v->decimal = (double)u;
		v->len = (size_t)snprintf(numbuf, CE_NUMTEXT_MAX, "%" PRIu64, u);
	} else {
		v->type = CE_VALUE_INTEGER;
		v->integer = i;
		v->decimal = (double)i;
		v->len = (size_t)snprintf(numbuf, CE_NUMTEXT_MAX, "%" PRId64, i);
	}
	v->str = numbuf;
	return v->type;
}

static enum ce_value_type
double_value(struct json_object *obj, struct ce_value *v, char *numbuf)
{
	const char *lex = json_object_get_userdata(obj);
	double d = json_object_get_double(obj);

	if (lex != NULL && json_number_ok(lex)) {
		v->str = lex;
		v->len = strlen(lex);
	} else if (isfinite(d)) {
		v->len = double_text(d, numbuf);
		v->str = numbuf;
	} else {
		v->type = CE_VALUE_NULL;
		return v->type;
	}
	v->type = CE_VALUE_DECIMAL;
	v->decimal = d;
	return v->type;
}

enum ce_value_type
ce_json_value(struct json_object *obj, struct ce_value *v,
    char numbuf[CE_NUMTEXT_MAX])
{
	v->type = CE_VALUE_MISSING;
	v->str = NULL;
	v->len = 0;
	v->integer = 0;
	v->decimal = 0;
	v->boolean = 0;
	switch (json_object_get_type(obj)) {
	case json_type_null:
		v->type = CE_VALUE_NULL;
		break;
	case json_type_boolean:
		v->type = CE_VALUE_BOOLEAN;
		v->boolean = json_object_get_boolean(obj) ? 1 : 0;
		break;
	case json_type_string:
		/* Read-only for strings (no cache is written). */
		v->type = CE_VALUE_STRING;
		v->str = json_object_get_string(obj);
		v->len = (size_t)json_object_get_string_len(obj);
		break;
	case json_type_int:
		return int_value(obj, v, numbuf);
	case json_type_double:
		return double_value(obj, v, numbuf);
	case json_type_object:
		if (json_object_object_length(obj) == 0)
			v->type = CE_VALUE_EMPTY_OBJECT;
		break;
	case json_type_array:
		if (json_object_array_length(obj) == 0)
			v->type = CE_VALUE_EMPTY_ARRAY;
		break;
	}
	return v->type;
}

void
ce_value_write(const struct ce_value *v, struct ce_buf *out)
{
	switch (v->type) {
	case CE_VALUE_STRING:
		ce_buf_json_string(out, v->str, v->len);
		break;
	case CE_VALUE_INTEGER:
	case CE_VALUE_DECIMAL:
		ce_buf_append(out, v->str, v->len);
		break;
	case CE_VALUE_BOOLEAN:
		ce_buf_puts(out, v->boolean ? "true" : "false");
		break;
	case CE_VALUE_EMPTY_OBJECT:
		ce_buf_append(out, "{}", 2);
		break;
	case CE_VALUE_EMPTY_ARRAY:
		ce_buf_append(out, "[]", 2);
		break;
	case CE_VALUE_NULL:
	case CE_VALUE_MISSING:
		ce_buf_append(out, "null", 4);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* The JSON writer                                                     */
/* ------------------------------------------------------------------ */

void
ce_json_write(struct json_object *obj, struct ce_buf *out)
{
	char numbuf[CE_NUMTEXT_MAX];
	struct ce_value v;
	size_t i, n;
	int first = 1;

	switch (json_object_get_type(obj)) {
	case json_type_object:
		ce_buf_putc(out, '{');
		json_object_object_foreach(obj, name, member) {
			if (!first)
				ce_buf_putc(out, ',');
			first = 0;
			ce_buf_json_string(out, name, strlen(name));
			ce_buf_putc(out, ':');
			ce_json_write(member, out);
		}
		ce_buf_putc(out, '}');
		break;
	case json_type_array:
		ce_buf_putc(out, '[');
		n = json_object_array_length(obj);
		for (i = 0; i < n; i++) {
			if (i > 0)
				ce_buf_putc(out, ',');
			ce_json_write(json_object_array_get_idx(obj, i), out);
		}
		ce_buf_putc(out, ']');
		break;
	default:
		ce_json_value(obj, &v, numbuf);
		ce_value_write(&v, out);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Flattening                                                          */
/* ------------------------------------------------------------------ */

struct walk {
	struct ce_buf	 key;
	ce_flat_obj_fn	 fn;
	void		*arg;
};

/* ESC() of rule 4. */
static void
key_escape(struct ce_buf *b, const char *s, size_t n)
{
	size_t i, run = 0;
	const char *esc;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '/': esc = "\\/"; break;
		case '\b': esc = "\\b"; break;
		case '\n': esc = "\\n"; break;
		case '\t': esc = "\\t"; break;
		case '\f': esc = "\\f"; break;
		case '\r': esc = "\\r"; break;
		default: run++; continue;
		}
		ce_buf_append(b, s + i - run, run);
		run = 0;
		ce_buf_append(b, esc, 2);
	}
	ce_buf_append(b, s + n - run, run);
}

/* Rule 3. */
static void
key_member(struct ce_buf *b, const char *name)
{
	size_t n = strlen(name);

	if (strpbrk(name, ".[]") != NULL) {
		ce_buf_append(b, "[\\\"", 3);
		key_escape(b, name, n);
		ce_buf_append(b, "\\\"]", 3);
		return;
	}
	if (b->len != 0)
		ce_buf_putc(b, '.');
	key_escape(b, name, n);
}

static int
walk_leaf(struct walk *w, struct json_object *obj, int depth)
{
	char numbuf[CE_NUMTEXT_MAX];
	struct ce_value v;
	const char *key = depth == 0 ? "root" : ce_buf_cstr(&w->key);
	size_t keylen = depth == 0 ? 4 : w->key.len;

	if (w->key.oom)
		return -ENOMEM;
	v.size = sizeof(v);
	ce_json_value(obj, &v, numbuf);
	if (v.type == CE_VALUE_EMPTY_OBJECT && keylen == 4 &&
	    memcmp(key, "root", 4) == 0)
		return 0;	/* rule 5 */
	return w->fn(w->arg, key, keylen, obj, &v);
}

static int
walk_node(struct walk *w, struct json_object *obj, int depth)
{
	size_t mark = w->key.len, i, n;
	int rc = 0;

	if (json_object_is_type(obj, json_type_object) &&
	    json_object_object_length(obj) > 0) {
		json_object_object_foreach(obj, name, member) {
			key_member(&w->key, name);
			rc = walk_node(w, member, depth + 1);
			w->key.len = mark;
			if (rc != 0)
				break;
		}
	} else if (json_object_is_type(obj, json_type_array) &&
	    (n = json_object_array_length(obj)) > 0) {
		for (i = 0; i < n && rc == 0; i++) {
			ce_buf_printf(&w->key, "[%zu]", i);
			rc = walk_node(w, json_object_array_get_idx(obj, i),
			    depth + 1);
			w->key.len = mark;
		}
	} else
		rc = walk_leaf(w, obj, depth);
	if (w->key.data != NULL && !w->key.oom)
		w->key.data[mark] = '\0';
	return rc;
}

int
ce_flatten_walk_obj(struct json_object *root, ce_flat_obj_fn fn, void *arg)
{
	struct walk w = { CE_BUF_INIT, fn, arg };
	int rc;

	rc = walk_node(&w, root, 0);
	ce_buf_free(&w.key);
	return rc;
}

struct plain_walk {
	ce_flat_fn	 fn;
	void		*arg;
};

static int
plain_leaf(void *arg, const char *key, size_t keylen, struct json_object *obj,
    const struct ce_value *v)
{
	struct plain_walk *p = arg;

	return p->fn(p->arg, key, keylen, v);
}

int
ce_flatten_walk(struct json_object *root, ce_flat_fn fn, void *arg)
{
	struct plain_walk p = { fn, arg };

	return ce_flatten_walk_obj(root, plain_leaf, &p);
}

/* ------------------------------------------------------------------ */
/* The flattened map as JSON (rule 6: one member per key)              */
/* ------------------------------------------------------------------ */

struct entry {
	size_t			 off, len;	/* key bytes in keys */
	struct json_object	*obj;		/* the last value put */
	uint32_t		 hash;
	int			 dead;		/* a later duplicate of a key */
};

struct map {
	struct ce_buf	 keys;
	struct entry	*e;
	size_t		 n, cap;
	size_t		 max_keys;	/* bytes keys may take (the limit) */
};

static atomic_size_t flat_limit = CE_FLAT_MAX_BYTES;

void
ce_flatten_set_limit(size_t max_bytes)
{
	atomic_store(&flat_limit, max_bytes != 0 ? max_bytes : CE_FLAT_MAX_BYTES);
}

static int
map_put(void *arg, const char *key, size_t keylen, struct json_object *obj,
    const struct ce_value *v)
{
	struct map *m = arg;
	struct entry *e;

	if (keylen > m->max_keys - m->keys.len)
		return -E2BIG;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;

		e = realloc(m->e, cap * sizeof(*e));
		if (e == NULL)
			return -ENOMEM;
		m->e = e;
		m->cap = cap;
	}
	e = &m->e[m->n++];
	e->off = m->keys.len;
	e->len = keylen;
	e->obj = obj;
	e->dead = 0;
	ce_buf_append(&m->keys, key, keylen);
	return m->keys.oom ? -ENOMEM : 0;
}

static uint32_t
fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* Mark later duplicates dead and move their value to the first one. */
static int
map_dedup(struct map *m)
{
	size_t size = 16, i, j, *slot;
	const char *k = m->keys.data;

	while (size < m->n * 2)
		size *= 2;
	slot = calloc(size, sizeof(*slot));	/* entry index + 1; 0 = free */
	if (slot == NULL)
		return -ENOMEM;
	for (i = 0; i < m->n; i++) {
		struct entry *e = &m->e[i];

		e->hash = fnv1a(k + e->off, e->len);
		for (j = e->hash & (size - 1); slot[j] != 0; j = (j + 1) & (size - 1)) {
			struct entry *f = &m->e[slot[j] - 1];

			if (f->hash == e->hash && f->len == e->len &&
			    memcmp(k + f->off, k + e->off, e->len) == 0) {
				f->obj = e->obj;
				e->dead = 1;
				break;
			}
		}
		if (!e->dead)
			slot[j] = i + 1;
	}
	free(slot);
	return 0;
}

static void
map_write(const struct map *m, struct ce_buf *out)
{
	char numbuf[CE_NUMTEXT_MAX];
	struct ce_value v;
	size_t i;
	int first = 1;

	ce_buf_putc(out, '{');
	for (i = 0; i < m->n; i++) {
		const struct entry *e = &m->e[i];

		if (e->dead)
			continue;
		if (!first)
			ce_buf_putc(out, ',');
		first = 0;
		ce_buf_json_string(out, m->keys.data + e->off, e->len);
		ce_buf_putc(out, ':');
		ce_json_value(e->obj, &v, numbuf);
		ce_value_write(&v, out);
	}
	ce_buf_putc(out, '}');
}

void
ce_flatten_json(struct json_object *root, struct ce_buf *out)
{
	struct map m = { CE_BUF_INIT, NULL, 0, 0, atomic_load(&flat_limit) };

	if (ce_flatten_walk_obj(root, map_put, &m) != 0 || map_dedup(&m) != 0)
		goto fail;
	map_write(&m, out);
	ce_buf_free(&m.keys);
	free(m.e);
	return;
fail:
	out->oom = 1;
	ce_buf_free(&m.keys);
	free(m.e);
}
