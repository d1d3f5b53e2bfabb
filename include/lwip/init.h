/**
 * @file init.h
 * Stack initialisation.
 */
#ifndef LWIP_INIT_H
#define LWIP_INIT_H

#include "lwip/opt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LWIP_VERSION_STRING_FULL "lwipd " LWIP_VERSION_STRING " (" LWIP_PROFILE ")"

/** Initialise every module: heap, pools, timers, netifs (and lo0), protocols.
 *  Call once before anything else; the port's sys_now() must work already. */
void lwip_init(void);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_INIT_H */
