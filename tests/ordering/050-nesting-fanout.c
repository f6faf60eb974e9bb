/* 050-nesting-fanout.c - C twin of 050-nesting-fanout.js (SEMANTICS 3 and 4.5). Each node of
 * the tree is a small heap block owned by the callback that visits it. */
#include "twin.h"

#include <string.h>

typedef struct node_s {
  char path[16]; /* "r" plus at most three ".x" steps */
  int depth;
} node_t;

static void visit(tick_loop_t *loop, void *arg);

static node_t *child(const node_t *parent, char kind) {
  node_t *c = malloc(sizeof(*c));
  size_t len = strlen(parent->path);
  if (c == NULL) twin_check(TICK_ENOMEM, "malloc");
  memcpy(c->path, parent->path, len);
  c->path[len] = '.';
  c->path[len + 1] = kind;
  c->path[len + 2] = '\0';
  c->depth = parent->depth + 1;
  return c;
}

static void visit_node(tick_loop_t *loop, const node_t *node) {
  say(node->path);
  if (node->depth == 3) return;
  twin_check(tick_next_tick(loop, visit, child(node, 't')), "tick_next_tick");
  twin_check(tick_queue_microtask(loop, visit, child(node, 'm')), "tick_queue_microtask");
  twin_check(tick_set_immediate(loop, visit, child(node, 'i'), NULL), "tick_set_immediate");
}

static void visit(tick_loop_t *loop, void *arg) {
  visit_node(loop, arg);
  free(arg);
}

static void main_script(tick_loop_t *loop) {
  node_t root = {"r", 0};
  visit_node(loop, &root);
}
