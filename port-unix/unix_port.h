/**
 * @file unix_port.h
 * The Linux port of lwipd's core: clock, randomness, logging, assert.
 */
#ifndef LWIP_UNIX_PORT_H
#define LWIP_UNIX_PORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/** Make lwip_port_rand() a deterministic stream from @p seed (lwipd
 *  --seed).  Without a call, randomness comes from getrandom(2). */
void unix_port_seed(uint64_t seed);
/** Is the random source seeded? */
bool unix_port_seeded(void);
/** Freeze sys_now() at @p ms until unix_port_clock_release().  lwipd
 *  freezes the clock for the length of each event it handles (a batch of
 *  frames, a timer run, a control command), so everything one event does
 *  sees one instant: the property that lets lwip-replay reproduce a live
 *  recording exactly.  lwip-replay keeps it frozen at its virtual time. */
void unix_port_clock_set(uint32_t ms);
void unix_port_clock_release(void);
/** The real monotonic clock in ms, frozen or not. */
uint32_t unix_port_clock_real(void);
/** The state of the seeded generator, to restart it exactly (recording). */
uint64_t unix_port_rand_state(void);

/** Where log lines go (default stderr); NULL restores stderr. */
void unix_port_log_to(FILE *f);
/** Called with every log line (after it is written), for lwipd's "log"
 *  event stream.  @p message has no timestamp or newline.  NULL removes it.
 *  A log line written from inside the hook does not call the hook again. */
typedef void (*unix_port_log_hook_fn)(int module, int level, const char *message);
void unix_port_set_log_hook(unix_port_log_hook_fn hook);

#endif
