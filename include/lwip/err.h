/**
 * @file err.h
 * Error codes, with lwIP's names and values so raw-API applications compile
 * unchanged.  Functions that return err_t document which codes they use.
 */
#ifndef LWIP_ERR_H
#define LWIP_ERR_H

#include "lwip/opt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef s8_t err_t;

typedef enum {
  ERR_OK = 0,          /**< no error, everything OK */
  ERR_MEM = -1,        /**< out of memory */
  ERR_BUF = -2,        /**< buffer error */
  ERR_TIMEOUT = -3,    /**< timeout */
  ERR_RTE = -4,        /**< routing problem */
  ERR_INPROGRESS = -5, /**< operation in progress */
  ERR_VAL = -6,        /**< illegal value */
  ERR_WOULDBLOCK = -7, /**< operation would block */
  ERR_USE = -8,        /**< address in use */
  ERR_ALREADY = -9,    /**< already connecting */
  ERR_ISCONN = -10,    /**< connection already established */
  ERR_CONN = -11,      /**< not connected */
  ERR_IF = -12,        /**< low-level netif error */
  ERR_ABRT = -13,      /**< connection aborted */
  ERR_RST = -14,       /**< connection reset */
  ERR_CLSD = -15,      /**< connection closed */
  ERR_ARG = -16,       /**< illegal argument */
} err_enum_t;

#if LWIP_DEBUG
/** A short English description of @p err ("Out of memory error.").
 *  Unknown values give "Unknown error.". Never NULL.  The texts are built
 *  with debug_log (LWIP_DEBUG); without it this returns "Ok." for ERR_OK
 *  and "Error." for anything else. */
const char *lwip_strerr(err_t err);

/** The code's name ("ERR_MEM"); "ERR_?" for unknown values. Never NULL.
 *  The names are built with debug_log (LWIP_DEBUG); without it this
 *  returns "ERR_OK" for ERR_OK and "ERR_?" for anything else. */
const char *lwip_err_name(err_t err);
#else
/* Without debug_log there are no tables: each function is one test, here
 * inline, so the core carries no function for it.  The callers (apps,
 * firmware messages) still get a string to print. */
static inline const char *lwip_strerr(err_t err)
{
  return err == ERR_OK ? "Ok." : "Error.";
}

static inline const char *lwip_err_name(err_t err)
{
  return err == ERR_OK ? "ERR_OK" : "ERR_?";
}
#endif

#ifdef __cplusplus
}
#endif

#endif /* LWIP_ERR_H */
