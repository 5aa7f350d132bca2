/*
 * index.h - which rules can fire for an event: a hash of routing prefix
 * (eventSource) to buckets, in each bucket a hash of required eventName
 * values, and in each of those sets hashes on the values of other keys the
 * rules require, so rules that cannot match are never looked at.
 */
#ifndef DRL_INDEX_H
#define DRL_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "rule.h"
#include "strmap.h"
#include "value.h"

/* A set of the byte pairs of a text (a 256-bit Bloom filter): a needle
 * can only be in a value when every pair of the needle is in the value. */
struct drl_sig {
	uint64_t	w[4];
};

/*
 * A value of the event as the index sees it, with what it derives from
 * it computed at most once per event (drl_seen_hash(), drl_seen_sig()).
 */
struct drl_seen {
	struct drl_val	 v;
	unsigned	 have;		/* SEEN_* bits: which of below are set */
	uint64_t	 hash;
	struct drl_sig	 sig;
};

#define SEEN_HASH	1u
#define SEEN_SIG	2u

/* A fresh value: nothing derived yet. */
void		 drl_seen_init(struct drl_seen *s, const struct drl_val *v);
uint64_t	 drl_seen_hash(struct drl_seen *s);	/* a string's drl_hash() */
const struct drl_sig *drl_seen_sig(struct drl_seen *s);	/* a string's */
void		 drl_sig_of(struct drl_sig *sig, const char *s, size_t len);

/*
 * One necessary condition of a rule (a struct drl_eq on a key without
 * "[*]"), laid out so that checking it touches only the index and the
 * event, never the rule.  An event's value passes when it is a string
 * whose hash is one of hashes (a hash collision only lets a rule through
 * to full evaluation), or a number or boolean and loose is set; or, with
 * nvals 0, when it is a string holding needle (NULL: any string).
 */
struct drl_check {
	unsigned		 key_id;	/* key->id, for the value cache */
	unsigned		 nvals : 31;
	unsigned		 loose : 1;
	union {
		uint64_t	 hash;		/* nvals 1: drl_hash() of it */
		const uint64_t	*hashes;	/* nvals > 1: of each value */
	};
	const char		*needle;
	uint32_t		 needle_len;
};
_Static_assert(sizeof(struct drl_check) <= 32, "struct drl_check: 32 bytes");

/*
 * A rule as a list of the index hands it out: its firing rank (the rule
 * is the engine's rules[rank]) and its checks, the first single-value one
 * kept inline (most rules fail it, so most never touch their checks
 * array).  skip_id is the key id + 1 of the key the list hangs the rule on
 * (the lookup that found the list tested it already), or 0.  Two to a
 * cache line: a list of them is read in order.
 */
struct drl_post {
	unsigned		 rank;
	unsigned		 skip_id;
	uint64_t		 first_hash;
	unsigned		 first_id;
	unsigned		 nchecks : 30;
	unsigned		 has_first : 1;	/* 0: no inline check */
	unsigned		 first_loose : 1;
	const struct drl_check	*checks;	/* nchecks of them, or NULL */
};
_Static_assert(sizeof(struct drl_post) <= 32, "struct drl_post: 32 bytes");

/* Rules in firing order. */
struct drl_rulelist {
	struct drl_post	*v;
	size_t		 n, cap;
};

/* A rule that needs the key's string to contain some text. */
struct drl_needle {
	const char		*text;
	size_t			 len;
	struct drl_post		 post;
};

/* What a struct drl_keyed holds beyond what every look-up reads. */
struct drl_keyed_lists {
	struct drl_strmap	 byvalue;	/* value -> struct drl_rulelist */
	struct drl_rulelist	 loose;
	struct drl_rulelist	 strings;	/* any string will do */
	struct drl_needle	*needles;	/* in firing order */
	struct drl_sig		*sigs;		/* their byte pairs, same order */
	size_t			 nneedles, capneedles;
};

/* The rules a value brings, in a table found by the value's hash. */
struct drl_vslot {
	uint64_t		 hash;		/* drl_hash() of the value */
	const struct drl_post	*v;		/* n of them; NULL: empty slot */
	size_t			 n;
};

