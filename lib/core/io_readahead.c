/*
 * io_readahead: the read-ahead thread of an input (io.h sk_in_readahead,
 * sk_in_readahead_blocks): its slots, the thread, and sk_in_need served
 * from them.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io_internal.h"
#include "ofile.h"


/* Slots: RA_SLOTS of RA_CHUNK bytes each (plus the headroom) for records
 * up to half that size, and two of twice the record size for larger ones,
 * up to RA_MAX (larger records are assembled by copying).  Small, so that
 * what the kernel writes stays in the cache (4 buffers of 4 MiB read 1.35x
 * slower than one); four of them, so that the thread runs on while the
 * consumer wakes up (with two it waited each time: copies ran 1.4x slower).
 * An IBM SEG-Y decode ran 1.2x faster with 4 x 2 MiB than with 2 x 4 MiB. */
#define RA_SLOTS 4
#define RA_CHUNK ((size_t)2 << 20)
#define RA_MAX ((size_t)16 << 20)
#define RA_ALIGN 4096
/* Unit mode: the headroom for bytes carried over (a record cut by the end
 * of a slot before the first unit starts). */
#define RA_COPY ((size_t)256 << 10)

/*
 * Read-ahead.  A producer thread fills the data part [H, H + C) of its slots
 * in turn and publishes it: full (the first up to a page boundary of a
 * file), or short at the end of the input, after an error, or when a pipe
 * has nothing more at the moment.  The consumer takes the slots in order.
 * When it needs more than its buffer holds, it copies the unread bytes (a
 * partial record, less than H) into the headroom [0, H) of the next slot,
 * just before its data, and gives back the slot it held: the bulk data is
 * never copied.  To stop, the thread finishes its current read of a file;
 * on a pipe, where a read may block for ever, it waits in poll() on the
 * pipe and on a wake-up pipe instead.  (pthread_cancel in read() would do,
 * but ASan reports a false stack-buffer-overflow on a cancelled thread,
 * google/sanitizers#1399, which make asan would trip on.)
 */
enum { RA_FREE, RA_FILLING, RA_READY, RA_HELD };

struct sk_ra {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int fd;
	int pipe;            /* not a regular file: reads may block */
	int wake[2];         /* for a pipe: written to stop the thread's poll */
	size_t H, C;
	int n;               /* slots */
	unsigned char *slot[RA_SLOTS];
	int state[RA_SLOTS];
	size_t len[RA_SLOTS];
	int eof[RA_SLOTS], errnum[RA_SLOTS];
	int stop;
	int cwait, pwait;    /* the consumer waits for a slot, the thread for room */
	int batch;           /* slots per wake-up */
	int take;            /* the slot the consumer takes next */
	int held;            /* the slot in->buf points into, -1 for a malloc'd buffer */
	size_t unit;         /* sk_in_readahead_blocks: each slot holds whole
	                      * units from the consumer's position; else 0 */
	size_t skew0;        /* unit mode: the first read is this much short of C */
};

static int ra_count(const struct sk_ra *ra, int state)
{
	int k = 0;
	for (int i = 0; i < ra->n; i++)
		k += ra->state[i] == state;
	return k;
}

