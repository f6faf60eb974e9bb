/* SEMANTICS 3 + 4 + 6 + 9: twin of 602-pool-promise-settles-in-completion.js */
#include "twin.h"
static tick_pool_t *pool;
static void p(tick_loop_t *l, void *a){(void)l;say(a);}
static void pt(tick_loop_t *l, tick_timer_t t, void *a){(void)l;(void)t;say(a);}
static void imm(tick_loop_t *l, void *a){(void)a;say("immediate");tick_queue_microtask(l,p,"micro-from-immediate");}
static int work(void *a, void **value, tick_free_cb *free_value){(void)a;(void)value;(void)free_value;return 0;}
static int fulfilled(tick_loop_t *l, tick_promise_t *s, tick_resolver_t *next, void *a){
  (void)s;(void)next;(void)a;say("fulfilled");
  tick_set_timeout(l,0,pt,"timeout",NULL);
  tick_set_immediate(l,imm,NULL,NULL);
  tick_next_tick(l,p,"tick");
  tick_queue_microtask(l,p,"micro");
  return 0;
}
static int then2(tick_loop_t *l, tick_promise_t *s, tick_resolver_t *next, void *a){
  (void)l;(void)s;(void)next;(void)a;say("then2");return 0;
}
static void on_exit_hook(tick_loop_t *l, void *a){(void)l;(void)a;twin_check(tick_pool_destroy(pool),"tick_pool_destroy");}
static void main_script(tick_loop_t *loop){
  tick_promise_t *job, *next;
  twin_check(tick_pool_create(&pool,4),"tick_pool_create");
  twin_check(tick_loop_set_exit(loop,on_exit_hook,NULL),"set_exit");
  twin_check(tick_work_promise(loop,pool,work,NULL,&job,NULL),"tick_work_promise");
  twin_check(tick_promise_then(job,fulfilled,NULL,NULL,NULL,&next),"then");
  twin_check(tick_promise_then(next,then2,NULL,NULL,NULL,NULL),"then2");
  tick_promise_release(job);
  tick_promise_release(next);
}
