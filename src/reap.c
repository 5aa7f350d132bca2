/*
 * reap.c - frees deferred to the workers (why: reap.h).  The list is
 * pushed by any thread and only ever emptied whole, so a plain
 * compare-and-swap push has no ABA problem.
 */
#include <stdatomic.h>
#include <stddef.h>

#include "reap.h"

static _Atomic(struct ce_grave *) graves;
static atomic_size_t ngraves;		/* about how many: a hint */
static _Thread_local int deferring;

void
ce_bury(struct ce_grave *g, void (*destroy)(struct ce_grave *g))
{
	struct ce_grave *head;

	g->destroy = destroy;
	if (!deferring) {
		destroy(g);
		return;
	}
	head = atomic_load_explicit(&graves, memory_order_relaxed);
	do {
		g->next = head;
	} while (!atomic_compare_exchange_weak_explicit(&graves, &head, g,
	    memory_order_release, memory_order_relaxed));
	atomic_fetch_add_explicit(&ngraves, 1, memory_order_relaxed);
}

void
ce_reap_defer_here(void)
{
	deferring = 1;
}

void
ce_reap(void)
{
	struct ce_grave *g, *next;

	if (atomic_load_explicit(&graves, memory_order_relaxed) == NULL)
		return;
	atomic_store_explicit(&ngraves, 0, memory_order_relaxed);
	g = atomic_exchange_explicit(&graves, NULL, memory_order_acquire);
	for (; g != NULL; g = next) {
		next = g->next;
		g->destroy(g);
	}
}

void
ce_reap_idle(void)
{
	if (atomic_load_explicit(&ngraves, memory_order_relaxed) >= CE_REAP_IDLE)
		ce_reap();
}
