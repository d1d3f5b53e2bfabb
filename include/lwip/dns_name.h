/**
 * @file dns_name.h
 * Walking a domain name inside a received DNS message (RFC 1035 3.1,
 * 4.1.4), shared by the resolver (core/dns.c) and the mDNS responder
 * (core/apps/mdns.c).
 *
 * The message is a flat byte array of @p len bytes the caller owns; no
 * function here reads outside it.  Compression pointers must point
 * strictly backwards, before the start of the name and before every
 * earlier jump of the same name, so the targets decrease and no crafted
 * message can make a walk loop.  A name longer than 255 bytes on the wire,
 * a label type other than 0 or a pointer (0x40/0x80), and a label or
 * pointer running past the end are all malformed.
 */
#ifndef LWIP_DNS_NAME_H
#define LWIP_DNS_NAME_H

#include "lwip/arch.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Walk of one name in a message, following compression pointers. */
struct dns_name_walk {
  u16_t pos;   /**< next label byte to read */
  u16_t limit; /**< a pointer must point below this */
  u16_t end;   /**< offset after the name where it is stored (0: unknown yet) */
  u16_t total; /**< wire bytes of the name so far */
};

/** Start walking the name stored at offset @p off. */
void dns_walk_start(struct dns_name_walk *w, u16_t off);

/** Next label of a name.
 *  @return its length (0 at the root label, which ends the name), or -1
 *  when the name is malformed; *@p lab gets the offset of the label's
 *  bytes in @p buf.  After the root label w->end is the offset just past
 *  the name where it is stored. */
int dns_walk_label(struct dns_name_walk *w, const u8_t *buf, u16_t len, u16_t *lab);

/** Validate the name at @p off.  @return the offset after it, or -1 when
 *  it is malformed. */
int dns_skip_name(const u8_t *buf, u16_t len, u16_t off);

#ifdef __cplusplus
}
#endif

#endif /* LWIP_DNS_NAME_H */
