/*
 * Tidewater's development Kafka: librdkafka's built-in mock cluster behind a tiny launcher.
 *
 * Starts N in-memory mock brokers, creates the topics given on the command line, prints one
 * JSON line (bootstrap servers, control port, pid) and then serves a line-based control
 * protocol on 127.0.0.1 so tests can inject faults (brokers down, request errors, latency).
 * See ../README.md for the protocol. Built on first use by src/mock-cluster-binary.ts:
 *
 *   gcc -O2 -o bin/mock-cluster native/mock-cluster.c -lrdkafka -lpthread
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_TOPICS 1024
#define MAX_CLIENTS 32
#define MAX_LINE 4096
#define MAX_TOKENS 8
#define MAX_PUSHED_ERRORS 256

struct topic_arg {
  char name[256];
  int partitions;
};

struct options {
  int brokers;
  int control_port;
  const char *ready_file;
  int exit_on_stdin_eof;
  int topic_cnt;
  struct topic_arg topics[MAX_TOPICS];
};

struct client {
  int fd;
  size_t len;
  char buf[MAX_LINE];
};

enum action { KEEP_SERVING, SHUT_DOWN };

/* Written by the signal handler so poll() wakes up; the actual shutdown runs in main. */
static int signal_pipe[2] = {-1, -1};
/* Replication factor of every topic: min(3, brokers), as a replication factor above the broker
 * count is refused. */
static int replication_factor = 1;

static void on_signal(int sig) {
  int saved = errno;
  char b = (char)sig;
  ssize_t ignored = write(signal_pipe[1], &b, 1);
  (void)ignored;
  errno = saved;
}

static void die(const char *msg) {
  fprintf(stderr, "mock-cluster: %s\n", msg);
  exit(1);
}

static void usage_exit(const char *msg) {
  fprintf(stderr,
          "mock-cluster: %s\n"
          "usage: mock-cluster [--brokers N] [--topic name:partitions]... [--control-port P]\n"
          "                    [--ready-file PATH] [--exit-on-stdin-eof]\n",
          msg);
  exit(2);
}

/* Strict decimal parse: the whole token must be an integer within [min, max]. */
static int parse_int(const char *s, long min, long max, long *out) {
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < min || v > max) return 0;
  *out = v;
  return 1;
}

static void parse_topic_arg(const char *arg, struct topic_arg *t) {
  const char *colon = strrchr(arg, ':');
  long partitions;
  if (colon == NULL || colon == arg || (size_t)(colon - arg) >= sizeof(t->name))
    usage_exit("--topic expects name:partitions");
  if (!parse_int(colon + 1, 1, 100000, &partitions)) usage_exit("--topic partitions must be a positive integer");
  memcpy(t->name, arg, (size_t)(colon - arg));
  t->name[colon - arg] = '\0';
  t->partitions = (int)partitions;
}

static void parse_options(int argc, char **argv, struct options *o) {
  long v;
  o->brokers = 3;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *next = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--exit-on-stdin-eof") == 0) {
      o->exit_on_stdin_eof = 1;
      continue;
    }
    if (next == NULL) usage_exit("missing value for an option");
    if (strcmp(a, "--brokers") == 0) {
      if (!parse_int(next, 1, 64, &v)) usage_exit("--brokers must be 1..64");
      o->brokers = (int)v;
    } else if (strcmp(a, "--control-port") == 0) {
      if (!parse_int(next, 0, 65535, &v)) usage_exit("--control-port must be 0..65535");
      o->control_port = (int)v;
    } else if (strcmp(a, "--topic") == 0) {
      if (o->topic_cnt >= MAX_TOPICS) usage_exit("too many topics");
      parse_topic_arg(next, &o->topics[o->topic_cnt++]);
    } else if (strcmp(a, "--ready-file") == 0) {
      o->ready_file = next;
    } else {
      usage_exit("unknown option");
    }
    i++;
  }
}

