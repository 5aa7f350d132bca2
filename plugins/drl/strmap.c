/*
 * strmap.c - string-keyed hash map, linear probing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

uint64_t
drl_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ len, w;
	size_t i = 0;

	/* Eight bytes at a time: the index hashes every event's values. */
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 32;
	}
	for (; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

static struct drl_strmap_slot *
find(const struct drl_strmap *m, const char *key, size_t len, uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);

	for (;;) {
		struct drl_strmap_slot *s = &m->slots[i];

		if (s->key == NULL ||
		    (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
			return s;
		i = (i + 1) & (m->cap - 1);
	}
}

void *
drl_strmap_get(const struct drl_strmap *m, const char *key, size_t len)
{
	struct drl_strmap_slot *s;

	if (m->cap == 0)
		return NULL;
	s = find(m, key, len, drl_hash(key, len));
	return s->key != NULL ? s->value : NULL;
}

int
drl_strmap_put(struct drl_strmap *m, const char *key, size_t len, void *value)
{
	struct drl_strmap_slot *s;
	uint64_t h = drl_hash(key, len);

	if ((m->n + 1) * 4 > m->cap * 3) {
		size_t oldcap = m->cap;
		struct drl_strmap_slot *old = m->slots, *slots;
		size_t cap = oldcap ? oldcap * 2 : 16, i;

		if ((slots = calloc(cap, sizeof(*slots))) == NULL)
			return -ENOMEM;
		m->slots = slots;
		m->cap = cap;
		for (i = 0; i < oldcap; i++) {
			if (old[i].key != NULL)
				*find(m, old[i].key, old[i].len, old[i].hash) = old[i];
		}
		free(old);
	}
	s = find(m, key, len, h);
	if (s->key == NULL) {
		s->key = key;
		s->len = len;
		s->hash = h;
		m->n++;
	}
	s->value = value;
	return 0;
}

void
drl_strmap_free(struct drl_strmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
