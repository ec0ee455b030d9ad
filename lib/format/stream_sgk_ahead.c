/*
 * stream_sgk_ahead: reading an sgk stream ahead on a second core
 * (stream_sgk_internal.h).  Uncompressed blocks are read ahead by the
 * input's read-ahead thread (io.h sk_in_readahead_blocks), a block whole in
 * each of its slots, so that the kernel's copy of the next blocks overlaps
 * the decoding of this one (IBM words to float, say): --to su of a 1 GB
 * sgk version 2 file of IBM words ran 1.5x faster, 0.28 s -> 0.18 s (load
 * 1-2), and at load 15 as fast as the serial path.
 *
 * The blocks of a compressed stream are decompressed on two cores (they
 * are independent zstd frames).  The reader's thread reads up to AH_SLOTS
 * blocks ahead (headers checked and stored bytes read as the serial path
 * does, in order), and a helper thread and the reader's own decompress
 * them, whichever is free takes the oldest block no one has taken.  The
 * reader hands them out in order and only waits when the block it needs
 * is the helper's and no other is left to take: on a busy machine, where
 * the helper gets little time, the reader does nearly all of the work
 * itself, as the serial path would.
 * (The earlier decompressor, be4ea47, waited for the helper's block and
 * ran 1.36-1.41x the serial wall at load 12.)  Errors met reading ahead, or
 * decoding, are kept with their block and reported when it is reached,
 * with the serial path's message.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "cpus.h"
#include "ofile.h"
#include "sgk.h"
#include "stream_sgk_internal.h"

/* Slots: one the caller holds (its current block, being written, say)
 * and three read ahead, which the helper and the caller decompress; when
 * the caller comes back for the next block and the helper has not
 * finished it, the caller decompresses a later one itself.  With two
 * slots, the helper had nothing left to take while the caller wrote a
 * block into a file (the caller had taken the only other one), so the
 * writing and half of the decompression took turns: sgk+zstd -> SEG-Y
 * into a tmpfs file ran 1.4-1.5x faster with four (1 GB, load 40-140, 5
 * rounds), and at 0.48-0.81x `zstd -d` with two on a quiet machine.
 * 4 x (stored + 2 x raw) bytes, about 50 MiB for 4 MiB blocks, in huge
 * pages where the kernel gives them (first touches of 4 KiB pages made
 * the page faults cost more than the second core saved at load 600). */
#define AH_SLOTS 4
/* The input buffer while reading ahead: block headers and what a read
 * brings beyond them; the stored bytes go straight into the slots. */
#define AH_INBUF ((size_t)64 << 10)
/* The largest uncompressed block read ahead: the input's read-ahead holds
 * three and a headroom (the serial path one), 4 MiB blocks by default. */
#define AH_UNIT_MAX ((size_t)16 << 20)

enum { AH_EMPTY, AH_LOADED, AH_BUSY, AH_DONE, AH_HELD };
enum { AH_BLOCK, AH_END, AH_ERROR };

struct ah_slot {
	int state, kind;
	int64_t at, first;     /* byte of the block header, first trace (0-based) */
	uint32_t cnt, flags;
	uint64_t raw, stored;
	unsigned char *src;    /* the stored bytes */
	size_t src_cap;
	struct zdec d;
	int rc;                /* of reading or decoding */
	struct sk_error err;
};

struct sgk_ahead {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const struct sk_reader *r;
	struct ah_slot s[AH_SLOTS];
	int head;              /* the next block in order */
	int tail;              /* the next slot to read into */
	int ended;             /* the end marker or an error was read */
	int stop;
	int64_t first;         /* traces in the blocks read so far */
};

/* Decodes slot k (taken: AH_BUSY) without the lock. */
static void ah_decode(struct sgk_ahead *a, struct ah_slot *k)
{
	k->rc = sk_sgk_block_decode(a->r, &k->d, k->src, k->at, k->first, k->cnt, k->flags, k->raw, k->stored,
				    &k->err);
}