static int listen_control(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  struct sockaddr_in addr;
  socklen_t len = sizeof(addr);
  if (fd < 0) die("socket() failed");
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) die("cannot bind the control port (in use?)");
  if (listen(fd, 16) != 0) die("listen() failed");
  if (getsockname(fd, (struct sockaddr *)&addr, &len) != 0) die("getsockname() failed");
  return fd;
}

/* The ready file is written under a temporary name and renamed so readers never see half a line. */
static void write_ready_file(const char *path, const char *line) {
  char tmp[4096];
  FILE *f;
  if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) die("--ready-file path too long");
  f = fopen(tmp, "w");
  if (f == NULL) die("cannot write the ready file");
  fputs(line, f);
  if (fclose(f) != 0 || rename(tmp, path) != 0) die("cannot write the ready file");
}

static void send_line(int fd, const char *line) {
  size_t len = strlen(line), off = 0;
  while (off < len) {
    ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return; /* the client went away; poll() will report it */
    off += (size_t)n;
  }
  send(fd, "\n", 1, MSG_NOSIGNAL);
}

static void reply_err(char *reply, size_t size, rd_kafka_resp_err_t err) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
    snprintf(reply, size, "ok");
  else
    snprintf(reply, size, "error %s %s", rd_kafka_err2name(err), rd_kafka_err2str(err));
}

/* Parses "6,7,-195" into rd_kafka_resp_err_t values; returns the count or -1. */
static int parse_error_list(char *list, rd_kafka_resp_err_t *out) {
  int cnt = 0;
  char *save = NULL;
  for (char *tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
    long v;
    if (cnt >= MAX_PUSHED_ERRORS || !parse_int(tok, -32768, 32767, &v)) return -1;
    out[cnt++] = (rd_kafka_resp_err_t)v;
  }
  return cnt;
}

static enum action handle_command(rd_kafka_mock_cluster_t *mc, char *line, char *reply, size_t size) {
  char *tok[MAX_TOKENS];
  int n = 0;
  char *save = NULL;
  long a, b, c;
  for (char *t = strtok_r(line, " \t", &save); t != NULL && n < MAX_TOKENS; t = strtok_r(NULL, " \t", &save)) tok[n++] = t;
  if (n == 0) {
    snprintf(reply, size, "error empty command");
    return KEEP_SERVING;
  }
  const char *cmd = tok[0];

#define NEED(count, usage)                                 \
  if (n != (count)) {                                      \
    snprintf(reply, size, "error usage: %s", (usage));     \
    return KEEP_SERVING;                                   \
  }
#define INT_ARG(idx, min, max, dst, what)                  \
  if (!parse_int(tok[idx], (min), (max), &(dst))) {        \
    snprintf(reply, size, "error invalid %s", (what));     \
    return KEEP_SERVING;                                   \
  }

