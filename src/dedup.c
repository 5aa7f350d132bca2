/*
 * dedup.c - the memory of (alert, output) pairs delivered and in flight:
 * a FIFO ring indexed by a chained hash (bounded memory) and a table of
 * the deliveries going on, which later alerts for the same pair join.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dedup.h"

uint64_t
ce_dedup_fingerprint(const char *key, const char *output)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */
	const char *p;

	for (p = key; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	h = (h ^ 0xff) * 0x100000001b3ull;
	for (p = output; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	return h | 1;	/* never 0 */
}

int
ce_dedup_init(struct ce_dedup *m, size_t cap)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	if (cap == 0)
		return 0;
	m->cap = cap;
	for (m->nbuckets = 64; m->nbuckets < cap; m->nbuckets <<= 1)
		;
	m->fp = calloc(cap, sizeof(*m->fp));
	m->chain = calloc(cap, sizeof(*m->chain));
	m->bucket = malloc(m->nbuckets * sizeof(*m->bucket));
	if (m->fp == NULL || m->chain == NULL || m->bucket == NULL)
		return -ENOMEM;
	for (i = 0; i < m->nbuckets; i++)
		m->bucket[i] = -1;
	return 0;
}

void
ce_dedup_free(struct ce_dedup *m)
{
	free(m->fp);
	free(m->chain);
	free(m->bucket);
	pthread_mutex_destroy(&m->lock);
}

/* ------------------------------------------------------------------ */
/* Delivered: the ring                                                 */
/* ------------------------------------------------------------------ */

static int
ring_find_locked(const struct ce_dedup *m, uint64_t fp)
{
	int32_t i;

	for (i = m->bucket[fp & (m->nbuckets - 1)]; i >= 0; i = m->chain[i])
		if (m->fp[i] == fp)
			return 1;
	return 0;
}

static void
ring_unlink_locked(struct ce_dedup *m, size_t slot)
{
	int32_t *link = &m->bucket[m->fp[slot] & (m->nbuckets - 1)];

	while (*link >= 0 && (size_t)*link != slot)
		link = &m->chain[*link];
	if (*link >= 0)
		*link = m->chain[slot];
}

static void
ring_remember_locked(struct ce_dedup *m, uint64_t fp)
{
	size_t slot = m->pos, b = fp & (m->nbuckets - 1);

	if (ring_find_locked(m, fp))
		return;
	if (m->len == m->cap)
		ring_unlink_locked(m, slot);	/* forget the oldest */
	else
		m->len++;
	m->fp[slot] = fp;
	m->chain[slot] = m->bucket[b];
	m->bucket[b] = (int32_t)slot;
	m->pos = (m->pos + 1) % m->cap;
}

/* ------------------------------------------------------------------ */
/* In flight: the table                                                */
/* ------------------------------------------------------------------ */

static struct ce_dedup_entry **
inflight_link_locked(struct ce_dedup *m, uint64_t fp)
{
	struct ce_dedup_entry **link;

	link = &m->inflight[fp % CE_DEDUP_INFLIGHT_BUCKETS];
	while (*link != NULL && (*link)->fp != fp)
		link = &(*link)->next;
	return link;
}

enum ce_dedup_claim
ce_dedup_claim(struct ce_dedup *m, uint64_t fp, struct ce_dedup_entry *entry,
    struct ce_rec *rec)
{
	struct ce_dedup_entry **link;
	struct ce_dedup_follower *f;
	enum ce_dedup_claim claim = CE_DEDUP_NEW;

	*entry = (struct ce_dedup_entry){ .fp = fp };
	if (m->cap == 0)
		return CE_DEDUP_NEW;
	pthread_mutex_lock(&m->lock);
	if (ring_find_locked(m, fp)) {
		claim = CE_DEDUP_DELIVERED;
	} else if (*(link = inflight_link_locked(m, fp)) != NULL) {
		/* Joining costs one small allocation; without it the alert
		 * simply goes out a second time. */
		if ((f = malloc(sizeof(*f))) == NULL) {
			claim = CE_DEDUP_NOMEM;
		} else {
			f->rec = rec;
			f->next = (*link)->followers;
			(*link)->followers = f;
			claim = CE_DEDUP_JOINED;
		}
	} else {
		entry->linked = 1;
		*link = entry;
	}
	pthread_mutex_unlock(&m->lock);
	return claim;
}

struct ce_dedup_follower *
ce_dedup_finish(struct ce_dedup *m, struct ce_dedup_entry *entry,
    int delivered)
{
	struct ce_dedup_entry **link;
	struct ce_dedup_follower *f;

	if (!entry->linked)
		return NULL;
	pthread_mutex_lock(&m->lock);
	link = inflight_link_locked(m, entry->fp);
	if (*link == entry)
		*link = entry->next;
	if (delivered)
		ring_remember_locked(m, entry->fp);
	f = entry->followers;
	entry->followers = NULL;
	entry->linked = 0;
	pthread_mutex_unlock(&m->lock);
	return f;
}

void
ce_dedup_followers_free(struct ce_dedup_follower *f)
{
	struct ce_dedup_follower *next;

	for (; f != NULL; f = next) {
		next = f->next;
		free(f);
	}
}
