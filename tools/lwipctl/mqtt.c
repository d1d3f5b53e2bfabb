/*
 * lwipctl mqtt: lwipd's MQTT client (mqtt.*).
 *
 *   lwipctl mqtt [status]
 *   lwipctl mqtt connect BROKER [-p PORT] [-i CLIENT_ID] [-k KEEPALIVE_S] [--keep-session]
 *                        [-u USER] [-P PASSWORD] [--will TOPIC PAYLOAD] [--will-qos Q] [--will-retain]
 *   lwipctl mqtt disconnect
 *   lwipctl mqtt publish TOPIC PAYLOAD [-q QOS] [-r]
 *   lwipctl mqtt subscribe FILTER [-q QOS]
 *   lwipctl mqtt unsubscribe FILTER
 *   lwipctl mqtt messages [--since SEQ] [--clear]
 */
#define _POSIX_C_SOURCE 200809L

#include "lwipctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MQTT_CONNECT_USAGE                                                                                             \
  "mqtt connect BROKER [-p PORT] [-i CLIENT_ID] [-k KEEPALIVE_S] [--keep-session] [-u USER] [-P PASSWORD]\n"           \
  "             [--will TOPIC PAYLOAD] [--will-qos Q] [--will-retain]"

static const struct column mqtt_msg_cols[] = {
    {.header = "SEQ", .kind = COL_INT, .key = "seq", .align = 'r'},
    {.header = "QOS", .kind = COL_INT, .key = "qos", .align = 'r'},
    {.header = "RETAIN", .kind = COL_YESNO, .key = "retain", .align = 'l'},
    {.header = "TOPIC", .kind = COL_STR, .key = "topic", .align = 'l'},
    {.header = "BYTES", .kind = COL_INT, .key = "length", .align = 'r'},
    {.header = "PAYLOAD", .kind = COL_STR, .key = "payload", .align = 'l'},
};

static void print_mqtt(const struct request *rq, json_t *res)
{
  (void)rq;
  if (!jtrue(res, "running")) {
    kv("state:", "%s", jstr(res, "state"));
    return;
  }
  kv("state:", "%s (broker %s:%lld, client id \"%s\")", jstr(res, "state"), jstr(res, "broker"), jint(res, "port"),
     jstr(res, "client_id"));
  kv("session:", "keep alive %lld s, %s session%s, last CONNACK code %lld", jint(res, "keepalive"),
     jtrue(res, "clean") ? "clean" : "kept", jtrue(res, "session_present") ? " (present on the broker)" : "",
     jint(res, "connack"));
  kv("in flight:", "%lld outgoing QoS 1/2, %lld (un)subscribe, %lld incoming QoS 2 awaiting PUBREL",
     jint(res, "inflight"), jint(res, "pending"), jint(res, "qos2_in"));
  json_t *next = json_object_get(res, "next_in_ms");
  if (json_is_integer(next)) {
    kv("timer:", "%.1f s (reconnect wait now %.1f s)", (double)json_integer_value(next) / 1000.0,
       (double)jint(res, "backoff_ms") / 1000.0);
  }
  json_t *c = json_object_get(res, "counters");
  if (json_is_object(c)) {
    json_t *tx = json_object_get(c, "pub_tx"), *rx = json_object_get(c, "pub_rx");
    kv("connections:", "%lld attempts, %lld accepted, %lld refused, %lld lost, %lld malformed", jint(c, "connects"),
       jint(c, "connacks"), jint(c, "refused"), jint(c, "lost"), jint(c, "malformed"));
    kv("published:", "%lld/%lld/%lld at QoS 0/1/2, %lld flows completed, %lld retransmitted",
       (long long)json_integer_value(json_array_get(tx, 0)), (long long)json_integer_value(json_array_get(tx, 1)),
       (long long)json_integer_value(json_array_get(tx, 2)), jint(c, "pub_done"), jint(c, "retransmits"));
    kv("received:", "%lld/%lld/%lld at QoS 0/1/2, %lld duplicates, %lld too big",
       (long long)json_integer_value(json_array_get(rx, 0)), (long long)json_integer_value(json_array_get(rx, 1)),
       (long long)json_integer_value(json_array_get(rx, 2)), jint(c, "dup_rx"), jint(c, "too_big"));
    kv("keep alive:", "%lld PINGREQ, %lld timeouts; %lld SUBACK failures", jint(c, "ping_sent"),
       jint(c, "ping_timeouts"), jint(c, "suback_fail"));
  }
}