/* The oldest block read and not taken, or NULL; with the lock. */
static struct ah_slot *ah_untaken(struct sgk_ahead *a)
{
	for (int j = 0; j < AH_SLOTS; j++) {
		struct ah_slot *const k = &a->s[(a->head + j) % AH_SLOTS];
		if (k->state == AH_LOADED)
			return k;
	}
	return NULL;
}

static void *ah_main(void *arg)
{
	struct sgk_ahead *a = arg;

	pthread_mutex_lock(&a->mu);
	for (;;) {
		struct ah_slot *k;
		while (!a->stop && !(k = ah_untaken(a)))
			pthread_cond_wait(&a->cv, &a->mu);
		if (a->stop)
			break;
		k->state = AH_BUSY;
		pthread_mutex_unlock(&a->mu);
		ah_decode(a, k);
		pthread_mutex_lock(&a->mu);
		k->state = AH_DONE;
		pthread_cond_broadcast(&a->cv);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

/* Reads the next block into slot k (AH_EMPTY, not visible to the helper):
 * its header checked and its stored bytes, or the end marker, or the error
 * the serial path would meet there.  Without the lock. */
static void ah_read(struct sk_reader *r, struct sgk_ahead *a, struct ah_slot *k)
{
	struct sgk_rd *const s = r->fs;
	const int64_t idx = r->idx;
	int rc;

	/* Messages count traces from r->idx, as when this block is reached. */
	r->idx = a->first;
	k->at = r->in.pos;
	k->first = a->first;
	rc = sk_sgk_block_head(r, 0, &k->cnt, &k->flags, &k->raw, &k->stored, &k->err);
	s->done = 0;   /* said when the end marker is reached */
	if (rc > 0) {
		if (k->src_cap < k->stored) {
			free(k->src);
			k->src_cap = 0;
			if (!(k->src = sk_bigmem_alloc(k->stored)))
				rc = sk_error_set(&k->err, SK_ENOMEM, "out of memory");
			else
				k->src_cap = k->stored;
		}
		if (rc > 0) {
			const int64_t got = sk_in_read(&r->in, k->src, k->stored, &k->err);
			if (got >= 0 && (uint64_t)got < k->stored)
				rc = sk_error_set(&k->err, SK_EFMT,
						  "truncated sgk stream: the block at byte %lld (traces %lld-%lld) has %lld of %llu bytes",
						  (long long)k->at, (long long)k->first + 1, (long long)k->first + k->cnt,
						  (long long)got, (unsigned long long)k->stored);
			else if (got < 0)
				rc = (int)got;
		}
	}
	r->idx = idx;
	k->rc = rc < 0 ? rc : 0;
	k->kind = rc < 0 ? AH_ERROR : rc == 0 ? AH_END : AH_BLOCK;
	if (rc <= 0)
		a->ended = 1;
	else
		a->first += k->cnt;
}

int sk_sgk_ahead_start(struct sk_reader *r, struct sk_error *err)
{
	struct sgk_rd *const s = r->fs;
	struct sgk_ahead *a;
	int rc;

	if (s->ah || r->lean || s->done || s->blk_i != s->blk_n || sk_cpus_usable() < 2)
		return 0;
	if (!r->info.compressed) {
		/* A full block and its header: the unit of the input's
		 * read-ahead, which then holds each block whole in one of its
		 * slots, used there in place (sgk_block_load). */
		const size_t unit = SK_SGK_BLOCK_HEAD + (size_t)r->info.block * r->recsize;
		return unit > AH_UNIT_MAX ? 0 : sk_in_readahead_blocks(&r->in, unit, 0, err);
	}
	/* The input buffer keeps block headers; stored bytes bypass it. */
	if (r->in.cap > AH_INBUF && (rc = sk_in_resize(&r->in, AH_INBUF, err)) < 0)
		return rc;
	if (!(a = calloc(1, sizeof *a)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	a->r = r;
	a->first = r->idx;
	/* A block's raw bytes are at most B records; a frame of them at most
	 * sk_zio_bound of that (sk_sgk_block_head checks). */
	{
		const size_t raw = (size_t)r->info.block * r->recsize;
		for (int j = 0; j < AH_SLOTS; j++) {
			struct ah_slot *const k = &a->s[j];
			k->src_cap = sk_zio_bound(raw);
			k->d.zbuf_cap = k->d.blk_cap = raw;
			if (!(k->src = sk_bigmem_alloc(k->src_cap)) || !(k->d.zbuf = sk_bigmem_alloc(raw)) ||
			    !(k->d.blk = sk_bigmem_alloc(raw))) {
				for (int i = 0; i <= j; i++) {
					free(a->s[i].src);
					free(a->s[i].d.zbuf);
					free(a->s[i].d.blk);
				}
				free(a);
				return sk_error_set(err, SK_ENOMEM, "out of memory");
			}
		}
	}
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	if ((rc = sk_ofile_thread(&a->th, ah_main, a)) != 0) {
		pthread_mutex_destroy(&a->mu);
		pthread_cond_destroy(&a->cv);
		free(a);
		errno = rc;
		return sk_error_sys(err, "cannot start the decompression thread");
	}
	s->ah = a;
	return 0;
}

int sk_sgk_ahead_block(struct sk_reader *r, struct sk_error *err)
{
	struct sgk_rd *const s = r->fs;
	struct sgk_ahead *const a = s->ah;
	struct ah_slot *k;

	pthread_mutex_lock(&a->mu);
	/* The block the caller held is done with. */
	if (a->s[a->head].state == AH_HELD) {
		a->s[a->head].state = AH_EMPTY;
		a->head = (a->head + 1) % AH_SLOTS;
	}
	pthread_mutex_unlock(&a->mu);
	k = &a->s[a->head];
	for (;;) {
		struct ah_slot *const t = &a->s[a->tail];
		struct ah_slot *mine;

		/* Read ahead into a free slot (the input is this thread's
		 * alone). */
		if (!a->ended && t->state == AH_EMPTY) {
			ah_read(r, a, t);
			pthread_mutex_lock(&a->mu);
			t->state = t->kind == AH_BLOCK ? AH_LOADED : AH_DONE;
			a->tail = (a->tail + 1) % AH_SLOTS;
			pthread_cond_broadcast(&a->cv);
			pthread_mutex_unlock(&a->mu);
			continue;
		}
		pthread_mutex_lock(&a->mu);
		if (k->state == AH_DONE) {
			k->state = AH_HELD;
			pthread_mutex_unlock(&a->mu);
			break;
		}
		/* Take the oldest block no one has taken (the next one unless
		 * the helper has it); else wait for the helper. */
		if ((mine = ah_untaken(a)) != NULL) {
			mine->state = AH_BUSY;
			pthread_mutex_unlock(&a->mu);
			ah_decode(a, mine);
			pthread_mutex_lock(&a->mu);
			mine->state = AH_DONE;
		} else {
			pthread_cond_wait(&a->cv, &a->mu);
		}
		pthread_mutex_unlock(&a->mu);
	}
	if (k->kind == AH_END) {
		s->done = 1;
		return 0;
	}
	if (k->rc < 0) {
		if (err)
			*err = k->err;
		return k->rc;
	}
	s->bp = k->d.blk;
	s->blk_n = k->cnt;
	s->blk_i = 0;
	return 1;
}

void sk_sgk_ahead_free(struct sk_reader *r)
{
	struct sgk_rd *const s = r->fs;
	struct sgk_ahead *const a = s ? s->ah : NULL;

	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	a->stop = 1;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->th, NULL);
	for (int j = 0; j < AH_SLOTS; j++) {
		free(a->s[j].src);
		sk_sgk_zdec_release(&a->s[j].d);
	}
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	free(a);
	s->ah = NULL;
}
