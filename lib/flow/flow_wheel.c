/* SPDX-License-Identifier: BSD-3-Clause */
/* flow_wheel.c - Timer wheel for flow expiry: insert once, re-check and re-arm when a slot fires. */
#include "flow_priv.h"

static inline uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

void pt_flow_wheel_start(struct pt_flow_table *t, uint64_t ns)
{
	if (!t->wheel_started) {
		t->cur_tick = ns / PT_FLOW_WHEEL_TICK_NS;
		t->wheel_started = true;
	}
}

static inline void mark_busy(struct pt_flow_table *t, uint32_t slot)
{
	t->wheel_busy[slot >> 6] |= UINT64_C(1) << (slot & 63);
}

static inline void mark_empty(struct pt_flow_table *t, uint32_t slot)
{
	t->wheel_busy[slot >> 6] &= ~(UINT64_C(1) << (slot & 63));
}

static void list_push(struct pt_flow_table *t, uint32_t list, uint32_t idx)
{
	struct pt_flow *f = &t->flows[idx];
	uint32_t head = t->wheel[list];

	if (head == PT_FLOW_NONE && list < PT_FLOW_WHEEL_SLOTS)
		mark_busy(t, list);
	f->wheel_slot = list;
	f->wheel_prev = PT_FLOW_NONE;
	f->wheel_next = head;
	if (head != PT_FLOW_NONE)
		t->flows[head].wheel_prev = idx;
	t->wheel[list] = idx;
}

void pt_flow_wheel_insert(struct pt_flow_table *t, uint32_t idx, uint64_t deadline_ns)
{
	/* The slot of tick T fires once now >= T * tick, so rounding up never fires a flow early. */
	uint64_t tick = deadline_ns / PT_FLOW_WHEEL_TICK_NS + (deadline_ns % PT_FLOW_WHEEL_TICK_NS != 0);

	if (tick < t->cur_tick)
		tick = t->cur_tick;
	else if (tick - t->cur_tick >= PT_FLOW_WHEEL_SLOTS)
		tick = t->cur_tick + PT_FLOW_WHEEL_SLOTS - 1; /* beyond the span: re-checked when it fires */
	list_push(t, (uint32_t)(tick & PT_FLOW_WHEEL_MASK), idx);
}

void pt_flow_wheel_unlink(struct pt_flow_table *t, uint32_t idx)
{
	struct pt_flow *f = &t->flows[idx];

	if (f->wheel_prev != PT_FLOW_NONE)
		t->flows[f->wheel_prev].wheel_next = f->wheel_next;
	else if ((t->wheel[f->wheel_slot] = f->wheel_next) == PT_FLOW_NONE && f->wheel_slot < PT_FLOW_WHEEL_SLOTS)
		mark_empty(t, f->wheel_slot);
	if (f->wheel_next != PT_FLOW_NONE)
		t->flows[f->wheel_next].wheel_prev = f->wheel_prev;
	f->wheel_prev = PT_FLOW_NONE;
	f->wheel_next = PT_FLOW_NONE;
	f->wheel_slot = PT_FLOW_NONE;
}

uint64_t pt_flow_next_deadline(const struct pt_flow_table *t, const struct pt_flow *f)
{
	uint64_t deadline = add_sat(f->last_ns, t->cfg.timeout_ns[f->timeout_class]);

	if (t->cfg.update_interval_ns != 0) {
		uint64_t update = add_sat(f->last_update_ns, t->cfg.update_interval_ns);

		if (update < deadline)
			deadline = update;
	}
	return deadline;
}

/* Move the whole list @p from to the front of the pending list. */
static void move_to_pending(struct pt_flow_table *t, uint32_t from)
{
	uint32_t head = t->wheel[from], idx, tail = PT_FLOW_NONE;

	if (head == PT_FLOW_NONE)
		return;
	for (idx = head; idx != PT_FLOW_NONE; idx = t->flows[idx].wheel_next) {
		t->flows[idx].wheel_slot = PT_FLOW_WHEEL_PENDING;
		tail = idx;
	}
	t->flows[tail].wheel_next = t->wheel[PT_FLOW_WHEEL_PENDING];
	if (t->wheel[PT_FLOW_WHEEL_PENDING] != PT_FLOW_NONE)
		t->flows[t->wheel[PT_FLOW_WHEEL_PENDING]].wheel_prev = tail;
	t->wheel[PT_FLOW_WHEEL_PENDING] = head;
	t->wheel[from] = PT_FLOW_NONE;
	mark_empty(t, from);
}

/* Check one due flow: end it, or emit an interim update, then re-arm. @return records emitted. */
static uint32_t fire(struct pt_flow_table *t, uint32_t idx, uint64_t now)
{
	struct pt_flow *f = &t->flows[idx];
	uint32_t emitted = 0;

	if (now >= add_sat(f->last_ns, t->cfg.timeout_ns[f->timeout_class])) {
		pt_flow_end(t, idx, f->timeout_class == PT_FLOW_TIMEOUT_TCP_CLOSED ? PT_FLOW_EVENT_END_CLOSED
										  : PT_FLOW_EVENT_END_IDLE, now);
		return 1;
	}
	pt_flow_wheel_unlink(t, idx);
	if (t->cfg.update_interval_ns != 0 && now >= add_sat(f->last_update_ns, t->cfg.update_interval_ns)) {
		/* An interim record only when something happened since the last one. */
		if (f->last_ns > f->last_update_ns) {
			pt_flow_emit_update(t, idx, now);
			emitted = 1;
		}
		f->last_update_ns = now;
	}
	/* The next deadline is > now, so this never lands on a tick already moved to pending. */
	pt_flow_wheel_insert(t, idx, pt_flow_next_deadline(t, f));
	return emitted;
}

