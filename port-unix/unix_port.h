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
/** Where log lines go (default stderr); NULL restores stderr. */
void unix_port_log_to(FILE *f);

#endif