static void *ra_main(void *arg)
{
	struct sk_ra *ra = arg;
	/* The kernel's copy from the page cache runs at a fraction of its
	 * speed (rep movsb, 2 against 12 GB/s) unless source and destination
	 * agree in their offset within a page: slots are page-aligned and the
	 * first read of a file ends on a page boundary of the file. */
	const off_t at = lseek(ra->fd, 0, SEEK_CUR);
	size_t skew = at > 0 ? (size_t)(at % RA_ALIGN) : 0;
	int i = 0;

	/* In unit mode the first slot ends where a unit ends, counted from the
	 * consumer's position (its buffered bytes come first), so that every
	 * unit lies whole in one slot and nothing is carried over. */
	if (ra->unit)
		skew = ra->skew0;

	pthread_mutex_lock(&ra->mu);
	for (;;) {
		unsigned char *const d = ra->slot[i] + ra->H;
		size_t len = 0;
		int eof = 0, e = 0, stop = 0;

		while (!ra->stop && ra->state[i] != RA_FREE) {
			if (ra->cwait)
				pthread_cond_broadcast(&ra->cv);
			ra->pwait = 1;
			pthread_cond_wait(&ra->cv, &ra->mu);
		}
		ra->pwait = 0;
		if (ra->stop)
			break;
		ra->state[i] = RA_FILLING;
		pthread_mutex_unlock(&ra->mu);
		while (len < ra->C - skew && !stop) {
			ssize_t r;
			if (ra->pipe) {
				/* Wait for data or for a stop; and never wait
				 * while holding bytes the consumer may wait
				 * for (in unit mode it waits for whole slots:
				 * a short one would be carried over). */
				struct pollfd pf[2] = {{ra->fd, POLLIN, 0}, {ra->wake[0], POLLIN, 0}};
				const int k = poll(pf, 2, len > 0 && !ra->unit ? 0 : -1);
				if (k < 0 && errno == EINTR)
					continue;
				if (pf[1].revents) {
					stop = 1;
					break;
				}
				if (k == 0)
					break;
			}
			r = read(ra->fd, d + len, ra->C - skew - len);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				e = errno;
				break;
			}
			if (r == 0) {
				eof = 1;
				break;
			}
			len += (size_t)r;
		}
		skew = 0;
		pthread_mutex_lock(&ra->mu);
		ra->len[i] = len;
		ra->eof[i] = eof;
		ra->errnum[i] = e;
		ra->state[i] = RA_READY;
		/* A wake-up costs about 30 us (an inter-processor interrupt
		 * in a VM): a waiting consumer is woken for a batch of slots,
		 * unless the input ends or a pipe may keep it waiting. */
		if (ra->cwait && (ra->pipe || eof || e || stop || ra_count(ra, RA_READY) >= ra->batch))
			pthread_cond_broadcast(&ra->cv);
		if (eof || e || stop)
			break;
		i = (i + 1) % ra->n;
	}
	pthread_mutex_unlock(&ra->mu);
	return NULL;
}

/* Waits for the next published slot and holds it. */
static int ra_take(struct sk_ra *ra)
{
	const int i = ra->take;

	pthread_mutex_lock(&ra->mu);
	while (ra->state[i] != RA_READY) {
		ra->cwait = 1;
		pthread_cond_wait(&ra->cv, &ra->mu);
	}
	ra->cwait = 0;
	ra->state[i] = RA_HELD;
	pthread_mutex_unlock(&ra->mu);
	ra->take = (i + 1) % ra->n;
	return i;
}

/* Gives back slot i; the thread, when it waits, is woken for a batch. */
static void ra_give(struct sk_ra *ra, int i)
{
	pthread_mutex_lock(&ra->mu);
	ra->state[i] = RA_FREE;
	if (ra->pwait && ra_count(ra, RA_FREE) >= ra->batch)
		pthread_cond_broadcast(&ra->cv);
	pthread_mutex_unlock(&ra->mu);
}

/* Gives back the slot or buffer in->buf is in (after its bytes moved). */
static void ra_release(struct sk_in *in)
{
	struct sk_ra *ra = in->ra;

	if (ra->held < 0) {
		free(in->buf);
	} else {
		ra_give(ra, ra->held);
	}
	in->buf = NULL;
	ra->held = -1;
}

static void ra_free(struct sk_ra *ra)
{
	for (int i = 0; i < ra->n; i++)
		free(ra->slot[i]);
	if (ra->pipe) {
		close(ra->wake[0]);
		close(ra->wake[1]);
	}
	pthread_mutex_destroy(&ra->mu);
	pthread_cond_destroy(&ra->cv);
	free(ra);
}

/* Ends read-ahead (mode RA_*); in->buf then is a malloc'd buffer holding the
 * unread bytes at 0 (none for RA_CLOSE).  Fails only for RA_DRAIN, out of
 * memory, with what the thread read beyond in->buf lost. */