static void print_mqtt_done(const struct request *rq, json_t *res)
{
  (void)rq;
  const char *what = jstr(res, "done");
  const char *name = json_is_string(json_object_get(res, "topic")) ? jstr(res, "topic") : jstr(res, "filter");
  if (json_is_integer(json_object_get(res, "granted_qos"))) {
    printf("%s %s: granted QoS %lld (%lld ms)\n", what, name, jint(res, "granted_qos"), jint(res, "ms"));
  } else {
    printf("%s %s: done at QoS %lld (%lld ms)\n", what, name, jint(res, "qos"), jint(res, "ms"));
  }
}

static void print_messages(const struct request *rq, json_t *res)
{
  (void)rq;
  json_t *list = json_object_get(res, "messages");
  if (json_array_size(list) == 0) {
    printf("no messages\n");
    return;
  }
  PRINT_TABLE(mqtt_msg_cols, list, NULL);
}

static const char *need_value(int argc, char **argv, int *i, const char *usage)
{
  if (*i + 1 >= argc) {
    die_usage("%s needs a value: %s", argv[*i], usage);
  }
  return argv[++*i];
}

static void connect_args(int argc, char **argv, struct request *rq)
{
  json_t *will = NULL;
  const char *broker = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-p")) {
      json_object_set_new(rq->args, "port",
                          json_integer(parse_int(need_value(argc, argv, &i, MQTT_CONNECT_USAGE), 1, 65535, "port")));
    } else if (!strcmp(a, "-i")) {
      json_object_set_new(rq->args, "client_id", json_string(need_value(argc, argv, &i, MQTT_CONNECT_USAGE)));
    } else if (!strcmp(a, "-k")) {
      json_object_set_new(
          rq->args, "keepalive",
          json_integer(parse_int(need_value(argc, argv, &i, MQTT_CONNECT_USAGE), 0, 65535, "keep alive")));
    } else if (!strcmp(a, "--keep-session")) {
      json_object_set_new(rq->args, "clean", json_false());
    } else if (!strcmp(a, "-u")) {
      json_object_set_new(rq->args, "username", json_string(need_value(argc, argv, &i, MQTT_CONNECT_USAGE)));
    } else if (!strcmp(a, "-P")) {
      json_object_set_new(rq->args, "password", json_string(need_value(argc, argv, &i, MQTT_CONNECT_USAGE)));
    } else if (!strcmp(a, "--will")) {
      if (i + 2 >= argc) {
        die_usage("--will needs a topic and a payload: %s", MQTT_CONNECT_USAGE);
      }
      if (will == NULL) {
        will = json_object();
      }
      json_object_set_new(will, "topic", json_string(argv[i + 1]));
      json_object_set_new(will, "payload", json_string(argv[i + 2]));
      i += 2;
    } else if (!strcmp(a, "--will-qos") || !strcmp(a, "--will-retain")) {
      if (will == NULL) {
        die_usage("%s comes after --will: %s", a, MQTT_CONNECT_USAGE);
      }
      if (a[7] == 'q') {
        json_object_set_new(will, "qos",
                            json_integer(parse_int(need_value(argc, argv, &i, MQTT_CONNECT_USAGE), 0, 2, "will QoS")));
      } else {
        json_object_set_new(will, "retain", json_true());
      }
    } else if (a[0] == '-') {
      die_usage("unknown option '%s': %s", a, MQTT_CONNECT_USAGE);
    } else if (broker == NULL) {
      check_ip(a, "broker");
      broker = a;
    } else {
      die_usage("one broker: %s", MQTT_CONNECT_USAGE);
    }
  }
  if (broker == NULL) {
    json_decref(will);
    die_usage("a broker address is needed: %s", MQTT_CONNECT_USAGE);
  }
  json_object_set_new(rq->args, "broker", json_string(broker));
  if (will != NULL) {
    json_object_set_new(rq->args, "will", will);
  }
}