uint32_t pt_flow_advance(struct pt_flow_table *t, uint64_t now_ns, uint32_t budget)
{
	uint32_t emitted = 0, idx;
	uint64_t now_tick;

	if (budget == 0)
		return 0;
	if (now_ns < t->now_ns)
		now_ns = t->now_ns; /* time only moves forward */
	t->now_ns = now_ns;
	pt_flow_wheel_start(t, now_ns);
	now_tick = now_ns / PT_FLOW_WHEEL_TICK_NS;

	for (;;) {
		while ((idx = t->wheel[PT_FLOW_WHEEL_PENDING]) != PT_FLOW_NONE) {
			if (emitted >= budget)
				return emitted;
			emitted += fire(t, idx, now_ns);
		}
		if (t->cur_tick > now_tick)
			break;
		if (t->stats.active == 0) {
			t->cur_tick = now_tick + 1;
			break;
		}
		if (now_tick - t->cur_tick >= PT_FLOW_WHEEL_SLOTS) {
			/* A jump past the whole span: every flow is due. Oldest slots end up first. */
			for (uint32_t i = PT_FLOW_WHEEL_SLOTS; i-- > 0;)
				move_to_pending(t, (uint32_t)((t->cur_tick + i) & PT_FLOW_WHEEL_MASK));
			t->cur_tick = now_tick + 1;
			continue;
		}
		move_to_pending(t, (uint32_t)(t->cur_tick & PT_FLOW_WHEEL_MASK));
		t->cur_tick++;
	}
	return emitted;
}

static bool in_set(const uint32_t *set, uint32_t n, uint32_t idx)
{
	for (uint32_t i = 0; i < n; i++)
		if (set[i] == idx)
			return true;
	return false;
}

/* The first flow of list @p list not in @p skip; the list's first flow goes to @p fallback if none was yet. */
static uint32_t first_not_skipped(const struct pt_flow_table *t, uint32_t list, const uint32_t *skip,
				  uint32_t n_skip, uint32_t *fallback)
{
	for (uint32_t idx = t->wheel[list]; idx != PT_FLOW_NONE; idx = t->flows[idx].wheel_next) {
		if (!in_set(skip, n_skip, idx))
			return idx;
		if (*fallback == PT_FLOW_NONE)
			*fallback = idx;
	}
	return PT_FLOW_NONE;
}

/*
 * The tick of the first slot at or after tick @p from (cursor <= from) that holds a flow, or cursor + span
 * when none does. A full table evicts on every new flow and a SYN flood's flows sit 30 s (1,920 slots)
 * ahead of the cursor: the bitmap steps over 64 empty slots at a time.
 */
static uint64_t busy_tick_from(const struct pt_flow_table *t, uint64_t from)
{
	uint64_t end = t->cur_tick + PT_FLOW_WHEEL_SLOTS;
	uint32_t slot = (uint32_t)(from & PT_FLOW_WHEEL_MASK), word = slot >> 6;
	uint64_t bits = t->wheel_busy[word] & (~UINT64_C(0) << (slot & 63));

	for (uint64_t word_tick = from - (slot & 63); word_tick < end; word_tick += 64) {
		if (bits != 0) {
			uint64_t tick = word_tick + (uint64_t)__builtin_ctzll(bits);

			return tick < end ? tick : end;
		}
		word = (word + 1) % PT_FLOW_WHEEL_WORDS;
		bits = t->wheel_busy[word];
	}
	return end;
}

uint32_t pt_flow_wheel_oldest(const struct pt_flow_table *t, const uint32_t *skip, uint32_t n_skip)
{
	uint32_t fallback = PT_FLOW_NONE, idx;
	uint64_t end = t->cur_tick + PT_FLOW_WHEEL_SLOTS;

	if (t->stats.active == 0)
		return PT_FLOW_NONE;
	if ((idx = first_not_skipped(t, PT_FLOW_WHEEL_PENDING, skip, n_skip, &fallback)) != PT_FLOW_NONE)
		return idx;
	for (uint64_t tick = busy_tick_from(t, t->cur_tick); tick < end; tick = busy_tick_from(t, tick + 1)) {
		idx = first_not_skipped(t, (uint32_t)(tick & PT_FLOW_WHEEL_MASK), skip, n_skip, &fallback);
		if (idx != PT_FLOW_NONE)
			return idx;
	}
	return fallback;
}

uint32_t pt_flow_flush(struct pt_flow_table *t, uint64_t now_ns, uint32_t budget)
{
	uint32_t done = 0, idx, list = PT_FLOW_WHEEL_PENDING;

	while (done < budget && t->stats.active > 0) {
		if (t->wheel[list] == PT_FLOW_NONE) {
			uint64_t tick = busy_tick_from(t, t->cur_tick);

			if (tick >= t->cur_tick + PT_FLOW_WHEEL_SLOTS)
				break;
			list = (uint32_t)(tick & PT_FLOW_WHEEL_MASK);
		}
		while (done < budget && (idx = t->wheel[list]) != PT_FLOW_NONE) {
			pt_flow_end(t, idx, PT_FLOW_EVENT_END_SHUTDOWN, now_ns);
			done++;
		}
	}
	return (uint32_t)t->stats.active;
}
