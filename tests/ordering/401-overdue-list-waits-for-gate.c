/* SEMANTICS 4 + 5: twin of 401-overdue-list-waits-for-gate.js */
#include "twin.h"
static void p(tick_loop_t *l, tick_timer_t t, void *a){(void)l;(void)t;say(a);}
static void pi(tick_loop_t *l, void *a){(void)l;say(a);}
static void a(tick_loop_t *l, tick_timer_t t, void *x){(void)t;(void)x;say("A");busy_wait_ms(60);tick_set_timeout(l,50,p,"C",NULL);tick_set_immediate(l,pi,"I",NULL);}
static void main_script(tick_loop_t *loop){
  tick_set_timeout(loop,1,a,NULL,NULL);
  tick_set_timeout(loop,40,p,"B",NULL);
}
