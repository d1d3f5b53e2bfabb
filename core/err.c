/**
 * @file err.c
 * Names and descriptions of the err_t codes.  Only people read them, so
 * the tables are built with debug_log (LWIP_DEBUG), as lwIP builds
 * lwip_strerr; without it each function returns one fixed string, inline
 * in err.h.
 */
#include "lwip/err.h"
#include "lwip/opt.h"

#if LWIP_DEBUG

/* Each table is one string of NUL-terminated entries indexed by -err, in
 * the order of err_enum_t, with the text for an unknown code last.  Kept
 * as one array rather than an array of pointers: on a 32-bit target the
 * pointers alone cost 4 bytes an entry. */
static const char err_desc[] = "Ok.\0"
                               "Out of memory error.\0"
                               "Buffer error.\0"
                               "Timeout.\0"
                               "Routing problem.\0"
                               "Operation in progress.\0"
                               "Illegal value.\0"
                               "Operation would block.\0"
                               "Address in use.\0"
                               "Already connecting.\0"
                               "Already connected.\0"
                               "Not connected.\0"
                               "Low-level netif error.\0"
                               "Connection aborted.\0"
                               "Connection reset.\0"
                               "Connection closed.\0"
                               "Illegal argument.\0"
                               "Unknown error.";

static const char err_names[] = "ERR_OK\0ERR_MEM\0ERR_BUF\0ERR_TIMEOUT\0ERR_RTE\0ERR_INPROGRESS\0"
                                "ERR_VAL\0ERR_WOULDBLOCK\0ERR_USE\0ERR_ALREADY\0ERR_ISCONN\0"
                                "ERR_CONN\0ERR_IF\0ERR_ABRT\0ERR_RST\0ERR_CLSD\0ERR_ARG\0ERR_?";

/* Entry -@p err of table @p t (the last, unknown, one for a code outside
 * err_enum_t): step over one NUL per entry before it. */
static const char *err_entry(const char *t, err_t err)
{
  int n = (err > 0 || err < ERR_ARG) ? 1 - ERR_ARG : -err;
  while (n-- > 0) {
    while (*t++ != '\0') {
    }
  }
  return t;
}

const char *lwip_strerr(err_t err)
{
  return err_entry(err_desc, err);
}

const char *lwip_err_name(err_t err)
{
  return err_entry(err_names, err);
}

#endif /* LWIP_DEBUG */
