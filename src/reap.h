/*
 * reap.h - frees deferred from the threads that deliver alerts to the
 * workers that made what they free.
 *
 * free() takes the lock of the malloc arena a chunk came from.  An output
 * thread settling an alert frees memory a worker allocated (the event's
 * JSON tree, the alert, the delivery), so it takes that worker's arena,
 * which the worker holds nearly all the time it parses: the two end up
 * sleeping on it.  Measured on a run where 1.4% of the records alert,
 * that was most of the run's futex calls, each costing a system call on
 * both sides.  So a thread that called ce_reap_defer_here() (the output
 * threads, the retry scheduler) hands what it would free to a list that
 * workers empty between records (ce_reap()).  An output thread that falls
 * idle empties it too once it holds CE_REAP_IDLE items, so memory held for
 * an idle engine stays bounded; the engine empties it when it closes.
 */
#ifndef CE_REAP_H
#define CE_REAP_H

/* Items an idle output thread leaves to the workers. */
#define CE_REAP_IDLE	256

/* Embedded in what may be freed later; owned by the reaper once buried. */
struct ce_grave {
	struct ce_grave	*next;
	void		(*destroy)(struct ce_grave *g);
};

/* destroy(g) now, or later from ce_reap() on a thread that defers. */
void	ce_bury(struct ce_grave *g, void (*destroy)(struct ce_grave *g));
/* From now on, this thread defers what it buries. */
void	ce_reap_defer_here(void);
/* Destroy everything buried so far (any thread; cheap when empty). */
void	ce_reap(void);
/* ce_reap() if CE_REAP_IDLE items or more wait. */
void	ce_reap_idle(void);

#endif /* CE_REAP_H */
