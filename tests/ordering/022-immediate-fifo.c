/* 022-immediate-fifo.c - C twin of 022-immediate-fifo.js (SEMANTICS 4.5). */
#include "twin.h"

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

/* A tick or microtask that queues an immediate printing `arg`. */
static void queue_labelled_immediate(tick_loop_t *loop, void *arg) {
  twin_check(tick_set_immediate(loop, print_label, arg, NULL), "tick_set_immediate");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_immediate(loop, print_label, "immediate 1", NULL), "tick_set_immediate");
  twin_check(tick_next_tick(loop, queue_labelled_immediate, "immediate 4 from tick"),
             "tick_next_tick");
  twin_check(tick_queue_microtask(loop, queue_labelled_immediate, "immediate 5 from microtask"),
             "tick_queue_microtask");
  twin_check(tick_set_immediate(loop, print_label, "immediate 2", NULL), "tick_set_immediate");
  twin_check(tick_set_immediate(loop, print_label, "immediate 3", NULL), "tick_set_immediate");
}