int sk_io_ra_end(struct sk_in *in, int mode, struct sk_error *err)
{
	struct sk_ra *ra = in->ra;
	const size_t left = in->end - in->beg;
	int rc = 0;

	pthread_mutex_lock(&ra->mu);
	ra->stop = 1;
	pthread_cond_broadcast(&ra->cv);
	pthread_mutex_unlock(&ra->mu);
	if (ra->pipe) {
		while (write(ra->wake[1], "", 1) < 0 && errno == EINTR)
			;
	}
	pthread_join(ra->th, NULL);
	if (mode == RA_CLOSE) {
		if (ra->held >= 0)
			in->buf = NULL;
	} else {
		if (ra->held >= 0) {
			/* The held slot becomes the buffer. */
			unsigned char *const s = ra->slot[ra->held];
			memmove(s, in->buf + in->beg, left);
			ra->slot[ra->held] = NULL;
			in->buf = s;
			in->cap = ra->H + ra->C;
		} else {
			memmove(in->buf, in->buf + in->beg, left);
		}
		in->beg = 0;
		in->end = left;
		for (int k = 0; k < ra->n && mode == RA_DRAIN && rc == 0; k++) {
			const int i = (ra->take + k) % ra->n;
			if (ra->state[i] != RA_READY)
				continue;
			if (in->cap - in->end < ra->len[i]) {
				unsigned char *b = realloc(in->buf, in->end + ra->len[i]);
				if (!b) {
					rc = sk_error_set(err, SK_ENOMEM, "out of memory");
					break;
				}
				in->buf = b;
				in->cap = in->end + ra->len[i];
			}
			memcpy(in->buf + in->end, ra->slot[i] + ra->H, ra->len[i]);
			in->end += ra->len[i];
			in->eof |= ra->eof[i];
		}
		if (mode == RA_KEEP && in->seekable)
			lseek(in->fd, (off_t)(in->pos + (int64_t)left), SEEK_SET);
	}
	ra_free(ra);
	in->ra = NULL;
	return rc;
}

