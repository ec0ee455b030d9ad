#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

/* Fuzz builds (tests/fuzz) read inputs of a few KB: a 4 MiB buffer per
 * stream would cost more than the parsing, under ASan, and never let a
 * record straddle a refill.  The buffers grow as records need. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define IO_BUF 4096u
#else
#define IO_BUF (4u << 20)
#endif
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
/* How read-ahead ends: the input closes; the consumer's unread bytes stay
 * and a seekable fd is set back after them (what the thread read beyond is
 * dropped); or everything the thread read stays buffered (for pipes, where
 * nothing read can be read again). */
enum { RA_CLOSE, RA_KEEP, RA_DRAIN };

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
static int ra_end(struct sk_in *in, int mode, struct sk_error *err)
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
	sigset_t all, old;
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
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&ra->th, NULL, ra_main, ra);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
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

static int64_t need(struct sk_in *in, size_t n, struct sk_error *err);

/* The thread met a read error after the bytes now buffered: read-ahead ends
 * and the read is tried again, so the error is reported (with its offset)
 * when, and as, it would have been without read-ahead. */
static int64_t ra_failed(struct sk_in *in, size_t n, struct sk_error *err)
{
	ra_end(in, RA_KEEP, err);
	return need(in, n, err);
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
static int64_t ra_need(struct sk_in *in, size_t n, struct sk_error *err)
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

static int in_open(struct sk_in *in, const char *path, struct sk_error *err);

int sk_in_open_fd(struct sk_in *in, int fd, const char *name, struct sk_error *err)
{
	memset(in, 0, sizeof *in);
	in->fd = fd;
	in->size = -1;
	in->cap = IO_BUF;
	if (!(in->name = strdup(name)) || !(in->buf = malloc(in->cap))) {
		sk_in_close(in);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	return 0;
}

int sk_in_open(struct sk_in *in, const char *path, struct sk_error *err)
{
	return sk_error_at(err, in_open(in, path, err), sk_in_name(path));
}

static int in_open(struct sk_in *in, const char *path, struct sk_error *err)
{
	struct stat st;

	memset(in, 0, sizeof *in);
	in->size = -1;
	if (!(in->name = strdup(sk_in_name(path))))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (!path || strcmp(path, "-") == 0) {
		in->fd = STDIN_FILENO;
		/* Trace data typed at a terminal is never meant: waiting silently
		 * for it is what a user mistakes for a hang. */
		if (isatty(in->fd)) {
			sk_in_close(in);
			return sk_error_set(err, SK_EUSAGE, "standard input is a terminal; give a file or a pipe");
		}
	} else {
		in->fd = open(path, O_RDONLY);
		if (in->fd < 0) {
			const int rc = sk_error_sys(err, "%s", "");
			sk_in_close(in);
			return rc;
		}
		in->own = 1;
	}
	if (fstat(in->fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			sk_in_close(in);
			return sk_error_sys(err, "%s", "");
		}
		if (S_ISREG(st.st_mode)) {
			const off_t at = lseek(in->fd, 0, SEEK_CUR);
			in->seekable = at >= 0;
			in->size = (int64_t)st.st_size - (at > 0 ? at : 0);
			/* Offsets count from where we start, so stdin redirected
			 * from a file part-way through still reads right. */
			if (at > 0)
				in->seekable = 0;
		}
	}
	in->cap = IO_BUF;
	in->buf = malloc(in->cap);
	if (!in->buf) {
		sk_in_close(in);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	return 0;
}

int64_t sk_in_need(struct sk_in *in, size_t n, struct sk_error *err)
{
	int64_t got;

	if (in->end - in->beg >= n)
		return (int64_t)n;
	/* A file cannot hold more than its size: no buffer for a record that
	 * a bad header makes larger than the file. */
	if (in->size >= 0 && (int64_t)n > in->size - in->pos)
		n = in->size > in->pos ? (size_t)(in->size - in->pos) : 0;
	got = in->ra ? ra_need(in, n, err) : need(in, n, err);
	if (got < 0)
		sk_error_at(err, (int)got, in->name);
	return got;
}

/* A piece of sk_in_copy: small enough that what read() puts in the buffer
 * is still in the cache when write() takes it out (with the whole 4 MiB
 * buffer, sgk -> sgk copies into /dev/null ran at 0.57x cat). */
#define COPY_PIECE ((size_t)256 << 10)

static size_t first_read(size_t n, size_t cap)
{
	const size_t want = n > COPY_PIECE ? n : COPY_PIECE;

	return want < cap ? want : cap;
}

/* sk_in_need without read-ahead, n capped. */
static int64_t need(struct sk_in *in, size_t n, struct sk_error *err)
{
	if (in->end - in->beg >= n)
		return (int64_t)n;
	if (in->beg > 0) {
		memmove(in->buf, in->buf + in->beg, in->end - in->beg);
		in->end -= in->beg;
		in->beg = 0;
	}
	while (in->end < n && !in->eof) {
		ssize_t r;
		/* The buffer grows as the data comes, so that a header announcing
		 * a huge record on a pipe costs only what the pipe holds. */
		if (in->end == in->cap) {
			const size_t cap = in->cap ? 2 * in->cap : IO_BUF;
			unsigned char *b = realloc(in->buf, cap);
			if (!b)
				return sk_error_set(err, SK_ENOMEM, "out of memory (a %zu-byte record)", n);
			in->buf = b;
			in->cap = cap;
		}
		/* Read as much as fits: pipes give short reads, so loop.  The
		 * first read, though, takes what is asked (format detection asks
		 * for about 256 KiB), or a piece of sk_in_copy, and no more: a
		 * copy through sk_in_copy never needs the rest of the buffer,
		 * whose pages are then never touched. */
		r = read(in->fd, in->buf + in->end,
			 in->pos == 0 && in->end == 0 ? first_read(n, in->cap) : in->cap - in->end);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return sk_error_sys(err, "read error at byte %lld", (long long)(in->pos + (int64_t)in->end));
		}
		if (r == 0)
			in->eof = 1;
		else if (in->tap)
			in->tap(in->tap_arg, in->buf + in->end, (size_t)r);
		in->end += (size_t)r;
	}
	return (int64_t)(in->end < n ? in->end : n);
}

int64_t sk_in_copy(struct sk_in *in, struct sk_out *out, uint64_t n, int *wfail, struct sk_error *err)
{
	uint64_t done = 0;

	*wfail = 0;
	while (done < n) {
		const size_t want = n - done < COPY_PIECE ? (size_t)(n - done) : COPY_PIECE;
		size_t len = in->end - in->beg;
		int rc;

		if (len == 0 && !in->ra && !in->eof) {
			/* A whole piece even for the last bytes: what follows them
			 * (the next record's header) is then buffered too. */
			const ssize_t r = read(in->fd, in->buf, COPY_PIECE < in->cap ? COPY_PIECE : in->cap);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return sk_error_at(err, sk_error_sys(err, "read error at byte %lld", (long long)in->pos),
						   in->name);
			if (r > 0 && in->tap)
				in->tap(in->tap_arg, in->buf, (size_t)r);
			in->beg = 0;
			in->end = (size_t)r;
			in->eof = r == 0;
			len = (size_t)r;
		} else if (len == 0) {
			const int64_t got = sk_in_need(in, want, err);
			if (got < 0)
				return got;
			len = (size_t)got;
		}
		if (len == 0)
			break;
		if (len > n - done)
			len = (size_t)(n - done);
		if ((rc = sk_out_write(out, sk_in_ptr(in), len, err)) < 0) {
			*wfail = 1;
			return rc;
		}
		sk_in_skip(in, len);
		done += len;
	}
	return (int64_t)done;
}

int64_t sk_in_read(struct sk_in *in, void *dst, size_t n, struct sk_error *err)
{
	unsigned char *const d = dst;
	size_t done = in->end - in->beg < n ? in->end - in->beg : n;

	memcpy(d, sk_in_ptr(in), done);
	sk_in_skip(in, done);
	if (in->ra) {
		while (done < n) {
			const int64_t got = sk_in_need(in, n - done, err);
			if (got <= 0)
				return got < 0 ? got : (int64_t)done;
			memcpy(d + done, sk_in_ptr(in), (size_t)got);
			sk_in_skip(in, (size_t)got);
			done += (size_t)got;
		}
		return (int64_t)done;
	}
	while (done < n && !in->eof) {
		const ssize_t r = read(in->fd, d + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sk_error_at(err, sk_error_sys(err, "read error at byte %lld", (long long)in->pos), in->name);
		in->eof = r == 0;
		if (r > 0 && in->tap)
			in->tap(in->tap_arg, d + done, (size_t)r);
		in->pos += r;
		done += (size_t)r;
	}
	return (int64_t)done;
}

int sk_in_resize(struct sk_in *in, size_t cap, struct sk_error *err)
{
	unsigned char *b;
	int rc;

	if (in->ra && (rc = ra_end(in, RA_DRAIN, err)) < 0)
		return rc;
	memmove(in->buf, in->buf + in->beg, in->end - in->beg);
	in->end -= in->beg;
	in->beg = 0;
	/* A file gives back what does not fit: its bytes are read again when
	 * needed.  (Format detection buffers 260 KiB; a merge of 1,000 inputs
	 * holding that each took 260 MiB instead of 64 MiB.)  A pipe keeps
	 * them all. */
	if (cap < in->end && in->seekable && lseek(in->fd, (off_t)(in->pos + (int64_t)cap), SEEK_SET) >= 0) {
		in->end = cap;
		in->eof = 0;
	}
	if (cap < in->end)
		cap = in->end;
	if (cap < in->cap / 2 && (b = malloc(cap ? cap : 1))) {
		/* A new buffer, and the old one freed whole: shrunk in place,
		 * its touched pages beyond the new end stayed resident, in
		 * pieces too small for the next input's buffer (a merge of 100
		 * inputs held 106 KiB each for 64 KiB buffers). */
		memcpy(b, in->buf, in->end);
		free(in->buf);
	} else if (!(b = realloc(in->buf, cap ? cap : 1))) {
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	in->buf = b;
	in->cap = cap;
	return 0;
}

static int in_seek(struct sk_in *in, int64_t off, struct sk_error *err);

int sk_in_seek(struct sk_in *in, int64_t off, struct sk_error *err)
{
	return sk_error_at(err, in_seek(in, off, err), in->name);
}

static int in_seek(struct sk_in *in, int64_t off, struct sk_error *err)
{
	if (!in->seekable)
		return sk_error_set(err, SK_EARG, "input is not seekable");
	if (off >= in->pos - (int64_t)in->beg && off <= in->pos + (int64_t)(in->end - in->beg)) {
		/* Inside the buffer. */
		const int64_t d = off - in->pos;
		in->beg = (size_t)((int64_t)in->beg + d);
		in->pos = off;
		return 0;
	}
	if (in->ra)
		ra_end(in, RA_KEEP, err);
	if (lseek(in->fd, (off_t)off, SEEK_SET) < 0)
		return sk_error_sys(err, "seek to byte %lld", (long long)off);
	in->beg = in->end = 0;
	in->eof = 0;
	in->pos = off;
	return 0;
}

void sk_in_close(struct sk_in *in)
{
	if (in->ra)
		ra_end(in, RA_CLOSE, NULL);
	if (in->own && in->fd >= 0)
		close(in->fd);
	in->fd = -1;
	free(in->buf);
	in->buf = NULL;
	free(in->name);
	in->name = NULL;
}

static int out_open(struct sk_out *out, const char *path, struct sk_error *err);

/* Binary trace data onto a terminal only when -o - asks for it, as zstd and
 * gzip do. */
static int out_tty(const char *path, struct sk_error *err)
{
	if (!path && isatty(STDOUT_FILENO))
		return sk_error_set(err, SK_EUSAGE,
				    "standard output is a terminal; give -o FILE, or -o - to write to it anyway");
	return 0;
}

int sk_out_check_tty(const char *path, struct sk_error *err)
{
	return sk_error_at(err, out_tty(path, err), sk_out_name(path));
}

int sk_out_open(struct sk_out *out, const char *path, struct sk_error *err)
{
	const int rc = out_open(out, path, err);

	/* A failed open keeps nothing (its name included): callers do not
	 * abort what they could not open. */
	if (rc < 0)
		sk_out_abort(out);
	return sk_error_at(err, rc, sk_out_name(path));
}

static int out_open(struct sk_out *out, const char *path, struct sk_error *err)
{
	struct stat st;
	int rc;

	memset(out, 0, sizeof *out);
	out->fd = -1;
	out->of.fd = -1;
	out->of.slot = -1;
	if (!(out->name = strdup(sk_out_name(path))))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (!path || strcmp(path, "-") == 0) {
		out->fd = STDOUT_FILENO;
		if ((rc = out_tty(path, err)) < 0)
			return rc;
		if (fstat(out->fd, &st) == 0 && S_ISREG(st.st_mode) && lseek(out->fd, 0, SEEK_CUR) == 0)
			out->seekable = 1;
	} else {
		if ((rc = sk_ofile_open(&out->of, path, err)) < 0)
			return rc;
		out->fd = out->of.fd;
		out->seekable = out->of.tmp != NULL;
	}
	out->cap = IO_BUF;
	out->buf = malloc(out->cap);
	if (!out->buf) {
		sk_out_abort(out);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	return 0;
}

int sk_out_flush(struct sk_out *out, struct sk_error *err)
{
	int rc = 0;
	if (out->len)
		rc = sk_file_write_all(out->fd, out->buf, out->len, err);
	out->len = 0;
	return sk_error_at(err, rc, out->name);
}

/* Pieces per writev: Linux's limit (IOV_MAX, which POSIX hides from
 * _POSIX_C_SOURCE builds). */
#define IO_IOV 1024

static int out_writev(struct sk_out *out, struct iovec *iov, size_t n, struct sk_error *err)
{
	int rc;

	if ((rc = sk_out_flush(out, err)) < 0)
		return rc;
	while (n > 0) {
		const int k = n < IO_IOV ? (int)n : IO_IOV;
		ssize_t w = writev(out->fd, iov, k);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;  /* as sk_file_write_all */
			return sk_error_sys(err, "%s", "");
		}
		out->off += (int64_t)w;
		/* Drop the pieces written, and what was written of the next. */
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

int sk_out_writev(struct sk_out *out, struct iovec *iov, size_t n, struct sk_error *err)
{
	return sk_error_at(err, out_writev(out, iov, n, err), out->name);
}

int sk_out_resize(struct sk_out *out, size_t cap, struct sk_error *err)
{
	unsigned char *b;

	if (sk_out_flush(out, err) < 0)
		return err->code;
	if (!(b = realloc(out->buf, cap ? cap : 1)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	out->buf = b;
	out->cap = cap;
	return 0;
}

unsigned char *sk_out_reserve(struct sk_out *out, size_t n, struct sk_error *err)
{
	if (out->cap - out->len < n) {
		if (sk_out_flush(out, err) < 0)
			return NULL;
		if (n > out->cap) {
			unsigned char *b = realloc(out->buf, n);
			if (!b) {
				sk_error_set(err, SK_ENOMEM, "out of memory");
				return NULL;
			}
			out->buf = b;
			out->cap = n;
		}
	}
	return out->buf + out->len;
}

int sk_out_write(struct sk_out *out, const void *p, size_t n, struct sk_error *err)
{
	if (n >= out->cap || (n >= (256u << 10) && out->cap >= (256u << 10))) {
		/* Large pieces go straight from the caller's memory. */
		int rc = sk_out_flush(out, err);
		if (rc == 0)
			rc = sk_file_write_all(out->fd, p, n, err);
		out->off += (int64_t)n;
		return sk_error_at(err, rc, out->name);
	}
	{
		unsigned char *d = sk_out_reserve(out, n, err);
		if (!d)
			return err ? err->code : SK_EIO;
		memcpy(d, p, n);
		sk_out_advance(out, n);
	}
	return 0;
}

int sk_out_pwrite(struct sk_out *out, int64_t off, const void *p, size_t n, struct sk_error *err)
{
	if (!out->seekable)
		return 0;
	if (sk_out_flush(out, err) < 0)
		return err->code;
	return sk_error_at(err, sk_file_pwrite_all(out->fd, p, n, off, err), out->name);
}

int sk_out_close(struct sk_out *out, struct sk_error *err)
{
	int rc = sk_out_flush(out, err);

	if (out->fd != STDOUT_FILENO) {
		out->fd = -1;  /* the ofile's */
		if (rc == 0)
			rc = out->set && out->of.tmp ? sk_ofset_add(out->set, &out->of, err)
						     : sk_ofile_commit(&out->of, err);
	}
	sk_error_at(err, rc, out->name);
	sk_out_abort(out);
	return rc;
}

void sk_out_abort(struct sk_out *out)
{
	/* out->fd is stdout or the ofile's descriptor. */
	sk_ofile_abort(&out->of);
	out->fd = -1;
	free(out->buf);
	free(out->name);
	out->name = NULL;
	out->buf = NULL;
	out->cap = out->len = 0;
}