  if (strcmp(cmd, "ping") == 0) {
    NEED(1, "ping");
    snprintf(reply, size, "ok pong");
  } else if (strcmp(cmd, "shutdown") == 0) {
    NEED(1, "shutdown");
    snprintf(reply, size, "ok");
    return SHUT_DOWN;
  } else if (strcmp(cmd, "broker-down") == 0 || strcmp(cmd, "broker-up") == 0) {
    NEED(2, "broker-down|broker-up <brokerId|-1>");
    INT_ARG(1, -1, INT32_MAX, a, "broker id");
    reply_err(reply, size,
              cmd[7] == 'd' ? rd_kafka_mock_broker_set_down(mc, (int32_t)a) : rd_kafka_mock_broker_set_up(mc, (int32_t)a));
  } else if (strcmp(cmd, "broker-rtt") == 0) {
    NEED(3, "broker-rtt <brokerId|-1> <ms>");
    INT_ARG(1, -1, INT32_MAX, a, "broker id");
    INT_ARG(2, 0, 3600000, b, "rtt ms");
    reply_err(reply, size, rd_kafka_mock_broker_set_rtt(mc, (int32_t)a, (int)b));
  } else if (strcmp(cmd, "push-request-errors") == 0) {
    rd_kafka_resp_err_t errs[MAX_PUSHED_ERRORS];
    int cnt;
    NEED(3, "push-request-errors <apiKey> <err1,err2,...>");
    INT_ARG(1, 0, INT16_MAX, a, "api key");
    cnt = parse_error_list(tok[2], errs);
    if (cnt <= 0) {
      snprintf(reply, size, "error invalid error code list");
      return KEEP_SERVING;
    }
    rd_kafka_mock_push_request_errors_array(mc, (int16_t)a, (size_t)cnt, errs);
    snprintf(reply, size, "ok");
  } else if (strcmp(cmd, "clear-request-errors") == 0) {
    NEED(2, "clear-request-errors <apiKey>");
    INT_ARG(1, 0, INT16_MAX, a, "api key");
    rd_kafka_mock_clear_request_errors(mc, (int16_t)a);
    snprintf(reply, size, "ok");
  } else if (strcmp(cmd, "topic-error") == 0) {
    NEED(3, "topic-error <topic> <errCode>");
    INT_ARG(2, -32768, 32767, a, "error code");
    rd_kafka_mock_topic_set_error(mc, tok[1], (rd_kafka_resp_err_t)a);
    snprintf(reply, size, "ok");
  } else if (strcmp(cmd, "create-topic") == 0) {
    NEED(3, "create-topic <name> <partitions>");
    INT_ARG(2, 1, 100000, a, "partition count");
    reply_err(reply, size, rd_kafka_mock_topic_create(mc, tok[1], (int)a, replication_factor));
  } else if (strcmp(cmd, "partition-leader") == 0) {
    NEED(4, "partition-leader <topic> <partition> <brokerId|-1>");
    INT_ARG(2, 0, INT32_MAX, b, "partition");
    INT_ARG(3, -1, INT32_MAX, c, "broker id");
    reply_err(reply, size, rd_kafka_mock_partition_set_leader(mc, tok[1], (int32_t)b, (int32_t)c));
  } else {
    snprintf(reply, size, "error unknown command %s", cmd);
  }
  return KEEP_SERVING;
#undef NEED
#undef INT_ARG
}

/* Runs every complete line in the client's buffer; returns SHUT_DOWN if one asked for it. */
static enum action drain_lines(rd_kafka_mock_cluster_t *mc, struct client *cl) {
  char reply[1024];
  char *nl;
  while ((nl = memchr(cl->buf, '\n', cl->len)) != NULL) {
    size_t line_len = (size_t)(nl - cl->buf);
    enum action act;
    *nl = '\0';
    if (line_len > 0 && cl->buf[line_len - 1] == '\r') cl->buf[line_len - 1] = '\0';
    act = handle_command(mc, cl->buf, reply, sizeof(reply));
    send_line(cl->fd, reply);
    memmove(cl->buf, nl + 1, cl->len - line_len - 1);
    cl->len -= line_len + 1;
    if (act == SHUT_DOWN) return SHUT_DOWN;
  }
  return KEEP_SERVING;
}

static void close_client(struct client *cl) {
  close(cl->fd);
  cl->fd = -1;
  cl->len = 0;
}

