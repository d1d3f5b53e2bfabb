/**
 * @file prot/mqtt.h
 * MQTT 3.1.1 wire format (OASIS standard, 2014): control packet types, the
 * fixed header's flag bits, the CONNECT variable header and the return
 * codes of CONNACK and SUBACK.
 *
 * Every packet starts with a fixed header: one byte of type (high nibble)
 * and flags (low nibble), then the remaining length, a base-128 varint of
 * one to four bytes, least significant group first (section 2.2.3).
 * Strings are a big-endian 16-bit length followed by UTF-8 bytes (1.5.3).
 */
#ifndef LWIP_PROT_MQTT_H
#define LWIP_PROT_MQTT_H

/** The broker port (IANA, section 4.2). */
#define MQTT_PORT 1883

/** Control packet types (section 2.2.1), the high nibble of byte 0. */
#define MQTT_CONNECT 1U
#define MQTT_CONNACK 2U
#define MQTT_PUBLISH 3U
#define MQTT_PUBACK 4U
#define MQTT_PUBREC 5U
#define MQTT_PUBREL 6U
#define MQTT_PUBCOMP 7U
#define MQTT_SUBSCRIBE 8U
#define MQTT_SUBACK 9U
#define MQTT_UNSUBSCRIBE 10U
#define MQTT_UNSUBACK 11U
#define MQTT_PINGREQ 12U
#define MQTT_PINGRESP 13U
#define MQTT_DISCONNECT 14U

#define MQTT_TYPE(b) ((u8_t)((b) >> 4))
#define MQTT_FLAGS(b) ((u8_t)((b)&0x0fU))
#define MQTT_HDR(type, flags) ((u8_t)(((type) << 4) | (flags)))

/** PUBLISH flags (section 3.3.1): DUP, QoS (2 bits), RETAIN. */
#define MQTT_PUB_DUP 0x08U
#define MQTT_PUB_QOS(f) ((u8_t)(((f) >> 1) & 3U))
#define MQTT_PUB_RETAIN 0x01U
#define MQTT_PUB_FLAGS(dup, qos, retain) ((u8_t)(((dup) ? 8U : 0U) | ((qos) << 1) | ((retain) ? 1U : 0U)))
/** The flags PUBREL, SUBSCRIBE and UNSUBSCRIBE must carry (section 2.2.2). */
#define MQTT_FLAGS_REL 0x02U

/** Remaining length: at most four bytes (section 2.2.3). */
#define MQTT_VARINT_MAX 4U
#define MQTT_REMAINING_MAX 268435455UL
/** A fixed header is 2 to 5 bytes. */
#define MQTT_FIXED_HDR_MAX 5U

/** CONNECT variable header (section 3.1.2): protocol name "MQTT", level 4. */
#define MQTT_PROTOCOL_LEVEL 4U
#define MQTT_CONN_USERNAME 0x80U
#define MQTT_CONN_PASSWORD 0x40U
#define MQTT_CONN_WILL_RETAIN 0x20U
#define MQTT_CONN_WILL_QOS(q) ((u8_t)((q) << 3))
#define MQTT_CONN_WILL 0x04U
#define MQTT_CONN_CLEAN 0x02U

/** CONNACK (section 3.2): acknowledge flags, then the return code. */
#define MQTT_CONNACK_LEN 2U
#define MQTT_CONNACK_SP 0x01U /**< session present */
#define MQTT_CONNACK_ACCEPTED 0U
#define MQTT_CONNACK_BAD_VERSION 1U
#define MQTT_CONNACK_ID_REJECTED 2U
#define MQTT_CONNACK_UNAVAILABLE 3U
#define MQTT_CONNACK_BAD_LOGIN 4U
#define MQTT_CONNACK_NOT_AUTHORIZED 5U

/** SUBACK return codes (section 3.9.3): the granted QoS, or failure. */
#define MQTT_SUBACK_FAILURE 0x80U

/** Length of PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK: a packet id. */
#define MQTT_ACK_LEN 2U

#endif /* LWIP_PROT_MQTT_H */
