/**
 * @file err.c
 * Names and descriptions of the err_t codes.
 */
#include "lwip/err.h"

/* Indexed by -err; the order follows err_enum_t. */
static const char *const err_desc[] = {
  "Ok.",
  "Out of memory error.",
  "Buffer error.",
  "Timeout.",
  "Routing problem.",
  "Operation in progress.",
  "Illegal value.",
  "Operation would block.",
  "Address in use.",
  "Already connecting.",
  "Already connected.",
  "Not connected.",
  "Low-level netif error.",
  "Connection aborted.",
  "Connection reset.",
  "Connection closed.",
  "Illegal argument.",
};

static const char *const err_names[] = {
  "ERR_OK", "ERR_MEM", "ERR_BUF", "ERR_TIMEOUT", "ERR_RTE", "ERR_INPROGRESS",
  "ERR_VAL", "ERR_WOULDBLOCK", "ERR_USE", "ERR_ALREADY", "ERR_ISCONN",
  "ERR_CONN", "ERR_IF", "ERR_ABRT", "ERR_RST", "ERR_CLSD", "ERR_ARG",
};

_Static_assert(LWIP_ARRAYSIZE(err_desc) == 1 - ERR_ARG, "one description per err_t code");
_Static_assert(LWIP_ARRAYSIZE(err_names) == 1 - ERR_ARG, "one name per err_t code");

const char *lwip_strerr(err_t err)
{
  if (err > 0 || err < ERR_ARG) {
    return "Unknown error.";
  }
  return err_desc[-err];
}

const char *lwip_err_name(err_t err)
{
  if (err > 0 || err < ERR_ARG) {
    return "ERR_?";
  }
  return err_names[-err];
}