static void serve(rd_kafka_mock_cluster_t *mc, int listen_fd, int watch_stdin) {
  static struct client clients[MAX_CLIENTS];
  struct pollfd pfds[3 + MAX_CLIENTS];
  for (int i = 0; i < MAX_CLIENTS; i++) clients[i].fd = -1;

  for (;;) {
    int n = 0;
    int client_at[MAX_CLIENTS];
    pfds[n++] = (struct pollfd){.fd = signal_pipe[0], .events = POLLIN};
    pfds[n++] = (struct pollfd){.fd = listen_fd, .events = POLLIN};
    pfds[n++] = (struct pollfd){.fd = watch_stdin ? STDIN_FILENO : -1, .events = POLLIN};
    for (int i = 0; i < MAX_CLIENTS; i++) {
      client_at[i] = -1;
      if (clients[i].fd >= 0) {
        client_at[i] = n;
        pfds[n++] = (struct pollfd){.fd = clients[i].fd, .events = POLLIN};
      }
    }
    if (poll(pfds, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll() failed");
    }
    if (pfds[0].revents) return; /* SIGTERM / SIGINT */
    if (pfds[2].revents) {
      /* The parent holds our stdin open; EOF means it is gone, so we go too. */
      char sink[256];
      ssize_t r = read(STDIN_FILENO, sink, sizeof(sink));
      if (r <= 0) return;
    }
    if (pfds[1].revents & POLLIN) {
      int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
      if (fd >= 0) {
        int slot = -1;
        for (int i = 0; i < MAX_CLIENTS && slot < 0; i++)
          if (clients[i].fd < 0) slot = i;
        if (slot < 0) {
          send_line(fd, "error too many control connections");
          close(fd);
        } else {
          clients[slot].fd = fd;
          clients[slot].len = 0;
        }
      }
    }
    for (int i = 0; i < MAX_CLIENTS; i++) {
      struct client *cl = &clients[i];
      ssize_t r;
      if (client_at[i] < 0 || pfds[client_at[i]].revents == 0) continue;
      r = recv(cl->fd, cl->buf + cl->len, sizeof(cl->buf) - cl->len, 0);
      if (r <= 0) {
        if (r < 0 && errno == EINTR) continue;
        close_client(cl);
        continue;
      }
      cl->len += (size_t)r;
      if (drain_lines(mc, cl) == SHUT_DOWN) return;
      if (cl->len == sizeof(cl->buf)) {
        send_line(cl->fd, "error line too long");
        close_client(cl);
      }
    }
  }
}

int main(int argc, char **argv) {
  static struct options opts;
  char errstr[512];
  char line[8192];
  struct sockaddr_in addr;
  socklen_t addr_len = sizeof(addr);
  struct sigaction sa;

  parse_options(argc, argv, &opts);

  if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) die("pipe2() failed");
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  /* The mock cluster needs an rd_kafka_t for its bookkeeping; this producer never produces. */
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "client.id", "tidewater-mock-cluster", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
    die(errstr);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (rk == NULL) die(errstr);

  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, opts.brokers);
  if (mc == NULL) die("rd_kafka_mock_cluster_new() failed");

  replication_factor = opts.brokers < 3 ? opts.brokers : 3;
  for (int i = 0; i < opts.topic_cnt; i++) {
    rd_kafka_resp_err_t err =
        rd_kafka_mock_topic_create(mc, opts.topics[i].name, opts.topics[i].partitions, replication_factor);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      fprintf(stderr, "mock-cluster: cannot create topic %s: %s\n", opts.topics[i].name, rd_kafka_err2str(err));
      return 1;
    }
  }

  int listen_fd = listen_control(opts.control_port);
  if (getsockname(listen_fd, (struct sockaddr *)&addr, &addr_len) != 0) die("getsockname() failed");

  snprintf(line, sizeof(line), "{\"bootstrap\":\"%s\",\"controlPort\":%d,\"pid\":%d}\n",
           rd_kafka_mock_cluster_bootstraps(mc), (int)ntohs(addr.sin_port), (int)getpid());
  if (opts.ready_file != NULL) write_ready_file(opts.ready_file, line);
  fputs(line, stdout);
  fflush(stdout);

  serve(mc, listen_fd, opts.exit_on_stdin_eof);

  /* Brokers first, then the control sockets: a client seeing its connection close knows the
   * broker ports are already gone. */
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  close(listen_fd);
  return 0;
}