/* TOPIC/FILTER [PAYLOAD] then -q QOS and (publish) -r. */
static void topic_args(int argc, char **argv, struct request *rq, int positional, const char *usage)
{
  int got = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-q")) {
      json_object_set_new(rq->args, "qos", json_integer(parse_int(need_value(argc, argv, &i, usage), 0, 2, "QoS")));
    } else if (!strcmp(a, "-r") && positional == 2) {
      json_object_set_new(rq->args, "retain", json_true());
    } else if (a[0] == '-' && a[1] != '\0') {
      die_usage("unknown option '%s': %s", a, usage);
    } else if (got < positional) {
      json_object_set_new(rq->args, got == 0 ? (positional == 2 ? "topic" : "filter") : "payload", json_string(a));
      got++;
    } else {
      die_usage("too many arguments: %s", usage);
    }
  }
  if (got < (positional == 2 ? 1 : positional)) {
    die_usage("missing arguments: %s", usage);
  }
}

void cmd_mqtt(int argc, char **argv, struct request *rq)
{
  const char *sub = argc ? argv[0] : "status";
  rq->print = print_mqtt;
  if (!strcmp(sub, "status")) {
    need_args(argc, 0, 1, "mqtt [status]");
    rq->cmd = "mqtt.status";
  } else if (!strcmp(sub, "connect")) {
    connect_args(argc, argv, rq);
    rq->cmd = "mqtt.connect";
  } else if (!strcmp(sub, "disconnect")) {
    need_args(argc, 1, 1, "mqtt disconnect");
    rq->cmd = "mqtt.disconnect";
  } else if (!strcmp(sub, "publish")) {
    topic_args(argc, argv, rq, 2, "mqtt publish TOPIC [PAYLOAD] [-q QOS] [-r]");
    rq->cmd = "mqtt.publish";
    rq->print = print_mqtt_done;
  } else if (!strcmp(sub, "subscribe")) {
    topic_args(argc, argv, rq, 1, "mqtt subscribe FILTER [-q QOS]");
    rq->cmd = "mqtt.subscribe";
    rq->print = print_mqtt_done;
  } else if (!strcmp(sub, "unsubscribe")) {
    topic_args(argc, argv, rq, 1, "mqtt unsubscribe FILTER");
    rq->cmd = "mqtt.unsubscribe";
    rq->print = print_mqtt_done;
  } else if (!strcmp(sub, "messages")) {
    for (int i = 1; i < argc; i++) {
      if (!strcmp(argv[i], "--since")) {
        json_object_set_new(rq->args, "since",
                            json_integer(parse_int(need_value(argc, argv, &i, "mqtt messages [--since SEQ] [--clear]"),
                                                   0, 1LL << 53, "sequence number")));
      } else if (!strcmp(argv[i], "--clear")) {
        json_object_set_new(rq->args, "clear", json_true());
      } else {
        die_usage("unknown argument '%s': mqtt messages [--since SEQ] [--clear]", argv[i]);
      }
    }
    rq->cmd = "mqtt.messages";
    rq->print = print_messages;
  } else {
    die_usage("unknown mqtt subcommand '%s': use connect, disconnect, publish, subscribe, unsubscribe, messages or "
              "status",
              sub);
  }
}