static int ra_start(struct sk_in *in, size_t unit, size_t first, int blocks, struct sk_error *err)
{
	struct sk_ra *ra;
	int rc;

	/* A tapped input is read by this thread alone (the tap sees the
	 * bytes in order). */
	if (in->ra || in->tap || in->eof || (in->size >= 0 && in->pos + (int64_t)(in->end - in->beg) >= in->size))
		return 0;
	if (!(ra = calloc(1, sizeof *ra)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	ra->fd = in->fd;
	if (!in->seekable && pipe(ra->wake) != 0) {
		free(ra);
		return sk_error_sys(err, "cannot start the read-ahead thread");
	}
	ra->pipe = !in->seekable;
	if (!unit)
		unit = in->cap;
	if (blocks) {
		/* Slots of whole units (at least RA_CHUNK), three of them: the
		 * consumer's, one filled and one filling.  The headroom holds
		 * the bytes buffered at the start, or what a short slot (the
		 * end, a read error) leaves; more goes through ra_gather. */
		const size_t lead = in->end - in->beg;
		ra->unit = unit;
		ra->C = (RA_CHUNK + unit - 1) / unit * unit;
		/* Units start at first + k x unit from the consumer; the
		 * thread starts lead bytes on, and its first slot, C - skew0
		 * bytes, ends at such a start. */
		ra->skew0 = (lead % unit + unit - first % unit) % unit;
		ra->H = lead > RA_COPY ? lead : RA_COPY;
		ra->H = ra->H > unit ? unit : ra->H;
		ra->H = (ra->H + RA_ALIGN - 1) / RA_ALIGN * RA_ALIGN;
		ra->n = 3;
	} else {
		ra->H = unit > RA_MAX ? RA_MAX : unit < RA_ALIGN ? RA_ALIGN : unit;
		ra->H = (ra->H + RA_ALIGN - 1) / RA_ALIGN * RA_ALIGN;
		ra->C = 2 * ra->H > RA_CHUNK ? 2 * ra->H : RA_CHUNK;
		ra->n = ra->C > RA_CHUNK ? 2 : RA_SLOTS;
	}
	ra->batch = ra->n / 2;
	ra->held = -1;
	pthread_mutex_init(&ra->mu, NULL);
	pthread_cond_init(&ra->cv, NULL);
	for (int i = 0; i < ra->n; i++)
		if (!(ra->slot[i] = aligned_alloc(RA_ALIGN, (ra->H + ra->C + RA_ALIGN - 1) / RA_ALIGN * RA_ALIGN))) {
			ra_free(ra);
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		}
	/* Signals go to the caller's threads, not to the reader. */
	if ((rc = sk_ofile_thread(&ra->th, ra_main, ra)) != 0) {
		ra_free(ra);
		errno = rc;
		return sk_error_sys(err, "cannot start the read-ahead thread");
	}
	in->ra = ra;
	return 0;
}

int sk_in_readahead(struct sk_in *in, size_t unit, struct sk_error *err)
{
	return ra_start(in, unit, 0, 0, err);
}

int sk_in_readahead_blocks(struct sk_in *in, size_t unit, size_t first, struct sk_error *err)
{
	if (unit == 0 || unit > ((size_t)1 << 30) || first > unit)
		return sk_error_set(err, SK_EARG, "read-ahead unit of %zu bytes, the first %zu", unit, first);
	return ra_start(in, unit, first ? first : unit, 1, err);
}

size_t sk_in_readahead_unit(const struct sk_in *in)
{
	return in->ra ? in->ra->unit : 0;
}

/* The thread met a read error after the bytes now buffered: read-ahead ends
 * and the read is tried again, so the error is reported (with its offset)
 * when, and as, it would have been without read-ahead. */
static int64_t ra_failed(struct sk_in *in, size_t n, struct sk_error *err)
{
	sk_io_ra_end(in, RA_KEEP, err);
	return sk_io_need(in, n, err);
}

/* sk_in_need for n > H: everything up to n bytes is copied into a malloc'd
 * buffer (slots are given back at once). */
static int64_t ra_gather(struct sk_in *in, size_t n, struct sk_error *err)
{
	struct sk_ra *ra = in->ra;
	size_t cap = ra->H;
	const size_t left = in->end - in->beg;
	unsigned char *b;

	while (cap < n)
		cap *= 2;
	if (!(b = malloc(cap)))
		return sk_error_set(err, SK_ENOMEM, "out of memory (a %zu-byte record)", n);
	memcpy(b, in->buf + in->beg, left);
	ra_release(in);
	in->buf = b;
	in->cap = cap;
	in->beg = 0;
	in->end = left;
	while (in->end < n && !in->eof) {
		int i, e;
		if (in->cap - in->end < ra->C) {
			const size_t c = in->end + ra->C > 2 * in->cap ? in->end + ra->C : 2 * in->cap;
			if (!(b = realloc(in->buf, c)))
				return sk_error_set(err, SK_ENOMEM, "out of memory (a %zu-byte record)", n);
			in->buf = b;
			in->cap = c;
		}
		i = ra_take(ra);
		memcpy(in->buf + in->end, ra->slot[i] + ra->H, ra->len[i]);
		in->end += ra->len[i];
		in->eof = ra->eof[i];
		e = ra->errnum[i]; /* read before the slot goes back to the reader */
		ra_give(ra, i);
		if (e)
			return ra_failed(in, n, err);
	}
	return (int64_t)(in->end < n ? in->end : n);
}

/* sk_in_need with read-ahead, n already capped at the file size. */
int64_t sk_io_ra_need(struct sk_in *in, size_t n, struct sk_error *err)
{
	struct sk_ra *ra = in->ra;

	if (n > ra->H && (!ra->unit || n > ra->unit))
		return ra_gather(in, n, err);
	while (in->end - in->beg < n && !in->eof) {
		const size_t left = in->end - in->beg;
		int i;

		if (left > ra->H)
			return ra_gather(in, n, err);
		i = ra_take(ra);
		unsigned char *const d = ra->slot[i] + ra->H - left;

		memcpy(d, in->buf + in->beg, left);
		ra_release(in);
		ra->held = i;
		in->buf = d;
		in->beg = 0;
		in->end = left + ra->len[i];
		in->cap = in->end;
		in->eof = ra->eof[i];
		if (ra->errnum[i])
			return ra_failed(in, n, err);
	}
	return (int64_t)(in->end - in->beg < n ? in->end - in->beg : n);
}