/*
 * The rules of a set that require one key to equal one of some strings,
 * hashed by those strings (an alpha node of a Rete network), or to be a
 * string holding some text, or only to be a string.  A string in the
 * event finds its rules in vals, those of the needles it contains, and
 * those of strings; a number or a boolean can only equal the strings that
 * read as one, whose rules are also in loose; null, {} and [] equal none.
 * Values are found by hash alone: the rules they bring are evaluated in
 * full anyway.
 */
struct drl_keyed {
	/* One cache line (64 bytes, aligned) that a look-up reads, and then
	 * only what the value it found leads to (an event visits dozens of
	 * these). */
	unsigned		 key_id;	/* key->id, at hand */
	unsigned		 multi : 1;	/* key->multi: "[*]", so every
						 * value of it counts */
	unsigned		 strings : 1;	/* lists->strings is not empty */
	unsigned		 loose : 1;	/* lists->loose is not empty */
	unsigned		 nneedles : 29;
	const struct drl_key	*key;
	uint64_t		 one_hash;	/* mask 0: the one value's hash;
						 * else bit h >> 58 of each
						 * value's hash h set, so that
						 * most values the event has
						 * are turned away without
						 * touching the table */
	const struct drl_vslot	*vals;		/* mask + 1 slots (in the set's
						 * pool), or NULL: no value */
	const struct drl_sig	*sigs;		/* nneedles, in the set's pool */
	const struct drl_needle	*needles;	/* the same, beside them */
	struct drl_keyed_lists	*lists;		/* owned */
	uint32_t		 mask;
};
_Static_assert(sizeof(struct drl_keyed) <= 64, "struct drl_keyed: one line");

/* Rules that share a routing prefix and an eventName (or have none). */
struct drl_set {
	struct drl_rulelist	 plain;		/* no key to hash on: always run */
	struct drl_keyed	*keyed;		/* an array: one pass over it,
						 * in memory order, per event */
	size_t			 nkeyed, capkeyed;
	void			*pool;		/* what the keyed groups lead
						 * to, one block (index.c) */
	struct drl_rulelist	 build;		/* every rule, while building */
};

struct drl_bucket {
	struct drl_strmap	byname;	/* eventName -> struct drl_set */
	struct drl_set		any;	/* rules with no eventName equality */
};

struct drl_index {
	struct drl_rule *const	*rules;		/* borrowed: by rank */
	struct drl_strmap	sources;	/* eventSource -> struct drl_bucket */
	struct drl_bucket	all;		/* "*: ..." and unprefixed rules */
	struct drl_post		*posts;		/* by rule->rank: each rule's post */
	size_t			 nposts;
	struct drl_check	*checks;	/* every rule's, one block */
	uint64_t		*hashes;	/* every check's values, one block */
};

/* The value of the key whose id is id in the event being evaluated; valid
 * until the next call. */
typedef struct drl_seen *(*drl_fetch_fn)(void *arg, unsigned id);
/* Call fn(cb, value) for each value of the "[*]" key k in the event being
 * evaluated; returns fn's first non-zero result, or 0. */
typedef int (*drl_each_fn)(void *arg, const struct drl_key *k,
    int (*fn)(void *cb, struct drl_seen *v), void *cb);
/* Take one more candidate rule (the one of firing rank rank); 0 or
 * -ENOMEM. */
typedef int (*drl_take_fn)(void *arg, unsigned rank);
/* Before the first fetch: how many keys the lookup will fetch (those it
 * hangs rules on; the rules' checks may add some). */
typedef void (*drl_expect_fn)(void *arg, size_t nkeys);

/* How a lookup reaches the event and hands out what it finds. */
struct drl_lookup {
	drl_fetch_fn	 fetch;
	drl_each_fn	 each;
	drl_take_fn	 take;
	drl_expect_fn	 expect;
	void		*arg;
};

/* Add every enabled rule of rules[0..n) (in firing order: rules[i]->rank
 * is i), which must outlive the index. */
int	drl_index_build(struct drl_index *ix, struct drl_rule **rules, size_t n);
void	drl_index_free(struct drl_index *ix);
/*
 * Hand take() every candidate rule for an event whose checks hold (in
 * firing order within each list; a rule may come more than once, through
 * several lists or values of a "[*]" key).  source / name may be NULL
 * (absent or not a string).  Returns 0 or take()'s error.
 */
int	drl_index_lookup(const struct drl_index *ix, const char *source,
	    size_t srclen, const char *name, size_t namelen,
	    const struct drl_lookup *lk);

#endif /* DRL_INDEX_H */
