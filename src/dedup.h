/*
 * dedup.h - the memory of (alert, output) pairs delivered and in flight,
 * so that a record seen twice (an SQS redelivery, the same event from
 * EventBridge and from the trail's log file) alerts once.
 *
 * A pair is identified by a 64-bit fingerprint of the alert's idempotency
 * key and the output's name.  Delivered pairs are remembered in a FIFO
 * ring of fixed size (the oldest is forgotten).  A pair whose delivery is
 * still going on (retries during an outage can take minutes) is kept in
 * an in-flight table; a second alert for it does not start another
 * delivery but joins the first: its record settles when the first one
 * does, OK or failed alike.
 *
 * All functions are thread-safe.  With cap == 0 nothing is remembered and
 * every claim is CE_DEDUP_NEW.
 */
#ifndef CE_DEDUP_H
#define CE_DEDUP_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct ce_rec;

/* A record waiting on another delivery of the same pair; owned by the
 * in-flight entry until ce_dedup_finish() hands the list back. */
struct ce_dedup_follower {
	struct ce_dedup_follower	*next;
	struct ce_rec			*rec;
};

/* A delivery in flight, embedded in it by the caller.  Between a claim
 * that returns CE_DEDUP_NEW and ce_dedup_finish() it is linked into the
 * table: the caller must not move or free it. */
struct ce_dedup_entry {
	uint64_t			 fp;
	struct ce_dedup_entry		*next;		/* same bucket */
	struct ce_dedup_follower	*followers;
	int				 linked;
};

#define CE_DEDUP_INFLIGHT_BUCKETS	1024

struct ce_dedup {
	pthread_mutex_t		 lock;
	uint64_t		*fp;		/* ring of fingerprints, cap entries */
	int32_t			*chain;		/* next entry in the same bucket, -1 ends */
	int32_t			*bucket;	/* nbuckets heads, -1 empty */
	size_t			 cap, nbuckets, pos, len;
	struct ce_dedup_entry	*inflight[CE_DEDUP_INFLIGHT_BUCKETS];
};

enum ce_dedup_claim {
	CE_DEDUP_NEW,		/* deliver it; call ce_dedup_finish() after */
	CE_DEDUP_DELIVERED,	/* delivered already: nothing to do */
	CE_DEDUP_JOINED,	/* in flight: rec will come back from finish() */
	CE_DEDUP_NOMEM		/* could not join: deliver it anyway */
};

/* 0 or -ENOMEM (then ce_dedup_free() is still safe). */
int	ce_dedup_init(struct ce_dedup *m, size_t cap);
void	ce_dedup_free(struct ce_dedup *m);

/* The fingerprint of (key, output name); never 0. */
uint64_t ce_dedup_fingerprint(const char *key, const char *output);

/*
 * Decide what an alert for fp becomes.  CE_DEDUP_NEW links entry (its fp
 * set to fp) into the in-flight table; CE_DEDUP_JOINED attaches rec to
 * the delivery in flight (the caller holds rec for it until finish()
 * returns it).
 */
enum ce_dedup_claim ce_dedup_claim(struct ce_dedup *m, uint64_t fp,
	    struct ce_dedup_entry *entry, struct ce_rec *rec);

/*
 * The delivery of entry is over: unlink it, remember its pair when
 * delivered is non-zero, and return the records that joined it (the
 * caller settles each the same way and frees the list with
 * ce_dedup_followers_free()).  A no-op returning NULL for an entry that
 * was never linked.
 */
struct ce_dedup_follower *ce_dedup_finish(struct ce_dedup *m,
	    struct ce_dedup_entry *entry, int delivered);
void	ce_dedup_followers_free(struct ce_dedup_follower *f);

#endif /* CE_DEDUP_H */
