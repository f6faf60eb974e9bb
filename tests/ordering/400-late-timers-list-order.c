/* SEMANTICS 4.1 + 5: twin of 400-late-timers-list-order.js */
#include "twin.h"
static void p(tick_loop_t *l, tick_timer_t t, void *a){(void)l;(void)t;say(a);}
static void main_script(tick_loop_t *loop){
  tick_set_timeout(loop,10,p,"A10",NULL);
  tick_set_timeout(loop,11,p,"C11",NULL);
  busy_wait_ms(2);
  tick_set_timeout(loop,10,p,"B12",NULL);
  busy_wait_ms(30);
}
