/**
 * @file def.h
 * lwIP's small definitions header: LWIP_MIN/LWIP_MAX/LWIP_ARRAYSIZE,
 * LWIP_MAKEU32, byte order (lwip_htons ... PP_HTONL, from lwip/arch.h) and
 * the string helpers lwIP's applications call (lwip_strnstr,
 * lwip_stricmp, lwip_strnicmp, lwip_itoa).
 *
 * The helpers are static inline: only an application that calls one pays
 * for it, and the core's size does not change.
 */
#ifndef LWIP_DEF_H
#define LWIP_DEF_H

#include "lwip/opt.h"
#include "lwip/ip4_addr.h" /* LWIP_MAKEU32 */

#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The first occurrence of @p token in the first @p n bytes of @p buffer
 *  (stopping at a NUL), or NULL.  An empty token matches at @p buffer. */
static inline char *lwip_strnstr(const char *buffer, const char *token, size_t n)
{
  size_t tlen = strlen(token);
  if (tlen == 0) {
    return LWIP_CONST_CAST(char *, buffer);
  }
  for (size_t i = 0; i + tlen <= n && buffer[i] != '\0'; i++) {
    if (memcmp(buffer + i, token, tlen) == 0) {
      return LWIP_CONST_CAST(char *, buffer + i);
    }
  }
  return NULL;
}

static inline int lwip_ascii_lower_(int c)
{
  return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/** Compare at most @p len characters ignoring ASCII case.
 *  @return 0 when equal, else non-zero (lwIP's contract: not an order). */
static inline int lwip_strnicmp(const char *str1, const char *str2, size_t len)
{
  for (size_t i = 0; i < len; i++) {
    int c1 = lwip_ascii_lower_((unsigned char)str1[i]);
    int c2 = lwip_ascii_lower_((unsigned char)str2[i]);
    if (c1 != c2) {
      return 1;
    }
    if (c1 == '\0') {
      break;
    }
  }
  return 0;
}

/** Compare two strings ignoring ASCII case.  @return 0 when equal. */
static inline int lwip_stricmp(const char *str1, const char *str2)
{
  return lwip_strnicmp(str1, str2, (size_t)-1);
}

/** Decimal text of @p number into @p result (@p bufsize bytes, NUL
 *  included).  Writes nothing when the buffer is too small. */
static inline void lwip_itoa(char *result, size_t bufsize, int number)
{
  char tmp[12]; /* "-2147483648" and NUL */
  size_t n = 0;
  unsigned int v = number < 0 ? 0U - (unsigned int)number : (unsigned int)number;
  do {
    tmp[n++] = (char)('0' + v % 10U);
    v /= 10U;
  } while (v != 0U);
  if (number < 0) {
    tmp[n++] = '-';
  }
  if (result == NULL || bufsize < n + 1U) {
    return;
  }
  for (size_t i = 0; i < n; i++) {
    result[i] = tmp[n - 1U - i];
  }
  result[n] = '\0';
}

#ifdef __cplusplus
}
#endif

#endif /* LWIP_DEF_H */
